"""Outgoing mail. With MAIL_SUPPRESS_SEND (development, tests) messages go to the log only.

Two ways to send:
- `send_mail`: now, for a mail the user waits for (a reset link, an invitation): if the mail server fails, the
  request fails and the user knows it.
- `send_after_commit`: for a notice about what the request is saving (a report to moderate, a decision, an
  account to approve): kept with the database session, handed to the job queue (app.services.jobs) once its
  outermost transaction is committed (not at a savepoint), dropped if that transaction is rolled back. A worker
  sends it (`deliver_notices`): the request never waits for the mail server, and a mail server that fails never
  undoes what was saved: the failure is logged and the job tried again later (its retries, then the
  administrators' page of failed jobs).

Each step of a connection to the mail server (connect, each command) gives up after MAIL_TIMEOUT seconds: a
server that accepts connections but never answers delays an answer by a few timeouts at most, and never holds
the database.
"""

from __future__ import annotations

import smtplib
import unicodedata

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.services import jobs

OUTBOX, COMMITTED = "retex_outbox", "retex_outbox_committed"  # keys of Session.info


class _TimedConnection(Connection):
    """Flask-Mail's connection, with a timeout on the socket (Flask-Mail sets none)."""

    def configure_host(self) -> smtplib.SMTP:
        kind = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = kind(self.mail.server, self.mail.port, timeout=current_app.config.get("MAIL_TIMEOUT", 10))
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _deliver(messages: list[Message], keep_going: bool = False) -> None:
    """One connection for the messages. With keep_going, a message refused (an address the server rejects)
    is logged and the next ones are still sent. With suppression on, no server is reached and Flask-Mail
    records the messages."""
    with _TimedConnection(current_app.extensions["mail"]) as connection:
        for message in messages:
            try:
                connection.send(message)
            except smtplib.SMTPRecipientsRefused:
                if not keep_going:
                    raise
                current_app.logger.exception("Mail not sent (%s): %s", ", ".join(message.recipients), message.subject)


def header_text(text: str) -> str:
    """A header's value on one line: each control character (CR, LF…) or line separator made a space. A subject
    may carry a value typed by someone (a referent's name); with a line break in it, building the message would
    fail (Flask-Mail refuses what could inject a header), and with it every later mail of that sender."""
    return "".join(" " if unicodedata.category(char) == "Cc" or char in "\u2028\u2029" else char for char in text)


def _message(recipient: str, subject: str, body: str, headers: dict[str, str] | None = None) -> Message:
    subject = header_text(subject)
    if current_app.config.get("MAIL_SUPPRESS_SEND"):
        current_app.logger.info("Mail to %s — %s\n%s", recipient, subject, body)
    extra = {name: header_text(value) for name, value in (headers or {}).items()}
    return Message(subject=subject, recipients=[recipient], body=body, extra_headers=extra or None)


def send_mail(recipient: str, subject: str, body: str) -> None:
    _deliver([_message(recipient, subject, body)])


def send_after_commit(recipient: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """`headers`: extra headers of the message (a notice's List-Unsubscribe, say)."""
    db.session.connection()  # the transaction the notice belongs to is open, so that its rollback drops it
    notice = [recipient, header_text(subject), body]
    db.session.info.setdefault(OUTBOX, []).append([*notice, dict(headers)] if headers else notice)


def deliver_notices(notices: list[list]) -> None:
    """The job of the notices of one commit: [recipient, subject, body] each, and their extra headers when they have
    any (a notice's List-Unsubscribe), over one connection.
    An address refused is logged and skipped; a server that fails raises after logging, so that the job is tried
    again."""
    outbox = [_message(*notice) for notice in notices]
    try:
        _deliver(outbox, keep_going=True)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Mail not sent (%s): %s", ", ".join(r for m in outbox for r in m.recipients),
                                     "; ".join(m.subject for m in outbox))
        raise


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint released is not the commit
        session.info[COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _send_or_drop(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or a subtransaction: the outermost transaction decides
    committed = session.info.pop(COMMITTED, False)
    outbox = session.info.pop(OUTBOX, None)
    if committed and outbox:
        # One job per message: a retry after a server failure half-way sends none of them twice.
        for notice in outbox:
            jobs.enqueue(deliver_notices, [notice])
