"""The forms of the report pages. The step forms are generated from the questionnaire (`app.questionnaire`),
which also validates them; the raw answers are saved whatever the outcome."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
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
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length

from app import questionnaire as q
from app.questionnaire import questions as qs
from app.vocabulary import choices

_required = InputRequired(message=_l("Ce champ est obligatoire."))
_choose = InputRequired(message=_l("Choisissez une réponse."))


class _Marks:
    """What a generated field's rendering says of its question (`required` and its asterisk, `maxlength`, `min`,
    `max`); the questionnaire's rules (`app.questionnaire.rules`) do the validating."""

    def __init__(self, **flags) -> None:
        self.field_flags = flags

    def __call__(self, _form, _field) -> None:
        return None


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WholeNumberField(IntegerField):
    """A whole number typed in a text input (numeric keyboard on phones): a number input would show a word such
    as "douze" as an empty box once the page comes back with its error. The text is kept as typed and the
    questionnaire's rules say what is wrong with it."""

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


class StepForm(FlaskForm):
    """Base of the step forms, generated from the questionnaire; `context` holds the answers of the other steps
    (for conditional questions)."""

    step: int = 0

    def __init__(self, *args, context: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = context or {}
        # The asterisk follows the rules: a question required by other answers (the stage...) is marked when
        # they require it, from the answers as saved.
        answers = self.answers()
        for field in self.answer_fields():
            field.flags.required = q.is_required(q.BY_NAME[field.name], answers)

    def answer_fields(self) -> list[Field]:
        return [f for f in self if f.name != "csrf_token" and not isinstance(f, HiddenField)]

    def answers(self) -> dict:
        """The answers as typed in this form, over those of the other steps."""
        typed = {}
        for field in self.answer_fields():
            raw = field.raw_data or []
            typed[field.name] = [str(value) for value in raw] if isinstance(field, SelectMultipleField) else (
                str(raw[0]) if raw else "")
        return {**self.context, **typed}

    def hidden_questions(self) -> set[str]:
        """Questions that do not apply given the other answers: not shown, not validated, not kept."""
        return q.hidden_questions(self.answers())

    def validate(self, extra_validators=None) -> bool:  # noqa: ARG002  # WTForms' signature
        valid = self.csrf_token.validate(self) if "csrf_token" in self else True
        errors = q.step_errors(self.step, self.answers())
        for field in self.answer_fields():
            field.errors = errors.get(field.name, [])
        return valid and not errors


_FIELDS = {
    qs.TEXT: StringField, qs.MONTH: StringField, qs.DECIMAL: StringField, qs.TEXTAREA: TextAreaField,
    qs.INTEGER: WholeNumberField, qs.RADIO: RadioField, qs.SELECT: SelectField, qs.MULTI: MultiCheckboxField,
    qs.BOOLEAN: BooleanField,
}


def _field(question: q.Question) -> Field:
    kwargs: dict = {"description": question.description} if question.description else {}
    flags = {"required": True} if question.required is not None else {}
    if question.max_length is not None:
        flags["maxlength"] = question.max_length
    if question.minimum is not None:
        flags |= {"min": question.minimum, "max": question.maximum}
    if flags:
        kwargs["validators"] = [_Marks(**flags)]
    if question.kind == qs.INTEGER:
        kwargs["render_kw"] = {"inputmode": "numeric", "autocomplete": "off"}
    if question.kind == qs.SELECT:
        kwargs["choices"] = choices(question.vocabulary, blank=qs.CHOOSE_OPTION)
    elif question.kind in (qs.RADIO, qs.MULTI):
        kwargs["choices"] = choices(question.vocabulary)
    if question.kind in (qs.RADIO, qs.SELECT, qs.MULTI):
        kwargs["validate_choice"] = False
    return _FIELDS[question.kind](question.label, **kwargs)


def _step_form(step: int) -> type[StepForm]:
    fields = {question.name: _field(question) for question in q.step_questions(step)}  # made in the asked order
    return type(f"Step{step}Form", (StepForm,), {"step": step, **fields})


STEP_FORMS: dict[int, type[StepForm]] = {step: _step_form(step) for step in q.STEPS}


def _as_formdata(answers: dict[str, Any], step: int) -> MultiDict:
    items = []
    for name in q.names(step):
        value = answers.get(name)
        if isinstance(value, list):
            items.extend((name, item) for item in value)
        elif value not in (None, ""):
            items.append((name, value))
    return MultiDict(items)


def step_form(step: int, answers: dict[str, Any], formdata: MultiDict | None = None, **kwargs) -> StepForm:
    """The form of a step, filled from `formdata` (a POST) or from the saved raw answers."""
    if formdata is None:
        formdata = _as_formdata(answers, step)
        # A saved draft is shown as typed; the token is the page's own.
        kwargs.setdefault("meta", {"csrf": False})
    return STEP_FORMS[step](formdata=formdata, context=answers, **kwargs)


def _key(value: str | None) -> str | None:
    """A form's idempotency key, cut to its column's 64 characters (PostgreSQL refuses a longer one)."""
    return value[:64] if value else value


class NewReportForm(FlaskForm):
    solution_id = SelectField(_l("Solution"), coerce=int, validators=[_choose])
    creation_key = HiddenField(filters=[_key])
    # Sent by the page offering an unsent draft: the user chose to write their own report all the same.
    new_anyway = BooleanField()


class SubmitForm(FlaskForm):
    submission_key = HiddenField(validators=[InputRequired()])


class ModerationMessageForm(FlaskForm):
    message = TextAreaField(_l("Message à l'auteur"), validators=[_required, Length(max=3000)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Motif du retrait"), validators=[
        DataRequired(message=_l("Indiquez pourquoi vous retirez ce retour.")), Length(max=1000)],
        description=_l("Visible par votre établissement et par l'équipe de modération. N'indiquez aucun nom de "
                       "patient ni de professionnel."))


class ActionForm(FlaskForm):
    """A state-changing button: only the CSRF token travels."""


class FollowUpForm(FlaskForm):
    """The three questions of a follow-up reminder (the rest of the follow-up is the latest published report)."""

    still_in_use = RadioField(_l("La solution est-elle toujours en usage ?"),
                              choices=choices({"yes": _l("Oui, toujours en usage"),
                                               "no": _l("Non, nous l'avons arrêtée")}),
                              validators=[_choose])
    stop_reasons = MultiCheckboxField(_l("Raisons de l'arrêt"), choices=choices(q.STOP_REASONS),
                                      description=_l("Si la solution n'est plus en usage."))
    changes = TextAreaField(_l("Qu'est-ce qui a changé depuis votre dernier retour ?"),
                            validators=[Length(max=2000, message=_l("2 000 caractères au plus."))],
                            description=_l("Facultatif. N'indiquez aucun nom de patient ni de professionnel."))
    choose_again = RadioField(_l("La choisiriez-vous à nouveau ?"), choices=choices(q.YES_NO_UNSURE),
                              validators=[_choose])
    submission_key = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.still_in_use.data == "no" and not self.stop_reasons.data:
            self.stop_reasons.errors = [*self.stop_reasons.errors, _l("Indiquez au moins une raison de l'arrêt.")]
            valid = False
        return valid
