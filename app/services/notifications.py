"""Emails about reports and accounts (written to the log in development)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app import permissions
from app.extensions import db
from app.models import EstablishmentRequest, Report, ReportRevision, User
from app.services.mail import send_after_commit
from app.urls import public_url


def moderators_of_new_submission(report: Report, revision: ReportRevision) -> None:
    moderators = db.session.scalars(sa.select(User).where(User.role == "moderator", User.status == "active"))
    link = public_url("moderation.review", revision_id=revision.id)
    for moderator in moderators:
        send_after_commit(moderator.email, _("Retex IA : nouveau retour à modérer"),
                          _("Un retour sur %(solution)s attend votre relecture (%(flags)s).\n%(link)s",
                            solution=report.solution.name, link=link,
                            flags=ngettext("%(num)d signalement de données personnelles possibles",
                                           "%(num)d signalements de données personnelles possibles",
                                           len(revision.open_flags))))


def author_of_decision(report: Report, revision: ReportRevision) -> None:
    """Tell the author that their report was published, sent back for changes, or rejected."""
    if report.author is None or report.author.status != "active":
        return
    link = public_url("reports.view", report_id=report.id)
    subject, body = {
        "published": (_("Retex IA : votre retour est publié"),
                      _("Votre retour sur %(solution)s est publié. Merci pour votre contribution.\n%(link)s")),
        "changes_requested": (_("Retex IA : modifications demandées sur votre retour"),
                              _("Le modérateur demande des modifications de votre retour sur %(solution)s :\n\n"
                                "%(message)s\n\nReprenez votre retour ici : %(link)s")),
        "rejected": (_("Retex IA : votre retour n'est pas publié"),
                     _("Votre retour sur %(solution)s n'a pas été publié, pour la raison suivante :\n\n"
                       "%(message)s\n\n%(link)s")),
    }[revision.state]
    send_after_commit(report.author.email, subject, body % {"solution": report.solution.name, "link": link,
                                                            "message": revision.moderator_message or ""})


# Accounts ---------------------------------------------------------------------------------------------

def approvers_of_registration(user: User) -> None:
    """Tell everyone who may approve this account request (permissions.can_approve_user) that it waits."""
    approvers = db.session.scalars(sa.select(User).where(permissions.approver_of(user))).all()
    for approver in approvers:
        link = (public_url("admin.users", status="pending") if approver.role == "admin"
                else public_url("team.members"))
        send_after_commit(approver.email, _("Retex IA : nouvelle demande de compte"),
                          _("%(name)s (%(email)s) demande un compte rattaché à l'établissement « %(establishment)s ».\n"
                            "Validez ou refusez la demande ici : %(link)s",
                            name=user.full_name, email=user.email, establishment=user.establishment.name, link=link))


def owner_of_registered_address(owner: User) -> None:
    """Someone asked for an account with an address that has one: its owner is told (the page says nothing)."""
    send_after_commit(owner.email, _("Retex IA : demande de compte avec votre adresse"),
                      _("Quelqu'un vient de demander un compte Retex IA avec votre adresse électronique, qui a déjà "
                        "un compte. Si c'était vous, connectez-vous : %(login)s\n"
                        "Si vous avez oublié votre mot de passe, choisissez-en un nouveau : %(forgot)s\n\n"
                        "Si ce n'était pas vous, ignorez ce message : rien n'a été modifié.",
                        login=public_url("auth.login"), forgot=public_url("auth.forgot_password")))


def account_decision(user: User, approved: bool) -> None:
    if approved:
        send_after_commit(user.email, _("Retex IA : votre compte est activé"),
                          _("Votre compte Retex IA est activé. Connectez-vous : %(link)s",
                            link=public_url("auth.login")))
    else:
        send_after_commit(user.email, _("Retex IA : demande de compte refusée"),
                          _("Votre demande de compte Retex IA n'a pas été acceptée. "
                            "Rapprochez-vous du référent numérique de votre établissement."))


# Establishment requests -----------------------------------------------------------------------------

def admins_of_establishment_request(request: EstablishmentRequest) -> None:
    """Tell the active administrators that an establishment waits to be added for someone's account."""
    admins = db.session.scalars(sa.select(User).where(User.role == "admin", User.status == "active"))
    link = public_url("admin.establishment_request", request_id=request.id)
    for admin in admins:
        send_after_commit(admin.email, _("Retex IA : demande d'ajout d'un établissement"),
                          _("%(name)s (%(email)s) s'est inscrit avec le numéro FINESS %(finess)s, qu'aucun "
                            "établissement de la plateforme ne porte. Établissement indiqué (non vérifié) : "
                            "%(establishment)s.\nAjoutez l'établissement ou refusez la demande ici : %(link)s",
                            name=request.requester.full_name, email=request.requester.email,
                            finess=request.finess, establishment=request.name, link=link))


def requester_of_establishment_request(request: EstablishmentRequest) -> None:
    """Tell the person what happens next, in the same words as the page after registering."""
    send_after_commit(request.requester.email, _("Retex IA : votre demande d'inscription est reçue"),
                      _("Votre demande de compte Retex IA est enregistrée.\n\n"
                        "L'établissement %(establishment)s (FINESS %(finess)s) n'est pas encore inscrit sur la "
                        "plateforme : l'équipe Retex IA vérifie le numéro dans le répertoire FINESS national, puis "
                        "ajoute l'établissement. Votre compte sera ensuite validé par le référent de "
                        "l'établissement ou par l'équipe. Vous recevrez un message à chaque étape ; en attendant, "
                        "vous ne pouvez pas encore vous connecter.",
                        establishment=request.name, finess=request.finess))


def requester_of_establishment_decision(request: EstablishmentRequest) -> None:
    if request.status == "approved":
        send_after_commit(request.requester.email, _("Retex IA : votre établissement est ajouté"),
                          _("L'établissement %(establishment)s (FINESS %(finess)s) est maintenant inscrit sur Retex "
                            "IA. Votre compte attend la validation du référent de l'établissement ou de l'équipe "
                            "Retex IA : vous recevrez un message dès qu'il sera activé.",
                            establishment=request.establishment.name if request.establishment else request.name,
                            finess=request.finess))
    else:
        send_after_commit(request.requester.email, _("Retex IA : demande d'ajout d'établissement refusée"),
                          _("L'équipe Retex IA n'a pas ajouté l'établissement de numéro FINESS %(finess)s, pour la "
                            "raison suivante :\n\n%(reason)s\n\nVotre demande de compte n'a donc pas abouti.",
                            finess=request.finess, reason=request.refusal_reason or ""))
