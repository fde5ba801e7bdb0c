from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(_l("Nom du jeton"), description=_l("Pour le reconnaître : le script ou le poste qui l'utilise."),
                       validators=[DataRequired(message=_l("Ce champ est obligatoire.")),
                                   Length(max=80, message=_l("80 caractères au plus."))])
    submit = SubmitField(_l("Créer le jeton"))


class RevokeTokenForm(FlaskForm):
    """Revoke a token: only the CSRF token travels."""
