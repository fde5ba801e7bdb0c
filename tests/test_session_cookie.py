"""The session cookie is sent only by an answer that changed the session: never by /healthz, the API or a page
that changes nothing; a logged-in user's cookie is renewed at each request (the idle clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from app.auth import timeouts
from app.extensions import db
from tests.factories import PASSWORD, make_solution, make_user


def session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


def expires_in(cookie: str) -> timedelta:
    expires = next(part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("Expires="))
    return parsedate_to_datetime(expires) - datetime.now(UTC)


def test_health_checks_and_the_api_get_no_cookie(client):
    make_solution()
    db.session.commit()
    for path in ("/healthz", "/healthz", "/api/v1/solutions", "/api/v1/categories", "/static/css/app.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.getlist("Set-Cookie") == [], path
        response.close()


def test_a_visitor_gets_the_cookie_once_then_pages_send_none(client):
    first = client.get("/")
    [cookie] = session_cookies(first)  # the CSRF token of the page's language switch
    assert timedelta(days=6, hours=23) < expires_in(cookie) <= timedelta(days=7)  # outlives a closed browser
    client.get("/")
    for path in ("/", "/catalogue", "/observatory", "/login", "/register", "/guides", "/no-such-page"):
        response = client.get(path)
        assert session_cookies(response) == [], path


def test_a_logged_in_users_cookie_is_renewed_at_each_request(client, no_csrf):
    user = make_user()
    db.session.commit()
    assert session_cookies(client.post("/login", data={"email": user.email, "password": PASSWORD}))
    for path in ("/account", "/catalogue", "/healthz"):
        [cookie] = session_cookies(client.get(path))
        assert expires_in(cookie) > timedelta(days=6, hours=23), path
    with client.session_transaction() as session:
        assert session[timeouts.SEEN_AT] >= timeouts.now() - 5
    assert session_cookies(client.post("/logout"))
