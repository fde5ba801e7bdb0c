from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.services.peer_messages import MAX_MESSAGE_LENGTH


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Votre message"), validators=[
        DataRequired(message=_l("Écrivez votre message.")),
        Length(max=MAX_MESSAGE_LENGTH, message=_l("%(max)d caractères au plus.", max=MAX_MESSAGE_LENGTH))],
        description=_l("N'y mettez aucune donnée de patient (nom, date de naissance, numéro de sécurité sociale…). "
                       "Votre nom et votre adresse ne sont montrés à l'autre établissement qu'une fois qu'il a "
                       "répondu."))
    # Asked only when the patient-data guard found something in the text.
    checked = BooleanField(_l("J'ai relu mon message : il ne contient aucune donnée de patient."))
    submit = SubmitField(_l("Envoyer le message"))


class ConfirmForm(FlaskForm):
    """A confirmation button: only the CSRF token travels."""
