"""Notices about what a request saves are sent after its commit: never for a rolled-back change or at a
savepoint, and a mail server that fails or hangs never undoes what was saved nor holds the request long."""

from __future__ import annotations

import logging
import smtplib
import socket
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.services import mail as mail_service
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


def test_a_savepoint_neither_sends_nor_drops_the_notices(app, mailbox):
    with app.test_request_context():
        send_after_commit("c@hopital.test", "Sujet", "Corps")
        with db.session.begin_nested():
            make_user()
        assert mailbox == []  # a savepoint released is not the commit
        savepoint = db.session.begin_nested()
        make_user()
        savepoint.rollback()
        db.session.commit()
        assert [m.recipients for m in mailbox] == [["c@hopital.test"]]  # nor is a savepoint rolled back a rollback


def refuse(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_registration_stands_when_the_mail_server_is_down(client, no_csrf, monkeypatch, caplog):
    establishment = make_establishment()
    make_user("referent", establishment)
    db.session.commit()
    monkeypatch.setattr(mail_service, "_deliver", refuse)
    with caplog.at_level(logging.ERROR):
        response = client.post("/register", data=registration(establishment.finess))
    assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "camille.martin@hopital.test"))
    assert user is not None and user.status == "pending"
    assert "Mail not sent" in caplog.text


def test_a_mail_server_that_never_answers_is_given_up_after_the_timeout(app, monkeypatch, caplog):
    """A server that accepts the connection and says nothing: the notice is dropped after MAIL_TIMEOUT."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", silent.getsockname()[1])
    app.config["MAIL_TIMEOUT"] = 0.5
    try:
        with app.test_request_context(), caplog.at_level(logging.ERROR):
            send_after_commit("d@hopital.test", "Sujet", "Corps")
            started = time.monotonic()
            db.session.commit()
            waited = time.monotonic() - started
    finally:
        silent.close()
    assert waited < 5
    assert "Mail not sent" in caplog.text


def test_a_mail_the_user_waits_for_still_fails_loudly(app, monkeypatch):
    """A reset link or an invitation is sent at once: its failure is the request's."""
    monkeypatch.setattr(mail_service._TimedConnection, "configure_host", refuse)
    monkeypatch.setattr(app.extensions["mail"], "suppress", False)
    with app.test_request_context(), pytest.raises(smtplib.SMTPException):
        send_mail("e@hopital.test", "Sujet", "Corps")


def test_an_address_refused_does_not_stop_the_other_notices(app, mailbox, monkeypatch, caplog):
    real_send = mail_service._TimedConnection.send

    def send(connection, message, *args, **kwargs):
        if message.recipients == ["refused@hopital.test"]:
            raise smtplib.SMTPRecipientsRefused({"refused@hopital.test": (550, b"No such user")})
        return real_send(connection, message, *args, **kwargs)

    monkeypatch.setattr(mail_service._TimedConnection, "send", send)
    with app.test_request_context(), caplog.at_level(logging.ERROR):
        send_after_commit("refused@hopital.test", "Sujet", "Corps")
        send_after_commit("f@hopital.test", "Sujet", "Corps")
        db.session.commit()
    assert [m.recipients for m in mailbox] == [["f@hopital.test"]]
    assert "refused@hopital.test" in caplog.text
