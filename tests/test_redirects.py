"""Redirects to an address the request names (`?next=`, the language switch's `next`, the Referer a kept form
came from) never leave the site, as a browser reads the address."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from app.extensions import db
from app.models import FormStash
from app.urls import safe_redirect_target
from tests.factories import PASSWORD, make_user
from tests.test_session_security import expire_login

SITE = "http://retex.test"
# Each of these, put in a Location header, takes a browser to evil.example (or runs a script).
HOSTILE = [
    "//evil.example/",
    "///evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "\x01//evil.example/",
    "//evil.example/ ",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/\t\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "\thttps://evil.example/",
    "evil.example",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
]
# Pages of the site, kept as they are.
LOCAL = ["/catalogue?q=radio", "/reports/3/step/2", "/statistics/compare?solutions=1&solutions=2", "/"]


def as_browser_reads(location: str, base: str = f"{SITE}/login") -> str:
    """Where a browser goes with this Location (WHATWG URL parsing, as far as the host is concerned)."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "")
    cleaned = cleaned.strip("".join(chr(code) for code in range(0x21))).replace("\\", "/")
    return urljoin(base, cleaned)


def assert_stays_on_site(location: str) -> None:
    target = urlsplit(as_browser_reads(location))
    assert (target.scheme, target.netloc) == ("http", "retex.test"), repr(location)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_helper_refuses_what_a_browser_reads_as_another_site(app, target):
    with app.test_request_context("/"):
        assert safe_redirect_target(target) == "/"
        assert safe_redirect_target(target, default="/account") == "/account"


@pytest.mark.parametrize("target", LOCAL)
def test_the_helper_keeps_local_paths(app, target):
    with app.test_request_context("/"):
        assert safe_redirect_target(target) == target


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site(client, no_csrf, target):
    user = make_user()
    db.session.commit()
    response = client.post(f"/login?next={quote(target, safe='')}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert_stays_on_site(response.headers["Location"])


def test_login_goes_back_to_a_local_next(client, no_csrf):
    user = make_user()
    db.session.commit()
    response = client.post(f"/login?next={quote('/catalogue?q=radio')}", data={"email": user.email,
                                                                             "password": PASSWORD})
    assert response.headers["Location"] == "/catalogue?q=radio"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_redirects_off_site(client, no_csrf, target):
    response = client.post("/langue", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_the_language_switch_of_a_hostile_404_page_stays_on_site(client):
    """The 404 page's language form carries the requested path as `next`."""
    page = client.get("/%09/evil.example/")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    next_field = html.split('name="next" value="', 1)[1].split('"', 1)[0]
    assert next_field == "/\t/evil.example/"
    response = client.post("/langue", data={"csrf_token": token, "lang": "en", "next": next_field})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("referrer", [f"{SITE}//evil.example/", f"{SITE}/\t/evil.example/",
                                      f"{SITE}/\\evil.example", "http://evil.example/catalogue"])
def test_a_hostile_referrer_is_never_where_a_kept_form_goes_back_to(client, no_csrf, referrer):
    """A form sent after the login expired comes back, after the next login, to the page it was sent from (the
    Referer): only a page of this site."""
    moderator = make_user("moderator")
    db.session.commit()
    client.post("/login", data={"email": moderator.email, "password": PASSWORD})
    expire_login(client)
    refused = client.post("/moderation/revisions/1/reject", data={"reject-message": "Texte conservé"},
                          headers={"Referer": referrer})
    next_path = dict(pair.split("=", 1) for pair in urlsplit(refused.headers["Location"]).query.split("&")
                     if "=" in pair).get("next")
    assert next_path is None
    stash = db.session.scalar(db.select(FormStash))
    assert stash is not None and stash.origin is None
    client.post("/login", data={"email": moderator.email, "password": PASSWORD})
    dropped = client.post("/resume/discard")
    assert dropped.headers["Location"] == "/"


def test_a_kept_form_goes_back_to_its_page_of_this_site(client, no_csrf):
    moderator = make_user("moderator")
    db.session.commit()
    client.post("/login", data={"email": moderator.email, "password": PASSWORD})
    expire_login(client)
    client.post("/moderation/revisions/1/reject", data={"reject-message": "Texte conservé"},
                headers={"Referer": f"{SITE}/moderation/revisions/1?tab=2"})
    client.post("/login", data={"email": moderator.email, "password": PASSWORD})
    assert client.post("/resume/discard").headers["Location"] == "/moderation/revisions/1?tab=2"
