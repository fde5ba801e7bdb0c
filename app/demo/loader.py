"""Demonstration data: fictional solutions, vendors, establishments and one account per role.

Every name here is invented; solutions and establishments are flagged `is_fictional` and every page
carries a banner saying so. Loading twice changes nothing.
"""

from __future__ import annotations

import random

import sqlalchemy as sa
from flask import current_app

from app import vocabulary as v
from app.demo.mix import DEMO_DOMAIN
from app.extensions import db
from app.models import Category, Establishment, Solution, User
from app.services import accounts, catalogue
from app.services.categories import ensure_categories
from app.services.finess import luhn_key

DEMO_PASSWORD = "demo-retex-ia"  # noqa: S105 (published demo password, refused in production)
# The fictional SIRET of the demonstration's university hospital: the fictional ProConnect identity of the local
# provider (app.demo.oidc_provider) carries it, so that its first login suggests that establishment.
DEMO_SIRET = "99999999900017"
DEMO_ROLES = ("contributor", "referent", "moderator", "analyst", "admin", "ethics_reviewer")

# (category, name, vendor, description, device class, AI Act risk, hosting, integrations, sectors)
_SOLUTIONS = [
    ("imagerie", "Radiolys Thorax", "Nordalune Imaging", "Détection d'anomalies sur radiographies thoraciques.",
     "IIa", "high", "on_premises|hds_cloud", "pacs|ris", "health"),
    ("imagerie", "Ossifine", "Nordalune Imaging", "Détection de fractures sur radiographies osseuses aux urgences.",
     "IIa", "high", "hds_cloud", "pacs", "health"),
    ("imagerie", "Mammavue", "Clairmont Vision", "Aide à la lecture des mammographies de dépistage.",
     "IIb", "high", "on_premises", "pacs|ris", "health"),
    ("imagerie", "NeuroScan Triage", "Vellier Medical", "Priorisation des scanners cérébraux suspects d'AVC.",
     "IIb", "high", "hds_cloud", "pacs|ris|dpi", "health"),
    ("imagerie", "IRM Express", "Clairmont Vision", "Reconstruction accélérée des séquences d'IRM.",
     "IIa", "high", "on_premises", "pacs", "health"),
    ("aide-decision-clinique", "SepsiGuet", "Hélianthe Santé", "Alerte précoce de sepsis à partir du DPI.",
     "IIa", "high", "hds_cloud", "dpi|lis", "health"),
    ("aide-decision-clinique", "Cardiorisque", "Hélianthe Santé", "Score de risque cardiovasculaire en consultation.",
     "I", "high", "vendor_saas", "dpi", "health"),
    ("aide-decision-clinique", "Dermatolens", "Orvale Technologies", "Aide au tri des lésions cutanées photographiées.",
     "IIa", "high", "vendor_saas", "dpi", "health"),
    ("aide-decision-clinique", "RéaPrédict", "Vellier Medical", "Prédiction de la dégradation en réanimation.",
     "IIb", "high", "on_premises", "dpi|lis", "health"),
    ("biologie-anatomopathologie", "Lamelle Vision", "Pathéon Numérique", "Lecture assistée de lames numérisées.",
     "IIa", "high", "on_premises", "lis", "health"),
    ("biologie-anatomopathologie", "BioValide", "Pathéon Numérique", "Aide à la validation biologique des résultats.",
     "I", "high", "hds_cloud", "lis|dpi", "health"),
    ("biologie-anatomopathologie", "Microbia", "Sérac Analytique", "Lecture automatisée de cultures bactériennes.",
     "IIa", "high", "on_premises", "lis", "health"),
    ("biologie-anatomopathologie", "Cytoflux", "Sérac Analytique", "Pré-tri des frottis cervico-utérins.",
     "IIb", "high", "on_premises", "lis", "health"),
    ("documentation-clinique", "Scribéo", "Verbatim Santé", "Scribe ambiant rédigeant la note de consultation.",
     "none", "limited", "vendor_saas|hds_cloud", "dpi", "health|medico_social"),
    ("documentation-clinique", "Dictalis", "Verbatim Santé", "Reconnaissance vocale pour comptes rendus médicaux.",
     "none", "minimal", "on_premises|hds_cloud", "dpi|ris", "health"),
    ("documentation-clinique", "Synthèse Séjour", "Alcôve Data", "Brouillon de lettre de liaison à la sortie.",
     "none", "limited", "hds_cloud", "dpi", "health"),
    ("documentation-clinique", "TransMed", "Alcôve Data", "Transcription des transmissions infirmières dictées.",
     "none", "limited", "hds_cloud", "dpi", "health|medico_social"),
    ("codage-pmsi-facturation", "CodaSmart", "Quadrille Informatique", "Suggestion de codes CIM-10 pour le PMSI.",
     "none", "minimal", "hds_cloud", "dpi|pmsi", "health"),
    ("codage-pmsi-facturation", "Factura Contrôle", "Quadrille Informatique", "Détection d'anomalies de facturation.",
     "none", "minimal", "vendor_saas", "pmsi", "health"),
    ("codage-pmsi-facturation", "PMSI Lumen", "Brisane Solutions", "Optimisation du codage des séjours en SMR.",
     "none", "minimal", "on_premises", "pmsi|dpi", "health"),
    ("codage-pmsi-facturation", "Tarifix", "Brisane Solutions", "Contrôle de cohérence des actes CCAM.",
     "none", "minimal", "vendor_saas", "pmsi", "health"),
    ("pharmacie-medicament", "PharmaVeille", "Officina Numérique", "Analyse pharmaceutique des prescriptions.",
     "IIa", "high", "hds_cloud", "dpi|pharmacy", "health|medico_social"),
    ("pharmacie-medicament", "Interactio", "Officina Numérique", "Alerte d'interactions médicamenteuses.",
     "IIa", "high", "on_premises", "pharmacy|dpi", "health"),
    ("pharmacie-medicament", "StockDose", "Ménestrel Logiciels", "Prévision de consommation de médicaments.",
     "none", "minimal", "vendor_saas", "pharmacy", "health|medico_social"),
    ("pharmacie-medicament", "Conciliatis", "Ménestrel Logiciels", "Aide à la conciliation médicamenteuse.",
     "I", "high", "hds_cloud", "pharmacy|dpi", "health"),
    ("planification-ressources", "Planéo Soins", "Horizane", "Construction des plannings soignants.",
     "none", "minimal", "vendor_saas", "hr", "health|medico_social"),
    ("planification-ressources", "BedFlow", "Horizane", "Prévision d'occupation des lits et des sorties.",
     "none", "minimal", "hds_cloud", "dpi", "health"),
    ("planification-ressources", "BlocOptim", "Ardoise Systèmes", "Programmation du bloc opératoire.",
     "none", "minimal", "on_premises", "dpi|scheduling", "health"),
    ("planification-ressources", "Urgentia Flux", "Ardoise Systèmes", "Prévision d'affluence aux urgences.",
     "none", "minimal", "hds_cloud", "dpi", "health"),
    ("relation-patient", "Allô Accueil", "Tisserand Vocal", "Agent vocal pour l'accueil téléphonique.",
     "none", "limited", "vendor_saas", "telephony|scheduling", "health|medico_social"),
    ("relation-patient", "RDV Facile", "Tisserand Vocal", "Prise de rendez-vous assistée en ligne.",
     "none", "limited", "vendor_saas", "scheduling", "health"),
    ("relation-patient", "Chatopital", "Cyprine Digital", "Agent conversationnel d'information aux patients.",
     "none", "limited", "hds_cloud", "scheduling", "health"),
    ("relation-patient", "Préadmis", "Cyprine Digital", "Préadmission en ligne et vérification des pièces.",
     "none", "limited", "hds_cloud", "dpi|scheduling", "health"),
    ("telesurveillance-prevention", "CardioVeille", "Isba Connect", "Télésurveillance de l'insuffisance cardiaque.",
     "IIa", "high", "hds_cloud", "dpi", "health"),
    ("telesurveillance-prevention", "DiabAlerte", "Isba Connect", "Suivi à distance des patients diabétiques.",
     "IIa", "high", "hds_cloud", "dpi", "health"),
    ("telesurveillance-prevention", "Respira Suivi", "Onde Médicale", "Suivi des patients sous ventilation à domicile.",
     "IIb", "high", "vendor_saas", "dpi", "health"),
    ("telesurveillance-prevention", "Fragilis", "Onde Médicale", "Repérage de la fragilité des personnes âgées.",
     "I", "high", "hds_cloud", "dpi", "health|medico_social"),
    ("logistique-achats", "ApproVision", "Carrelet Logistique", "Prévision des besoins d'approvisionnement.",
     "none", "minimal", "vendor_saas", "other", "health|medico_social"),
    ("logistique-achats", "Brancardia", "Carrelet Logistique", "Optimisation des transports internes de patients.",
     "none", "minimal", "on_premises", "dpi", "health"),
    ("logistique-achats", "Linge Prévu", "Estran Services", "Prévision des volumes de blanchisserie.",
     "none", "minimal", "vendor_saas", "other", "health|medico_social"),
    ("logistique-achats", "AchatScope", "Estran Services", "Analyse des dépenses d'achats hospitaliers.",
     "none", "minimal", "vendor_saas", "other", "health"),
    ("ressources-humaines", "Talentis Santé", "Méridienne RH", "Présélection des candidatures soignantes.",
     "none", "high", "vendor_saas", "hr", "health|medico_social"),
    ("ressources-humaines", "AbsPrévision", "Méridienne RH", "Prévision de l'absentéisme par service.",
     "none", "minimal", "hds_cloud", "hr", "health|medico_social"),
    ("ressources-humaines", "Compétia", "Pervenche Conseil", "Cartographie des compétences et formations.",
     "none", "minimal", "vendor_saas", "hr", "health|medico_social"),
    ("ressources-humaines", "Remplaço", "Pervenche Conseil", "Appariement des remplacements de dernière minute.",
     "none", "minimal", "vendor_saas", "hr", "health|medico_social"),
    ("medico-social", "Vigichute", "Lucarne Technologies", "Détection des chutes en chambre par capteurs.",
     "I", "high", "on_premises", "other", "medico_social"),
    ("medico-social", "NuitSereine", "Lucarne Technologies", "Surveillance acoustique de nuit en EHPAD.",
     "none", "limited", "on_premises", "other", "medico_social"),
    ("medico-social", "Nutrisuivi", "Bergamote Santé", "Repérage de la dénutrition à partir des pesées.",
     "I", "high", "hds_cloud", "dpi", "medico_social"),
    ("medico-social", "Plan d'Aide IA", "Bergamote Santé", "Aide à la rédaction des projets personnalisés.",
     "none", "limited", "vendor_saas", "dpi", "medico_social"),
    ("medico-social", "Autonomia", "Saule Numérique", "Suivi de l'autonomie en établissement pour personnes "
     "handicapées.", "none", "limited", "hds_cloud", "dpi", "medico_social"),
]

