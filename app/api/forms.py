from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.services import api_tokens


class FrenchDateField(DateField):
    """A date typed or picked (the browser sends YYYY-MM-DD); what is not one is said in the interface's words."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Indiquez une date valide, par exemple le %(example)s.",
                                example=api_tokens.default_expiry().strftime("%d/%m/%Y"))) from error


class NewTokenForm(FlaskForm):
    name = StringField(_l("Nom du jeton"), description=_l("Pour le reconnaître : le script ou le poste qui l'utilise."),
                       validators=[DataRequired(message=_l("Ce champ est obligatoire.")),
                                   Length(max=80, message=_l("80 caractères au plus."))])
    # Left blank (or not sent at all): the default lifetime.
    expires_on = FrenchDateField(_l("Dernier jour de validité"), default=api_tokens.default_expiry,
                           validators=[Optional()])
    submit = SubmitField(_l("Créer le jeton"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        days = (api_tokens.MAX_LIFETIME.days, api_tokens.DEFAULT_LIFETIME.days)
        self.expires_on.description = _l("Le jeton cesse de fonctionner à la fin de ce jour. Par défaut dans "
                                         "%(default)d jours, au plus dans %(max)d jours.", max=days[0],
                                         default=days[1])

    def validate_expires_on(self, field: DateField) -> None:
        if field.data is None:
            return  # not a date: said by the field
        if field.data < api_tokens.today():
            raise ValidationError(_l("Choisissez une date à venir (aujourd'hui au plus tôt)."))
        if field.data > api_tokens.latest_expiry():
            raise ValidationError(_l("Un jeton vaut au plus un an : choisissez le %(date)s au plus tard.",
                                     date=api_tokens.latest_expiry().strftime("%d/%m/%Y")))


class RevokeTokenForm(FlaskForm):
    """Revoke a token: only the CSRF token travels."""
