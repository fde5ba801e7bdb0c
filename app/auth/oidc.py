"""OpenID Connect with the national identities: ProConnect and Pro Santé Connect (authorisation code flow).

Authlib's Flask client does the flow; what the providers ask beyond it lives here:
- `state` and `nonce` of 43 characters (ProConnect refuses fewer than 32; Authlib's defaults are 20 and 30), and
  no query parameter that the provider does not know;
- the provider's discovery document must name the issuer configured, and so must the `iss` of the callback
  (RFC 9207) and of the ID token, whose signature, audience, expiry and nonce Authlib checks;
- userinfo comes back as a signed JWT (`application/jwt`), verified against the provider's JWKS with joserfc
  (Authlib's `userinfo()` would read it as JSON); Pro Santé Connect may answer plain JSON.

A provider is offered only when its issuer URL, client id and secret are all configured. Its client is built on
first use from the configuration, and kept for the application while that configuration stays the same.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app, redirect, request
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from app.services.finess import normalise_siret

TOKEN_LENGTH = 32  # bytes of randomness: 43 characters once encoded
# In the session of a login made through a provider: the provider and the ID token, for its logout.
SESSION_KEY = "oidc_session"


@dataclass(frozen=True)
class Provider:
    name: str  # in the routes and the database
    label: object  # shown on the login page (lazy translation)
    config_prefix: str  # PROCONNECT_ISSUER, PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET
    scope: str
    token_auth_method: str
    userinfo_may_be_json: bool


PROVIDERS = {
    "proconnect": Provider("proconnect", _l("ProConnect"), "PROCONNECT",
                           "openid email given_name usual_name siret", "client_secret_post", False),
    "prosanteconnect": Provider("prosanteconnect", _l("Pro Santé Connect"), "PROSANTECONNECT",
                                "openid scope_all", "client_secret_basic", True),
}


class OidcError(Exception):
    """The login with a provider failed; `reason` says why, for the message and the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """What a provider vouched for, as the application keeps it between the callback and the account's choice."""

    provider: str
    subject: str
    email: str | None = None
    given_name: str = ""
    family_name: str = ""
    siret: str | None = None
    rpps: str | None = None
    id_token: str = ""  # the hint for the provider's logout

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Identity | None:
        if not isinstance(data, dict) or not data.get("provider") or not data.get("subject"):
            return None
        fields = {key: data.get(key) for key in cls.__dataclass_fields__ if data.get(key) is not None}
        return cls(**fields)


def _settings(provider: Provider) -> tuple[str, str, str] | None:
    config = current_app.config
    issuer = (config.get(f"{provider.config_prefix}_ISSUER") or "").strip().rstrip("/")
    client_id = (config.get(f"{provider.config_prefix}_CLIENT_ID") or "").strip()
    secret = (config.get(f"{provider.config_prefix}_CLIENT_SECRET") or "").strip()
    if not (issuer and client_id and secret):
        return None
    return issuer, client_id, secret


def configured_providers() -> list[Provider]:
    """The providers offered on the login page, in the order shown."""
    return [provider for provider in PROVIDERS.values() if _settings(provider) is not None]


def configured_provider(name: str) -> Provider | None:
    provider = PROVIDERS.get(name)
    return provider if provider is not None and _settings(provider) is not None else None


def _client(provider: Provider) -> tuple[FlaskOAuth2App, str]:
    settings = _settings(provider)
    if settings is None:
        raise OidcError("not_configured")
    issuer, client_id, secret = settings
    clients = current_app.extensions.setdefault("retex_oidc_clients", {})
    key = (provider.name, *settings)
    if key not in clients:
        clients[key] = FlaskOAuth2App(
            FlaskIntegration(provider.name), name=provider.name, client_id=client_id, client_secret=secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": provider.scope, "token_endpoint_auth_method": provider.token_auth_method,
                           "default_timeout": current_app.config.get("OIDC_HTTP_TIMEOUT", 10)})
    return clients[key], issuer


def _metadata(client: FlaskOAuth2App, issuer: str) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        client.server_metadata.clear()  # asked again next time
        raise OidcError("unreachable") from error
    if (metadata.get("issuer") or "").rstrip("/") != issuer:
        # A discovery document must name the issuer it was fetched from (OpenID Connect Discovery, 4.3).
        client.server_metadata.clear()
        raise OidcError("unknown_issuer")
    return metadata


def authorize_redirect(provider: Provider, redirect_uri: str):
    """The redirection to the provider's login page; state and nonce are kept in the session by Authlib."""
    client, issuer = _client(provider)
    _metadata(client, issuer)
    return client.authorize_redirect(redirect_uri, state=secrets.token_urlsafe(TOKEN_LENGTH),
                                     nonce=secrets.token_urlsafe(TOKEN_LENGTH))