_TOWN_START = ["Val", "Mont", "Bel", "Roche", "Saint-Aubin", "Fontaine", "Clair", "Haute", "Pré", "Bois", "Lac",
               "Verte", "Mar", "Cor", "Ros", "Lan", "Ker", "Aix", "Beau", "Font"]
_TOWN_END = ["brune", "ferrand", "ombre", "lieu", "mirail", "sur-Ondine", "vallon", "marais", "court", "doré",
             "sanne", "nelle", "ac", "ville", "bourg", "vaux", "ouët", "roc", "fonds", "lys"]
_TYPE_NAMES = {
    "chu": "Centre hospitalier universitaire de {town}",
    "ch": "Centre hospitalier de {town}",
    "clinic_mco": "Clinique du Parc de {town}",
    "clcc": "Institut de cancérologie de {town}",
    "psychiatric": "Centre hospitalier spécialisé de {town}",
    "smr": "Centre de réadaptation de {town}",
    "had": "HAD de {town}",
    "ehpad": "EHPAD Les Tilleuls de {town}",
    "esms_disability": "Maison d'accueil spécialisée de {town}",
    "other": "Centre de santé de {town}",
}
_TYPE_WEIGHTS = {"chu": 6, "ch": 40, "clinic_mco": 30, "clcc": 5, "psychiatric": 12, "smr": 20, "had": 10,
                 "ehpad": 45, "esms_disability": 22, "other": 10}
