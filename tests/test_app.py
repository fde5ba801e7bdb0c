from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from app import create_app
from app import vocabulary as v
from app.extensions import db
from app.models import Category, Establishment, Solution, User
from app.services.finess import is_valid_finess
from tests.factories import make_user, text

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable():
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI":
                                    "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PUBLIC_URL"])
def test_production_refuses_to_start_without_its_settings(missing):
    settings = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "postgresql://db/retex",
                "PUBLIC_URL": "https://retex.example.org", missing: None}
    with pytest.raises(RuntimeError, match="refuses to start"):
        create_app("production", settings)


def test_production_uses_psycopg_and_secure_cookies():
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "https://retex.example.org",
                                    "SQLALCHEMY_DATABASE_URI": "postgres://u@db/retex"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/retex"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert not app.config["DEMO_BANNER"]


def test_demo_load_is_refused_in_production(database_url):
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "https://retex.example.org",
                                    "SQLALCHEMY_DATABASE_URI": database_url})
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "interdites en configuration de production" in result.output


def test_demo_load_creates_fictional_data_once_and_its_accounts_log_in(app, runner, client, no_csrf):
    """One load for both checks: loading the demonstration costs more than the rest of the file."""
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.retex-ia.test" in first.output
    counts = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    before = {model: counts(model) for model in (Category, Solution, Establishment, User)}
    assert before[Category] == 12
    assert 45 <= before[Solution] <= 60
    assert before[Establishment] == 200
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert {model: counts(model) for model in before} == before

    establishments = db.session.scalars(sa.select(Establishment)).all()
    assert {e.region for e in establishments} == set(v.REGIONS)
    assert {e.type for e in establishments} == set(v.ESTABLISHMENT_TYPES)
    assert all(is_valid_finess(e.finess) and e.is_fictional for e in establishments)
    assert all(v.region_for_finess(e.finess) == e.region for e in establishments)
    solutions = db.session.scalars(sa.select(Solution)).all()
    assert all(s.is_fictional and "(fictif)" in s.vendor for s in solutions)
    assert len({s.category_id for s in solutions}) == 12
    roles = Counter(u.role for u in db.session.scalars(sa.select(User).where(User.status == "active")))
    assert set(roles) == set(v.ROLES)

    # Every role's demonstration account logs in with the password the README gives.
    for role in v.ROLES:
        response = client.post("/login", data={"email": f"{role}@demo.retex-ia.test", "password": "demo-retex-ia"})
        assert response.status_code == 302, role
        client.post("/logout")


def test_every_page_says_the_data_are_fictional(client):
    assert "sont fictives" in text(client.get("/"))
    assert "sont fictives" in text(client.get("/page-qui-nexiste-pas"))


def test_error_pages_are_french_and_in_the_site_layout(client, auth):
    page = text(client.get("/page-qui-nexiste-pas"))
    assert "Page introuvable" in page and "Catalogue" in page
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Accès refusé" in text(response)
    assert client.get("/logout").status_code == 405


def test_internal_errors_show_a_french_page(database_url):
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Une erreur inattendue" in text(response)


def test_forms_without_csrf_token_are_refused(client):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text(response)


def test_english_is_selectable(client):
    client.application.config["WTF_CSRF_ENABLED"] = False
    client.post("/langue", data={"lang": "en", "next": "/catalogue"})
    page = text(client.get("/catalogue"))
    assert '<html lang="en">' in page
    assert "Catalogue of AI solutions" in page
    assert "Filter" in page


def test_language_switch_never_redirects_off_site(client, no_csrf):
    response = client.post("/langue", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_english_catalogue_is_complete(tmp_path):
    """Every string of the code and templates, extracted afresh, has its English translation."""
    import subprocess
    import sys

    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "--quiet", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--ignore-dirs", ".* .venv instance", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as source:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue
                  if m.id and not m.fuzzy and (m.string if isinstance(m.string, str) else all(m.string))}
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} strings without English (run make extract-messages): {missing[:5]}"


def test_french_catalogue_gives_both_forms_of_every_plural():
    with (ROOT / "translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    plurals = [m for m in catalogue if m.id and m.pluralizable]
    assert plurals
    assert all(all(m.string) for m in plurals), [m.id[0] for m in plurals if not all(m.string)]


def test_french_plurals_follow_french_rules(client):
    page = text(client.get("/catalogue?q=introuvable"))
    assert "0 solution trouvée" in page
