from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app import vocabulary as v
from app.forms_common import has_control_characters
from app.services.alerts import SUMMARY_MAX, TEXT_MAX

REQUIRED = _l("Ce champ est obligatoire.")


def _one_line(form, field) -> None:  # noqa: ARG001 (WTForms validator signature)
    if has_control_characters(field.data or ""):
        raise ValidationError(_l("L'objet tient sur une ligne, sans tabulation ni caractère de contrôle."))


def _no_nul(form, field) -> None:  # noqa: ARG001 (WTForms validator signature)
    if "\x00" in (field.data or ""):
        raise ValidationError(_l("Le texte contient un caractère nul : retirez-le."))


class AlertForm(FlaskForm):
    solution_id = SelectField(_l("Solution concernée"), validators=[DataRequired(message=REQUIRED)])
    report_id = HiddenField()
    category = RadioField(_l("Nature du problème"), choices=v.choices(v.ALERT_CATEGORIES),
                          validators=[InputRequired(message=_l("Choisissez la nature du problème."))])
    summary = StringField(_l("Objet de l'alerte"), description=_l("En une ligne, sans nom de patient ni de collègue."),
                          validators=[DataRequired(message=REQUIRED), Length(max=SUMMARY_MAX), _one_line])
    description = TextAreaField(
        _l("Ce qui s'est passé"),
        description=_l("Décrivez les faits, le contexte et ce qui vous inquiète. N'indiquez aucune donnée "
                       "permettant d'identifier un patient (nom, date de naissance, numéro de sécurité sociale…)."),
        validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX), _no_nul])
    vendor_may_know = RadioField(
        _l("L'éditeur peut-il connaître le nom de votre établissement ?"),
        description=_l("Si l'alerte lui est transmise. Sans votre accord, elle lui parvient sans le nom de "
                       "l'établissement."),
        choices=v.choices({"yes": _l("Oui"), "no": _l("Non")}),
        validators=[InputRequired(message=_l("Indiquez si l'éditeur peut connaître le nom de l'établissement."))])
    vigilance_declared = RadioField(_l("La déclaration de matériovigilance a-t-elle été faite ?"),
                                    description=_l("À renseigner pour un incident de sécurité patient."),
                                    choices=v.choices(v.VIGILANCE_ANSWERS), validators=[Optional()])
    privacy_confirmed = BooleanField(_l("J'ai relu les passages signalés : ce ne sont pas des données de patients."))
    submit = SubmitField(_l("Envoyer l'alerte"))

    def needs_vigilance(self, device_class: str | None) -> bool:
        return self.category.data == "patient_safety" and v.is_possible_device(device_class)


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Votre message"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX), _no_nul])
    privacy_confirmed = BooleanField(_l("J'ai relu les passages signalés : ce ne sont pas des données de patients."))
    submit = SubmitField(_l("Envoyer"))


class QuestionForm(MessageForm):
    body = TextAreaField(_l("Question à l'auteur"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX),
                                                               _no_nul])
    submit = SubmitField(_l("Poser la question"))


class OutcomeForm(FlaskForm):
    outcome = RadioField(_l("Suite donnée"), choices=v.choices(v.ALERT_OUTCOMES),
                         validators=[InputRequired(message=_l("Choisissez la suite donnée."))])
    note = TextAreaField(_l("Message à l'auteur"), description=_l("Ce que l'auteur de l'alerte lira de la suite donnée."),
                         validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX), _no_nul])
    submit = SubmitField(_l("Enregistrer la suite donnée"))


class ActionForm(FlaskForm):
    """A button (acknowledge): only the CSRF token travels."""