_TYPE_SIZES = {"chu": ["1000_plus", "500_999"], "ch": ["200_499", "500_999", "50_199"],
               "clinic_mco": ["50_199", "200_499"], "clcc": ["200_499"], "psychiatric": ["200_499", "50_199"],
               "smr": ["50_199", "lt50"], "had": ["lt50", "50_199"], "ehpad": ["lt50", "50_199"],
               "esms_disability": ["lt50"], "other": ["lt50"]}


def _fictional_finess(rng: random.Random, region: str, used: set[str]) -> str:
    departments = [dep for dep, reg in v.DEPARTMENT_REGION.items() if reg == region]
    overseas = {"01": "9701", "02": "9702", "03": "9703", "04": "9704", "06": "9706"}
    while True:
        if region in overseas:
            prefix = overseas[region] + f"{rng.randrange(10_000):04d}"
            number = prefix + luhn_key(prefix)
        else:
            department = rng.choice(departments)
            if department in {"2A", "2B"}:
                number = department + f"{rng.randrange(10_000_000):07d}"
            else:
                prefix = department + "0" + f"{rng.randrange(100_000):05d}"
                number = prefix + luhn_key(prefix)
        if number not in used:
            used.add(number)
            return number


def demo_establishments(count: int = 200, seed: int = 2022) -> list[dict]:
    """A deterministic list of fictional establishments covering every region and every type."""
    rng = random.Random(seed)  # noqa: S311 (reproducible fictional data, not security)
    regions = list(v.REGIONS)
    types = list(_TYPE_WEIGHTS)
    weighted = [t for t, w in _TYPE_WEIGHTS.items() for _ in range(w)]
    used: set[str] = set()
    names: set[str] = set()
    rows = []
    for index in range(count):
        region = regions[index % len(regions)]
        type_code = types[index] if index < len(types) else rng.choice(weighted)
        while True:
            town = rng.choice(_TOWN_START) + rng.choice(_TOWN_END)
            # French elision: "de Valbrune" but "d'Aixdoré".
            name = _TYPE_NAMES[type_code].format(town=town).replace(" de " + town, (" d'" if town[0] in "AEIOUÉÈ"
                                                                                     else " de ") + town)
            if name not in names:
                names.add(name)
                break
        finess = _fictional_finess(rng, region, used)
        legal = {"chu": "public", "ch": "public", "psychiatric": "public", "clcc": "private_non_profit",
                 "clinic_mco": "private_for_profit"}.get(type_code) or rng.choice(list(v.LEGAL_STATUSES))
        rows.append({
            "finess": finess,
            "name": name,
            "type": type_code,
            "sector": "medico_social" if type_code in v.MEDICO_SOCIAL_TYPES else "health",
            "region": region,
            "department": finess[:2] if not finess.startswith("97") else "97" + finess[3],
            "city": town,
            "size_class": rng.choice(_TYPE_SIZES[type_code]),
            "legal_status": legal,
            "ght": f"GHT fictif {v.REGIONS[region]} {1 + index % 3}" if legal == "public" else None,
        })
    return rows


