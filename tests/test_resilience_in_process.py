"""Resilience in the app's own process: an unreachable database answers a French 503, a creation sent twice makes one."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app import create_app
from tests.factories import text
from tests.resilience_helpers import UNAVAILABLE

pytestmark = pytest.mark.resilience


# Where nothing answers: a closed PostgreSQL port, an SQLite file in a folder that does not exist.
UNREACHABLE_DATABASES = pytest.mark.parametrize(
    "url", ["postgresql+psycopg://retex@127.0.0.1:1/retex?connect_timeout=2", "sqlite:////nonexistent-folder/retex.db"],
    ids=["postgresql-port-closed", "sqlite-missing-folder"])


@UNREACHABLE_DATABASES
def test_an_unreachable_database_answers_a_french_503_page(url):
    """The pool pointed where nothing answers: every page a clear 503 in French (English when asked)."""
    # The test client asks for "localhost": the platform's public address here.
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "http://localhost",
                                    "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    for path in ("/", "/catalogue"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert UNAVAILABLE in text(response) and response.headers["Retry-After"]
    api = client.get("/api/v1/solutions")
    assert api.status_code == 503 and api.get_json()["code"] == "service_unavailable"
    english = client.get("/catalogue", headers={"Accept-Language": "en"})
    assert english.status_code == 503 and "Service temporarily unavailable" in text(english)


@UNREACHABLE_DATABASES
def test_error_pages_of_a_logged_in_user_never_fail_while_the_database_is_away(url):
    """The error page needs the user (navigation): unreachable, it is shown as to a visitor, never as a 500."""
    # The test client asks for "localhost": the platform's public address here.
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "http://localhost",
                                    "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"1:token:{int(time.time())}"
        session["_fresh"] = True
        session["_seen_at"] = int(time.time())
    # An unknown static file never needs the user; the other requests check the login first (503).
    pages = {("GET", "/static/missing.css"): 404,
             ("GET", "/no-such-page"): 503, ("POST", "/no-such-page"): 503}
    for (method, path), expected in pages.items():
        response = client.open(path, method=method)
        assert response.status_code == expected, (method, path)
        assert _french_error_title(expected) in text(response), (method, path)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 503 and api.get_json()["code"] == "service_unavailable"


def _french_error_title(code: int) -> str:
    return {404: "Page introuvable", 503: UNAVAILABLE}[code]


def test_a_creation_sent_twice_at_once_leads_both_to_the_first_draft(client, auth, monkeypatch):
    from app.extensions import db
    from app.models import Report
    from app.services import reports as service
    from tests.factories import make_solution, make_user

    user, solution = make_user("contributor"), make_solution()
    db.session.commit()
    auth.login(user.email)
    form = {"solution_id": solution.id, "creation_key": "sent-twice"}
    first = client.post("/reports/new", data=form)
    looked_up = service.find_created_report
    calls = []

    def before_the_first_commit(key):
        calls.append(key)
        return None if len(calls) == 1 else looked_up(key)

    monkeypatch.setattr(service, "find_created_report", before_the_first_commit)
    second = client.post("/reports/new", data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(calls) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
