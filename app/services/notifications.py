"""Emails about reports (written to the log in development)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Report, ReportRevision, User
from app.services.mail import send_after_commit
from app.urls import public_url


def moderators_of_new_submission(report: Report, revision: ReportRevision) -> None:
    moderators = db.session.scalars(sa.select(User).where(User.role == "moderator", User.status == "active"))
    link = public_url("moderation.review", revision_id=revision.id)
    for moderator in moderators:
        send_after_commit(moderator.email, _("Retex IA : nouveau retour à modérer"),
                          _("Un retour sur %(solution)s attend votre relecture (%(flags)d signalement(s) de données "
                            "personnelles possibles).\n%(link)s", solution=report.solution.name,
                            flags=len(revision.open_flags), link=link))


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
