"""Logging in with ProConnect and Pro Santé Connect, end to end against a real OpenID provider running locally
(oidc-provider-mock in a thread, answering userinfo as a signed JWT as ProConnect does: app.demo.oidc_provider)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.demo.oidc_provider import User as ProviderUser
from app.demo.oidc_provider import provider_app, running_provider
from app.extensions import db
from app.models import AuditLog, EstablishmentRequest, ExternalIdentity, User
from app.services import finess_import
from tests.factories import PASSWORD, make_establishment, make_user, text

SIRET = "12345678900017"
CAMILLE = ProviderUser(sub="pc-camille", claims={"email": "camille@chu-test.test", "given_name": "Camille",
                                                  "usual_name": "Durand", "siret": SIRET})
DOMINIQUE = ProviderUser(sub="psc-dominique", claims={"SubjectNameID": "810012345678", "given_name": "Dominique",
                                                       "family_name": "Morel"})


@pytest.fixture(scope="module")
def provider():
    with running_provider(provider_app([CAMILLE, DOMINIQUE])) as running:
        yield running


@pytest.fixture
def issuer(app, provider):
    url, provider_flask_app = provider
    provider_flask_app.config.update(CODE_MAX_AGE=None, USERINFO_FORMAT="jwt", ANNOUNCED_ISSUER=None)
    app.config["WTF_CSRF_ENABLED"] = False  # (tests/test_csrf_everywhere.py checks the forms' tokens)
    for prefix in ("PROCONNECT", "PROSANTECONNECT"):
        app.config.update({f"{prefix}_ISSUER": url, f"{prefix}_CLIENT_ID": f"retex-{prefix.lower()}",
                           f"{prefix}_CLIENT_SECRET": "test-secret"})
    return url


def start(client, provider_name: str = "proconnect") -> str:
    response = client.get(f"/login/{provider_name}")
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def authorize(location: str, sub: str) -> str:
    """What the provider's login page does when the person logs in: the callback address, with its code."""
    answer = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def callback(client, url: str, **changes):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return client.get(parts.path, query_string=query)


def log_in_with(client, sub: str, provider_name: str = "proconnect", **changes):
    return callback(client, authorize(start(client, provider_name), sub), **changes)


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def link(user: User, sub: str, provider_name: str = "proconnect") -> None:
    db.session.add(ExternalIdentity(user_id=user.id, provider=provider_name, subject=sub))
    db.session.commit()


def test_the_login_page_offers_only_the_configured_providers(app, client):
    page = text(client.get("/login"))
    assert "Se connecter avec ProConnect" not in page and "Pro Santé Connect" not in page
    assert client.get("/login/proconnect").status_code == 404
    app.config.update(PROCONNECT_ISSUER="https://idp.example.test", PROCONNECT_CLIENT_ID="retex",
                      PROCONNECT_CLIENT_SECRET="secret")
    page = text(client.get("/login"))
    assert "Se connecter avec ProConnect" in page and "Se connecter avec Pro Santé Connect" not in page
    assert client.get("/login/prosanteconnect").status_code == 404
    app.config["PROCONNECT_CLIENT_SECRET"] = ""
    assert "Se connecter avec ProConnect" not in text(client.get("/login"))


def test_the_authorisation_request_has_long_state_and_nonce_and_no_other_parameter(issuer, client):
    location = start(client)
    assert location.startswith(issuer + "/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert set(query) == {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce"}
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["scope"] == ["openid email given_name usual_name siret"]
    assert query["redirect_uri"] == ["http://retex.test/login/proconnect/callback"]
    psc = parse_qs(urlsplit(start(client.application.test_client(), "prosanteconnect")).query)
    assert psc["scope"] == ["openid scope_all"] and psc["client_id"] == ["retex-prosanteconnect"]


def test_an_identity_tied_to_an_active_account_logs_it_in_through_the_code_flow(app, issuer, client):
    user = make_user("contributor", email="camille@chu-test.test")
    link(user, CAMILLE.sub)
    response = log_in_with(client, CAMILLE.sub)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in(client)
    identity = db.session.scalar(sa.select(ExternalIdentity))
    assert identity.last_login_at is not None


def test_userinfo_that_is_not_signed_by_the_provider_is_refused(app, issuer, client, provider):
    link(make_user("contributor"), CAMILLE.sub)
    for answer in ("json", "foreign"):
        provider[1].config["USERINFO_FORMAT"] = answer
        response = log_in_with(client, CAMILLE.sub)
        assert response.headers["Location"] == "/login"
        assert "n'a pas pu être vérifiée" in text(client.get("/login"))
        assert not logged_in(client)
    # Pro Santé Connect may answer plain JSON (over the TLS connection to it); a forged signature stays refused.
    link(make_user("contributor"), DOMINIQUE.sub, "prosanteconnect")
    provider[1].config["USERINFO_FORMAT"] = "json"
    assert log_in_with(client, DOMINIQUE.sub, "prosanteconnect").headers["Location"] == "/"


