from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import PasswordInput

from app import vocabulary as v
from app.forms_common import PasswordStrength, single_line, valid_finess

_required = DataRequired(message=_l("Ce champ est obligatoire."))
_email = Email(message=_l("Saisissez une adresse électronique valide, par exemple nom@hopital.fr."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[_required, Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[_required])
    remember = BooleanField(_l("Rester connecté sur ce poste"))
    submit = SubmitField(_l("Se connecter"))


class RegistrationForm(FlaskForm):
    full_name = StringField(_l("Nom et prénom"), validators=[_required, Length(max=160), single_line])
    email = EmailField(_l("Adresse électronique professionnelle"), validators=[_required, _email, Length(max=254)])
    finess = StringField(_l("Numéro FINESS de l'établissement"), validators=[_required, valid_finess],
                         description=_l("9 caractères, par exemple 750712184 (2A ou 2B en Corse). Si votre "
                                        "établissement n'est pas encore inscrit sur Retex IA, vous pourrez demander "
                                        "son ajout."))
    # The form comes back to the same browser when the establishment must be requested first: the passwords
    # typed come back with it (the page is never stored), so that nothing typed has to be typed again.
    password = PasswordField(_l("Mot de passe"), validators=[_required, PasswordStrength()],
                             widget=PasswordInput(hide_value=False), description=_l("Au moins 12 caractères."))
    confirm = PasswordField(_l("Confirmez le mot de passe"), widget=PasswordInput(hide_value=False),
                            validators=[_required, EqualTo("password", message=_l("Les deux mots de passe diffèrent."))])
    # Asked only when no establishment carries the FINESS number typed (app.auth.routes.register).
    establishment_name = StringField(_l("Nom de l'établissement"), validators=[Optional(), Length(max=255), single_line],
                                     description=_l("Sa raison sociale, telle qu'elle figure dans le répertoire "
                                                    "FINESS, par exemple « Centre hospitalier de Vannes »."))
    establishment_type = SelectField(_l("Type d'établissement"), validators=[Optional()])
    request_establishment = HiddenField()
    submit = SubmitField(_l("Créer mon compte"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.establishment_type.choices = v.choices(v.ESTABLISHMENT_TYPES, blank=str(_l("Je ne sais pas")))


class InvitationForm(FlaskForm):
    full_name = StringField(_l("Nom et prénom"), validators=[_required, Length(max=160), single_line])
    password = PasswordField(_l("Mot de passe"), validators=[_required, PasswordStrength()],
                             description=_l("Au moins 12 caractères."))
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            validators=[_required, EqualTo("password", message=_l("Les deux mots de passe diffèrent."))])
    submit = SubmitField(_l("Activer mon compte"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[_required, _email, Length(max=254)])
    submit = SubmitField(_l("Recevoir un lien de réinitialisation"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[_required, PasswordStrength()],
                             description=_l("Au moins 12 caractères."))
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            validators=[_required, EqualTo("password", message=_l("Les deux mots de passe diffèrent."))])
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[_required])
    password = PasswordField(_l("Nouveau mot de passe"), validators=[_required, PasswordStrength()],
                             description=_l("Au moins 12 caractères. Vos autres sessions seront fermées."))
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"),
                            validators=[_required, EqualTo("password", message=_l("Les deux mots de passe diffèrent."))])
    submit = SubmitField(_l("Changer le mot de passe"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Se déconnecter"))


class ResumeForm(FlaskForm):
    """Only the CSRF token: the kept form's own fields are sent as they were typed."""


class LinkIdentityForm(FlaskForm):
    """First login with a national identity: tie it to the account whose password is confirmed here."""

    email = EmailField(_l("Adresse électronique de votre compte Retex IA"), validators=[_required, Length(max=254)])
    password = PasswordField(_l("Mot de passe de ce compte"), validators=[_required])
    submit = SubmitField(_l("Lier et me connecter"))


class IdentityRequestForm(FlaskForm):
    """First login with a national identity and no account yet: an account request, which still needs the
    establishment's FINESS number and, as any registration, the referent's approval."""

    full_name = StringField(_l("Nom et prénom"), validators=[_required, Length(max=160), single_line])
    email = EmailField(_l("Adresse électronique professionnelle"), validators=[_required, _email, Length(max=254)])
    finess = StringField(_l("Numéro FINESS de l'établissement"), validators=[_required, valid_finess],
                         description=_l("9 caractères, par exemple 750712184 (2A ou 2B en Corse)."))
    establishment_name = StringField(_l("Nom de l'établissement, s'il n'est pas encore inscrit sur Retex IA"),
                                     validators=[Optional(), Length(max=255), single_line])
    establishment_type = SelectField(_l("Type d'établissement"), validators=[Optional()])
    submit = SubmitField(_l("Demander un compte"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.establishment_type.choices = v.choices(v.ESTABLISHMENT_TYPES, blank=str(_l("Je ne sais pas")))
