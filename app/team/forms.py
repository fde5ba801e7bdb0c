from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class InviteForm(FlaskForm):
    email = EmailField(_l("Adresse électronique de la personne à inviter"),
                       validators=[DataRequired(message=_l("Ce champ est obligatoire.")),
                                   Email(message=_l("Saisissez une adresse électronique valide.")), Length(max=254)])
    submit = SubmitField(_l("Envoyer l'invitation"))


class DecisionForm(FlaskForm):
    """Approve or refuse a pending account: only the CSRF token travels."""
