"""The login lock after repeated failed logins from one address, and its unlocking."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, LoginLock, User
from app.models._types import utcnow
from app.services import accounts
from tests.factories import PASSWORD, make_user, text

WRONG = "not-the-password-at-all"
LOCKED_MESSAGE = "Trop de tentatives de connexion infructueuses avec cette adresse électronique"


def audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)))


ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"  # client addresses (documentation ranges)


@pytest.fixture
def many_attempts(app, no_csrf):
    """The per-address rate limit would stop the attempts first: these tests are about the lock."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return app


def login_from(client, address: str, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def fail(client, email: str, times: int, address: str = ATTACKER) -> None:
    for _ in range(times):
        assert login_from(client, address, email, WRONG).status_code == 200


def pair_lock(user: User, address: str = ATTACKER) -> LoginLock | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(LoginLock).where(LoginLock.email_digest == accounts.email_digest(user.email),
                                                        LoginLock.address == address))


def _flash(response) -> str:
    return re.search(r'<div class="alert[^"]*"[^>]*>.*?</div>', response.get_data(as_text=True), re.S).group(0)


def test_ten_failed_logins_from_one_address_lock_that_address_and_are_audited(client, many_attempts):
    user = make_user()
    db.session.commit()
    fail(client, user.email, 9)
    assert pair_lock(user).locked_at is None
    tenth = text(login_from(client, ATTACKER, user.email, WRONG))
    assert LOCKED_MESSAGE in tenth
    lock = pair_lock(user)
    assert lock.failures == 10
    assert lock.locked_until - lock.locked_at == timedelta(minutes=30)
    [entry] = audit("user.locked")
    assert entry.object_id == user.id and entry.detail["failed_logins"] == 10 and entry.detail["address"] == ATTACKER


def test_a_locked_address_gets_the_same_answer_whether_the_password_is_right_or_wrong(client, many_attempts):
    user = make_user()
    db.session.commit()
    fail(client, user.email, 10)
    right, wrong = login_from(client, ATTACKER, user.email), login_from(client, ATTACKER, user.email, WRONG)
    assert right.status_code == wrong.status_code == 200
    assert LOCKED_MESSAGE in text(right)
    assert _flash(right) == _flash(wrong)
    assert client.get("/account").status_code == 302
    assert len(audit("user.locked")) == 1  # locked once, not at every later attempt


def test_the_lock_never_tells_whether_the_account_exists(client, many_attempts):
    user = make_user()
    db.session.commit()
    known = [text(login_from(client, ATTACKER, user.email, WRONG)) for _ in range(11)]
    unknown = [text(login_from(client, ATTACKER, "personne@hopital.test", WRONG)) for _ in range(11)]
    for known_page, unknown_page in zip(known, unknown, strict=True):
        assert _flash_text(known_page) == _flash_text(unknown_page)
    assert LOCKED_MESSAGE not in unknown[8] and LOCKED_MESSAGE in unknown[9] and LOCKED_MESSAGE in unknown[10]


def _flash_text(page: str) -> str:
    return re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1).strip()


@pytest.mark.parametrize("role", ["contributor", "admin"])
def test_a_stranger_cannot_lock_the_owner_out(app, client, many_attempts, role):
    user = make_user(role)
    db.session.commit()
    fail(client, user.email, 15)
    assert LOCKED_MESSAGE in text(login_from(client, ATTACKER, user.email))
    owner = app.test_client()
    assert login_from(owner, OWNER, user.email).status_code == 302
    assert owner.get("/account").status_code == 200


def test_a_successful_login_starts_the_count_again(client, auth, many_attempts):
    user = make_user()
    db.session.commit()
    fail(client, user.email, 9)
    assert login_from(client, ATTACKER, user.email).status_code == 302
    auth.logout()
    fail(client, user.email, 9)
    assert pair_lock(user).locked_at is None


def test_the_lock_ends_by_itself_after_the_configured_time(client, many_attempts):
    user = make_user()
    db.session.commit()
    fail(client, user.email, 10)
    db.session.execute(sa.update(LoginLock).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert login_from(client, ATTACKER, user.email, WRONG).status_code == 200
    assert pair_lock(user).failures == 1 and pair_lock(user).locked_at is None  # counting starts again
    assert login_from(client, ATTACKER, user.email).status_code == 302
    assert pair_lock(user) is None


def test_without_a_lock_duration_the_address_stays_locked(app, client, many_attempts):
    app.config["ACCOUNT_LOCK_MINUTES"] = 0
    user = make_user()
    db.session.commit()
    fail(client, user.email, 10)
    assert pair_lock(user).locked_until is None
    assert LOCKED_MESSAGE in text(login_from(client, ATTACKER, user.email))


def test_the_password_reset_link_unlocks_every_address(client, many_attempts, mailbox):
    user = make_user()
    db.session.commit()
    fail(client, user.email, 10)
    fail(client, user.email, 10, address=OWNER)
    client.post("/password/forgot", data={"email": user.email})
    link = re.search(r"https?://\S+", mailbox[0].body).group(0).split("retex.test", 1)[1]
    new_password = "another-long-passphrase"
    assert client.post(link, data={"password": new_password, "confirm": new_password}).status_code == 302
    assert login_from(client, OWNER, user.email, new_password).status_code == 302
    assert pair_lock(user) is None and pair_lock(user, OWNER) is None
    [entry] = audit("user.unlocked")
    assert entry.detail == {"reason": "password_changed"}


def test_an_administrator_unlocks_the_account_from_its_page(app, client, auth, many_attempts):
    user, admin = make_user(), make_user("admin")
    db.session.commit()
    fail(client, user.email, 10)
    auth.login(admin.email)
    assert "Verrouillé" in text(client.get(f"/admin/users?q={user.email}"))
    page = text(client.get(f"/admin/users/{user.id}"))
    assert "Connexions verrouillées" in page and "Déverrouiller" in page
    assert f"Depuis l'adresse {ATTACKER}" in page and "après 10 tentatives de connexion infructueuses" in page
    response = client.post(f"/admin/users/{user.id}/unlock")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert "est déverrouillé" in text(client.get(response.headers["Location"]))
    assert "Connexions verrouillées" not in text(client.get(f"/admin/users/{user.id}"))
    assert "Verrouillé" not in text(client.get(f"/admin/users?q={user.email}"))
    [entry] = audit("user.unlocked")
    assert entry.actor_id == admin.id and entry.detail == {"reason": "admin"}
    other = app.test_client()
    assert login_from(other, ATTACKER, user.email).status_code == 302


def test_unlocking_an_account_that_is_not_locked_records_nothing(client, auth, many_attempts):
    user, admin = make_user(), make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    assert "Connexions verrouillées" not in text(client.get(f"/admin/users/{user.id}"))
    client.post(f"/admin/users/{user.id}/unlock")
    assert audit("user.unlocked") == []


def test_the_address_rate_limit_still_applies(client, auth):
    user = make_user()
    db.session.commit()
    for _ in range(10):
        assert auth.login(user.email, WRONG).status_code == 200
    assert auth.login(user.email, PASSWORD).status_code == 429