def test_a_wrong_state_is_refused(app, issuer, client):
    link(make_user("contributor"), CAMILLE.sub)
    response = log_in_with(client, CAMILLE.sub, state="x" * 43)
    assert response.headers["Location"] == "/login"
    assert "ne correspond à aucune demande de connexion" in text(client.get("/login"))
    assert not logged_in(client)
    refused = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "user.identity_login_refused"))
    assert refused.detail == {"provider": "proconnect", "reason": "state"}


def test_a_login_answer_played_again_with_an_old_session_cookie_is_refused(app, issuer):
    """The session cookie, copied before the callback, still holds the state and the nonce: the provider issues a
    new code for the same request, but the ID token's nonce has been spent."""
    link(make_user("contributor"), CAMILLE.sub)
    first = app.test_client()
    location = start(first)
    copied = first.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="retex.test").value
    assert callback(first, authorize(location, CAMILLE.sub)).headers["Location"] == "/"
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], copied, domain="retex.test")
    response = callback(attacker, authorize(location, CAMILLE.sub))
    assert response.headers["Location"] == "/login"
    assert "cette réponse a déjà servi" in text(attacker.get("/login"))
    assert not logged_in(attacker)


def test_an_expired_code_is_refused(app, issuer, client, provider):
    link(make_user("contributor"), CAMILLE.sub)
    provider[1].config["CODE_MAX_AGE"] = 0
    response = log_in_with(client, CAMILLE.sub)
    assert response.headers["Location"] == "/login"
    assert "l'autorisation a expiré ou a déjà servi" in text(client.get("/login"))
    assert not logged_in(client)


def test_an_answer_from_another_issuer_is_refused(app, issuer, client, provider):
    link(make_user("contributor"), CAMILLE.sub)
    response = log_in_with(client, CAMILLE.sub, iss="https://idp.attacker.test")
    assert response.headers["Location"] == "/login"
    assert "ne vient pas du fournisseur d'identité attendu" in text(client.get("/login"))
    assert not logged_in(client)
    # A discovery document that names another issuer than the one configured: nothing is asked of it.
    provider[1].config["ANNOUNCED_ISSUER"] = "https://idp.attacker.test"
    app.config["PROCONNECT_CLIENT_ID"] = "retex-other"  # a client of its own, which reads the discovery again
    response = client.get("/login/proconnect")
    assert response.headers["Location"] == "/login"
    assert "ne vient pas du fournisseur d'identité attendu" in text(client.get("/login"))


def test_a_provider_that_does_not_answer_leaves_the_password_login(app, client):
    app.config.update(PROCONNECT_ISSUER="http://localhost:9", PROCONNECT_CLIENT_ID="retex",
                      PROCONNECT_CLIENT_SECRET="secret", OIDC_HTTP_TIMEOUT=2)
    response = client.get("/login/proconnect")
    assert response.headers["Location"] == "/login"
    assert "ProConnect ne répond pas pour le moment" in text(client.get("/login"))


@pytest.mark.parametrize("status", ["disabled", "rejected", "pending"])
def test_an_account_that_is_not_active_is_not_logged_in(app, issuer, client, status):
    link(make_user("contributor", status=status), CAMILLE.sub)
    response = log_in_with(client, CAMILLE.sub)
    assert response.headers["Location"] == "/login"
    page = text(client.get("/login"))
    assert ("n'est pas actif" in page) if status != "pending" else ("attend la validation" in page)
    assert not logged_in(client)


def test_a_new_identity_is_asked_to_link_an_account_or_request_one(app, issuer, client):
    establishment = make_establishment(siret=SIRET)
    db.session.commit()
    response = log_in_with(client, CAMILLE.sub)
    assert response.headers["Location"] == "/login/identity"
    assert not logged_in(client)
    page = client.get("/login/identity")
    body = text(page)
    assert "Première connexion avec ProConnect" in body and "Camille Durand" in body
    assert f"votre SIRET correspond à « {establishment.name} »" in body
    html = page.get_data(as_text=True)
    assert f'value="{establishment.finess}"' in html and 'value="camille@chu-test.test"' in html


