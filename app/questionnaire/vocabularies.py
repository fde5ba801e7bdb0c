"""The questionnaire's vocabularies (PRODUCT §3): steps, answer codes and their labels, free-text answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.vocabulary import HOSTING_OPTIONS, INTEGRATED_SYSTEMS

STEPS = {
    1: _l("Contexte"),
    2: _l("Déploiement"),
    3: _l("Usage et valeur"),
    4: _l("Utilisabilité"),
    5: _l("Gouvernance et confiance"),
    6: _l("Enseignements"),
}
STEP_COUNT = len(STEPS)

STAGES = {
    "exploring": _l("Exploration"),
    "pilot": _l("Expérimentation (pilote)"),
    "production": _l("En production"),
    "stopped": _l("Arrêté"),
}

INITIATORS = {
    "management": _l("Direction de l'établissement"),
    "medical": _l("Équipe médicale"),
    "nursing": _l("Équipe soignante"),
    "it": _l("Direction du numérique (DSI)"),
    "pharmacy": _l("Pharmacie"),
    "quality": _l("Qualité et gestion des risques"),
    "administration": _l("Services administratifs"),
    "vendor": _l("L'éditeur"),
    "other": _l("Autre"),
}

REPORT_SYSTEMS = {**INTEGRATED_SYSTEMS}
REPORT_HOSTING = {**HOSTING_OPTIONS, "unknown": _l("Je ne sais pas")}

PREREQUISITES = {
    "network": _l("Réseau"),
    "hardware": _l("Matériel"),
    "data_quality": _l("Qualité des données"),
    "interoperability": _l("Interopérabilité"),
    "dpo_dpia": _l("Avis du DPO / analyse d'impact (AIPD)"),
    "ethics": _l("Avis éthique"),
    "training": _l("Formation des utilisateurs"),
    "budget": _l("Budget"),
    "change_management": _l("Accompagnement au changement"),
}

COST_BRACKETS = {
    "lt10k": _l("Moins de 10 000 €"),
    "10k_50k": _l("10 000 à 50 000 €"),
    "50k_150k": _l("50 000 à 150 000 €"),
    "150k_500k": _l("150 000 à 500 000 €"),
    "gt500k": _l("Plus de 500 000 €"),
    "unknown": _l("Je ne sais pas"),
}

FUNDING_SOURCES = {
    "own_budget": _l("Budget propre de l'établissement"),
    "regional": _l("Financement régional (ARS, GRADeS)"),
    "national": _l("Programme national"),
    "vendor_pilot": _l("Pilote gratuit proposé par l'éditeur"),
    "research": _l("Projet de recherche"),
    "other": _l("Autre"),
    "unknown": _l("Je ne sais pas"),
}

RATINGS = {
    "usefulness": _l("Utilité"),
    "reliability": _l("Fiabilité des résultats"),
    "ease_of_use": _l("Facilité d'utilisation"),
    "workflow_integration": _l("Intégration dans le travail quotidien"),
    "vendor_support": _l("Accompagnement par l'éditeur"),
    "training_quality": _l("Qualité de la formation"),
    "value_for_money": _l("Rapport qualité-prix"),
}
RATING_SCALE = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "na": _l("Sans avis")}

TIME_SAVED_UNITS = {
    "per_user_week": _l("heures par semaine et par utilisateur"),
    "per_service_week": _l("heures par semaine pour le service"),
}

INCIDENT_SEVERITIES = {
    "none": _l("Aucun incident"),
    "minor": _l("Mineurs"),
    "moderate": _l("Modérés"),
    "severe": _l("Graves"),
}

YES_NO_UNSURE = {"yes": _l("Oui"), "no": _l("Non"), "unsure": _l("Je ne sais pas")}

# F-SUS, the validated French System Usability Scale (Gronier & Baudet 2021).
SUS_ITEMS = {
    1: _l("Je voudrais utiliser ce système fréquemment"),
    2: _l("Ce système est inutilement complexe"),
    3: _l("Ce système est facile à utiliser"),
    4: _l("J'aurais besoin du soutien d'un technicien pour être capable d'utiliser ce système"),
    5: _l("Les différentes fonctionnalités de ce système sont bien intégrées"),
    6: _l("Il y a trop d'incohérences dans ce système"),
    7: _l("La plupart des gens apprendront à utiliser ce système très rapidement"),
    8: _l("Ce système est très lourd à utiliser"),
    9: _l("Je me suis senti(e) très en confiance en utilisant ce système"),
    10: _l("J'ai eu besoin d'apprendre beaucoup de choses avant de pouvoir utiliser ce système"),
}
SUS_SCALE = {
    "1": _l("1 — Pas du tout d'accord"),
    "2": "2",
    "3": "3",
    "4": "4",
    "5": _l("5 — Tout à fait d'accord"),
}

GOVERNANCE = {
    "users_trained": _l("Les utilisateurs ont été formés à l'IA (maîtrise de l'IA)"),
    "human_oversight": _l("Une procédure de contrôle humain des résultats est en place"),
    "patients_informed": _l("Les patients sont informés de l'usage de l'IA"),
    "dpo_consulted": _l("Le DPO a été consulté / une AIPD a été réalisée"),
    "ethics_review": _l("Un avis éthique a été recueilli"),
    "performance_monitored": _l("La performance est suivie après la mise en service"),
    "device_status_known": _l("Le statut de dispositif médical est connu des utilisateurs"),
    "incident_route_known": _l("Le circuit de déclaration des incidents est connu"),
}
GOVERNANCE_ANSWERS = {"yes": _l("Oui"), "no": _l("Non"), "unsure": _l("Je ne sais pas")}

DIFFICULTIES = {
    "data_quality": _l("Qualité des données"),
    "integration": _l("Intégration au système d'information"),
    "user_adoption": _l("Adhésion des utilisateurs"),
    "performance": _l("Performance insuffisante"),
    "vendor": _l("Relation avec l'éditeur"),
    "cost": _l("Coût"),
    "regulatory": _l("Questions réglementaires"),
    "workload": _l("Charge de travail supplémentaire"),
    "other": _l("Autre"),
}

STOP_REASONS = {
    "no_benefit": _l("Bénéfice insuffisant"),
    "performance": _l("Performance ou fiabilité insuffisante"),
    "cost": _l("Coût trop élevé"),
    "integration": _l("Intégration impossible ou trop lourde"),
    "users": _l("Rejet par les utilisateurs"),
    "vendor": _l("Défaillance ou départ de l'éditeur"),
    "regulatory": _l("Obstacle réglementaire"),
    "end_of_pilot": _l("Fin de l'expérimentation"),
    "other": _l("Autre"),
}

# Answers written freely by the contributor: scanned for personal data, never published while flagged.
FREE_TEXT_FIELDS = {
    "services": 1,
    "volume": 1,
    "difficulties_text": 6,
    "success_factors": 6,
    "advice": 6,
    "stop_reasons_text": 6,
}
