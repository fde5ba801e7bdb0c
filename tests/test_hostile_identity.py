"""Hostile input through the national logins: what a provider vouches for (names, e-mail, SIRET) and what the
first-login forms receive come out as text, never as markup, and never crash a page."""

from __future__ import annotations

import pytest
import requests

from app.demo.oidc_provider import provider_app, running_provider
from tests.hostile_helpers import expected, post_form
from tests.hostile_payloads import FLOWING
from tests.test_oidc import log_in_with


@pytest.fixture(scope="module")
def provider():
    with running_provider(provider_app([])) as running:
        yield running


@pytest.fixture
def configured(app, provider):
    for prefix in ("PROCONNECT", "PROSANTECONNECT"):
        app.config.update({f"{prefix}_ISSUER": provider[0], f"{prefix}_CLIENT_ID": "retex-hostile",
                           f"{prefix}_CLIENT_SECRET": "test-secret"})
    app.config["WTF_CSRF_ENABLED"] = False
    return provider[0]


def _markup_free(html: str, text: str) -> None:
    if "<" in text:
        assert text not in html, text[:80]


def test_claims_and_first_login_forms_come_out_as_text(app, configured):
    texts = [payload.text for payload in FLOWING if not payload.raw]
    for index in range(0, len(texts), 4):  # four claims a login: every payload through a claim shown
        given, usual, email, siret = (texts[(index + offset) % len(texts)] for offset in range(4))
        sub = f"hostile-{index}"
        requests.put(f"{configured}/users/{sub}", json={"given_name": given, "usual_name": usual,
                                                        "email": email, "siret": siret}, timeout=10).raise_for_status()
        client = app.test_client()
        assert log_in_with(client, sub).headers["Location"] == "/login/identity"
        page = client.get("/login/identity")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for text in (given, usual, email, siret):
            _markup_free(html, text)
    # The forms: each payload in every free-text field, refused for the FINESS number, shown back as text.
    client = app.test_client()
    log_in_with(client, "hostile-0")
    for payload in FLOWING:
        value = (payload,)
        response = post_form(client, "/login/identity/request", {
            "request-full_name": value, "request-email": value, "request-finess": value,
            "request-establishment_name": value})
        assert response.status_code == 400, (payload, response.status_code)
        html = response.get_data(as_text=True)
        _markup_free(html, expected(value))
        link = post_form(client, "/login/identity/link", {"link-email": value, "link-password": value})
        assert link.status_code == 400, (payload, link.status_code)
        _markup_free(link.get_data(as_text=True), expected(value))
