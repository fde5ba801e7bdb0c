"""Fictional published reports for the demonstration data.

Each fictional establishment deploys a few solutions of its sector (popular ones more often), and its
fictional contributors report on them: usually once, sometimes with a follow-up (a later report, often at
another stage), sometimes several contributors on the same solution. Answers are complete raw answers, as
the browser sends them, correlated per solution (each solution has a hidden quality). Free texts come from
fixed French sentences without any personal data.

Rows are built in memory and inserted in bulk: no HTTP layer, no privacy scan, no per-row query.
Loading twice adds nothing.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app import questionnaire as q
from app.extensions import db
from app.models import Establishment, Report, ReportRevision, Solution, User
from app.models._types import utcnow
from app.models.report import ReportStatus, RevisionState
from app.services import accounts, audit
from app.services.exports import export_cells
from app.services.report_answers import scores

try:
    from app.services.facts import rebuild_facts
except ImportError:  # written separately; the demo works without it
    rebuild_facts = None

DEMO_DOMAIN = "demo.retex-ia.test"  # same as app.services.demo (not imported: demo imports this module)
CONTRIBUTOR_EMAIL = "contributor-{n}@" + DEMO_DOMAIN
BATCH = 500

# Reports are written from the platform's opening; projects started from 2019.
PLATFORM_OPENING = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
EARLIEST_START = (2019, 1)
LATEST_START = (2026, 10)

STAGE_MIX = {"exploring": 9, "pilot": 17, "production": 58, "stopped": 16}
FOLLOW_UP_STAGES = {  # stage of the earlier report → stage of the follow-up
    "exploring": {"pilot": 55, "production": 30, "stopped": 15},
    "pilot": {"production": 60, "stopped": 30, "pilot": 10},
    "production": {"production": 55, "stopped": 45},
}
FOLLOW_UP_RATE = 0.15
SECOND_FOLLOW_UP_RATE = 0.2  # of the follow-ups
MULTI_CONTRIBUTOR_RATE = 0.10  # of the establishments

# Solutions deployed per establishment, by type (before scaling to the target).
DEPLOYMENTS = {"chu": (15, 25), "clcc": (10, 22), "ch": (8, 22), "clinic_mco": (6, 18), "psychiatric": (4, 12),
               "smr": (4, 12), "had": (3, 10), "other": (3, 8), "ehpad": (3, 10), "esms_disability": (2, 8)}
MIN_DEPLOYMENTS, MAX_DEPLOYMENTS = 2, 25
# How likely an establishment type is to use a category of solution (1 when not listed).
AFFINITY = {
    "psychiatric": {"imagerie": 0.05, "biologie-anatomopathologie": 0.1, "telesurveillance-prevention": 0.3,
                    "aide-decision-clinique": 0.4, "documentation-clinique": 1.5},
    "smr": {"imagerie": 0.2, "biologie-anatomopathologie": 0.2, "aide-decision-clinique": 0.5,
            "codage-pmsi-facturation": 1.5},
    "had": {"imagerie": 0.02, "biologie-anatomopathologie": 0.05, "telesurveillance-prevention": 3,
            "documentation-clinique": 1.5, "planification-ressources": 1.5},
    "other": {"imagerie": 0.3, "biologie-anatomopathologie": 0.2, "relation-patient": 2,
              "documentation-clinique": 2},
    "clcc": {"imagerie": 2, "biologie-anatomopathologie": 2},
    "clinic_mco": {"imagerie": 1.5, "codage-pmsi-facturation": 1.5, "relation-patient": 1.5},
    "chu": {"aide-decision-clinique": 1.5, "biologie-anatomopathologie": 1.5},
}
# Governance maturity by establishment type (probability scale).
MATURITY = {"chu": 0.75, "clcc": 0.7, "ch": 0.55, "clinic_mco": 0.5, "psychiatric": 0.45, "smr": 0.45, "had": 0.45,
            "ehpad": 0.3, "esms_disability": 0.3, "other": 0.35}
SIZE_FACTOR = {"lt50": 0.15, "50_199": 0.35, "200_499": 0.7, "500_999": 1.0, "1000_plus": 1.4}
COST_LEVEL = {"imagerie": 2.2, "aide-decision-clinique": 1.8, "biologie-anatomopathologie": 2.0,
              "documentation-clinique": 1.2, "codage-pmsi-facturation": 1.2, "pharmacie-medicament": 1.2,
              "planification-ressources": 1.2, "relation-patient": 1.0, "telesurveillance-prevention": 1.2,
              "logistique-achats": 0.8, "ressources-humaines": 0.7, "medico-social": 0.5}
COST_CODES = ("lt10k", "10k_50k", "50k_150k", "150k_500k", "gt500k")
INITIATORS = {
    "imagerie": {"medical": 6, "it": 2, "management": 1, "vendor": 1},
    "aide-decision-clinique": {"medical": 6, "nursing": 1, "it": 1, "quality": 1, "vendor": 1},
    "biologie-anatomopathologie": {"medical": 7, "it": 1, "management": 1},
    "documentation-clinique": {"medical": 4, "it": 3, "management": 2, "nursing": 1, "vendor": 1},
    "codage-pmsi-facturation": {"administration": 4, "management": 3, "it": 2, "other": 1},
    "pharmacie-medicament": {"pharmacy": 7, "medical": 1, "quality": 1},
    "planification-ressources": {"management": 4, "nursing": 3, "administration": 2, "it": 1},
    "relation-patient": {"management": 4, "administration": 3, "it": 2, "vendor": 1},
    "telesurveillance-prevention": {"medical": 6, "nursing": 2, "management": 1},
    "logistique-achats": {"management": 4, "administration": 4, "it": 1},
    "ressources-humaines": {"management": 5, "administration": 3, "it": 1},
    "medico-social": {"management": 4, "nursing": 4, "quality": 2, "vendor": 1},
}
# (hours low, hours high, unit) of time saved, by category.
TIME_SAVED = {
    "imagerie": (0.5, 4, "per_user_week"), "aide-decision-clinique": (0.5, 3, "per_user_week"),
    "biologie-anatomopathologie": (1, 5, "per_user_week"), "documentation-clinique": (1, 6, "per_user_week"),
    "codage-pmsi-facturation": (4, 30, "per_service_week"), "pharmacie-medicament": (2, 12, "per_service_week"),
    "planification-ressources": (2, 15, "per_service_week"), "relation-patient": (5, 40, "per_service_week"),
    "telesurveillance-prevention": (1, 8, "per_service_week"), "logistique-achats": (2, 12, "per_service_week"),
    "ressources-humaines": (2, 15, "per_service_week"), "medico-social": (1, 8, "per_service_week"),
}
GOVERNANCE_BIAS = {"users_trained": 0.15, "human_oversight": 0.2, "patients_informed": -0.1, "dpo_consulted": 0.1,
                   "ethics_review": -0.25, "performance_monitored": -0.15, "device_status_known": 0.0,
                   "incident_route_known": 0.05}

# ---------------------------------------------------------------------------------------- free texts
# Plain French sentences without names, numbers that look like identifiers, addresses or dates.

SERVICES = {
    "imagerie": [
        "Service d'imagerie médicale et urgences adultes",
        "Radiologie conventionnelle et scanner des urgences",
        "Imagerie de la femme, activité de dépistage",
        "Plateau d'imagerie en coupe, scanner et IRM",
        "Urgences adultes et pédiatriques, radiologie de garde",
    ],
    "aide-decision-clinique": [
        "Réanimation polyvalente et soins continus",
        "Urgences et unité d'hospitalisation de courte durée",
        "Consultations de cardiologie et de médecine interne",
        "Services de médecine et de chirurgie conventionnelle",
    ],
    "biologie-anatomopathologie": [
        "Laboratoire de biologie médicale, secteur de microbiologie",
        "Service d'anatomie et de cytologie pathologiques",
        "Laboratoire de biochimie et d'hématologie",
        "Plateau technique de biologie et équipe de validation",
    ],
    "documentation-clinique": [
        "Consultations externes de médecine et de chirurgie",
        "Services de médecine polyvalente et de gériatrie",
        "Secrétariats médicaux du pôle chirurgie",
        "Équipes soignantes des unités d'hospitalisation",
    ],
    "codage-pmsi-facturation": [
        "Département d'information médicale",
        "Bureau des entrées et service de facturation",
        "Département d'information médicale et contrôle de gestion",
    ],
    "pharmacie-medicament": [
        "Pharmacie à usage intérieur",
        "Pharmacie et unités de médecine gériatrique",
        "Pharmacie clinique et services de chirurgie",
    ],
    "planification-ressources": [
        "Direction des soins et cadres de santé",
        "Bloc opératoire et service d'anesthésie",
        "Gestion des lits et cellule d'ordonnancement",
        "Urgences adultes et direction des opérations",
    ],
    "relation-patient": [
        "Standard téléphonique et accueil des consultations",
        "Secrétariats de consultation et centre de rendez-vous",
        "Bureau des admissions",
    ],
    "telesurveillance-prevention": [
        "Cardiologie, suivi des patients insuffisants cardiaques",
        "Endocrinologie et éducation thérapeutique",
        "Pneumologie et suivi de la ventilation à domicile",
        "Court séjour gériatrique et équipe mobile de gériatrie",
    ],
    "logistique-achats": [
        "Direction des achats et de la logistique",
        "Blanchisserie et magasin central",
        "Service de brancardage et régulation des transports internes",
    ],
    "ressources-humaines": [
        "Direction des ressources humaines",
        "Direction des soins et service formation",
        "Cellule de remplacement et pool de suppléance",
    ],
    "medico-social": [
        "Unités de vie de l'établissement, équipes de nuit",
        "Unité protégée et équipe soignante de jour",
        "Équipe éducative et accompagnement des résidents",
        "Infirmerie et équipe d'aides-soignants",
    ],
}
# In a medico-social establishment, the same kinds of solution serve other teams.
MEDICO_SOCIAL_SERVICES = {
    "pharmacie-medicament": ["Infirmerie et circuit du médicament"],
    "planification-ressources": ["Direction et équipe d'encadrement de l'établissement"],
    "ressources-humaines": ["Direction et équipe d'encadrement de l'établissement",
                            "Équipe administrative et service du personnel"],
    "relation-patient": ["Secrétariat et accueil de l'établissement"],
    "logistique-achats": ["Services logistiques, cuisine et lingerie"],
    "documentation-clinique": ["Équipe soignante et infirmière coordinatrice", "Infirmerie et équipe d'aides-soignants"],
    "telesurveillance-prevention": ["Équipe soignante et infirmière coordinatrice"],
}

# (template, low, high): the number is scaled by the establishment's size.
VOLUMES = {
    "imagerie": [("Environ {n} examens analysés par mois", 600, 6000), ("{n} radiographies par semaine", 150, 2000),
                 ("Près de {n} examens par an", 5000, 60000)],
    "aide-decision-clinique": [("Environ {n} patients suivis par mois", 100, 3000),
                               ("{n} alertes par semaine", 5, 150), ("Environ {n} séjours par an", 1000, 30000)],
    "biologie-anatomopathologie": [("{n} lames numérisées par mois", 300, 5000),
                                   ("Environ {n} dossiers validés par jour", 200, 3000),
                                   ("{n} prélèvements par semaine", 500, 8000)],
    "documentation-clinique": [("Environ {n} comptes rendus par mois", 300, 8000),
                               ("{n} consultations par semaine", 50, 1500),
                               ("{n} lettres de liaison par mois", 200, 4000),
                               ("{n} transmissions dictées par jour", 20, 400)],
    "codage-pmsi-facturation": [("Environ {n} séjours codés par mois", 500, 12000),
                                ("{n} factures contrôlées par mois", 1000, 20000)],
    "pharmacie-medicament": [("{n} prescriptions analysées par jour", 50, 1500),
                             ("Environ {n} lignes de prescription par semaine", 500, 12000),
                             ("{n} références de médicaments suivies", 300, 3000)],
    "planification-ressources": [("{n} agents planifiés", 40, 2500), ("{n} interventions programmées par mois", 200, 2500),
                                 ("{n} lits suivis", 40, 1500), ("Environ {n} passages aux urgences par jour", 40, 350)],
    "relation-patient": [("Environ {n} appels par jour", 100, 3000),
                         ("{n} rendez-vous pris en ligne par mois", 500, 15000),
                         ("{n} préadmissions par mois", 200, 4000)],
    "telesurveillance-prevention": [("{n} patients télésurveillés", 20, 800),
                                    ("Environ {n} alertes traitées par mois", 20, 600)],
    "logistique-achats": [("{n} références suivies", 500, 8000), ("Environ {n} transports internes par jour", 50, 600),
                          ("{n} tonnes de linge par mois", 10, 200), ("Environ {n} commandes par mois", 200, 4000)],
    "ressources-humaines": [("{n} candidatures traitées par an", 200, 5000), ("{n} agents concernés", 100, 6000),
                            ("Environ {n} remplacements par mois", 10, 400)],
    "medico-social": [("{n} résidents suivis", 20, 150), ("{n} chambres équipées", 10, 120),
                      ("{n} projets personnalisés rédigés par an", 20, 150), ("{n} personnes accompagnées", 15, 120)],
}

DIFFICULTY_TEXTS = {
    "data_quality": [
        "Les données du dossier patient étaient incomplètes et ont dû être reprises avant le démarrage.",
        "La qualité des données saisies varie beaucoup d'un service à l'autre, ce qui a dégradé les premiers "
        "résultats.",
        "Il a fallu harmoniser les codages locaux avant de pouvoir exploiter les résultats.",
        "Les historiques étaient trop courts pour que les prévisions soient fiables la première année.",
        "Des informations essentielles étaient saisies en texte libre et n'étaient pas exploitables.",
    ],
    "integration": [
        "L'interfaçage avec le dossier patient a pris plus de temps que prévu.",
        "Les flux avec le PACS ont demandé plusieurs allers-retours entre l'éditeur et notre DSI.",
        "Le connecteur annoncé n'était pas compatible avec la version de notre logiciel métier.",
        "Les tests d'intégration ont dû être refaits après une mise à jour du système d'information.",
        "L'authentification unique n'a été disponible qu'après plusieurs mois.",
    ],
    "user_adoption": [
        "Une partie des équipes est restée sceptique pendant les premières semaines.",
        "L'outil a d'abord été perçu comme une contrainte supplémentaire par les soignants.",
        "Le renouvellement des équipes oblige à former régulièrement de nouveaux utilisateurs.",
        "Les équipes de nuit ont été moins accompagnées et utilisent moins l'outil.",
        "Certains praticiens ne consultent pas les résultats proposés par l'outil.",
    ],
    "performance": [
        "Le nombre de fausses alertes était élevé au démarrage et a lassé les équipes.",
        "Les résultats sont moins bons sur notre population que dans les études de l'éditeur.",
        "Les temps de réponse sont parfois trop longs aux heures de forte activité.",
        "Certains cas atypiques ne sont pas reconnus, ce qui impose une vigilance constante.",
        "Les résultats restent imparfaits dans les situations les plus complexes.",
    ],
    "vendor": [
        "Le support de l'éditeur est difficile à joindre et les délais de correction sont longs.",
        "Les interlocuteurs de l'éditeur ont changé plusieurs fois pendant le projet.",
        "Les évolutions promises lors de l'achat n'ont pas été livrées dans les délais.",
        "La documentation fournie par l'éditeur était insuffisante pour nos équipes techniques.",
    ],
    "cost": [
        "Le coût des licences a augmenté dès la deuxième année.",
        "Les coûts d'intégration n'étaient pas prévus dans le budget initial.",
        "Le modèle de facturation au volume rend le budget difficile à prévoir.",
        "Le financement de la phase pilote ne couvrait pas la généralisation.",
    ],
    "regulatory": [
        "L'analyse d'impact sur la protection des données a retardé le démarrage de plusieurs mois.",
        "Le statut de dispositif médical de l'outil n'était pas clair au moment de l'achat.",
        "La question de l'hébergement des données de santé a demandé une expertise juridique.",
        "Il a fallu clarifier la responsabilité en cas d'erreur de l'outil.",
    ],
    "workload": [
        "La vérification des résultats ajoute du travail aux équipes pendant la période de rodage.",
        "Le paramétrage initial a mobilisé les cadres pendant plusieurs semaines.",
        "Les doubles saisies pendant la transition ont pesé sur les équipes.",
        "La gestion des alertes représente une charge non prévue pour l'équipe de nuit.",
    ],
    "other": [
        "Le projet a été ralenti par d'autres chantiers prioritaires de l'établissement.",
        "Le renouvellement du parc informatique a décalé le déploiement.",
        "Le projet a été suspendu plusieurs semaines pendant une période de forte tension dans les services.",
    ],
}
NO_DIFFICULTY_TEXTS = [
    "Pas de difficulté majeure à signaler à ce stade.",
    "Quelques réglages au démarrage, sans difficulté notable ensuite.",
    "Le déploiement s'est déroulé sans difficulté particulière.",
]

SUCCESS_FACTORS = [
    "Un binôme associant un médecin et un cadre de santé a porté le projet du début à la fin.",
    "La direction a soutenu le projet et dégagé du temps pour les référents.",
    "Une phase pilote courte dans un service volontaire avant la généralisation.",
    "Des référents formés dans chaque équipe, disponibles pour leurs collègues.",
    "Des objectifs mesurables définis dès le départ et suivis chaque mois.",
    "Une implication précoce de la DSI et du délégué à la protection des données.",
    "Des sessions de formation courtes, répétées sur plusieurs semaines.",
    "Un paramétrage fait avec les utilisateurs plutôt que pour eux.",
    "Un comité de suivi mensuel réunissant les équipes, la DSI et l'éditeur.",
    "Un éditeur réactif, présent sur site lors de la mise en service.",
    "Le choix d'un premier cas d'usage simple, avec un bénéfice visible rapidement.",
    "La communication régulière des résultats aux équipes.",
    "Un retour d'expérience recueilli auprès d'un établissement déjà équipé.",
    "Un circuit clair pour signaler les erreurs et les faire corriger.",
    "L'intégration dans le dossier patient, sans application supplémentaire à ouvrir.",
    "Un accompagnement au changement prévu dès le budget du projet.",
    "La participation des équipes de nuit et de week-end à la phase de test.",
    "Un chef de projet dédié, à temps partiel mais clairement identifié.",
    "La possibilité de désactiver l'outil facilement en cas de doute.",
    "Une évaluation avant et après le déploiement, partagée avec les équipes.",
    "Des indicateurs de qualité suivis conjointement avec l'éditeur.",
    "Une infrastructure réseau remise à niveau avant le déploiement.",
    "Le soutien du groupement hospitalier de territoire pour mutualiser les coûts.",
    "La présence d'un médecin référent qui relit les cas difficiles.",
    "Un démarrage progressif, service par service.",
    "Des règles d'usage écrites et validées par la commission médicale.",
    "La simplicité de l'interface, comprise en quelques minutes.",
    "Une bonne articulation avec la démarche qualité de l'établissement.",
    "Un retour rapide de l'éditeur sur les demandes d'amélioration.",
    "La formation des nouveaux arrivants intégrée au parcours d'accueil.",
    "Un partage des tâches clairement défini entre l'outil et les professionnels.",
    "Un financement régional qui a permis de tester sans risque.",
    "Une analyse d'impact sur la protection des données menée très tôt.",
    "L'implication des représentants des usagers dans l'information des patients.",
    "Des données de bonne qualité dès le départ.",
    "La visite d'un site de référence avant de signer.",
    "Un budget prévu pour la maintenance et les évolutions.",
    "Des résultats affichés directement dans l'outil métier habituel.",
    "Une équipe projet resserrée et stable pendant toute la durée du déploiement.",
    "Une présentation claire des limites de l'outil dès la formation.",
]

ADVICE = [
    "Mieux vaut commencer par un service volontaire et un cas d'usage précis.",
    "Mesurez la situation avant le déploiement pour pouvoir comparer ensuite.",
    "Associez la DSI et le DPO dès le choix de la solution.",
    "Prévoyez du temps de formation, y compris pour les équipes de nuit.",
    "Demandez à l'éditeur des résultats obtenus sur une population comparable à la vôtre.",
    "Visitez un établissement déjà équipé avant de vous engager.",
    "Négociez une période d'essai avec des critères de réussite écrits.",
    "Vérifiez le coût total sur plusieurs années, pas seulement la première.",
    "Ne sous-estimez pas le temps d'intégration au système d'information.",
    "Désignez un référent dans chaque équipe utilisatrice.",
    "Gardez toujours un contrôle humain des résultats proposés.",
    "Informez les patients de l'usage de l'outil, simplement et clairement.",
    "Suivez quelques indicateurs simples chaque mois après la mise en service.",
    "Prévoyez un circuit de signalement des erreurs connu de tous.",
    "Impliquez les utilisateurs dans le paramétrage dès le départ.",
    "Vérifiez le statut réglementaire de l'outil avant l'achat.",
    "Clarifiez qui est responsable de la décision finale.",
    "Anticipez la généralisation dès la phase pilote, y compris son financement.",
    "Ne déployez pas l'outil pendant une période de forte tension dans les services.",
    "Demandez un engagement écrit sur les délais de support.",
    "Faites relire le contrat par le service juridique, notamment sur les données.",
    "Prévoyez une solution de repli si l'outil est indisponible.",
    "Il faut communiquer régulièrement les résultats aux équipes pour entretenir l'adhésion.",
    "Formez les nouveaux professionnels dès leur arrivée.",
    "Vérifiez la qualité de vos données avant de lancer le projet.",
    "Soyez réalistes sur le temps gagné annoncé par l'éditeur.",
    "Rapprochez-vous des autres établissements du territoire pour mutualiser l'achat.",
    "Fixez dès le départ les conditions d'arrêt du projet.",
    "Testez l'outil sur des cas difficiles et pas seulement sur des cas simples.",
    "Faites valider les règles d'usage par les instances médicales.",
    "Prévoyez un budget pour l'accompagnement au changement.",
    "Ne multipliez pas les outils : privilégiez l'intégration dans l'existant.",
    "Vérifiez l'hébergement des données et la certification de l'hébergeur.",
    "Demandez des mises à jour régulières du modèle et leur documentation.",
    "Écoutez les réticences des équipes : elles signalent souvent un vrai problème.",
    "Prenez le temps de comparer plusieurs solutions avant de choisir.",
    "Impliquez la qualité et la gestion des risques dès le début.",
    "Planifiez une évaluation à six mois avec les utilisateurs.",
    "Gardez une trace des décisions et des paramétrages effectués.",
    "N'attendez pas de l'outil qu'il corrige une organisation défaillante.",
]

STOP_REASON_TEXTS = {
    "no_benefit": [
        "Le temps gagné ne compensait pas le temps passé à vérifier les résultats.",
        "Aucun bénéfice mesurable n'a été constaté après six mois d'utilisation.",
        "Les équipes n'ont pas constaté d'amélioration par rapport à l'organisation précédente.",
        "Le gain attendu sur les délais ne s'est pas confirmé.",
        "Le service rendu était réel mais trop limité pour justifier la poursuite.",
    ],
    "performance": [
        "Le taux de fausses alertes est resté trop élevé malgré les réglages.",
        "Les résultats n'étaient pas assez fiables sur notre population.",
        "Des erreurs répétées ont fait perdre confiance aux utilisateurs.",
        "Les performances se sont dégradées après une mise à jour du modèle.",
        "L'outil ne reconnaissait pas correctement les cas les plus fréquents chez nous.",
    ],
    "cost": [
        "Le coût de la généralisation dépassait largement le budget disponible.",
        "Le renouvellement du contrat proposait un tarif trop élevé.",
        "Le coût par utilisateur n'était pas soutenable pour un établissement de notre taille.",
        "Le financement initial n'a pas été reconduit.",
        "Le rapport entre le coût et le bénéfice observé était défavorable.",
    ],
    "integration": [
        "L'intégration au dossier patient n'a jamais été finalisée.",
        "Les ressaisies imposées par l'absence d'interface étaient trop lourdes.",
        "Le changement de notre logiciel métier a rendu l'interface inutilisable.",
        "La DSI n'avait pas les ressources pour maintenir les interfaces.",
        "Les flux de données n'étaient pas assez stables pour un usage quotidien.",
    ],
    "users": [
        "Les équipes ont progressivement cessé d'utiliser l'outil.",
        "L'outil ne correspondait pas à la façon de travailler des équipes.",
        "Les utilisateurs jugeaient l'interface trop lourde pour un usage quotidien.",
        "Le manque d'adhésion des praticiens a conduit à l'arrêt.",
        "Les soignants ne faisaient pas confiance aux résultats proposés.",
    ],
    "vendor": [
        "L'éditeur a cessé de commercialiser la solution.",
        "L'éditeur a été racheté et le produit n'est plus maintenu.",
        "Le support de l'éditeur était trop peu disponible.",
        "L'éditeur n'a pas tenu ses engagements sur les évolutions.",
        "Le changement de modèle économique de l'éditeur a rendu la poursuite impossible.",
    ],
    "regulatory": [
        "Les garanties sur l'hébergement des données de santé étaient insuffisantes.",
        "L'analyse d'impact a conclu à des risques trop élevés pour nos patients.",
        "Le statut de dispositif médical de l'outil n'a pas pu être confirmé.",
        "Les exigences de transparence envers les patients n'étaient pas remplies.",
    ],
    "end_of_pilot": [
        "L'expérimentation était prévue pour six mois et n'a pas été prolongée.",
        "La phase pilote a pris fin comme prévu et la généralisation n'a pas été retenue.",
        "L'expérimentation financée par un appel à projets est arrivée à son terme.",
        "Le pilote a rempli son objectif d'évaluation, sans suite à ce stade.",
        "La fin du pilote a coïncidé avec un changement de priorités de l'établissement.",
    ],
    "other": [
        "Le projet a été arrêté lors de la réorganisation du service.",
        "L'établissement a choisi une autre solution intégrée à son nouveau dossier patient.",
        "Le projet a été mis en pause faute de chef de projet.",
    ],
}


def all_sentences() -> list[str]:
    """Every fixed sentence of the free texts (volumes with a sample number), for privacy checks."""
    texts = [s for lists in SERVICES.values() for s in lists]
    texts += [s for lists in MEDICO_SOCIAL_SERVICES.values() for s in lists]
    texts += [template.format(n=_french_number(high)) for lists in VOLUMES.values() for template, _, high in lists]
    texts += [s for lists in DIFFICULTY_TEXTS.values() for s in lists] + NO_DIFFICULTY_TEXTS
    texts += SUCCESS_FACTORS + ADVICE + [s for lists in STOP_REASON_TEXTS.values() for s in lists]
    return texts


# ---------------------------------------------------------------------------------------- the plan


@dataclass
class _Contributor:
    establishment_id: int
    id: int | None = None
    email: str | None = None  # set for the ones to create
    first_report_at: datetime | None = None


@dataclass
class _SolutionInfo:
    id: int
    category: str
    sectors: list[str]
    integrations: list[str]
    hosting: list[str]
    high_risk: bool
    popularity: float
    quality: float  # hidden: drives ratings, SUS, NPS, choose_again
    ease: float  # usability, drives the SUS items
    support: float  # vendor support
    price: float  # value for money
    integration_effort: float
    earliest_year: int


@dataclass
class _EstablishmentInfo:
    id: int
    type: str
    sector: str
    size_class: str
    maturity: float


@dataclass
class _PlannedReport:
    establishment: _EstablishmentInfo
    solution: _SolutionInfo
    author: _Contributor
    stage: str
    start: tuple[int, int]
    created_at: datetime
    submitted_at: datetime
    decided_at: datetime
    level: float  # this report's satisfaction level, around the solution's quality
    services: str
    previous: _PlannedReport | None = None
    depth: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    report_id: int | None = None


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _french_decimal(x: float) -> str:
    text = f"{x:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _months(months: float) -> timedelta:
    return timedelta(days=30.44 * months)


def _month_of(moment: datetime) -> tuple[int, int]:
    return moment.year, moment.month


class _Planner:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.reports: list[_PlannedReport] = []
        self.new_contributors: list[_Contributor] = []

    # --- solutions and establishments -----------------------------------------------------------

    def solution_infos(self, solutions: list[Solution]) -> list[_SolutionInfo]:
        rng = self.rng
        order = list(range(len(solutions)))
        rng.shuffle(order)
        infos = []
        count = len(solutions)
        for rank, index in enumerate(order):
            solution = solutions[index]
            share = rank / max(1, count - 1)
            if share < 0.2:
                popularity = rng.uniform(8, 12)
            elif share < 0.7:
                popularity = rng.uniform(1, 4)
            elif share < 0.9:
                popularity = rng.uniform(0.15, 0.4)
            else:
                popularity = 0.0  # niche: deployed by one or two establishments only (see load_demo_reports)
            quality = _clamp(rng.gauss(0.6, 0.14), 0.25, 0.92)
            integrations = [c for c in solution.codes("integration") if c in q.REPORT_SYSTEMS]
            infos.append(_SolutionInfo(
                id=solution.id, category=solution.category.slug if solution.category else "",
                sectors=solution.codes("sector") or ["health"], integrations=integrations,
                hosting=[c for c in solution.codes("hosting") if c in q.REPORT_HOSTING] or ["unknown"],
                high_risk=solution.ai_act_risk == "high" or solution.device_class in ("IIa", "IIb", "III"),
                popularity=popularity, quality=quality,
                ease=_clamp(quality + rng.gauss(0, 0.15), 0.05, 0.95),
                support=_clamp(quality + rng.gauss(0, 0.2), 0.05, 0.95),
                price=_clamp(quality + rng.gauss(-0.05, 0.2), 0.05, 0.95),
                integration_effort=_clamp(1.5 + 0.8 * len(integrations) + rng.gauss(0, 0.6), 1, 5),
                earliest_year=rng.choice((2019, 2019, 2020, 2021, 2022, 2023)),
            ))
        return infos

    def deployments(self, establishment: _EstablishmentInfo, scale: float) -> int:
        low, high = DEPLOYMENTS.get(establishment.type, (2, 8))
        return round(_clamp(self.rng.uniform(low, high) * scale, MIN_DEPLOYMENTS, MAX_DEPLOYMENTS))

    def choose_solutions(self, establishment: _EstablishmentInfo, candidates: list[_SolutionInfo],
                         k: int) -> list[_SolutionInfo]:
        """k solutions of the establishment's sector, weighted by popularity (Efraimidis–Spirakis)."""
        affinity = AFFINITY.get(establishment.type, {})
        keyed = []
        for solution in candidates:
            if establishment.sector not in solution.sectors or solution.popularity <= 0:
                continue
            weight = solution.popularity * affinity.get(solution.category, 1.0)
            keyed.append((self.rng.random() ** (1.0 / weight), solution.id, solution))
        keyed.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [solution for _, _, solution in keyed[:k]]

    # --- dates --------------------------------------------------------------------------------------

    def publication(self, created_at: datetime, not_before: datetime | None = None) -> tuple[datetime, datetime]:
        """(submitted_at, decided_at): a few days of writing, then a few days in moderation."""
        rng, latest = self.rng, self.now - timedelta(hours=1)
        submitted = created_at + timedelta(hours=rng.uniform(0.3, 2)) + timedelta(days=min(30, rng.expovariate(1 / 4)))
        if not_before is not None:
            submitted = max(submitted, not_before + timedelta(hours=rng.uniform(1, 48)))
        submitted = min(submitted, latest - timedelta(hours=1))
        decided = min(submitted + timedelta(hours=rng.uniform(1, 24 * 7)), latest)
        return submitted, decided

    def start_month(self, stage: str, created_at: datetime, solution: _SolutionInfo) -> tuple[int, int]:
        rng = self.rng
        age = {"exploring": rng.uniform(0, 8), "pilot": rng.uniform(2, 18),
               "production": rng.uniform(4, 48), "stopped": rng.uniform(4, 40)}[stage]
        start = _month_of(created_at - _months(age))
        earliest = max(EARLIEST_START, (solution.earliest_year, 1))
        if start < earliest:
            start = (earliest[0], rng.randint(1, 6))
        return min(start, LATEST_START, _month_of(created_at))

    # --- the reports of one (establishment, solution) ------------------------------------------------

    def plan_pair(self, establishment: _EstablishmentInfo, solution: _SolutionInfo,
                  contributors: list[_Contributor], parallel: int) -> list[_PlannedReport]:
        rng = self.rng
        chain = 0
        if rng.random() < FOLLOW_UP_RATE:
            chain = 2 if rng.random() < SECOND_FOLLOW_UP_RATE else 1
        if chain:
            stage = _pick(rng, {"exploring": 2, "pilot": 5, "production": 3})
        else:
            stage = _pick(rng, STAGE_MIX)
        level = _clamp(solution.quality + rng.gauss(0, 0.12), 0.02, 0.98)
        # Reports are written from the platform's opening, more of them recently.
        room = self.now - timedelta(days=3) - _months(9 * chain) - PLATFORM_OPENING
        created = PLATFORM_OPENING + room * math.sqrt(rng.random())
        if solution.earliest_year > created.year:
            created = max(created, datetime(solution.earliest_year, 9, 1, tzinfo=UTC))
            created = min(created, self.now - timedelta(days=3) - _months(9 * chain))
        start = self.start_month(stage, created, solution)
        author = contributors[0] if len(contributors) == 1 or rng.random() < 0.7 else rng.choice(contributors)
        submitted, decided = self.publication(created)
        first = _PlannedReport(establishment, solution, author, stage, start, created, submitted, decided,
                               level=self.stage_level(level, stage), services=self.services(establishment, solution))
        group = [first]
        others = [c for c in contributors if c is not author]
        for _ in range(parallel if others else 0):
            # Another team writes at the same time: neither report is a follow-up of the other.
            colleague = rng.choice(others)
            # Written before any report of the group is published, published after all were started.
            first_decided = min(r.decided_at for r in group)
            p_created = created + (first_decided - created) * rng.uniform(0, 0.9) - timedelta(days=rng.uniform(0, 15))
            p_created = max(p_created, datetime(*start, 1, tzinfo=UTC))
            p_submitted, p_decided = self.publication(p_created, not_before=max(r.created_at for r in group))
            p_stage = stage if rng.random() < 0.8 else _pick(rng, {"pilot": 1, "production": 2})
            group.append(_PlannedReport(
                establishment, solution, colleague, p_stage, start, p_created, p_submitted, p_decided,
                level=self.stage_level(_clamp(level + rng.gauss(0, 0.1), 0.02, 0.98), p_stage),
                services=self.services(establishment, solution, avoid=first.services)))
        previous = max(group, key=lambda r: r.decided_at)
        for _ in range(chain):
            if previous.stage == "stopped":
                break
            created = previous.decided_at + _months(rng.uniform(3, 20))
            if created > self.now - timedelta(days=3):
                created = previous.decided_at + (self.now - timedelta(days=3) - previous.decided_at) * rng.uniform(0.5, 1)
            if created <= previous.decided_at + timedelta(days=20):
                break
            stage = _pick(rng, FOLLOW_UP_STAGES[previous.stage])
            level = _clamp(level + rng.gauss(0.03 if stage == "production" else 0, 0.07), 0.02, 0.98)
            author = previous.author if rng.random() < 0.8 or len(contributors) == 1 else rng.choice(contributors)
            submitted, decided = self.publication(created)
            services = previous.services if rng.random() < 0.8 else self.services(establishment, solution)
            follow_up = _PlannedReport(establishment, solution, author, stage, previous.start, created, submitted,
                                       decided, level=self.stage_level(level, stage), services=services,
                                       previous=previous, depth=previous.depth + 1)
            group.append(follow_up)
            previous = follow_up
        for report in group:
            report.answers = self.answers(report)
            if report.author.first_report_at is None or report.created_at < report.author.first_report_at:
                report.author.first_report_at = report.created_at
        return group

    @staticmethod
    def stage_level(level: float, stage: str) -> float:
        return _clamp(level + {"production": 0.05, "stopped": -0.22}.get(stage, 0), 0.02, 0.98)

    def services(self, establishment: _EstablishmentInfo, solution: _SolutionInfo, avoid: str | None = None) -> str:
        options = SERVICES.get(solution.category) or SERVICES["documentation-clinique"]
        if establishment.sector == "medico_social" and solution.category in MEDICO_SOCIAL_SERVICES:
            options = MEDICO_SOCIAL_SERVICES[solution.category]
        choices = [s for s in options if s != avoid] or options
        return self.rng.choice(choices)

    # --- the answers -------------------------------------------------------------------------------

    def answers(self, report: _PlannedReport) -> dict[str, Any]:
        rng, solution, establishment = self.rng, report.solution, report.establishment
        stage, level = report.stage, report.level
        size = SIZE_FACTOR.get(establishment.size_class, 0.5)
        answers: dict[str, Any] = {}

        # 1. Context
        users = max(1, round(rng.uniform(3, 60) * size * (0.3 if stage in ("pilot", "exploring") else 1)))
        if solution.category in ("codage-pmsi-facturation", "pharmacie-medicament", "logistique-achats",
                                 "ressources-humaines"):
            users = max(1, round(users / 4))
        answers["services"] = report.services
        answers["stage"] = stage
        answers["start_date"] = f"{report.start[0]:04d}-{report.start[1]:02d}"
        answers["users_count"] = str(users if stage != "exploring" else min(users, rng.randint(1, 8)))
        answers["volume"] = self.volume(solution, size) if rng.random() < 0.85 and stage != "exploring" else ""
        answers["initiated_by"] = _pick(rng, INITIATORS.get(solution.category, {"management": 1, "medical": 1}))

        # 2. Deployment
        cost = COST_LEVEL.get(solution.category, 1) + {"lt50": -1, "50_199": -0.5, "500_999": 0.5,
                                                      "1000_plus": 1}.get(establishment.size_class, 0)
        cost += {"pilot": -0.5, "exploring": -1}.get(stage, 0) + rng.gauss(0, 0.6)
        cost_index = int(_clamp(round(cost), 0, len(COST_CODES) - 1))
        if stage == "exploring":
            golive = ""
        elif stage == "pilot":
            golive = str(rng.randint(1, 6))
        else:
            golive = str(int(_clamp(round(2 + 2.5 * cost_index + rng.gauss(0, 2.5)), 1, 24)))
        answers["months_to_golive"] = golive
        systems = list(solution.integrations)
        if systems and rng.random() < 0.2:
            systems = rng.sample(systems, rng.randint(1, len(systems)))
        if rng.random() < 0.08:
            systems.append(rng.choice(["dpi", "other"]))
        if stage == "exploring" and rng.random() < 0.6:
            systems = []
        answers["integrated_systems"] = list(dict.fromkeys(systems))
        answers["integration_effort"] = str(int(_clamp(round(solution.integration_effort + rng.gauss(0, 0.8)
                                                             + (1 - level) * 0.8 - 0.4), 1, 5)))
        answers["hosting"] = rng.choice(solution.hosting) if rng.random() < 0.94 else "unknown"
        met, missing = [], []
        for code in q.PREREQUISITES:
            draw = rng.random()
            if draw < 0.3 + 0.4 * establishment.maturity:
                met.append(code)
            elif draw < 0.3 + 0.4 * establishment.maturity + 0.08 + 0.2 * (1 - level):
                missing.append(code)
        answers["prerequisites_met"] = met
        answers["prerequisites_missing"] = missing
        unknown_cost = 0.35 if stage == "exploring" else 0.07
        answers["cost_bracket"] = "unknown" if rng.random() < unknown_cost else COST_CODES[cost_index]
        funding = {"own_budget": 45, "regional": 14, "national": 9, "vendor_pilot": 6, "research": 3, "other": 3,
                   "unknown": 5}
        if stage in ("exploring", "pilot"):
            funding["vendor_pilot"] += 18
        if establishment.type in ("chu", "clcc"):
            funding["research"] += 10
        answers["funding"] = _pick(rng, funding)

        # 3. Use and value
        na_rate = 0.3 if stage == "exploring" else 0.04
        offsets = {"usefulness": 0.05, "reliability": 0, "ease_of_use": solution.ease - solution.quality,
                   "workflow_integration": -0.05, "vendor_support": solution.support - solution.quality,
                   "training_quality": -0.03, "value_for_money": solution.price - solution.quality}
        for code, offset in offsets.items():
            extra_na = 0.04 if code in ("vendor_support", "value_for_money", "training_quality") else 0
            if rng.random() < na_rate + extra_na:
                answers[f"rating_{code}"] = "na"
            else:
                answers[f"rating_{code}"] = str(int(_clamp(round(1 + 4 * (level + offset) + rng.gauss(0, 0.55)), 1, 5)))
        low, high, unit = TIME_SAVED.get(solution.category, (1, 5, "per_user_week"))
        if stage != "exploring" and rng.random() < 0.8:
            hours = (low + (high - low) * level * rng.uniform(0.4, 1.1)) * (0.3 if stage == "stopped" else 1)
            hours = round(hours * 2) / 2 if hours < 10 else round(hours)
            answers["time_saved_hours"] = _french_decimal(max(0.0, hours))
            answers["time_saved_unit"] = unit
        else:
            answers["time_saved_hours"] = ""
            answers["time_saved_unit"] = ""
        incidents = 0 if rng.random() < 0.25 + 0.5 * level else max(1, int(rng.expovariate(1 / (1 + 6 * (1 - level)))))
        if stage == "exploring":
            incidents = 0
        answers["incidents_count"] = str(incidents) if rng.random() < 0.9 else ""
        if incidents == 0:
            severity = "none"
        else:
            severity = _pick(rng, {"minor": 70, "moderate": 22 + 20 * (1 - level), "severe": 2 + 8 * (1 - level)})
        answers["incidents_severity"] = severity
        answers["choose_again"] = self.choose_again(level, stage)

        # 4. Usability: F-SUS items (odd ones positive, even ones negative) and NPS
        usability = _clamp(0.65 * level + 0.35 * solution.ease + rng.gauss(0, 0.06), 0.02, 0.98)
        for number in range(1, 11):
            value = 1 + 4 * usability + rng.gauss(0, 0.6)
            if number % 2 == 0:
                value = 6 - value
            answers[f"sus_{number}"] = str(int(_clamp(round(value), 1, 5)))
        answers["nps"] = str(int(_clamp(round(11 * level - 0.5 + rng.gauss(0, 1.1)), 0, 10)))

        # 5. Governance
        for code, bias in GOVERNANCE_BIAS.items():
            yes = establishment.maturity + bias + (0.15 if solution.high_risk and code in (
                "dpo_consulted", "device_status_known", "human_oversight") else 0)
            if code == "users_trained" and stage == "production":
                yes += 0.1
            if code == "patients_informed" and solution.category in ("logistique-achats", "ressources-humaines",
                                                                        "codage-pmsi-facturation"):
                yes -= 0.3
            draw = rng.random()
            answers[code] = "yes" if draw < _clamp(yes, 0.05, 0.95) else ("unsure" if draw < _clamp(yes, 0.05, 0.95)
                                                                         + 0.15 else "no")

        # 6. Lessons
        difficulties = self.difficulties(report, answers)
        answers["difficulties"] = difficulties
        if rng.random() < 0.8:
            if difficulties:
                texts = [rng.choice(DIFFICULTY_TEXTS[code]) for code in rng.sample(difficulties, min(2, len(difficulties)))]
                answers["difficulties_text"] = " ".join(texts)
            else:
                answers["difficulties_text"] = rng.choice(NO_DIFFICULTY_TEXTS)
        else:
            answers["difficulties_text"] = ""
        answers["success_factors"] = (" ".join(rng.sample(SUCCESS_FACTORS, rng.choice((1, 1, 2))))
                                      if rng.random() < 0.85 else "")
        answers["advice"] = " ".join(rng.sample(ADVICE, rng.choice((1, 1, 2, 3))))
        if stage == "stopped":
            reasons = self.stop_reasons(report)
            answers["stop_reasons"] = reasons
            answers["stop_reasons_text"] = rng.choice(STOP_REASON_TEXTS[reasons[0]]) if rng.random() < 0.85 else ""
        else:
            answers["stop_reasons"] = []
            answers["stop_reasons_text"] = ""
        answers["contact_ok"] = "y" if rng.random() < 0.55 else ""
        return answers

    def volume(self, solution: _SolutionInfo, size: float) -> str:
        template, low, high = self.rng.choice(VOLUMES.get(solution.category) or VOLUMES["documentation-clinique"])
        n = self.rng.uniform(low, high) * size
        n = max(low * 0.2, n, 3)
        step = 1 if n < 50 else 10 if n < 1000 else 100
        return template.format(n=_french_number(int(round(n / step) * step)))

    def choose_again(self, level: float, stage: str) -> str:
        rng = self.rng
        if stage == "stopped":
            return _pick(rng, {"yes": 5 + 20 * level, "unsure": 30, "no": 65 - 20 * level})
        if level > 0.62:
            return "yes" if rng.random() < 0.88 else "unsure"
        if level < 0.38:
            return _pick(rng, {"no": 55, "unsure": 35, "yes": 10})
        return _pick(rng, {"yes": 45, "unsure": 38, "no": 17})

    def difficulties(self, report: _PlannedReport, answers: dict[str, Any]) -> list[str]:
        rng, solution, level = self.rng, report.solution, report.level
        chances = {
            "data_quality": 0.25 if solution.category in ("aide-decision-clinique", "codage-pmsi-facturation",
                                                          "planification-ressources") else 0.1,
            "integration": 0.08 * int(answers["integration_effort"]),
            "user_adoption": 0.1 + 0.35 * (1 - level),
            "performance": 0.05 + 0.4 * (1 - solution.quality),
            "vendor": 0.05 + 0.3 * (1 - solution.support),
            "cost": 0.05 + 0.25 * (1 - solution.price),
            "regulatory": 0.15 if solution.high_risk else 0.04,
            "workload": 0.08 + 0.15 * (1 - level),
            "other": 0.03,
        }
        return [code for code, chance in chances.items() if rng.random() < chance]

    def stop_reasons(self, report: _PlannedReport) -> list[str]:
        rng, solution, level = self.rng, report.solution, report.level
        weights = {"no_benefit": 10 + 20 * (1 - level), "performance": 5 + 25 * (1 - solution.quality),
                   "cost": 5 + 20 * (1 - solution.price), "integration": 3 + 3 * solution.integration_effort,
                   "users": 5 + 15 * (1 - solution.ease), "vendor": 2 + 15 * (1 - solution.support),
                   "regulatory": 4 if solution.high_risk else 1, "other": 3,
                   "end_of_pilot": 30 if report.previous is not None and report.previous.stage == "pilot" else 8}
        reasons = [_pick(rng, weights)]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            extra = _pick(rng, weights)
            if extra not in reasons:
                reasons.append(extra)
        return reasons