def test_linking_needs_the_password_of_the_account(app, issuer, client):
    user = make_user("contributor", email="camille@chu-test.test")
    db.session.commit()
    log_in_with(client, CAMILLE.sub)
    wrong = client.post("/login/identity/link", data={"link-email": user.email, "link-password": "not-the-one"})
    assert wrong.status_code == 400 and "Adresse électronique ou mot de passe incorrect" in text(wrong)
    assert db.session.scalar(sa.select(ExternalIdentity)) is None and not logged_in(client)
    right = client.post("/login/identity/link", data={"link-email": user.email, "link-password": PASSWORD})
    assert right.status_code == 302 and logged_in(client)
    identity = db.session.scalar(sa.select(ExternalIdentity))
    assert (identity.user_id, identity.provider, identity.subject) == (user.id, "proconnect", CAMILLE.sub)
    # From now on the identity alone logs in.
    other = app.test_client()
    assert log_in_with(other, CAMILLE.sub).headers["Location"] == "/" and logged_in(other)
    assert "ProConnect, liée le" in text(other.get("/account"))


def test_a_new_identity_requests_an_account_that_waits_for_the_referent(app, issuer, client):
    establishment = make_establishment(siret=SIRET)
    db.session.commit()
    log_in_with(client, CAMILLE.sub)
    response = client.post("/login/identity/request", data={
        "request-full_name": "Camille Durand", "request-email": "camille@chu-test.test",
        "request-finess": establishment.finess})
    assert response.headers["Location"] == "/register/done"
    user = db.session.scalar(sa.select(User).where(User.email == "camille@chu-test.test"))
    assert (user.status, user.establishment_id, user.password_hash) == ("pending", establishment.id, None)
    assert db.session.scalar(sa.select(ExternalIdentity.user_id)) == user.id
    # Until the referent approves, the identity does not log in.
    assert log_in_with(app.test_client(), CAMILLE.sub).headers["Location"] == "/login"


def test_a_new_identity_whose_establishment_is_unknown_requests_it_too(app, issuer, client):
    log_in_with(client, CAMILLE.sub)
    data = {"request-full_name": "Camille Durand", "request-email": "camille@chu-test.test",
            "request-finess": "750712184"}
    missing_name = client.post("/login/identity/request", data=data)
    assert missing_name.status_code == 400 and "indiquez son nom" in text(missing_name)
    assert 'value="Camille Durand"' in missing_name.get_data(as_text=True)  # nothing typed is lost
    response = client.post("/login/identity/request", data={**data, "request-establishment_name": "CH de l'Étoile"})
    assert response.headers["Location"] == "/register/done"
    request_ = db.session.scalar(sa.select(EstablishmentRequest))
    assert (request_.finess, request_.name, request_.requester.email) == ("750712184", "CH de l'Étoile",
                                                                          "camille@chu-test.test")


def test_pro_sante_connect_stores_the_rpps_number_shown_as_verified(app, issuer, client):
    user = make_user("contributor")
    link(user, DOMINIQUE.sub, "prosanteconnect")
    assert log_in_with(client, DOMINIQUE.sub, "prosanteconnect").headers["Location"] == "/"
    db.session.refresh(user)
    assert user.rpps == "10012345678"
    page = text(client.get("/account"))
    assert "10012345678" in page and "vérifié par Pro Santé Connect" in page
    # The referent who approves the establishment's accounts sees it too.
    referent = make_user("referent", user.establishment)
    db.session.commit()
    team = app.test_client()
    team.post("/login", data={"email": referent.email, "password": PASSWORD})
    assert "RPPS 10012345678, vérifié" in text(team.get("/team/"))


def test_logout_ends_the_provider_session_and_every_session_of_the_user(app, issuer, client):
    user = make_user("contributor")
    link(user, CAMILLE.sub)
    token = user.session_token
    log_in_with(client, CAMILLE.sub)
    # Browsers check the logout form's redirection to the provider against the page's form-action.
    assert client.get("/account").headers["Content-Security-Policy"].endswith(f"form-action 'self' {issuer}")
    response = client.post("/logout")
    location = response.headers["Location"]
    assert location.startswith(issuer + "/oauth2/end_session?")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["http://retex.test/logout/done"]
    assert query["id_token_hint"][0].count(".") == 2 and len(query["state"][0]) >= 32
    db.session.refresh(user)
    assert user.session_token != token and not logged_in(client)
    # A password login's logout stays on the site.
    password_client = app.test_client()
    password_client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert password_client.post("/logout").headers["Location"] == "/"


def test_the_finess_extract_gives_each_establishment_its_siret(app):
    line = ("structureet;750100000;750712184;CH DE L'ETOILE;CH DE L'ETOILE;;;1;R;DE LA PAIX;;;113;75;PARIS;"
            f"75013 PARIS;0102030405;;355;Centre Hospitalier;1101;Agr;{SIRET};8610Z;03;ARS;1;SPH;2001-01-01;"
            "2001-01-01;2024-01-01;")
    finess_import.import_finess_data(("finess;etalab;95;2024-11-01\n" + line).encode(), "extract.csv")
    from app.services.identities import establishment_for_siret

    assert establishment_for_siret(SIRET).finess == "750100000"
    assert establishment_for_siret("123") is None
