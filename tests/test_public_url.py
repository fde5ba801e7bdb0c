"""Links that leave a request (mails, the API's answers) point to PUBLIC_URL, whatever Host header the request
carried; a request for a host the site does not serve is refused before anything runs."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import User
from app.services import notifications
from app.urls import public_url
from tests.factories import PASSWORD, make_establishment, make_report, make_user

FORGED = "evil.example"
REFUSED = "ce site ne répond pas sous cette adresse"


def links_in(messages) -> list[str]:
    return [link for message in messages for link in re.findall(r"https?://\S+", message.body)]


def registration(finess: str) -> dict:
    return {"full_name": "Camille Martin", "email": "camille.martin@hopital.test", "finess": finess,
            "password": PASSWORD, "confirm": PASSWORD}


@pytest.fixture
def any_host(app):
    """As if the host filter were off (TRUSTED_HOSTS=[] or a proxy passing any Host): the links must still not
    follow the Host header. Without SERVER_NAME, as in production (with it, Flask would build from it)."""
    app.config["TRUSTED_HOSTS"] = None
    app.config["SERVER_NAME"] = None
    return app


# A forged Host is refused -------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("GET", "/"), ("GET", "/login"), ("POST", "/password/forgot"),
                                              ("POST", "/register"), ("GET", "/healthz")])
def test_a_request_for_another_host_is_refused(client, no_csrf, method, path):
    response = client.open(path, method=method, headers={"Host": FORGED})
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert FORGED not in response.get_data(as_text=True)
    assert "Location" not in response.headers


def test_a_forged_host_gets_no_reset_mail_and_no_account(client, no_csrf, mailbox):
    user = make_user()
    establishment = make_establishment()
    make_user("admin")
    db.session.commit()
    assert client.post("/password/forgot", data={"email": user.email},
                       headers={"Host": FORGED}).status_code == 400
    assert client.post("/register", data=registration(establishment.finess),
                       headers={"Host": FORGED}).status_code == 400
    assert mailbox == []
    assert db.session.scalar(sa.select(User).where(User.email == "camille.martin@hopital.test")) is None


def test_the_test_client_and_the_local_addresses_are_served(app, client):
    assert client.get("/healthz").status_code == 200  # the test client's host: SERVER_NAME (retex.test)
    for host in ("localhost", "127.0.0.1:5000"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


# Mailed links ignore the Host header ---------------------------------------------------------------------

def test_the_reset_link_points_to_the_public_url(client, no_csrf, any_host, mailbox):
    user = make_user()
    db.session.commit()
    assert client.post("/password/forgot", data={"email": user.email}, headers={"Host": FORGED}).status_code == 302
    [link] = links_in(mailbox)
    assert link.startswith("http://retex.test/password/reset/")
    assert FORGED not in mailbox[0].body


def test_the_new_account_notices_point_to_the_public_url(client, no_csrf, any_host, mailbox):
    establishment = make_establishment()
    admin, referent = make_user("admin"), make_user("referent", establishment)
    db.session.commit()
    client.post("/register", data=registration(establishment.finess), headers={"Host": FORGED})
    links = {message.recipients[0]: links_in([message]) for message in mailbox}
    assert links == {admin.email: ["http://retex.test/admin/users?status=pending"],
                     referent.email: ["http://retex.test/team/"]}


def test_invitations_and_approvals_point_to_the_public_url(client, no_csrf, any_host, mailbox):
    referent = make_user("referent")
    pending = make_user("contributor", referent.establishment, status="pending")
    db.session.commit()
    client.post("/login", data={"email": referent.email, "password": PASSWORD}, headers={"Host": FORGED})
    client.post("/team/invite", data={"email": "dominique.roux@hopital.test"}, headers={"Host": FORGED})
    client.post(f"/team/{pending.id}/approve", headers={"Host": FORGED})
    [invitation, approval] = links_in(mailbox)
    assert invitation.startswith("http://retex.test/invitation/")
    assert approval == "http://retex.test/login"


def test_report_notices_point_to_the_public_url(app, mailbox):
    moderator = make_user("moderator")
    report = make_report(state="submitted")
    published = make_report(state="published", moderator=moderator)
    db.session.commit()
    with app.test_request_context("/", base_url=f"http://{FORGED}"):
        notifications.moderators_of_new_submission(report, report.working_revision)
        notifications.author_of_decision(published, published.published_revision)
        db.session.commit()
    assert [m.recipients[0] for m in mailbox] == [moderator.email, published.author.email]
    assert links_in(mailbox) == [f"http://retex.test/moderation/revisions/{report.working_revision.id}",
                                 f"http://retex.test/reports/{published.id}"]


def test_public_url_keeps_the_path_of_a_site_served_under_a_prefix(app):
    app.config["PUBLIC_URL"] = "https://intranet.example.org/retex/"
    assert public_url("auth.login") == "https://intranet.example.org/retex/login"
    assert public_url("admin.users", status="pending") == "https://intranet.example.org/retex/admin/users?status=pending"


# Production ---------------------------------------------------------------------------------------------

@pytest.fixture
def production(database_url):
    """production(**overrides): the production configuration on the test database, its connections closed and
    its rows removed afterwards."""
    from tests.conftest import empty_all_tables

    built = []

    def build(**overrides):
        app = create_app("production", {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url,
                                        "PUBLIC_URL": "https://retex.example.org", "WTF_CSRF_ENABLED": False,
                                        "MAIL_SUPPRESS_SEND": True, **overrides})
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_production_refuses_to_start_without_a_public_url(production):
    with pytest.raises(RuntimeError, match="refuses to start without: PUBLIC_URL"):
        production(PUBLIC_URL=None)
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be the site's absolute address"):
        production(PUBLIC_URL="retex.example.org")


def test_production_serves_only_the_public_host_and_the_extra_ones(production):
    app = production(EXTRA_TRUSTED_HOSTS=("retex.intranet.example",))
    assert app.config["TRUSTED_HOSTS"] == ["retex.example.org", "retex.intranet.example"]
    client = app.test_client()
    assert client.get("/healthz", base_url="https://retex.example.org").status_code == 200
    assert client.get("/healthz", base_url="https://retex.intranet.example").status_code == 200
    for host in (FORGED, "localhost", "retex.example.org.evil.example"):
        assert client.get("/healthz", base_url=f"https://{host}").status_code == 400, host
    with app.app_context(), app.extensions["mail"].record_messages() as outbox:
        user = make_user()
        db.session.commit()
        assert client.post("/password/forgot", data={"email": user.email},
                           base_url=f"https://{FORGED}").status_code == 400
        assert outbox == []
        assert client.post("/password/forgot", data={"email": user.email},
                           base_url="https://retex.intranet.example").status_code == 302
        [link] = links_in(outbox)
        assert link.startswith("https://retex.example.org/password/reset/")


def test_a_forwarded_host_is_checked_too(production):
    """Behind the reverse proxy (PROXY_COUNT), X-Forwarded-Host is the host the request names."""
    client = production(PROXY_COUNT=1).test_client()
    headers = {"X-Forwarded-Host": FORGED, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"}
    assert client.get("/healthz", base_url="http://retex.example.org", headers=headers).status_code == 400
    headers["X-Forwarded-Host"] = "retex.example.org"
    assert client.get("/healthz", base_url="http://127.0.0.1", headers=headers).status_code == 200


def test_development_keeps_the_local_addresses():
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}
