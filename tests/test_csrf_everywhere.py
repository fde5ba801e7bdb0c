"""Every route that changes state refuses a request without the CSRF token, logged in or not."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import FloatConverter, IntegerConverter

from app.extensions import csrf, db
from tests.factories import PASSWORD, make_user, text

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Blueprints and views that CSRFProtect skips, each with its reason. Anything else exempt fails the suite.
EXEMPT_BLUEPRINTS = {
    "api": "the read API /api/v1: GET only, authenticated by a bearer token, never by the session cookie",
}
EXEMPT_VIEWS: dict[str, str] = {
    "app.notices.routes.unsubscribe": "the one-click unsubscribe of a notice (RFC 8058): mail programs post it "
                                      "without any session; the signed link is the credential, and it only turns "
                                      "off the notices of the person it was sent to",
}
CSRF_MESSAGE = "Le formulaire a expiré ou n'a pas été envoyé depuis ce site."


def state_changing_rules(app: Flask) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING),
                  key=lambda rule: rule.rule)


def url_for_rule(rule) -> str:
    """Any value for each parameter: the token is checked before the view looks anything up."""
    values = {name: 1 if isinstance(converter, IntegerConverter | FloatConverter) else "x"
              for name, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def exempt_blueprint_names(app: Flask) -> set[str]:
    return {name for name, blueprint in app.blueprints.items() if blueprint in csrf._exempt_blueprints}


def _exempt_view(app: Flask, endpoint: str) -> bool:
    """An exempt view refuses the forged request on its own grounds (here: a link that is not valid)."""
    view = app.view_functions[endpoint]
    return f"{view.__module__}.{view.__name__}" in EXEMPT_VIEWS


def test_only_the_listed_routes_are_exempt(app):
    assert exempt_blueprint_names(app) == set(EXEMPT_BLUEPRINTS)
    assert set(csrf._exempt_views) == set(EXEMPT_VIEWS)


def test_the_exempt_api_changes_nothing(app):
    exempt = set(EXEMPT_BLUEPRINTS)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] in exempt or rule.rule.startswith("/api/v1/"):
            changing = rule.methods & STATE_CHANGING
            assert not changing, f"{rule.rule} ({rule.endpoint}) accepts {sorted(changing)} without CSRF"


@pytest.mark.parametrize("who", ["visitor", "admin", "contributor"])
def test_every_state_changing_route_refuses_a_request_without_the_token(app, who, capsys):
    rules = state_changing_rules(app)
    assert len(rules) >= 30
    client = app.test_client()
    if who != "visitor":
        user = make_user(who)
        db.session.commit()
        app.config["WTF_CSRF_ENABLED"] = False
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["LOGIN_RATE_LIMIT"] = app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "1000 per minute"
    checked, failures = 0, []
    for rule in rules:
        url = url_for_rule(rule)
        for method in sorted(rule.methods & STATE_CHANGING):
            response = client.open(url, method=method, data={"anything": "x"})
            checked += 1
            if response.status_code != 400:
                failures.append(f"{method} {url} ({rule.endpoint}): {response.status_code}")
            elif (rule.endpoint.split(".", 1)[0] not in EXEMPT_BLUEPRINTS and not _exempt_view(app, rule.endpoint)
                  and CSRF_MESSAGE not in text(response)):
                failures.append(f"{method} {url} ({rule.endpoint}): a 400 that is not the CSRF refusal")
            response.close()
    assert not failures, "Accepted without a CSRF token:\n" + "\n".join(failures)
    if who != "visitor":  # still logged in: the refusals did not end the session
        assert client.get("/account").status_code == 200
    with capsys.disabled():
        print(f"\nCSRF ({who}): {checked} state-changing route methods refuse a request without the token")


def page_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_token_changes_at_login_and_logout(app, client):
    """A token seen before a login (a shared workstation, a session cookie planted beforehand) forges nothing
    for the user who logs in; nor does the user's token after they log out."""
    user = make_user()
    db.session.commit()
    before = page_token(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": before}).status_code == 302
    refused = client.post("/langue", data={"lang": "fr", "next": "/", "csrf_token": before})
    assert refused.status_code == 400 and CSRF_MESSAGE in text(refused)
    during = page_token(client, "/account")
    assert during != before
    assert client.post("/langue", data={"lang": "fr", "next": "/", "csrf_token": during}).status_code == 302

    assert client.post("/logout", data={"csrf_token": during}).status_code == 302
    assert client.get("/account").status_code == 302  # logged out
    refused = client.post("/langue", data={"lang": "fr", "next": "/", "csrf_token": during})
    assert refused.status_code == 400 and CSRF_MESSAGE in text(refused)
    after = page_token(client, "/")
    assert after not in (before, during)
    assert client.post("/langue", data={"lang": "fr", "next": "/", "csrf_token": after}).status_code == 302


def test_the_autosave_is_told_to_fetch_the_new_token(client):
    """The questionnaire's autosave (static/js/draft.js) in a tab opened before a login elsewhere: a JSON refusal
    it recognises, after which it reads the session's new token from /account and sends again."""
    user = make_user()
    db.session.commit()
    before = page_token(client, "/login")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before})
    refused = client.post("/reports/1/step/6/autosave", data={"csrf_token": before, "advice": "Texte"},
                          headers={"X-Requested-With": "fetch", "Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.get_json() == {"status": "csrf"}
    assert page_token(client, "/account") != before
