"""Session timeouts (idle and absolute), the remember-me cookie, and the questionnaire sent after an idle expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.auth import timeouts
from app.extensions import db
from app.models import DraftStash, Report, User
from tests.factories import PASSWORD, make_solution, make_user, text


def shift_session(client, login_at: int | None = None, seen_at: int | None = None) -> None:
    """Move the login's clocks back, as if that much time (seconds) had passed since the login (the moment in the
    login's id) or since the last request."""
    with client.session_transaction() as session:
        if login_at is not None:
            user_id, token, _ = session["_user_id"].split(":")
            session["_user_id"] = f"{user_id}:{token}:{timeouts.now() - login_at}"
        if seen_at is not None:
            session["_seen_at"] = timeouts.now() - seen_at


def expire_login(client) -> None:
    """The login ends as after 31 minutes without a request (the idle limit is 30)."""
    shift_session(client, seen_at=31 * 60)


def next_of(response) -> str | None:
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query).get("next", [None])[0]


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def contributor(app, auth):
    user = make_user("contributor")
    db.session.commit()
    assert auth.login(user.email).status_code == 302
    return user


# Timeouts ---------------------------------------------------------------------------------------------

def test_an_idle_session_is_logged_out_and_sent_to_login_with_next(client, contributor):
    assert client.get("/reports/").status_code == 200
    shift_session(client, seen_at=31 * 60)
    response = client.get("/reports/?page=2")
    assert response.status_code == 302
    assert next_of(response) == "/reports/?page=2"
    page = text(client.get(response.headers["Location"]))
    assert "Votre session a expiré après 30 minutes sans activité" in page
    # Logged out for good: the next request is a visitor's.
    assert client.get("/account").status_code == 302


def test_activity_keeps_the_session_open(client, contributor):
    shift_session(client, seen_at=29 * 60)
    before = timeouts.now()
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert session["_seen_at"] >= before
    shift_session(client, seen_at=29 * 60)
    assert client.get("/account").status_code == 200


def test_a_session_ends_twelve_hours_after_login_whatever_the_activity(client, contributor):
    shift_session(client, login_at=12 * 3600 + 1, seen_at=10)
    response = client.get("/account")
    assert next_of(response) == "/account"
    assert "une connexion dure au plus 12 heures" in text(client.get(response.headers["Location"]))
    assert client.get("/account").status_code == 302


def test_the_limits_come_from_the_configuration(app, client, contributor):
    app.config["SESSION_IDLE_MINUTES"] = 5
    shift_session(client, seen_at=6 * 60)
    assert client.get("/account").status_code == 302


def test_a_form_sent_after_expiry_comes_back_to_the_page_it_was_sent_from(client, contributor):
    shift_session(client, seen_at=31 * 60)
    response = client.post("/logout", headers={"Referer": "http://retex.test/catalogue?q=radio"})
    assert next_of(response) == "/catalogue?q=radio"


def test_the_remember_cookie_does_not_outlive_an_expired_session(app, client, no_csrf):
    user = make_user()
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token", domain="retex.test") is not None
    shift_session(client, seen_at=31 * 60)
    assert client.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(hours=12)


def remember_cookie_issued(app, monkeypatch, user: User, hours_ago: float) -> str:
    """The "remember me" cookie of a login made that long ago."""
    moment = timeouts.now() - int(hours_ago * 3600)
    with monkeypatch.context() as patch:
        patch.setattr(timeouts, "now", lambda: moment)
        browser = app.test_client()
        assert browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "remember": "y"}).status_code == 302
    return browser.get_cookie("remember_token", domain="retex.test").value


def restored_from(app, remember: str):
    """Another browser holding only that cookie (a browser that lost its session, or a thief)."""
    browser = app.test_client()
    browser.set_cookie("remember_token", remember, domain="retex.test")
    return browser


def test_a_remembered_login_restored_from_the_cookie_keeps_the_absolute_limit(app, no_csrf, monkeypatch):
    user = make_user()
    db.session.commit()
    remember = remember_cookie_issued(app, monkeypatch, user, hours_ago=11)
    restored = restored_from(app, remember)
    assert restored.get("/account").status_code == 200
    # Twelve hours after the cookie was issued (not after it was restored), the restored login ends.
    later = timeouts.now() + 3600 + 60
    monkeypatch.setattr(timeouts, "now", lambda: later)
    response = restored.get("/account")
    assert next_of(response) == "/account"
    assert "une connexion dure au plus 12 heures" in text(restored.get(response.headers["Location"]))
    assert restored.get_cookie("remember_token", domain="retex.test") is None  # and the cookie is dropped


