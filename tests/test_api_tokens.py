"""The analysts' API token pages: a new token shown once, from the server, never in the cookie; revocation; CSRF."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiTokenReveal
from app.models._types import utcnow
from app.services import api_tokens
from tests.api_helpers import bearer, solution_with_establishments
from tests.factories import make_user, text


def test_an_analyst_creates_a_token_seen_once_then_revokes_it(client, auth):
    analyst = make_user("analyst")
    solution = solution_with_establishments(2)
    auth.login(analyst.email)

    created = client.post("/account/api-tokens", data={"name": "Tableau de bord"})
    first = text(client.get("/account/api-tokens"))
    second = text(client.get("/account/api-tokens"))

    assert created.status_code == 302
    clear = first.split("Authorization: Bearer ")[1].split("<")[0].strip()
    assert "Copiez-le maintenant" in first and clear not in second and "Tableau de bord" in second
    url = f"/api/v1/solutions/{solution.id}/scorecard"
    assert client.get(url, headers=bearer(clear)).get_json()["ratings"]["usefulness"]["value"] == 4

    token = api_tokens.user_tokens(analyst)[0]
    assert token.token_hash == api_tokens.hash_token(clear) and token.last_used_at is not None
    client.post(f"/account/api-tokens/{token.id}/revoke")
    assert client.get(url, headers=bearer(clear)).status_code == 401
    assert "révoqué le" in text(client.get("/account/api-tokens"))


def test_a_new_token_never_travels_in_the_session_cookie_and_a_replayed_cookie_shows_nothing(app, client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    client.post("/account/api-tokens", data={"name": "Tableau de bord"})
    cookie = client.get_cookie("session", domain="retex.test").value
    [kept] = db.session.scalars(sa.select(ApiTokenReveal)).all()

    first = text(client.get("/account/api-tokens"))
    clear = first.split("Authorization: Bearer ")[1].split("<")[0].strip()
    assert api_tokens.user_tokens(analyst)[0].token_hash == api_tokens.hash_token(clear)
    # Neither the cookie nor the database held the token in clear.
    assert clear not in str(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert clear not in kept.sealed and clear.encode().hex() != kept.sealed
    assert db.session.scalars(sa.select(ApiTokenReveal)).all() == []

    # The cookie of the creation, played again (another tab, a copy of it): the token is not shown again.
    replayed = app.test_client()
    replayed.set_cookie("session", cookie, domain="retex.test")
    page = replayed.get("/account/api-tokens")
    assert page.status_code == 200 and "Tableau de bord" in text(page)
    assert clear not in text(page) and "Copiez-le maintenant" not in text(page)


def test_a_new_token_not_displayed_within_minutes_is_never_shown(client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    client.post("/account/api-tokens", data={"name": "Oublié"})
    db.session.execute(sa.update(ApiTokenReveal).values(created_at=utcnow() - api_tokens.REVEAL_WINDOW
                                                        - timedelta(seconds=1)))
    db.session.commit()
    assert "Copiez-le maintenant" not in text(client.get("/account/api-tokens"))
    assert db.session.scalars(sa.select(ApiTokenReveal)).all() == []


def test_a_kept_token_is_revealed_only_to_its_owner_with_its_pad(app):
    owner, other = make_user("analyst"), make_user("analyst")
    token, clear = api_tokens.create_token(owner, "Script")
    kept = api_tokens.keep_for_display(token, clear)
    assert api_tokens.reveal_once(kept, other) is None  # consumed, and not shown to another user
    kept = api_tokens.keep_for_display(token, clear)
    wrong_pad = api_tokens.reveal_once({**kept, "pad": "00" * len(clear)}, owner)
    assert wrong_pad is None or wrong_pad[1] != clear
    kept = api_tokens.keep_for_display(token, clear)
    assert api_tokens.reveal_once(kept, owner) == (token, clear)
    assert api_tokens.reveal_once(kept, owner) is None


def test_an_analyst_cannot_revoke_a_colleagues_token(client, auth):
    colleague_token, _clear = api_tokens.create_token(make_user("analyst"), "Script d'un collègue")
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)

    response = client.post(f"/account/api-tokens/{colleague_token.id}/revoke")

    db.session.refresh(colleague_token)
    assert response.status_code == 404 and colleague_token.revoked_at is None


def test_token_forms_need_their_csrf_token(app, client):
    analyst = make_user("analyst")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"email": analyst.email, "password": "correct-horse-battery"})
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/account/api-tokens", data={"name": "Sans jeton CSRF"})

    assert response.status_code == 400
    assert api_tokens.user_tokens(analyst) == []

