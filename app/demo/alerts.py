"""Fictional ethics alerts: one waiting to be acknowledged, one whose author is asked a question, so that the
demo's ethics reviewer and referent see the channel at work. Loading twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from app.demo.mix import DEMO_DOMAIN
from app.extensions import db
from app.models import EthicsAlert, Solution, User
from app.services import alerts

_ALERTS = [
    ("Radiolys Thorax", "bias", "Moins de détections chez les patients de petite taille (exemple fictif)",
     "Exemple fictif : sur plusieurs semaines, l'équipe a l'impression que les anomalies sont moins souvent "
     "signalées sur les clichés des enfants et des adultes de petite taille.", False, None),
    ("SepsiGuet", "patient_safety", "Alerte de sepsis non déclenchée (exemple fictif)",
     "Exemple fictif : une alerte attendue ne s'est pas affichée lors d'une panne du flux de biologie ; "
     "l'équipe s'en est aperçue par la surveillance clinique.", True, "yes"),
]


def load_demo_alerts() -> int:
    """Create the fictional alerts when there is none; returns how many were created. Flushes."""
    if db.session.scalar(sa.select(EthicsAlert.id).limit(1)) is not None:
        return 0
    author = db.session.scalar(sa.select(User).where(User.email == f"referent@{DEMO_DOMAIN}"))
    reviewer = db.session.scalar(sa.select(User).where(User.email == f"ethics_reviewer@{DEMO_DOMAIN}"))
    if author is None or reviewer is None:
        return 0
    made = []
    for name, category, summary, description, vendor_may_know, declared in _ALERTS:
        solution = db.session.scalar(sa.select(Solution).where(Solution.name == name, Solution.is_fictional.is_(True)))
        if solution is not None:
            made.append(alerts.raise_alert(author, solution, category=category, summary=summary,
                                           description=description, vendor_may_know_establishment=vendor_may_know,
                                           vigilance_declared=declared))
    if len(made) == len(_ALERTS):
        alerts.acknowledge(made[1], reviewer)
        alerts.ask(made[1], reviewer, "Exemple fictif : la panne du flux a-t-elle été signalée à l'éditeur ?")
    db.session.flush()
    return len(made)