def complete_login(provider: Provider) -> tuple[Identity, str]:
    """Check the provider's answer on the callback and fetch who logged in; returns the identity and the nonce
    of its ID token (for the caller to refuse one seen before). Raises OidcError."""
    client, issuer = _client(provider)
    metadata = _metadata(client, issuer)
    callback_issuer = request.args.get("iss")
    if callback_issuer is not None and callback_issuer.rstrip("/") != issuer:
        raise OidcError("unknown_issuer")
    try:
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "nonce": {"essential": True}})
    except MismatchingStateError as error:
        raise OidcError("state") from error
    except OAuthError as error:
        raise OidcError("code" if error.error == "invalid_grant" else "refused") from error
    except (AuthlibBaseError, JoseError, ValueError) as error:
        raise OidcError("token") from error
    except requests.RequestException as error:
        raise OidcError("unreachable") from error
    id_claims = token.get("userinfo")
    if not id_claims or not id_claims.get("sub") or not id_claims.get("nonce"):
        raise OidcError("token")
    claims = _userinfo(client, provider, metadata, token, str(id_claims["sub"]))
    return _identity(provider, claims, token.get("id_token", "")), str(id_claims["nonce"])


def _userinfo(client: FlaskOAuth2App, provider: Provider, metadata: dict, token: dict, subject: str) -> dict:
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        raise OidcError("userinfo")
    try:
        response = client.get(endpoint, token=token)
        response.raise_for_status()
    except (requests.RequestException, AuthlibBaseError) as error:
        raise OidcError("unreachable") from error
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type == "application/jwt":
        claims = _verified_jwt(client, metadata, response.text.strip())
    elif media_type == "application/json" and provider.userinfo_may_be_json:
        try:
            claims = response.json()
        except ValueError as error:
            raise OidcError("userinfo") from error
    else:
        raise OidcError("userinfo")
    if not isinstance(claims, dict) or str(claims.get("sub")) != subject:
        raise OidcError("userinfo")
    return claims


def _verified_jwt(client: FlaskOAuth2App, metadata: dict, value: str) -> dict:
    algorithms = (metadata.get("userinfo_signing_alg_values_supported")
                  or metadata.get("id_token_signing_alg_values_supported") or ["RS256", "ES256"])
    try:
        try:
            decoded = jwt.decode(value, KeySet.import_key_set(client.fetch_jwk_set()), algorithms=algorithms)
        except InvalidKeyIdError:
            # The provider has rolled its keys since they were fetched.
            decoded = jwt.decode(value, KeySet.import_key_set(client.fetch_jwk_set(force=True)),
                                 algorithms=algorithms)
    except (JoseError, ValueError, requests.RequestException) as error:
        raise OidcError("userinfo") from error
    claims = decoded.claims
    if claims.get("iss") is not None and str(claims["iss"]).rstrip("/") != metadata["issuer"].rstrip("/"):
        raise OidcError("userinfo")
    audience = claims.get("aud")
    if audience is not None and client.client_id not in (audience if isinstance(audience, list) else [audience]):
        raise OidcError("userinfo")
    return claims


def _text(claims: dict, key: str, limit: int) -> str:
    value = claims.get(key)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def rpps_from_subject_name_id(value: object) -> str | None:
    """Pro Santé Connect's SubjectNameID: the national identifier, '8' followed by the 11-digit RPPS number."""
    if not isinstance(value, str):
        return None
    number = value.strip()
    if len(number) == 12 and number.startswith("8") and number.isdigit():
        return number[1:]
    return number[:16] if number.isalnum() else None


def _identity(provider: Provider, claims: dict, id_token: str) -> Identity:
    email = _text(claims, "email", 254).lower() or None
    if provider.name == "proconnect":
        return Identity(provider.name, str(claims["sub"])[:255], email, _text(claims, "given_name", 80),
                        _text(claims, "usual_name", 80), normalise_siret(_text(claims, "siret", 20)),
                        None, id_token)
    return Identity(provider.name, str(claims["sub"])[:255], email, _text(claims, "given_name", 80),
                    _text(claims, "family_name", 80), None, rpps_from_subject_name_id(claims.get("SubjectNameID")),
                    id_token)


def logout_redirect(provider_name: str, id_token: str, post_logout_redirect_uri: str):
    """The redirection that ends the provider's session too (RP-initiated logout), or None when the provider is
    no longer configured, does not answer or has no end_session_endpoint."""
    provider = configured_provider(provider_name)
    if provider is None or not id_token:
        return None
    try:
        client, issuer = _client(provider)
        metadata = _metadata(client, issuer)
        if not metadata.get("end_session_endpoint"):
            return None
        url = client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
                                       state=secrets.token_urlsafe(TOKEN_LENGTH))["url"]
    except (OidcError, RuntimeError):
        return None
    return redirect(url)
