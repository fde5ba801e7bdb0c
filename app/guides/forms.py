from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.models._types import MAX_ID
from app.services.guide_sections import SECTIONS
from app.services.guides import MAX_NARRATIVE, QUOTABLE_FIELDS

# What the clicked button of the editor asks for, once what is typed has been saved.
EDITOR_ACTIONS = ("save", "preview", "generate", "publish")


def narrative_length(form, field) -> None:  # noqa: ARG001 (WTForms' signature)
    if field.data and len(field.data) > MAX_NARRATIVE:
        raise ValidationError(_("Ce texte compte %(length)s caractères, une section en admet %(max)s au plus : "
                                "raccourcissez-le pour l'enregistrer.", length=format_decimal(len(field.data)),
                                max=format_decimal(MAX_NARRATIVE)))


class SectionForm(Form):
    class Meta:
        def get_translations(self, form):  # noqa: ARG002 (WTForms' signature)
            # WTForms' own messages (too long, not a number) in the reader's language, as in a FlaskForm.
            return translations

    key = HiddenField()
    narrative = TextAreaField(_l("Texte de la section (Markdown)"), validators=[Optional(), narrative_length])
    visible = BooleanField(_l("Afficher cette section"))
    position = IntegerField(_l("Ordre"), validators=[
        InputRequired(message=_l("Ce champ est obligatoire.")),
        NumberRange(min=0, max=99, message=_l("Indiquez un nombre entre 0 et 99."))])


class GuideEditForm(FlaskForm):
    # Entries beyond the guide's sections are ignored when read, however many a request carries.
    sections = FieldList(FormField(SectionForm), max_entries=len(SECTIONS))
    # Set by the clicked button (name="action"): a value of EDITOR_ACTIONS, or "cite:<report>:<field>" and
    # "uncite:<report>:<field>" for the quotes. Anything else saves.
    action = HiddenField()

    def requested(self) -> tuple[str, int | None, str | None]:
        """(action, report id, field) of the clicked button."""
        kind, _sep, rest = (self.action.data or "").partition(":")
        if kind in EDITOR_ACTIONS and not rest:
            return kind, None, None
        report_id, _sep, field = rest.partition(":")
        if kind in ("cite", "uncite") and report_id.isascii() and report_id.isdigit() and len(report_id) <= 12 \
                and 0 < int(report_id) <= MAX_ID and field in QUOTABLE_FIELDS:
            return kind, int(report_id), field
        return "save", None, None


class NewGuideForm(FlaskForm):
    subject = SelectField(_l("Sujet du guide"), validators=[InputRequired()])


class PublishForm(FlaskForm):
    """The confirmation of a publication: the content the analyst was shown, as a digest."""

    shown = HiddenField(validators=[InputRequired()])
