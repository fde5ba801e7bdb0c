"""The questions of the report questionnaire, as data: what each asks, its kind, its vocabulary, when it applies
and what it requires. The step forms, the summary, the moderation pages, the exports and the statistics read them
from here; `rules.py` validates answers against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.questionnaire import vocabularies as v

TEXT_MAX = 3000
CHOOSE = _l("Choisissez une réponse.")
REQUIRED = _l("Ce champ est obligatoire.")

# Kinds of question: how an answer is typed and stored (a list of codes for "multi", one string otherwise).
TEXT, TEXTAREA, MONTH, INTEGER, DECIMAL, RADIO, SELECT, MULTI, BOOLEAN = (
    "text", "textarea", "month", "integer", "decimal", "radio", "select", "multi", "boolean")
CHOICE_KINDS = (RADIO, SELECT)
CHOOSE_OPTION = _l("Choisir une réponse")  # the first option of a select, chosen by no one

Answers = dict[str, Any]


def _always(_answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    name: str
    step: int
    kind: str
    label: Any
    vocabulary: dict | None = None
    required: Any = None  # the message shown when a required answer is missing; None when optional
    description: Any = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    applies: Callable[[Answers], bool] = _always  # when False: not shown, not validated, not kept
    needed: tuple[Callable[[Answers], bool], Any] | None = None  # required by other answers: (when, message)
    check: Callable[[str, Answers], Any] | None = None  # a further rule: returns an error message or None
    inline: bool = False  # choices shown on one row (scales)
    consent: bool = False  # given by the person who answers: never copied into another person's revision

    @property
    def multiple(self) -> bool:
        return self.kind == MULTI

    @property
    def free_text(self) -> bool:
        return self.name in v.FREE_TEXT_FIELDS


# Conditions and rules -------------------------------------------------------------------------------------------

def _not_exploring(answers: Answers) -> bool:
    return answers.get("stage") != "exploring"


def _stopped(answers: Answers) -> bool:
    return answers.get("stage") == "stopped"


def _always_needed(_answers: Answers) -> bool:
    return True


def _went_live(answers: Answers) -> bool:
    # A stopped project may have stopped before going live: its delay is then asked, not required.
    return answers.get("stage") in ("pilot", "production")


def _integrated(answers: Answers) -> bool:
    return bool(codes_of(answers.get("integrated_systems")))


def _hours_given(answers: Answers) -> bool:
    return bool(first_of(answers.get("time_saved_hours")))


def codes_of(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(code) for code in value]
    return [str(value)] if value not in (None, "") else []


def first_of(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def start_month(text: str) -> tuple[int, int] | None:
    """(year, month) of a month typed as AAAA-MM or MM/AAAA, or None."""
    import re

    text = (text or "").strip()
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text) or re.fullmatch(r"([0-9]{1,2})/([0-9]{4})", text)
    if not match:
        return None
    return (int(match[1]), int(match[2])) if "-" in text else (int(match[2]), int(match[1]))


def _check_start_date(text: str, _answers: Answers):
    from datetime import date

    month = start_month(text)
    if month is None:
        return _l("Indiquez le mois au format AAAA-MM, par exemple 2024-03.")
    year, number = month
    if not 1 <= number <= 12 or year < 1990:
        return _l("Ce mois n'existe pas : vérifiez la saisie (AAAA-MM).")
    if date(year, number, 1) > date.today():
        return _l("La date de début ne peut pas être dans le futur.")
    return None


def _check_prerequisites(_value: Any, answers: Answers):
    both = (set(codes_of(answers.get("prerequisites_missing"))) & set(codes_of(answers.get("prerequisites_met")))
            & set(v.PREREQUISITES))  # a code outside the vocabulary has its own error
    if both:
        labels = ", ".join(str(v.PREREQUISITES[code]) for code in sorted(both))
        return _l("Un prérequis ne peut pas être à la fois réuni et manquant : %(items)s.", items=labels)
    return None


def parse_decimal(text: str | None):
    """A finite decimal number typed the French way (1,5) or the English way (1.5), or None. Decimal also reads
    "NaN", "sNaN" and "Infinity", which no range accepts."""
    from decimal import Decimal, InvalidOperation

    text = (text or "").strip().replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_hours(text: str, _answers: Answers):
    number = parse_decimal(text)
    if number is None or not 0 <= number <= 1000:
        return _l("Indiquez un nombre d'heures entre 0 et 1 000, par exemple 2,5.")
    return None


# The questions, step by step, in the order they are asked ----------------------------------------------------

def _scale(low: int, high: int) -> dict[str, str]:
    return {str(n): str(n) for n in range(low, high + 1)}


QUESTIONS: tuple[Question, ...] = (
    # 1. Context
    Question("services", 1, TEXTAREA, _l("Services ou unités qui utilisent la solution"), required=REQUIRED,
             max_length=500, description=_l("Par exemple : service d'imagerie, urgences adultes. "
                                            "N'indiquez aucun nom de patient ni de professionnel.")),
    Question("stage", 1, RADIO, _l("Où en est le déploiement ?"), v.STAGES, required=CHOOSE),
    Question("start_date", 1, MONTH, _l("Début du projet (mois et année)"), required=REQUIRED,
             description=_l("Au format AAAA-MM, par exemple 2024-03."), check=_check_start_date),
    Question("users_count", 1, INTEGER, _l("Nombre d'utilisateurs"), minimum=0, maximum=100000,
             required=_l("Indiquez un nombre entier, par exemple 12.")),
    Question("volume", 1, TEXT, _l("Volume traité (facultatif)"), max_length=200,
             description=_l("Par exemple : 1 200 examens par mois.")),
    Question("initiated_by", 1, SELECT, _l("Qui a été à l'initiative du projet ?"), v.INITIATORS, required=CHOOSE),
    # 2. Deployment
    Question("months_to_golive", 2, INTEGER, _l("Délai entre la décision et la mise en service (en mois)"),
             minimum=0, maximum=120, applies=_not_exploring,
             needed=(_went_live, _l("Indiquez le délai en mois (0 si moins d'un mois).")),
             description=_l("0 si moins d'un mois. Facultatif pour un projet arrêté avant sa mise en service.")),
    Question("integrated_systems", 2, MULTI, _l("Systèmes auxquels la solution est intégrée"), v.REPORT_SYSTEMS),
    Question("integration_effort", 2, RADIO, _l("Effort d'intégration (1 = très faible, 5 = très important)"),
             _scale(1, 5), inline=True,
             needed=(_integrated, _l("Évaluez l'effort d'intégration, puisque la solution est intégrée."))),
    Question("hosting", 2, RADIO, _l("Hébergement"), v.REPORT_HOSTING, required=CHOOSE),
    Question("prerequisites_met", 2, MULTI, _l("Prérequis réunis"), v.PREREQUISITES),
    Question("prerequisites_missing", 2, MULTI, _l("Prérequis manquants"), v.PREREQUISITES,
             check=_check_prerequisites),
    Question("cost_bracket", 2, SELECT, _l("Coût total (acquisition et première année)"), v.COST_BRACKETS,
             required=CHOOSE),
    Question("funding", 2, SELECT, _l("Source principale de financement"), v.FUNDING_SOURCES, required=CHOOSE),
    # 3. Use and value
    *(Question(f"rating_{code}", 3, RADIO, label, v.RATING_SCALE, required=CHOOSE, inline=True,
               description=_l("1 = très insatisfaisant, 5 = très satisfaisant."))
      for code, label in v.RATINGS.items()),
    Question("time_saved_hours", 3, DECIMAL, _l("Temps gagné (en heures, facultatif)"),
             description=_l("Par exemple 2,5. Laissez vide si vous ne savez pas."), check=_check_hours),
    Question("time_saved_unit", 3, RADIO, _l("Ce temps est compté"), v.TIME_SAVED_UNITS,
             needed=(_hours_given, _l("Précisez si ce temps est compté par utilisateur ou pour le service."))),
    Question("incidents_count", 3, INTEGER, _l("Nombre d'incidents ou d'erreurs observés (facultatif)"),
             minimum=0, maximum=100000),
    Question("incidents_severity", 3, RADIO, _l("Gravité des incidents observés"), v.INCIDENT_SEVERITIES,
             required=CHOOSE),
    Question("choose_again", 3, RADIO, _l("Choisiriez-vous à nouveau cette solution ?"), v.YES_NO_UNSURE,
             required=CHOOSE),
    # 4. Usability: F-SUS and NPS
    *(Question(f"sus_{number}", 4, RADIO, label, v.SUS_SCALE, required=CHOOSE, inline=True)
      for number, label in v.SUS_ITEMS.items()),
    Question("nps", 4, RADIO, _l("Recommanderiez-vous cette solution à un établissement comparable ? "
                                 "(0 = pas du tout probable, 10 = très probable)"), _scale(0, 10), required=CHOOSE,
             inline=True),
    # 5. Governance and trust
    *(Question(code, 5, RADIO, label, v.GOVERNANCE_ANSWERS, required=CHOOSE) for code, label in v.GOVERNANCE.items()),
    # 6. Lessons
    Question("difficulties", 6, MULTI, _l("Principales difficultés rencontrées"), v.DIFFICULTIES),
    Question("difficulties_text", 6, TEXTAREA, _l("Précisez les difficultés (facultatif)"), max_length=TEXT_MAX),
    Question("success_factors", 6, TEXTAREA, _l("Facteurs de réussite (facultatif)"), max_length=TEXT_MAX),
    Question("advice", 6, TEXTAREA, _l("Vos conseils à un établissement qui se lance"), required=REQUIRED,
             max_length=TEXT_MAX),
    Question("stop_reasons", 6, MULTI, _l("Raisons de l'arrêt"), v.STOP_REASONS, applies=_stopped,
             needed=(_always_needed, _l("Indiquez au moins une raison de l'arrêt."))),
    Question("stop_reasons_text", 6, TEXTAREA, _l("Précisez les raisons de l'arrêt (facultatif)"),
             max_length=TEXT_MAX, applies=_stopped),
    Question("contact_ok", 6, BOOLEAN, _l("J'accepte d'être contacté(e) par des pairs au sujet de ce retour"),
             description=_l("Accepter révèle que votre établissement utilise cette solution : son nom, son type, sa "
                            "région et le stade du projet s'affichent, pour les membres des autres établissements "
                            "inscrits, sur la page de la solution, et ce retour nomme votre établissement. Les pairs "
                            "vous écrivent par la plateforme ; ils ne voient votre nom et votre adresse que si vous "
                            "leur répondez. Vous pourrez retirer cet accord à tout moment depuis la page du retour."),
             consent=True),
)

BY_NAME: dict[str, Question] = {question.name: question for question in QUESTIONS}
CONSENTS: frozenset[str] = frozenset(question.name for question in QUESTIONS if question.consent)


def without_consents(answers: Answers) -> dict[str, Any]:
    """The answers to start another revision from: a consent (to be contacted by peers, which also names the
    establishment to analysts) belongs to whoever gave it, and is asked again."""
    return {name: value for name, value in answers.items() if name not in CONSENTS}


def is_required(question: Question, answers: Answers) -> bool:
    """Whether a blank answer is an error given the other answers: the form marks it with an asterisk."""
    return question.required is not None or bool(question.needed and question.needed[0](answers))


@cache
def step_questions(step: int) -> tuple[Question, ...]:
    return tuple(question for question in QUESTIONS if question.step == step)


@cache
def names(step: int | None = None) -> tuple[str, ...]:
    """The answers' names, of one step or of all, in the order they are asked."""
    return tuple(question.name for question in QUESTIONS if step is None or question.step == step)


