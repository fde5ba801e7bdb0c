"""The demonstration data hold one answered conversation between peers, started by the demo contributor's
establishment with an establishment whose report consents to be contacted."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import PeerConversation, ReportFact


def test_the_demo_contributor_finds_an_answered_conversation(app, runner):
    result = runner.invoke(args=["demo", "load", "--reports", "40"])
    assert result.exit_code == 0, result.output
    [conversation] = db.session.scalars(sa.select(PeerConversation)).all()
    assert conversation.answered_at is not None
    assert [m.from_recipient for m in conversation.messages] == [False, True]
    assert all("fictif" in m.body or "fictive" in m.body for m in conversation.messages)
    assert db.session.scalar(sa.select(ReportFact.contact_ok).where(
        ReportFact.establishment_id == conversation.recipient_establishment_id,
        ReportFact.solution_id == conversation.solution_id, ReportFact.contact_ok.is_(True)).limit(1))
    again = runner.invoke(args=["demo", "load", "--reports", "40"])
    assert again.exit_code == 0 and db.session.scalar(sa.select(sa.func.count(PeerConversation.id))) == 1
