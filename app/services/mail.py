"""Outgoing mail. With MAIL_SUPPRESS_SEND (development, tests) messages go to the log only.

Two ways to send:
- `send_mail`: now, for a mail the user waits for (a reset link, an invitation): if the mail server fails, the
  request fails and the user knows it.
- `send_after_commit`: for a notice about what the request is saving (a report to moderate, a decision, an
  account to approve): kept with the database session, sent once the transaction is committed, dropped if it
  is rolled back. The database's locks are released before the mail server is reached, and a mail server
  that is down or slow never undoes what was saved: the failure is logged.
"""

from __future__ import annotations

from flask import current_app
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db, mail

OUTBOX = "retex_outbox"  # key of Session.info


def _message(recipient: str, subject: str, body: str) -> Message:
    if current_app.config.get("MAIL_SUPPRESS_SEND"):
        current_app.logger.info("Mail to %s — %s\n%s", recipient, subject, body)
    return Message(subject=subject, recipients=[recipient], body=body)


def send_mail(recipient: str, subject: str, body: str) -> None:
    # With suppression on, Flask-Mail records the message without connecting to a server.
    mail.send(_message(recipient, subject, body))


def send_after_commit(recipient: str, subject: str, body: str) -> None:
    db.session.connection()  # the transaction the notice belongs to is open, so that its rollback drops it
    db.session.info.setdefault(OUTBOX, []).append(_message(recipient, subject, body))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    for message in session.info.pop(OUTBOX, ()):
        try:
            mail.send(message)
        except Exception:  # noqa: BLE001  # any failure of the mail server: what was committed stands
            current_app.logger.exception("Mail to %s not sent: %s", ", ".join(message.recipients), message.subject)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(OUTBOX, None)