@cache
def multiple_names() -> frozenset[str]:
    return frozenset(question.name for question in QUESTIONS if question.multiple)


CONDITIONAL_NAMES = frozenset(question.name for question in QUESTIONS if question.applies is not _always)


def hidden_questions(answers: Answers) -> set[str]:
    """Questions that do not apply given the other answers: not shown, not validated, not kept."""
    return {name for name in CONDITIONAL_NAMES if not BY_NAME[name].applies(answers)}


def applicable_free_texts(answers: Answers) -> dict[str, str]:
    """Free-text answers that apply and are not blank."""
    hidden = hidden_questions(answers)
    texts = {name: str(answers.get(name) or "") for name in v.FREE_TEXT_FIELDS if name not in hidden}
    return {name: text for name, text in texts.items() if text.strip()}


def display(question: Question, value: Any) -> str | None:
    """An answer as a reader sees it (labels for codes), or None when there is none."""
    if question.kind == MULTI:
        labels = question.vocabulary or {}
        return ", ".join(str(labels.get(code, code)) for code in codes_of(value)) or None
    if question.kind in CHOICE_KINDS:
        text = first_of(value)
        return str((question.vocabulary or {}).get(text, text)) if text else None
    if question.kind == BOOLEAN:
        return str(_("Oui") if value else _("Non"))
    return str(value) if value not in (None, "") else None
