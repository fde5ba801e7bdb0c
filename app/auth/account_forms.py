"""Forms of the account page: name, e-mail address, deletion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.forms_common import single_line

_required = DataRequired(message=_l("Ce champ est obligatoire."))
_email = Email(message=_l("Saisissez une adresse électronique valide, par exemple nom@hopital.fr."))


class NameForm(FlaskForm):
    full_name = StringField(_l("Nom et prénom"), validators=[_required, Length(max=160), single_line])
    submit = SubmitField(_l("Enregistrer le nom"))


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("Nouvelle adresse électronique"), validators=[
        _required, _email, Length(max=254)],
        description=_l("Un lien de confirmation y sera envoyé : l'adresse ne change qu'une fois ce lien ouvert. "
                       "Votre adresse actuelle en sera avertie."))
    password = PasswordField(_l("Mot de passe actuel"), validators=[_required])
    submit = SubmitField(_l("Envoyer le lien de confirmation"))


class ConfirmForm(FlaskForm):
    """A confirmation button: only the CSRF token travels."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Mot de passe actuel"), validators=[_required])
    successor = SelectField(_l("Nouveau référent de l'établissement"), coerce=int, validate_choice=False,
                            description=_l("Vous êtes le dernier référent : choisissez le membre qui reprendra ce "
                                           "rôle (validation des comptes, retours de l'établissement)."))
    understood = BooleanField(_l("Je comprends que la suppression est définitive : je ne pourrai plus me "
                                 "connecter avec ce compte."),
                              validators=[DataRequired(message=_l("Cochez cette case pour confirmer."))])
    submit = SubmitField(_l("Supprimer définitivement mon compte"))
