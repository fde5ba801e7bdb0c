"""Conversations between establishments about a solution: opened with an establishment that agreed to be
contacted (app.services.peers), read and answered by the members of both, with notices by e-mail that carry a
link and never an address. Names and addresses show once the recipient side has answered."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import permissions
from app.extensions import db
from app.models import PeerConversation, PeerMessage, Solution, User
from app.models._types import utcnow
from app.services import audit, peers, report_privacy
from app.services.mail import send_after_commit
from app.urls import public_url
from app.vocabulary import ESTABLISHMENT_TYPES, REGIONS, label

MAX_MESSAGE_LENGTH = 5000


def patient_data_warnings(body: str) -> list:
    """The patient-data guard of the reports, on a message: findings shown to its writer before it is sent."""
    return [finding for _field, finding in report_privacy.scan_texts({"body": body})]


def start(sender: User, solution: Solution, establishment_id: int, body: str) -> PeerConversation:
    if not permissions.can_contact_peers(sender) or establishment_id == sender.establishment_id:
        raise peers.PeerError("not_allowed")
    recipients = peers.consenting_authors(solution.id, establishment_id)
    if not recipients:
        raise peers.PeerError("not_contactable")
    conversation = PeerConversation(solution_id=solution.id, sender_establishment_id=sender.establishment_id,
                                    recipient_establishment_id=establishment_id, started_by_id=sender.id)
    db.session.add(conversation)
    db.session.flush()
    _add(conversation, sender, body)
    audit.record(sender.id, "peer.conversation_started", "peer_conversation", conversation.id,
                 recipient_establishment_id=establishment_id, solution_id=solution.id)
    _notify(conversation, recipients, first=True)
    return conversation


def reply(conversation: PeerConversation, author: User, body: str) -> PeerMessage:
    if not permissions.can_read_conversation(author, conversation):
        raise peers.PeerError("not_allowed")
    message = _add(conversation, author, body)
    if message.from_recipient:
        conversation.answered_at = conversation.answered_at or message.created_at
        _notify(conversation, _sender_side(conversation))
    else:
        _notify(conversation, _recipient_side(conversation))
    return message


def _add(conversation: PeerConversation, author: User, body: str) -> PeerMessage:
    body = body.strip()
    if not body or len(body) > MAX_MESSAGE_LENGTH:
        raise peers.PeerError("length")
    message = PeerMessage(conversation=conversation, author_id=author.id, body=body,
                          from_recipient=author.establishment_id == conversation.recipient_establishment_id,
                          created_at=utcnow())
    db.session.add(message)
    conversation.last_message_at = message.created_at
    db.session.flush()
    return message


def _writers(conversation: PeerConversation, from_recipient: bool) -> list[User]:
    establishment_id = (conversation.recipient_establishment_id if from_recipient
                        else conversation.sender_establishment_id)
    return list(db.session.scalars(
        sa.select(User).join(PeerMessage, PeerMessage.author_id == User.id)
        .where(PeerMessage.conversation_id == conversation.id, PeerMessage.from_recipient.is_(from_recipient),
               User.status == "active", User.establishment_id == establishment_id).distinct()))


def _sender_side(conversation: PeerConversation) -> list[User]:
    return _writers(conversation, from_recipient=False)


def _recipient_side(conversation: PeerConversation) -> list[User]:
    """Those of the recipient establishment who wrote in it, and those who consent now."""
    people = {user.id: user for user in _writers(conversation, from_recipient=True)}
    for user in peers.consenting_authors(conversation.solution_id, conversation.recipient_establishment_id):
        people.setdefault(user.id, user)
    return list(people.values())


def describe(establishment) -> str:
    """An establishment as a notice names it: name, type and region, nothing of a person."""
    return f"{establishment.name} ({label(ESTABLISHMENT_TYPES, establishment.type)}, " \
           f"{label(REGIONS, establishment.region)})"


def _notify(conversation: PeerConversation, people: list[User], first: bool = False) -> None:
    link = public_url("peers.conversation", conversation_id=conversation.id)
    writer = conversation.recipient_establishment if conversation.messages[-1].from_recipient \
        else conversation.sender_establishment
    for person in people:
        if first:
            subject = _("Retex IA : un établissement souhaite échanger avec vous")
            body = _("%(establishment)s vous écrit sur Retex IA au sujet de %(solution)s, car vous avez accepté "
                     "d'être contacté(e) par des pairs dans votre retour.\n\nLisez son message et répondez ici "
                     "(votre nom et votre adresse ne lui seront montrés que si vous répondez) :\n%(link)s\n\n"
                     "Vous pouvez retirer votre accord à tout moment depuis la page de votre retour.",
                     establishment=describe(writer), solution=conversation.solution.name, link=link)
        else:
            subject = _("Retex IA : nouveau message de %(establishment)s", establishment=writer.name)
            body = _("%(establishment)s a écrit dans votre échange au sujet de %(solution)s.\n\nLisez-le ici :\n"
                     "%(link)s", establishment=describe(writer), solution=conversation.solution.name, link=link)
        send_after_commit(person.email, subject, body)


# Reading -------------------------------------------------------------------------------------------------

def conversations_of(user: User) -> list[PeerConversation]:
    if not permissions.can_contact_peers(user):
        return []
    mine = sa.or_(PeerConversation.sender_establishment_id == user.establishment_id,
                  PeerConversation.recipient_establishment_id == user.establishment_id)
    return list(db.session.scalars(sa.select(PeerConversation).where(mine)
                                   .order_by(PeerConversation.last_message_at.desc(), PeerConversation.id.desc())))


@dataclass(frozen=True)
class ShownMessage:
    message: PeerMessage
    establishment: str
    name: str | None  # None until the recipient side has answered
    email: str | None
    mine: bool


def shown_messages(conversation: PeerConversation, reader: User) -> list[ShownMessage]:
    """The messages as `reader` sees them: each side only names the other establishment until the recipient side
    answers; then every message shows its writer's name and address (a deleted account shows neither)."""
    reader_side_recipient = reader.establishment_id == conversation.recipient_establishment_id
    revealed = conversation.answered_at is not None
    shown = []
    for message in conversation.messages:
        establishment = (conversation.recipient_establishment if message.from_recipient
                         else conversation.sender_establishment)
        same_side = message.from_recipient == reader_side_recipient
        author = message.author if message.author is not None and message.author.status == "active" else None
        visible = author is not None and (revealed or same_side)
        shown.append(ShownMessage(message, establishment.name, author.full_name if visible else None,
                                  author.email if visible else None, message.author_id == reader.id))
    return shown
