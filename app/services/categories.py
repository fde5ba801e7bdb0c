"""The twelve categories of AI solutions (PRODUCT §2). They are part of the product, not demo data."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Category

CATEGORIES = [
    ("imagerie", "Imagerie", "Imaging",
     "Détection, triage et aide à l'interprétation en radiologie, mammographie, scanner, IRM.",
     "Detection, triage and reading support in radiology, mammography, CT, MRI."),
    ("aide-decision-clinique", "Aide à la décision clinique", "Clinical decision support",
     "Alertes, scores de risque et recommandations au lit du patient.",
     "Alerts, risk scores and recommendations at the point of care."),
    ("biologie-anatomopathologie", "Biologie et anatomopathologie", "Biology & pathology",
     "Lecture de lames, validation biologique, microbiologie.",
     "Slide reading, laboratory result validation, microbiology."),
    ("documentation-clinique", "Documentation clinique", "Clinical documentation",
     "Dictée, transcription, scribe ambiant, synthèses et comptes rendus.",
     "Dictation, transcription, ambient scribe, summaries and reports."),
    ("codage-pmsi-facturation", "Codage PMSI et facturation", "Medical coding (PMSI) & billing",
     "Aide au codage des séjours et contrôle de la facturation.",
     "Coding support for hospital stays and billing checks."),
    ("pharmacie-medicament", "Pharmacie et médicament", "Pharmacy & medication",
     "Analyse pharmaceutique, interactions, circuit du médicament.",
     "Pharmaceutical review, interactions, medication circuit."),
    ("planification-ressources", "Planification et ressources", "Planning & resources",
     "Plannings du personnel, gestion des lits, programmation du bloc opératoire.",
     "Staff rosters, bed management, operating-room scheduling."),
    ("relation-patient", "Relation patient", "Patient relations",
     "Prise de rendez-vous, agents conversationnels, accueil téléphonique.",
     "Appointment booking, chatbots, telephone reception."),
    ("telesurveillance-prevention", "Télésurveillance et prévention", "Remote monitoring & prevention",
     "Suivi à distance, détection précoce de dégradation, prévention.",
     "Remote follow-up, early detection of deterioration, prevention."),
    ("logistique-achats", "Logistique et achats", "Logistics & purchasing",
     "Prévision des stocks, approvisionnement, transports internes.",
     "Stock forecasting, supply, internal transport."),
    ("ressources-humaines", "Ressources humaines", "Human resources",
     "Recrutement, absentéisme, gestion des compétences.",
     "Recruitment, absenteeism, skills management."),
    ("medico-social", "Médico-social", "Medico-social",
     "Prévention des chutes, surveillance de nuit, accompagnement en établissement médico-social.",
     "Fall prevention, night monitoring, support in medico-social settings."),
]


def ensure_categories() -> int:
    """Create the missing categories; returns how many were created. Existing ones are left as edited."""
    existing = set(db.session.scalars(sa.select(Category.slug)))
    created = 0
    for position, (slug, name_fr, name_en, description_fr, description_en) in enumerate(CATEGORIES):
        if slug not in existing:
            db.session.add(Category(slug=slug, name_fr=name_fr, name_en=name_en, description_fr=description_fr,
                                    description_en=description_en, position=position))
            created += 1
    db.session.flush()
    return created
