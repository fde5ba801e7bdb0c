"""Journey: logging in with ProConnect against a local OpenID provider (app.demo.oidc_provider, fictional
identities): a first login linked to an existing account after its password, a login with the identity alone, the
logout that ends the provider's session too, and a new identity that requests an account. axe checks every page of
the platform visited (the provider's own pages are the local stand-in's, not the platform's)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.demo.oidc_provider import FICTIONAL_IDENTITIES, provider_app, running_provider
from app.demo.oidc_provider import User as ProviderUser
from app.extensions import db
from app.models import ExternalIdentity, User

pytestmark = pytest.mark.e2e

SACHA = ProviderUser(sub="e2e-proconnect-sacha", claims={
    "email": "sacha.fictif@agents.retex-ia.test", "given_name": "Sacha", "usual_name": "Fictif",
    "siret": FICTIONAL_IDENTITIES[0].claims["siret"]})
# Nothing leaves the machine: the local provider's page names a stylesheet on the Internet.
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture
def national_logins(live_app, live_server):
    with running_provider(provider_app([*FICTIONAL_IDENTITIES, SACHA])) as (issuer, _):
        saved = dict(live_app.config)
        for prefix in ("PROCONNECT", "PROSANTECONNECT"):
            live_app.config.update({f"{prefix}_ISSUER": issuer, f"{prefix}_CLIENT_ID": f"retex-e2e-{prefix.lower()}",
                                    f"{prefix}_CLIENT_SECRET": "e2e-secret"})
        live_app.config["PUBLIC_URL"] = live_server  # the callback address the provider sends the browser to
        try:
            yield issuer
        finally:
            live_app.config.clear()
            live_app.config.update(saved)


@pytest.fixture
def page_here(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    context.route(OUTSIDE, lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def _choose_on_provider(page, issuer: str, sub: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(issuer) + "/oauth2/authorize"))
    page.get_by_role("button", name=sub).click()
    page.wait_for_load_state("load")


def _identities_of(live_app, email: str) -> list[str]:
    with live_app.app_context():
        found = list(db.session.scalars(sa.select(ExternalIdentity.subject).join(User, User.id == ExternalIdentity.user_id)
                                        .where(User.email == email)))
        db.session.remove()
    return found


def test_first_proconnect_login_links_the_account_then_the_identity_alone_logs_in(
        page_here, live_server, live_app, national_logins, check_page):
    page, issuer = page_here, national_logins
    camille = FICTIONAL_IDENTITIES[0].sub
    page.goto(f"{live_server}/login")
    check_page(page, "login-with-providers")
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    _choose_on_provider(page, issuer, camille)

    # First login: the identity is tied to nothing yet; the password of the account is asked first.
    expect(page).to_have_url(f"{live_server}/login/identity")
    expect(page.get_by_role("heading", name="Première connexion avec ProConnect")).to_be_visible()
    check_page(page, "first-login")
    page.get_by_label("Adresse électronique de votre compte Retex IA").fill("contributor@demo.retex-ia.test")
    page.get_by_label("Mot de passe de ce compte").fill("not-the-password")
    page.get_by_role("button", name="Lier et me connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect")
    check_page(page, "first-login-wrong-password")
    assert _identities_of(live_app, "contributor@demo.retex-ia.test") == []
    page.get_by_label("Mot de passe de ce compte").fill("demo-retex-ia")
    page.get_by_role("button", name="Lier et me connecter").click()
    expect(page.get_by_text("Votre identité ProConnect est liée à votre compte")).to_be_visible()
    check_page(page, "linked-and-logged-in")
    assert _identities_of(live_app, "contributor@demo.retex-ia.test") == [camille]
    page.goto(f"{live_server}/account")
    expect(page.get_by_text(re.compile("ProConnect, liée le"))).to_be_visible()
    check_page(page, "account-with-identity")

    # Logging out ends the provider's session too, then comes back to the platform.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(issuer) + "/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    check_page(page, "logged-out")

    # From now on the identity alone logs in.
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    _choose_on_provider(page, issuer, camille)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    check_page(page, "logged-in-by-identity")


def test_a_new_proconnect_identity_requests_an_account_for_the_establishment_of_its_siret(
        page_here, live_server, live_app, national_logins, check_page):
    page, issuer = page_here, national_logins
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Se connecter avec ProConnect").click()
    _choose_on_provider(page, issuer, SACHA.sub)
    expect(page).to_have_url(f"{live_server}/login/identity")
    expect(page.get_by_text("votre SIRET correspond à")).to_be_visible()
    expect(page.get_by_label("Nom et prénom")).to_have_value("Sacha Fictif")
    check_page(page, "new-identity")
    page.get_by_role("button", name="Demander un compte").click()
    expect(page.get_by_role("heading", name="Votre demande est envoyée")).to_be_visible()
    check_page(page, "account-requested")
    with live_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == SACHA.claims["email"]))
        assert (user.status, user.password_hash, user.establishment.siret) == ("pending", None,
                                                                               SACHA.claims["siret"])
        db.session.remove()
