"""Controlled vocabularies: stored codes and their French labels (English via the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "contributor": _l("Contributeur"),
    "referent": _l("Référent de l'établissement"),
    "moderator": _l("Modérateur"),
    "analyst": _l("Analyste"),
    "admin": _l("Administrateur"),
    "ethics_reviewer": _l("Référent éthique de la plateforme"),
}
ESTABLISHMENT_ROLES = ("contributor", "referent")

USER_STATUSES = {
    "pending": _l("En attente de validation"),
    "active": _l("Actif"),
    "rejected": _l("Refusé"),
    "disabled": _l("Désactivé"),
    "deleted": _l("Supprimé par son titulaire"),
}
# Statuses an administrator may give; a deleted account stays deleted (app.services.account_self).
ADMIN_USER_STATUSES = {code: label for code, label in USER_STATUSES.items() if code != "deleted"}

REPORT_STATUSES = {
    "draft": _l("Brouillon"),
    "submitted": _l("En modération"),
    "changes_requested": _l("Modifications demandées"),
    "rejected": _l("Refusé"),
    "published": _l("Publié"),
    "withdrawn": _l("Retiré"),
}

REVISION_STATES = {
    "draft": _l("Brouillon"),
    "submitted": _l("En modération"),
    "changes_requested": _l("Modifications demandées"),
    "rejected": _l("Refusée"),
    "published": _l("Publiée"),
    "superseded": _l("Remplacée par une version plus récente"),
}

LEGAL_STATUSES = {
    "public": _l("Public"),
    "private_for_profit": _l("Privé à but lucratif"),
    "private_non_profit": _l("Privé non lucratif (ESPIC)"),
}

ESTABLISHMENT_TYPES = {
    "chu": _l("CHU / CHR"),
    "ch": _l("Centre hospitalier"),
    "clinic_mco": _l("Clinique MCO"),
    "clcc": _l("Centre de lutte contre le cancer"),
    "psychiatric": _l("Établissement psychiatrique"),
    "smr": _l("Soins médicaux et de réadaptation (SMR)"),
    "had": _l("Hospitalisation à domicile (HAD)"),
    "ehpad": _l("EHPAD"),
    "esms_disability": _l("ESMS handicap"),
    "other": _l("Autre"),
}
MEDICO_SOCIAL_TYPES = ("ehpad", "esms_disability")

SECTORS = {
    "health": _l("Sanitaire"),
    "medico_social": _l("Médico-social"),
}

SIZE_CLASSES = {
    "lt50": _l("Moins de 50 lits ou places"),
    "50_199": _l("50 à 199 lits ou places"),
    "200_499": _l("200 à 499 lits ou places"),
    "500_999": _l("500 à 999 lits ou places"),
    "1000_plus": _l("1 000 lits ou places et plus"),
}

# The 18 French regions, by INSEE code.
REGIONS = {
    "84": "Auvergne-Rhône-Alpes",
    "27": "Bourgogne-Franche-Comté",
    "53": "Bretagne",
    "24": "Centre-Val de Loire",
    "94": "Corse",
    "44": "Grand Est",
    "32": "Hauts-de-France",
    "11": "Île-de-France",
    "28": "Normandie",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "52": "Pays de la Loire",
    "93": "Provence-Alpes-Côte d'Azur",
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
}

# Département (as written at the start of a FINESS number) → region code.
_DEPARTMENTS_BY_REGION = {
    "84": "01 03 07 15 26 38 42 43 63 69 73 74",
    "27": "21 25 39 58 70 71 89 90",
    "53": "22 29 35 56",
    "24": "18 28 36 37 41 45",
    "94": "2A 2B",
    "44": "08 10 51 52 54 55 57 67 68 88",
    "32": "02 59 60 62 80",
    "11": "75 77 78 91 92 93 94 95",
    "28": "14 27 50 61 76",
    "75": "16 17 19 23 24 33 40 47 64 79 86 87",
    "76": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "52": "44 49 53 72 85",
    "93": "04 05 06 13 83 84",
}
# Overseas FINESS numbers start with 970 and the overseas digit (9701… Guadeloupe, 9704… La Réunion);
# the INSEE spelling 971…976 is accepted too.
_OVERSEAS_DIGIT_REGION = {"1": "01", "2": "02", "3": "03", "4": "04", "6": "06"}
DEPARTMENT_REGION = {dep: region for region, deps in _DEPARTMENTS_BY_REGION.items() for dep in deps.split()}


def region_for_finess(finess: str) -> str | None:
    """Region code of an establishment from the département encoded in its FINESS number."""
    if finess.startswith("97"):
        digit = finess[3] if finess[2] == "0" else finess[2]
        return _OVERSEAS_DIGIT_REGION.get(digit)
    return DEPARTMENT_REGION.get(finess[:2])


DEVICE_CLASSES = {
    "none": _l("Pas un dispositif médical"),
    "I": _l("Dispositif médical de classe I"),
    "IIa": _l("Dispositif médical de classe IIa"),
    "IIb": _l("Dispositif médical de classe IIb"),
    "III": _l("Dispositif médical de classe III"),
    "unknown": _l("Non communiqué"),
}

AI_ACT_RISKS = {
    "minimal": _l("Risque minimal"),
    "limited": _l("Risque limité (obligations de transparence)"),
    "high": _l("Haut risque"),
    "unknown": _l("Non communiqué"),
}

HOSTING_OPTIONS = {
    "on_premises": _l("Sur site"),
    "hds_cloud": _l("Cloud certifié HDS"),
    "vendor_saas": _l("SaaS de l'éditeur"),
}

INTEGRATED_SYSTEMS = {
    "dpi": _l("Dossier patient informatisé (DPI)"),
    "pacs": _l("PACS"),
    "ris": _l("RIS"),
    "lis": _l("SIL (laboratoire)"),
    "pharmacy": _l("Logiciel de pharmacie"),
    "scheduling": _l("Prise de rendez-vous / planification"),
    "pmsi": _l("PMSI / facturation"),
    "hr": _l("Gestion des ressources humaines"),
    "telephony": _l("Téléphonie"),
    "other": _l("Autre système"),
}

# Multi-valued solution attributes, stored in solution_attribute(kind, code).
SOLUTION_ATTRIBUTE_KINDS = {
    "hosting": HOSTING_OPTIONS,
    "integration": INTEGRATED_SYSTEMS,
    "sector": SECTORS,
}


# Ethics and safety alerts (app.models.alert) -------------------------------------------------------------
ALERT_CATEGORIES = {
    "bias": _l("Biais ou discrimination"),
    "consent": _l("Information des patients et consentement"),
    "oversight": _l("Contrôle humain et biais d'automatisation"),
    "data_protection": _l("Protection des données"),
    "transparency": _l("Transparence et explicabilité"),
    "working_conditions": _l("Conditions de travail"),
    "patient_safety": _l("Incident de sécurité patient"),
    "other": _l("Autre"),
}
ALERT_STATUSES = {
    "new": _l("Reçue, en attente de prise en compte"),
    "acknowledged": _l("Prise en compte"),
    "awaiting_author": _l("Question posée, en attente de votre réponse"),
    "closed": _l("Clôturée"),
}
ALERT_OUTCOMES = {
    "answered": _l("Réponse apportée"),
    "vendor": _l("Transmise à l'éditeur"),
    "authorities": _l("Transmise aux autorités"),
    "closed": _l("Classée"),
}
ALERT_ACTIONS = {  # the audit log's entries of an alert
    "alert.raised": _l("Alerte envoyée"),
    "alert.acknowledged": _l("Alerte prise en compte"),
    "alert.question_asked": _l("Question posée à l'auteur"),
    "alert.question_answered": _l("Réponse de l'auteur"),
    "alert.outcome_recorded": _l("Suite donnée enregistrée"),
}
VIGILANCE_ANSWERS = {
    "yes": _l("Oui, la déclaration de matériovigilance est faite"),
    "no": _l("Non, pas encore"),
}
# The national portal for reporting adverse health events (materiovigilance included).
VIGILANCE_PORTAL = "https://signalement-sante.gouv.fr"


def is_possible_device(device_class: str | None) -> bool:
    """A solution declared a medical device, or whose status is not known: a patient-safety incident with it may
    call for a materiovigilance declaration."""
    return device_class != "none"


def label(vocabulary: dict, code: str | None) -> str:
    """Label of a code, or the code itself when it is unknown (never an error in a page)."""
    if code is None:
        return ""
    return str(vocabulary.get(code, code))


def choices(vocabulary: dict, blank: str | None = None) -> list:
    """Options for a WTForms select: every code with its label, optionally after a blank one."""
    from wtforms.fields.choices import SelectChoice

    items = [SelectChoice(value=code, label=str(text)) for code, text in vocabulary.items()]
    if blank is not None:
        items.insert(0, SelectChoice(value="", label=blank))
    return items
