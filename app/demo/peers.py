"""A fictional conversation between peers, so that a newcomer logged in as the demonstration contributor finds one
under « Échanges »: their establishment asked another one, whose report consents to be contacted, and got an
answer."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import PeerConversation, ReportFact, Solution, User
from app.services import peer_messages, peers

QUESTION = ("Bonjour, nous envisageons cette solution (échange fictif de démonstration). Combien de temps "
            "a pris la formation de vos équipes ?")
ANSWER = ("Bonjour, environ deux demi-journées par service, avec un référent désigné dans chaque équipe "
          "(réponse fictive de démonstration).")


def load_demo_conversations(contributor_email: str) -> int:
    """One answered conversation started by the demonstration contributor's establishment; 0 when it exists
    already or when no other establishment consents to be contacted."""
    contributor = db.session.scalar(sa.select(User).where(User.email == contributor_email))
    if contributor is None or contributor.establishment_id is None:
        return 0
    if db.session.scalar(sa.select(PeerConversation.id).where(
            PeerConversation.sender_establishment_id == contributor.establishment_id).limit(1)) is not None:
        return 0
    facts = db.session.execute(sa.select(ReportFact.solution_id, ReportFact.establishment_id).where(
        ReportFact.contact_ok.is_(True), ReportFact.establishment_id != contributor.establishment_id)
        .order_by(ReportFact.id).limit(50)).all()
    for solution_id, establishment_id in facts:
        authors = peers.consenting_authors(solution_id, establishment_id)
        if authors:
            conversation = peer_messages.start(contributor, db.session.get(Solution, solution_id), establishment_id,
                                               QUESTION)
            peer_messages.reply(conversation, authors[0], ANSWER)
            db.session.flush()
            return 1
    return 0
