"""Hostile input on the one-click unsubscribe link: whatever the token or the form, no crash, no change to anyone's
notices, an answer in French; only a link the application signed, for its own person, turns notices off."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.models import NoticePreference
from app.services import accounts, follows
from tests.factories import make_user
from tests.hostile_payloads import PAYLOADS
from tests.hostile_reading import assert_safe_page


def _forged(app, data, salt: str = "notice-unsubscribe", key: str | None = None) -> str:
    return URLSafeSerializer(key or app.config["SECRET_KEY"], salt=salt).dumps(data)


def _unchanged(*users) -> None:
    db.session.expire_all()
    for user in users:
        assert db.session.get(NoticePreference, user.id) is None, user.email


def _refused(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 404), (response.status_code, body[:500])
    assert response.mimetype == "text/html"
    assert_safe_page(body)
    assert "non valide" in body or "introuvable" in body.lower(), body[:2000]


@pytest.fixture
def people(app):
    target, other = make_user("contributor"), make_user("analyst")
    db.session.commit()
    return target, other


def test_every_payload_of_the_corpus_as_a_token_is_refused(app, client, people):
    for payload in PAYLOADS:
        token = quote(payload.text[:5000].replace("\x00", ""), safe="")
        if not token:
            continue
        for method in ("GET", "POST"):
            response = client.open(f"/unsubscribe/{token}", method=method,
                                   data={"List-Unsubscribe": "One-Click"})
            _refused(response)
    _unchanged(*people)


def test_altered_borrowed_and_odd_tokens_are_refused(app, client, people):
    target, other = people
    good = follows.unsubscribe_token(target.id, "statistics")
    payload, signature = good.rsplit(".", 1)
    other_id = base64.urlsafe_b64encode(json.dumps([other.id, "all"]).encode()).decode().rstrip("=")
    tokens = {
        "signature altered": f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "another person's id, old signature": f"{other_id}.{signature}",
        "unsigned": payload,
        "signed with another key": _forged(app, [target.id, "all"], key="not-the-key"),
        "signed for another purpose": _forged(app, [target.id, "all"], salt="invitation"),
        "a password-reset token": accounts.make_reset_token(target),
        "an unknown kind": _forged(app, [target.id, "everything"]),
        "a kind that is not text": _forged(app, [target.id, ["all"]]),
        "an id that is text": _forged(app, [str(target.id), "all"]),
        "an id that is a boolean": _forged(app, [True, "all"]),
        "an id past the database's integers": _forged(app, [2**63, "all"]),
        "a negative id": _forged(app, [-1, "all"]),
        "nobody's id": _forged(app, [999_999, "all"]),
        "an object, not a list": _forged(app, {"u": target.id, "k": "all"}),
        "three values": _forged(app, [target.id, "all", "extra"]),
        "oversize": good + "A" * 5000,
        "non-ASCII": good + "é",
        "percent-encoded bytes that are not UTF-8": "%C3%28" + good,
    }
    db.session.commit()
    for name, token in tokens.items():
        for method in ("GET", "POST"):
            response = client.open(f"/unsubscribe/{token}", method=method, data={"scope": "all"})
            try:
                _refused(response)
            except AssertionError as error:
                raise AssertionError(f"{name} ({method})") from error
    _unchanged(target, other)


def test_a_valid_link_with_a_hostile_scope_changes_nothing_and_says_so(app, client, people):
    target, other = people
    token = follows.unsubscribe_token(target.id, "guide")
    for payload in PAYLOADS:
        if payload.oversize:
            continue
        if payload.raw is not None:  # bytes that are not UTF-8, as they are
            response = client.post(f"/unsubscribe/{token}", data=f"scope={payload.raw}",
                                   content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(f"/unsubscribe/{token}", data={"scope": payload.text})
        body = response.get_data(as_text=True)
        assert response.status_code == 400, (payload.name, response.status_code)
        assert_safe_page(body)
        assert "Ce choix n'existe pas" in body
    _unchanged(target, other)


def test_the_signed_link_turns_off_its_kind_or_everything_without_login(app, client, people):
    target, other = people
    token = follows.unsubscribe_token(target.id, "statistics")
    page = client.get(f"/unsubscribe/{token}")
    assert "no-store" in page.headers["Cache-Control"]  # the address is a credential: no cache keeps the page
    assert page.status_code == 200 and "Ne plus recevoir les avis de nouveaux chiffres" in page.get_data(as_text=True)
    _unchanged(target, other)  # a GET (a mail scanner opening the link) changes nothing
    response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "C'est fait" in response.get_data(as_text=True)
    db.session.expire_all()
    preference = db.session.get(NoticePreference, target.id)
    assert (preference.delivery, preference.guides, preference.statistics) == ("immediate", True, False)
    assert db.session.get(NoticePreference, other.id) is None
    client.post(f"/unsubscribe/{token}", data={"scope": "all"})
    db.session.expire_all()
    assert db.session.get(NoticePreference, target.id).delivery == "none"
