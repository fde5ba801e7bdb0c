from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.models._types import MAX_ID
from app.services.guide_sections import SECTIONS
from app.services.guides import MAX_NARRATIVE


class SectionForm(Form):
    class Meta:
        def get_translations(self, form):  # noqa: ARG002 (WTForms' signature)
            # WTForms' own messages (too long, not a number) in the reader's language, as in a FlaskForm.
            return translations

    key = HiddenField()
    narrative = TextAreaField(_l("Texte de la section (Markdown)"), validators=[Optional(), Length(max=MAX_NARRATIVE)])
    visible = BooleanField(_l("Afficher cette section"))
    position = IntegerField(_l("Ordre"), validators=[
        InputRequired(message=_l("Ce champ est obligatoire.")),
        NumberRange(min=0, max=99, message=_l("Indiquez un nombre entre 0 et 99."))])


class GuideEditForm(FlaskForm):
    # Entries beyond the guide's sections are ignored when read, however many a request carries.
    sections = FieldList(FormField(SectionForm), max_entries=len(SECTIONS))


class NewGuideForm(FlaskForm):
    subject = SelectField(_l("Sujet du guide"), validators=[InputRequired()])


class QuoteForm(FlaskForm):
    report_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    field = HiddenField(validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A state-changing button: only the CSRF token travels."""
