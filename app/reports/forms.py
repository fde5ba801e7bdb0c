"""One form per questionnaire step. Forms validate; the raw answers are saved whatever the outcome."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app import questionnaire as q
from app.vocabulary import choices

_required = InputRequired(message=_l("Ce champ est obligatoire."))
_choose = InputRequired(message=_l("Choisissez une réponse."))
TEXT_MAX = 3000


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def parse_decimal(text: str | None) -> Decimal | None:
    """A finite decimal number typed the French way (1,5) or the English way (1.5), or None."""
    text = (text or "").strip().replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class FrenchDecimalField(StringField):
    """A decimal number typed the French way (1,5) or the English way (1.5). `number` is None unless the text is a
    finite number: Decimal also reads "NaN" and "sNaN", which no comparison accepts, and "Infinity"."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.number = parse_decimal(self.data)


class StepForm(FlaskForm):
    """Base of the step forms; `context` holds the answers of the other steps (for conditional questions)."""

    step: int = 0

    def __init__(self, *args, context: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = context or {}

    def answer_fields(self) -> list[Field]:
        return [f for f in self if f.name != "csrf_token" and not isinstance(f, HiddenField)]

    def hidden_questions(self) -> set[str]:
        """Questions that do not apply given the other answers: not shown, not validated, not kept."""
        return set()

    def conditional_errors(self) -> dict[str, str]:
        """Errors of questions required by another answer (checked after the fields' own validators)."""
        return {}

    def validate(self, extra_validators=None) -> bool:
        hidden = self.hidden_questions()
        for name in hidden:
            self[name].validators = [Optional()]
        valid = super().validate(extra_validators)
        for name in hidden:
            self[name].data = [] if isinstance(self[name], SelectMultipleField) else None
        for name, message in self.conditional_errors().items():
            if name not in hidden and not self[name].errors:
                self[name].errors = [*self[name].errors, message]
                valid = False
        return valid


def _radio(label, vocabulary, validators=None, **kwargs) -> RadioField:
    return RadioField(label, choices=choices(vocabulary), validators=validators or [_choose], **kwargs)


class ContextForm(StepForm):
    step = 1
    services = TextAreaField(_l("Services ou unités qui utilisent la solution"),
                             validators=[_required, Length(max=500)],
                             description=_l("Par exemple : service d'imagerie, urgences adultes. "
                                            "N'indiquez aucun nom de patient ni de professionnel."))
    stage = _radio(_l("Où en est le déploiement ?"), q.STAGES)
    start_date = StringField(_l("Début du projet (mois et année)"), validators=[_required],
                             description=_l("Au format AAAA-MM, par exemple 2024-03."))
    users_count = IntegerField(_l("Nombre d'utilisateurs"), validators=[
        InputRequired(message=_l("Indiquez un nombre entier, par exemple 12.")), NumberRange(min=0, max=100000)])
    volume = StringField(_l("Volume traité (facultatif)"), validators=[Optional(), Length(max=200)],
                         description=_l("Par exemple : 1 200 examens par mois."))
    initiated_by = SelectField(_l("Qui a été à l'initiative du projet ?"),
                               choices=choices(q.INITIATORS, blank=""), validators=[_choose])

    def validate_start_date(self, field) -> None:
        text = (field.data or "").strip()
        match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text) or re.fullmatch(r"([0-9]{1,2})/([0-9]{4})", text)
        if not match:
            raise ValidationError(_l("Indiquez le mois au format AAAA-MM, par exemple 2024-03."))
        year, month = (int(match[1]), int(match[2])) if "-" in text else (int(match[2]), int(match[1]))
        if not 1 <= month <= 12 or year < 1990:
            raise ValidationError(_l("Ce mois n'existe pas : vérifiez la saisie (AAAA-MM)."))
        if date(year, month, 1) > date.today():
            raise ValidationError(_l("La date de début ne peut pas être dans le futur."))
        field.data = f"{year:04d}-{month:02d}"


class DeploymentForm(StepForm):
    step = 2
    months_to_golive = IntegerField(_l("Délai entre la décision et la mise en service (en mois)"),
                                    validators=[Optional(), NumberRange(min=0, max=120)])
    integrated_systems = MultiCheckboxField(_l("Systèmes auxquels la solution est intégrée"),
                                            choices=choices(q.REPORT_SYSTEMS))
    integration_effort = _radio(_l("Effort d'intégration (1 = très faible, 5 = très important)"),
                                {str(n): str(n) for n in range(1, 6)}, validators=[Optional()])
    hosting = _radio(_l("Hébergement"), q.REPORT_HOSTING)
    prerequisites_met = MultiCheckboxField(_l("Prérequis réunis"), choices=choices(q.PREREQUISITES))
    prerequisites_missing = MultiCheckboxField(_l("Prérequis manquants"), choices=choices(q.PREREQUISITES))
    cost_bracket = SelectField(_l("Coût total (acquisition et première année)"),
                               choices=choices(q.COST_BRACKETS, blank=""), validators=[_choose])
    funding = SelectField(_l("Source principale de financement"), choices=choices(q.FUNDING_SOURCES, blank=""),
                          validators=[_choose])

    def hidden_questions(self) -> set[str]:
        return {"months_to_golive"} if self.context.get("stage") == "exploring" else set()

    def conditional_errors(self) -> dict[str, str]:
        errors = {}
        if self.months_to_golive.data is None:
            errors["months_to_golive"] = _l("Indiquez le délai en mois (0 si moins d'un mois).")
        if self.integrated_systems.data and not self.integration_effort.data:
            errors["integration_effort"] = _l("Évaluez l'effort d'intégration, puisque la solution est intégrée.")
        return errors

    def validate_prerequisites_missing(self, field) -> None:
        both = set(field.data or []) & set(self.prerequisites_met.data or [])
        if both:
            labels = ", ".join(str(q.PREREQUISITES[c]) for c in sorted(both))
            raise ValidationError(_l("Un prérequis ne peut pas être à la fois réuni et manquant : %(items)s.",
                                     items=labels))