def load_demo(with_reports: bool = True, report_target: int | None = None) -> dict[str, int]:
    """Create what is missing of the demonstration data; returns counts of what was created.

    with_reports: also add fictional published reports, up to `report_target` (default: the
    DEMO_REPORTS setting, 3000).
    """
    created = {"categories": ensure_categories(), "solutions": 0, "establishments": 0, "users": 0}
    categories_by_slug = {c.slug: c for c in db.session.scalars(sa.select(Category))}

    existing_solutions = {tuple(row) for row in db.session.execute(sa.select(Solution.name, Solution.vendor))}
    for cat, name, vendor, description, device, risk, hosting, integrations, sectors in _SOLUTIONS:
        vendor = f"{vendor} (fictif)"
        if (name, vendor) in existing_solutions:
            continue
        catalogue.save_solution(None, {
            "name": name, "vendor": vendor, "category_id": categories_by_slug[cat].id,
            "short_description": description,
            "intended_use": f"{description} Usage prévu tel que déclaré par l'éditeur fictif.",
            "target_users": "Professionnels de santé de l'établissement (exemple fictif).",
            "device_class": device, "ce_marked": device not in ("none", "unknown"), "ai_act_risk": risk,
            "website": None, "hosting": hosting.split("|"), "integration": integrations.split("|"),
            "sector": sectors.split("|"), "is_fictional": True,
        }, actor_id=None)
        created["solutions"] += 1

    existing_finess = set(db.session.scalars(sa.select(Establishment.finess)))
    for row in demo_establishments():
        if row["finess"] not in existing_finess:
            db.session.add(Establishment(is_fictional=True, **row))
            created["establishments"] += 1
    db.session.flush()

    home = db.session.scalar(sa.select(Establishment).where(Establishment.is_fictional.is_(True),
                                                            Establishment.type == "chu").order_by(Establishment.id))
    if home.siret is None:
        home.siret = DEMO_SIRET
    for role in DEMO_ROLES:
        email = f"{role}@{DEMO_DOMAIN}"
        if accounts.find_user_by_email(email) is None:
            db.session.add(User(
                email=email, full_name=f"Compte de démonstration ({v.label(v.ROLES, role)})",
                password_hash=accounts.hash_password(DEMO_PASSWORD), role=role, status="active",
                establishment_id=home.id if role in v.ESTABLISHMENT_ROLES else None,
            ))
            created["users"] += 1
    pending_email = f"pending@{DEMO_DOMAIN}"
    if accounts.find_user_by_email(pending_email) is None:
        db.session.add(User(email=pending_email, full_name="Demande en attente (démonstration)",
                            password_hash=accounts.hash_password(DEMO_PASSWORD), role="contributor",
                            status="pending", establishment_id=home.id))
        created["users"] += 1
    db.session.flush()
    # --- fictional published reports (app.demo.reports) ---
    if with_reports:
        from app.demo.reports import load_demo_reports

        target = report_target if report_target is not None else current_app.config.get("DEMO_REPORTS", 3000)
        created["reports"] = load_demo_reports(target)
    # --- end of fictional published reports ---
    # --- a fictional conversation between peers (app.demo.peers) ---
    from app.demo.peers import load_demo_conversations

    created["peer conversations"] = load_demo_conversations(f"contributor@{DEMO_DOMAIN}")
    # --- fictional ethics alerts (app.demo.alerts) ---
    from app.demo.alerts import load_demo_alerts

    created["alerts"] = load_demo_alerts()
    # --- end of fictional ethics alerts ---
    # Guides read the statistics releases: make the ones the reports just made due.
    from app.services import releases

    created["statistics releases"] = len(releases.update_now())
    # --- demonstration guides (app.demo.guides) ---
    from app.demo.guides import load_demo_guides

    created["guides"] = load_demo_guides()
    # --- end of demonstration guides ---
    from app.demo.follows import load_demo_follows

    created["follows"] = load_demo_follows()
    return created


def demo_logins() -> list[tuple[str, str]]:
    return [(role, f"{role}@{DEMO_DOMAIN}") for role in DEMO_ROLES]