# ---------------------------------------------------------------------------------------- loading


def _published_fictional_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Report.id)).join(Solution, Solution.id == Report.solution_id)
        .join(Establishment, Establishment.id == Report.establishment_id)
        .where(Report.status == ReportStatus.PUBLISHED, Solution.is_fictional.is_(True),
               Establishment.is_fictional.is_(True))
    ) or 0


def _batches(rows: list, size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert_returning_ids(model, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (batches of BATCH rows); ids in the order of the rows."""
    ids: list[int] = []
    for chunk in _batches(rows):
        ids.extend(db.session.scalars(sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk).all())
    return ids


def load_demo_reports(target: int = 3000, seed: int = 2022) -> int:
    """Add fictional published reports until about `target` exist on fictional solutions; returns how many
    were created (none when they already exist). Flushes; the caller commits."""
    existing = _published_fictional_count()
    needed = target - existing
    if needed <= 0:
        return 0
    rng = random.Random(f"{seed}:{existing}")  # noqa: S311 (reproducible fictional data, not security)
    now = utcnow()

    # The establishments of the demo role accounts keep an empty history: the journeys start from it.
    demo_accounts = [f"{role}@{DEMO_DOMAIN}" for role in ("contributor", "referent", "moderator", "analyst", "admin",
                                                           "pending")]
    home_ids = set(db.session.scalars(sa.select(User.establishment_id).where(User.email.in_(demo_accounts),
                                                                             User.establishment_id.is_not(None))))
    moderator_id = db.session.scalar(sa.select(User.id).where(User.email == f"moderator@{DEMO_DOMAIN}"))
    establishments = [
        _EstablishmentInfo(id=e.id, type=e.type, sector=e.sector, size_class=e.size_class or "50_199",
                           maturity=_clamp(MATURITY.get(e.type, 0.4) + rng.gauss(0, 0.12), 0.05, 0.95))
        for e in db.session.execute(sa.select(Establishment.id, Establishment.type, Establishment.sector,
                                              Establishment.size_class)
                                    .where(Establishment.is_fictional.is_(True)).order_by(Establishment.id))
        if e.id not in home_ids]
    solutions = db.session.scalars(sa.select(Solution).where(Solution.is_fictional.is_(True),
                                                             Solution.archived.is_(False)).order_by(Solution.id)).all()
    if not establishments or not solutions:
        return 0
    planner = _Planner(rng, now)
    infos = planner.solution_infos(list(solutions))
    existing_pairs = {tuple(row) for row in db.session.execute(sa.select(Report.establishment_id, Report.solution_id))}

    # Contributors already created by an earlier load are reused.
    contributors: dict[int, list[_Contributor]] = defaultdict(list)
    highest = 0
    for user_id, establishment_id, email in db.session.execute(
            sa.select(User.id, User.establishment_id, User.email)
            .where(User.email.like(f"contributor-%@{DEMO_DOMAIN}")).order_by(User.id)):
        number = email.split("@")[0].removeprefix("contributor-")
        highest = max(highest, int(number) if number.isdigit() else 0)
        if establishment_id is not None:
            contributors[establishment_id].append(_Contributor(establishment_id, id=user_id))
    numbers = iter(range(highest + 1, highest + 10_000_000))

    def team(establishment_id: int, size: int) -> list[_Contributor]:
        members = contributors[establishment_id]
        while len(members) < size:
            member = _Contributor(establishment_id, email=CONTRIBUTOR_EMAIL.format(n=next(numbers)))
            members.append(member)
            planner.new_contributors.append(member)
        return members[:size]

    rng.shuffle(establishments)
    # Niche solutions: one or two of the first establishments of their sector, so statistics must hide them.
    forced: dict[int, list[_SolutionInfo]] = defaultdict(list)
    for solution in infos:
        if solution.popularity <= 0:
            fitting = [e for e in establishments[:25] if e.sector in solution.sectors
                       and solution.id not in {s for p, s in existing_pairs if p == e.id}]
            for establishment in rng.sample(fitting, min(len(fitting), rng.randint(1, 2))):
                forced[establishment.id].append(solution)
    expected_pairs = sum(sum(DEPLOYMENTS.get(e.type, (2, 8))) / 2 for e in establishments)
    scale = max(1.0, needed / (expected_pairs * 1.2))
    planned: list[_PlannedReport] = []
    deployed: dict[int, set[int]] = defaultdict(set)
    for establishment_id, solution_id in existing_pairs:
        deployed[establishment_id].add(solution_id)
    for round_number in range(4):  # later rounds only when the target outgrows the first
        added = False
        for position, establishment in enumerate(establishments):
            if len(planned) >= needed:
                break
            k = planner.deployments(establishment, scale) if round_number == 0 else rng.randint(1, 3)
            candidates = [s for s in infos if s.id not in deployed[establishment.id]]
            chosen = forced.pop(establishment.id, []) if round_number == 0 else []
            chosen = chosen + planner.choose_solutions(establishment, candidates, max(0, k - len(chosen)))
            if not chosen:
                continue
            multi = round_number == 0 and (position == 1 or rng.random() < MULTI_CONTRIBUTOR_RATE)
            members = team(establishment.id, rng.randint(2, 3) if multi else 1)
            parallel_pairs = set(rng.sample(range(len(chosen)), min(len(chosen), rng.randint(1, 3)))) if multi else set()
            for index, solution in enumerate(chosen):
                deployed[establishment.id].add(solution.id)
                parallel = rng.randint(1, len(members) - 1) if index in parallel_pairs else 0
                group = planner.plan_pair(establishment, solution, members, parallel)
                # Keep the order of the group (earlier reports first) and stop exactly at the target.
                group.sort(key=lambda r: (r.depth, r.created_at))
                planned.extend(group[:needed - len(planned)])
                added = True
                if len(planned) >= needed:
                    break
        if len(planned) >= needed or not added:
            break
    if not planned:
        return 0

    # Users first (the authors), then the reports by depth (a follow-up needs its earlier report's id).
    used = {id(r.author) for r in planned}
    new_users = [c for c in planner.new_contributors if id(c) in used]
    if new_users:
        password_hash = accounts.hash_password(secrets.token_urlsafe(32))  # nobody knows it: no demo login
        rows = []
        for member in new_users:
            joined = (member.first_report_at or now) - timedelta(days=rng.uniform(1, 30))
            rows.append({"email": member.email, "full_name": "Contributeur fictif", "password_hash": password_hash,
                         "role": "contributor", "status": "active", "establishment_id": member.establishment_id,
                         "session_token": secrets.token_urlsafe(24), "created_at": joined,
                         "approved_at": joined + timedelta(hours=rng.uniform(1, 48)), "approved_by_id": None,
                         "last_login_at": None, "password_changed_at": None})
        for member, user_id in zip(new_users, _insert_returning_ids(User, rows), strict=True):
            member.id = user_id

    for depth in sorted({r.depth for r in planned}):
        wave = [r for r in planned if r.depth == depth]
        rows = [{"establishment_id": r.establishment.id, "solution_id": r.solution.id, "author_id": r.author.id,
                 "status": ReportStatus.PUBLISHED, "previous_report_id": r.previous.report_id if r.previous else None,
                 "creation_key": None, "working_revision_id": None, "published_revision_id": None,
                 "created_at": r.created_at, "updated_at": r.decided_at, "first_published_at": r.decided_at,
                 "withdrawn_at": None} for r in wave]
        for report, report_id in zip(wave, _insert_returning_ids(Report, rows), strict=True):
            report.report_id = report_id

    revision_rows = []
    for r in planned:
        sus, nps = scores(r.answers)
        revision_rows.append({"report_id": r.report_id, "number": 1, "state": RevisionState.PUBLISHED, "answers": r.answers,
                              "sus_score": sus, "nps_rating": nps, "created_by_id": r.author.id,
                              "created_at": r.created_at, "updated_at": r.submitted_at, "submitted_at": r.submitted_at,
                              "decided_at": r.decided_at, "decided_by_id": moderator_id, "moderator_message": None,
                              # no flags: the fictional texts are fixed sentences, never scanned
                              "export_cells": export_cells(r.answers, (), sus, nps)})
    revision_ids = _insert_returning_ids(ReportRevision, revision_rows)
    links = [{"id": r.report_id, "published_revision_id": revision_id, "updated_at": r.decided_at}
             for r, revision_id in zip(planned, revision_ids, strict=True)]
    for chunk in _batches(links):
        db.session.execute(sa.update(Report), chunk)

    audit.record(None, "demo.reports_loaded", "report", None, created=len(planned), contributors=len(new_users),
                 target=target, seed=seed)
    db.session.flush()
    if rebuild_facts is not None:
        rebuild_facts()
    return len(planned)