# WTForms orders fields by creation: the ratings and the SUS items are made before the questions that follow them.
_RATING_FIELDS = {f"rating_{code}": _radio(label, q.RATING_SCALE,
                                           description=_l("1 = très insatisfaisant, 5 = très satisfaisant."))
                  for code, label in q.RATINGS.items()}


class UseForm(StepForm):
    step = 3
    time_saved_hours = FrenchDecimalField(_l("Temps gagné (en heures, facultatif)"),
                                          description=_l("Par exemple 2,5. Laissez vide si vous ne savez pas."))
    time_saved_unit = _radio(_l("Ce temps est compté"), q.TIME_SAVED_UNITS, validators=[Optional()])
    incidents_count = IntegerField(_l("Nombre d'incidents ou d'erreurs observés (facultatif)"),
                                   validators=[Optional(), NumberRange(min=0, max=100000)])
    incidents_severity = _radio(_l("Gravité des incidents observés"), q.INCIDENT_SEVERITIES)
    choose_again = _radio(_l("Choisiriez-vous à nouveau cette solution ?"), q.YES_NO_UNSURE)

    def validate_time_saved_hours(self, field) -> None:
        if field.data and (field.number is None or not 0 <= field.number <= 1000):
            raise ValidationError(_l("Indiquez un nombre d'heures entre 0 et 1 000, par exemple 2,5."))

    def conditional_errors(self) -> dict[str, str]:
        if self.time_saved_hours.data and not self.time_saved_unit.data:
            return {"time_saved_unit": _l("Précisez si ce temps est compté par utilisateur ou pour le service.")}
        return {}


for _name, _field in _RATING_FIELDS.items():
    setattr(UseForm, _name, _field)

_SUS_FIELDS = {f"sus_{number}": _radio(label, q.SUS_SCALE) for number, label in q.SUS_ITEMS.items()}


class UsabilityForm(StepForm):
    step = 4
    nps = RadioField(_l("Recommanderiez-vous cette solution à un établissement comparable ? "
                        "(0 = pas du tout probable, 10 = très probable)"),
                     choices=[SelectChoice(str(n), str(n)) for n in range(11)], validators=[_choose])


for _name, _field in _SUS_FIELDS.items():
    setattr(UsabilityForm, _name, _field)


class GovernanceForm(StepForm):
    step = 5


for _code, _label in q.GOVERNANCE.items():
    setattr(GovernanceForm, _code, _radio(_label, q.GOVERNANCE_ANSWERS))


class LessonsForm(StepForm):
    step = 6
    difficulties = MultiCheckboxField(_l("Principales difficultés rencontrées"), choices=choices(q.DIFFICULTIES))
    difficulties_text = TextAreaField(_l("Précisez les difficultés (facultatif)"),
                                      validators=[Optional(), Length(max=TEXT_MAX)])
    success_factors = TextAreaField(_l("Facteurs de réussite (facultatif)"),
                                    validators=[Optional(), Length(max=TEXT_MAX)])
    advice = TextAreaField(_l("Vos conseils à un établissement qui se lance"),
                           validators=[_required, Length(max=TEXT_MAX)])
    stop_reasons = MultiCheckboxField(_l("Raisons de l'arrêt"), choices=choices(q.STOP_REASONS))
    stop_reasons_text = TextAreaField(_l("Précisez les raisons de l'arrêt (facultatif)"),
                                      validators=[Optional(), Length(max=TEXT_MAX)])
    contact_ok = BooleanField(_l("J'accepte d'être contacté(e) par des pairs au sujet de ce retour"))

    def hidden_questions(self) -> set[str]:
        return set() if self.context.get("stage") == "stopped" else {"stop_reasons", "stop_reasons_text"}

    def conditional_errors(self) -> dict[str, str]:
        if not self.stop_reasons.data:
            return {"stop_reasons": _l("Indiquez au moins une raison de l'arrêt.")}
        return {}


STEP_FORMS: dict[int, type[StepForm]] = {
    form.step: form for form in (ContextForm, DeploymentForm, UseForm, UsabilityForm, GovernanceForm, LessonsForm)}


def _key(value: str | None) -> str | None:
    """A form's idempotency key, cut to its column's 64 characters (PostgreSQL refuses a longer one)."""
    return value[:64] if value else value


class NewReportForm(FlaskForm):
    solution_id = SelectField(_l("Solution"), coerce=int, validators=[_choose])
    creation_key = HiddenField(filters=[_key])


class SubmitForm(FlaskForm):
    submission_key = HiddenField(validators=[InputRequired()])


class ModerationMessageForm(FlaskForm):
    message = TextAreaField(_l("Message à l'auteur"), validators=[_required, Length(max=3000)])


class ActionForm(FlaskForm):
    """A state-changing button: only the CSRF token travels."""