def test_an_old_remember_cookie_stays_dead_when_its_owner_logs_in_again(app, no_csrf, monkeypatch):
    user = make_user()
    db.session.commit()
    stolen = remember_cookie_issued(app, monkeypatch, user, hours_ago=13)
    # The owner logs in again elsewhere, with and without "remember me": the account's latest login is now.
    for remember in ("", "y"):
        owner = app.test_client()
        assert owner.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "remember": remember}).status_code == 302
        thief = restored_from(app, stolen)
        assert thief.get("/account").status_code == 302
        assert thief.get("/account").status_code == 302
    assert owner.get("/account").status_code == 200


def test_a_session_ends_twelve_hours_after_its_own_login_not_the_accounts_latest(app, no_csrf, monkeypatch):
    user = make_user()
    db.session.commit()
    old = app.test_client()
    with monkeypatch.context() as patch:
        moment = timeouts.now() - 13 * 3600
        patch.setattr(timeouts, "now", lambda: moment)
        old.post("/login", data={"email": user.email, "password": PASSWORD})
    with old.session_transaction() as session:
        session["_seen_at"] = timeouts.now()  # active all along: only the absolute limit can end it
    app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    response = old.get("/account")
    assert response.status_code == 302
    assert "une connexion dure au plus 12 heures" in text(old.get(response.headers["Location"]))


def test_an_administrator_editing_their_own_account_keeps_the_logins_moment(app, client, no_csrf, monkeypatch):
    admin = make_user("admin")
    db.session.commit()
    with monkeypatch.context() as patch:
        moment = timeouts.now() - 11 * 3600
        patch.setattr(timeouts, "now", lambda: moment)
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
    shift_session(client, seen_at=0)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "admin", "status": "active", "finess": ""})
    assert response.headers["Location"] == "/admin/users"
    assert client.get("/account").status_code == 200
    later = timeouts.now() + 3600 + 60  # twelve hours after the login, not after the edit
    monkeypatch.setattr(timeouts, "now", lambda: later)
    assert next_of(client.get("/account")) == "/account"


# The questionnaire after an idle expiry: nothing typed is lost ---------------------------------------

def _new_report(client) -> int:
    solution = make_solution()
    db.session.commit()
    response = client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "k-1"})
    return int(re.search(r"/reports/([0-9]+)/step/1", response.headers["Location"]).group(1))


def test_autosave_counts_as_activity(client, contributor):
    report_id = _new_report(client)
    shift_session(client, seen_at=29 * 60)
    before = timeouts.now()
    assert client.post(f"/reports/{report_id}/step/6/autosave", data={"advice": "En cours"}).status_code == 200
    with client.session_transaction() as session:
        assert session["_seen_at"] >= before


def test_a_step_sent_after_an_idle_expiry_is_kept_and_given_back_after_login(client, auth, contributor):
    report_id = _new_report(client)
    shift_session(client, seen_at=45 * 60)
    response = client.post(f"/reports/{report_id}/step/6", data={"advice": "Écrit pendant trois quarts d'heure.",
                                                                 "nav": "next"})
    assert response.status_code == 302
    assert next_of(response).endswith(f"/reports/{report_id}/step/6")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 1
    assert "ce que vous venez de saisir est conservé" in text(client.get(response.headers["Location"]))

    auth.login(contributor.email)
    page = text(client.get(f"/reports/{report_id}/step/6"))
    assert "Écrit pendant trois quarts d'heure." in page
    assert "a été restauré" in page
    db.session.expire_all()
    assert db.session.get(Report, report_id).working_revision.answers["advice"].startswith("Écrit pendant")


def test_an_autosave_after_an_idle_expiry_answers_expired_and_keeps_the_text(client, contributor):
    report_id = _new_report(client)
    shift_session(client, seen_at=31 * 60)
    response = client.post(f"/reports/{report_id}/step/6/autosave", data={"advice": "Texte tapé après"})
    assert response.status_code == 401
    assert response.get_json()["status"] == "expired"
    assert db.session.scalar(sa.select(DraftStash.data))["advice"] == "Texte tapé après"
