"""Conversations between establishments about a solution (peer contact)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.establishment import Establishment
from app.models.solution import Solution
from app.models.user import User


class PeerConversation(db.Model):
    """A thread opened by a member of one establishment with another establishment whose contributors agreed to be
    contacted about a solution. Members of the two establishments read it; no one else. Until the recipient side
    answers, each side sees only the other's establishment: no name, no e-mail address."""

    __tablename__ = "peer_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(sa.ForeignKey("solution.id"), index=True)
    sender_establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    recipient_establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The first answer of the recipient side: from then on both sides see each other's names and addresses.
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    solution: Mapped[Solution] = relationship(lazy="joined")
    sender_establishment: Mapped[Establishment] = relationship(foreign_keys=[sender_establishment_id], lazy="joined")
    recipient_establishment: Mapped[Establishment] = relationship(foreign_keys=[recipient_establishment_id],
                                                                  lazy="joined")
    messages: Mapped[list[PeerMessage]] = relationship(back_populates="conversation", order_by="PeerMessage.id",
                                                       cascade="all, delete-orphan", passive_deletes=True)


class PeerMessage(db.Model):
    __tablename__ = "peer_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_conversation.id", ondelete="CASCADE"),
                                                 index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    from_recipient: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    conversation: Mapped[PeerConversation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
