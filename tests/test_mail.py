"""Notices about what a request saves are sent after its commit: never for a rolled-back change, and a mail
server that fails never undoes what was saved."""

from __future__ import annotations

import logging
import smtplib

import pytest
import sqlalchemy as sa

from app.extensions import db, mail
from app.models import User
from app.services.mail import send_after_commit, send_mail
from tests.factories import make_establishment, make_user
from tests.test_auth import registration


def test_a_notice_leaves_at_the_commit_and_never_after_a_rollback(app, mailbox):
    with app.test_request_context():
        send_after_commit("a@hopital.test", "Sujet", "Corps")
        assert mailbox == []  # not before the data it speaks of are saved
        db.session.rollback()
        db.session.commit()
        assert mailbox == []
        send_after_commit("b@hopital.test", "Sujet", "Corps")
        db.session.commit()
        assert [m.recipients for m in mailbox] == [["b@hopital.test"]]
        db.session.commit()
        assert len(mailbox) == 1  # sent once


def test_a_registration_stands_when_the_mail_server_is_down(client, no_csrf, monkeypatch, caplog):
    establishment = make_establishment()
    make_user("referent", establishment)
    db.session.commit()

    def refuse(message):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(mail, "send", refuse)
    with caplog.at_level(logging.ERROR):
        response = client.post("/register", data=registration(establishment.finess))
    assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "camille.martin@hopital.test"))
    assert user is not None and user.status == "pending"
    assert "Mail to" in caplog.text and "not sent" in caplog.text


def test_a_mail_the_user_waits_for_still_fails_loudly(app, monkeypatch):
    """A reset link or an invitation is sent at once: its failure is the request's."""
    def refuse(message):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(mail, "send", refuse)
    with app.test_request_context(), pytest.raises(smtplib.SMTPException):
        send_mail("c@hopital.test", "Sujet", "Corps")
