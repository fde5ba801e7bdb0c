"""Outgoing mail. With MAIL_SUPPRESS_SEND (development, tests) messages go to the log only."""

from __future__ import annotations

from flask import current_app
from flask_mail import Message

from app.extensions import mail


def send_mail(recipient: str, subject: str, body: str) -> None:
    message = Message(subject=subject, recipients=[recipient], body=body)
    if current_app.config.get("MAIL_SUPPRESS_SEND"):
        current_app.logger.info("Mail to %s — %s\n%s", recipient, subject, body)
    # With suppression on, Flask-Mail records the message without connecting to a server.
    mail.send(message)
