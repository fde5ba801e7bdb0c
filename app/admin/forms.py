from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from app import vocabulary as v
from app.forms_common import valid_finess

_required = DataRequired(message=_l("Ce champ est obligatoire."))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EstablishmentForm(FlaskForm):
    finess = StringField(_l("Numéro FINESS"), validators=[_required, valid_finess])
    name = StringField(_l("Raison sociale"), validators=[_required, Length(max=255)])
    legal_status = SelectField(_l("Statut juridique"), validators=[Optional()])
    type = SelectField(_l("Type d'établissement"), validators=[_required])
    sector = SelectField(_l("Secteur"), validators=[_required])
    region = SelectField(_l("Région"), validators=[_required])
    size_class = SelectField(_l("Taille"), validators=[Optional()])
    city = StringField(_l("Commune"), validators=[Optional(), Length(max=128)])
    ght = StringField(_l("GHT (groupement hospitalier de territoire)"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.legal_status.choices = v.choices(v.LEGAL_STATUSES, blank=str(_l("Non renseigné")))
        self.type.choices = v.choices(v.ESTABLISHMENT_TYPES)
        self.sector.choices = v.choices(v.SECTORS)
        self.region.choices = v.choices(v.REGIONS)
        self.size_class.choices = v.choices(v.SIZE_CLASSES, blank=str(_l("Non renseignée")))


class SolutionForm(FlaskForm):
    name = StringField(_l("Nom de la solution"), validators=[_required, Length(max=160)])
    vendor = StringField(_l("Éditeur"), validators=[_required, Length(max=160)])
    category_id = SelectField(_l("Catégorie"), coerce=int, validators=[_required])  # no default: chosen
    short_description = TextAreaField(_l("Description courte"), validators=[_required, Length(max=500)])
    intended_use = TextAreaField(_l("Usage prévu (déclaré par l'éditeur)"), validators=[Optional(), Length(max=5000)])
    target_users = TextAreaField(_l("Utilisateurs visés (déclaré par l'éditeur)"),
                                 validators=[Optional(), Length(max=2000)])
    device_class = SelectField(_l("Statut de dispositif médical (déclaré par l'éditeur)"), default="unknown")
    ce_marked = SelectField(_l("Marquage CE selon le règlement (UE) 2017/745 (déclaré par l'éditeur)"),
                            choices=[SelectChoice("", _l("Non communiqué")), SelectChoice("yes", _l("Oui")),
                                     SelectChoice("no", _l("Non"))], validators=[Optional()])
    ai_act_risk = SelectField(_l("Niveau de risque AI Act (déclaré par l'éditeur)"), default="unknown")
    hosting = MultiCheckboxField(_l("Hébergements proposés"))
    integration = MultiCheckboxField(_l("Systèmes avec lesquels la solution s'intègre"))
    sector = MultiCheckboxField(_l("Secteurs visés"))
    website = URLField(_l("Site web"), validators=[Optional(), URL(message=_l("Saisissez une adresse web complète, "
                                                                                "par exemple https://exemple.fr.")),
                                                   Regexp(r"^https?://", message=_l("L'adresse doit commencer par "
                                                                                    "https:// ou http://.")),
                                                   Length(max=500)])
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, categories=(), locale: str = "fr", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The first option names what to do (a blank one was read out as its value, "0"); choosing it is refused.
        self.category_id.choices = [SelectChoice(0, _l("Choisir une catégorie"))] + [
            SelectChoice(c.id, c.name(locale)) for c in categories]
        self.device_class.choices = v.choices(v.DEVICE_CLASSES)
        self.ai_act_risk.choices = v.choices(v.AI_ACT_RISKS)
        self.hosting.choices = v.choices(v.HOSTING_OPTIONS)
        self.integration.choices = v.choices(v.INTEGRATED_SYSTEMS)
        self.sector.choices = v.choices(v.SECTORS)

    def cleaned(self) -> dict:
        return {
            "name": self.name.data.strip(), "vendor": self.vendor.data.strip(), "category_id": self.category_id.data,
            "short_description": self.short_description.data.strip(),
            "intended_use": (self.intended_use.data or "").strip(), "target_users": (self.target_users.data or "").strip(),
            "device_class": self.device_class.data, "ai_act_risk": self.ai_act_risk.data,
            "ce_marked": {"yes": True, "no": False}.get(self.ce_marked.data),
            "hosting": self.hosting.data or [], "integration": self.integration.data or [],
            "sector": self.sector.data or [], "website": self.website.data or None,
        }


class UserForm(FlaskForm):
    role = SelectField(_l("Rôle"))
    status = SelectField(_l("Statut du compte"))
    finess = StringField(_l("FINESS de l'établissement (contributeurs et référents)"),
                         validators=[Optional(), valid_finess])
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = v.choices(v.ROLES)
        self.status.choices = v.choices(v.ADMIN_USER_STATUSES)


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


class RefuseRequestForm(FlaskForm):
    reason = TextAreaField(_l("Raison du refus"), validators=[_required, Length(max=2000)],
                           description=_l("Elle est envoyée telle quelle à la personne, par courriel."))
    submit = SubmitField(_l("Refuser la demande"))


class FinessImportForm(FlaskForm):
    extract = FileField(_l("Fichier de l'extrait FINESS"),
                        validators=[FileRequired(message=_l("Choisissez le fichier de l'extrait FINESS.")),
                                    FileAllowed(("csv", "txt", "json"),
                                                message=_l("Le fichier doit être un extrait CSV (.csv, .txt) ou le "
                                                           "flux JSON « structures » (.json)."))],
                        description=_l("L'extrait « stock » au format CSV (séparateur « ; », Windows-1252, lignes "
                                       "« structureet ») ou le flux JSON « structures », tels que publiés sur "
                                       "data.gouv.fr, comme pour la commande « flask import finess »."))
    dry_run = BooleanField(_l("Essai à blanc : tout vérifier sans rien enregistrer"))
    submit = SubmitField(_l("Importer"))
