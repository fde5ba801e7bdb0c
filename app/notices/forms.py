from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Optional

from app.models import Delivery


class FollowForm(FlaskForm):
    """A follow or unfollow button: the page it was on, to go back to."""

    next = HiddenField()


class NoticeSettingsForm(FlaskForm):
    delivery = RadioField(_l("Comment être averti(e)"), choices=[
        SelectChoice(Delivery.IMMEDIATE.value, _l("Tout de suite : un message à chaque nouveauté")),
        SelectChoice(Delivery.WEEKLY.value, _l("Un résumé par semaine")),
        SelectChoice(Delivery.NONE.value, _l("Jamais : je ne veux recevoir aucun avis")),
    ], validators=[DataRequired(_l("Choisissez comment être averti(e)."))])
    guides = BooleanField(_l("Une nouvelle version d'un guide que je suis, ou d'un guide de ce que je suis"))
    statistics = BooleanField(_l("De nouveaux chiffres pour une solution ou une catégorie que je suis"))
    establishment = BooleanField(_l("Un retour publié par mon établissement"))
    submit = SubmitField(_l("Enregistrer mes choix"))


class UnsubscribeForm(FlaskForm):
    """The one-click unsubscribe (RFC 8058): posted by a mail program without any session, hence no CSRF token;
    it can only turn notices off for the person the signed link names. Without `scope`, the link's own kind."""

    class Meta:
        csrf = False

    scope = HiddenField(validators=[Optional(), AnyOf(["kind", "all"])])
