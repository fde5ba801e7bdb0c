"""Mails about ethics alerts: to the reviewers when one is raised or answered, to its author at each step.

Mails name the solution and the category, never the alert's text: mail travels outside the platform.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import vocabulary as v
from app.extensions import db
from app.models import User
from app.models.alert import EthicsAlert
from app.services.mail import send_after_commit
from app.urls import public_url


def _reviewers() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == "ethics_reviewer", User.status == "active")
                                   .order_by(User.id)))


def reviewers_of_new_alert(alert: EthicsAlert) -> None:
    link = public_url("alerts.view", alert_id=alert.id)
    for reviewer in _reviewers():
        send_after_commit(reviewer.email, _("Retex IA : nouvelle alerte éthique ou de sécurité"),
                          _("Une alerte (%(category)s) sur %(solution)s attend sa prise en compte.\n%(link)s",
                            category=v.label(v.ALERT_CATEGORIES, alert.category), solution=alert.solution.name,
                            link=link))


def reviewer_of_answer(alert: EthicsAlert) -> None:
    link = public_url("alerts.view", alert_id=alert.id)
    reviewer = db.session.get(User, alert.reviewer_id) if alert.reviewer_id else None
    for recipient in ([reviewer] if reviewer is not None and reviewer.status == "active" else _reviewers()):
        send_after_commit(recipient.email, _("Retex IA : réponse de l'auteur d'une alerte"),
                          _("L'auteur de l'alerte sur %(solution)s a répondu à votre question.\n%(link)s",
                            solution=alert.solution.name, link=link))


def author_of_step(alert: EthicsAlert, step: str) -> None:
    author = alert.author
    if author is None or author.status != "active":
        return
    link = public_url("alerts.view", alert_id=alert.id)
    subject, body = {
        "acknowledged": (_("Retex IA : votre alerte est prise en compte"),
                         _("Votre alerte sur %(solution)s est prise en compte par la cellule éthique.\n%(link)s")),
        "question": (_("Retex IA : une question sur votre alerte"),
                     _("La cellule éthique vous pose une question sur votre alerte sur %(solution)s. "
                       "Répondez ici : %(link)s")),
        "closed": (_("Retex IA : suite donnée à votre alerte"),
                   _("La cellule éthique a donné suite à votre alerte sur %(solution)s.\n%(link)s")),
    }[step]
    send_after_commit(author.email, subject, body % {"solution": alert.solution.name, "link": link})
