"""A local OpenID provider, for `make run` and the tests: the `oidc-provider-mock` package, made to answer as the
national providers do, with fictional identities.

- userinfo comes back as ProConnect sends it: a JWT (`application/jwt`) signed with the provider's key, carrying
  every claim of the identity (the mock itself answers JSON and filters claims by standard scopes);
- authorisation codes can be made to expire (`CODE_MAX_AGE` in its configuration, seconds): the mock's never do;
- a nonce is required, as ProConnect requires it.

Nothing here is used in production: the package is a development and test dependency.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import flask
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.demo.loader import DEMO_SIRET

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the package still imports Authlib's older modules, which warn about it
    import oidc_provider_mock
    from oidc_provider_mock._storage import User, storage

# Fictional people, offered in one click on the provider's login page.
FICTIONAL_IDENTITIES = (
    User(sub="demo-proconnect-camille", claims={
        "email": "camille.fictive@agents.retex-ia.test", "given_name": "Camille", "usual_name": "Fictive",
        "siret": DEMO_SIRET, "uid": "demo-camille"}),
    User(sub="demo-psc-dominique", claims={
        "SubjectNameID": "810000000001", "given_name": "Dominique", "family_name": "Exemple",
        "email": "dominique.exemple@sante.retex-ia.test"}),
)


def provider_app(identities: Sequence[User] = FICTIONAL_IDENTITIES) -> flask.Flask:
    app = oidc_provider_mock.app(require_nonce=True, user_claims=identities)
    app.config["CODE_MAX_AGE"] = None
    # "jwt": signed with the provider's key, as ProConnect answers; "json": the mock's own answer; "foreign": signed
    # with a key the provider does not publish (the tests' forgery).
    app.config["USERINFO_FORMAT"] = "jwt"
    # An issuer its discovery document names instead of its own address (the tests' impostor).
    app.config["ANNOUNCED_ISSUER"] = None
    issued: dict[str, float] = {}

    @app.before_request
    def expire_codes():
        if flask.request.path != "/oauth2/token" or app.config["CODE_MAX_AGE"] is None:
            return
        code = flask.request.form.get("code", "")
        if code in issued and time.monotonic() - issued[code] > app.config["CODE_MAX_AGE"]:
            storage.remove_authorization_code(code)

    @app.after_request
    def answer_as_national_providers(response: flask.Response) -> flask.Response:
        path = flask.request.path
        if path == "/oauth2/authorize" and response.status_code in (302, 303):
            for code in parse_qs(urlsplit(response.headers.get("Location", "")).query).get("code", []):
                issued[code] = time.monotonic()
        if path == "/.well-known/openid-configuration" and app.config["ANNOUNCED_ISSUER"]:
            document = response.get_json()
            return flask.jsonify({**document, "issuer": app.config["ANNOUNCED_ISSUER"]})
        if (path == "/userinfo" and response.status_code == 200 and response.is_json
                and app.config["USERINFO_FORMAT"] != "json"):
            answered = response.get_json()
            user = storage.get_user(str(answered.get("sub")))
            claims = {**(user.claims if user else {}), **answered, "iss": flask.request.host_url.rstrip("/")}
            key = (RSAKey.import_key(storage.jwk.as_dict(is_private=True)) if app.config["USERINFO_FORMAT"] == "jwt"
                   else RSAKey.generate_key(2048))
            header = {"alg": "RS256", **({"kid": key.kid} if key.kid else {})}
            return app.response_class(jwt.encode(header, claims, key), mimetype="application/jwt")
        return response

    return app


@contextmanager
def running_provider(app: flask.Flask | None = None, port: int = 0) -> Iterator[tuple[str, flask.Flask]]:
    """Serve the provider on localhost in a thread; yields its issuer URL and its application."""
    app = app or provider_app()
    server = werkzeug.serving.make_server("localhost", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


def serve(port: int) -> None:
    """Serve the provider in the foreground (the command `flask demo oidc-provider`)."""
    werkzeug.serving.make_server("localhost", port, provider_app(), threaded=True).serve_forever()
