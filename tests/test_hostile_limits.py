"""Hostile input at the limits: oversize fields and bodies, bodies not in UTF-8, NUL in addresses, a tampered hidden key."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote_plus

import pytest
import sqlalchemy as sa

from app import questionnaire as q
from app.extensions import db
from app.models import Guide, Report, ReportRevision
from app.services import guides as guides_service
from app.services import reports as report_service
from tests.factories import (
    COMPLETE_STEPS,
    complete_answers,
    make_category,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    ESTABLISHMENT_TEXTS,
    FREE_TEXTS,
    PASSWORDS,
    REGISTRATION_TEXTS,
    SOLUTION_TEXTS,
    STEP_DATA,
    logged_in,
    post_form,
    print_surface,
    tally,
)
from tests.hostile_payloads import OVERSIZED
from tests.hostile_reading import assert_shown_as_text, check_page, french_error

# Oversize input, undecodable bodies, NUL outside forms --------------------------------------------------------

def test_oversize_input_gets_a_french_error_keeps_the_text_and_never_a_500(site, capsys):
    """100 kB in any field: the form comes back (200) with the field's error in French and what was typed."""
    surface = "oversize"
    author, moderator, admin, analyst = (make_user(role) for role in ("contributor", "moderator", "admin", "analyst"))
    draft, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    draft.working_revision.answers = complete_answers(stage="stopped", stop_reasons=["cost"])
    submitted = make_report(state="submitted")
    category = make_category()
    place = make_establishment()
    guide = guides_service.create_guide(analyst, solution=make_solution())
    db.session.commit()
    writing, moderation = logged_in(site, author), logged_in(site, moderator)
    administration, editing, visitor = logged_in(site, admin), logged_in(site, analyst), site.test_client()
    revision_id = submitted.working_revision_id
    sections = {}
    for position, section in enumerate(guide.draft["sections"]):
        sections.update({f"sections-{position}-key": section["key"], f"sections-{position}-narrative": "",
                         f"sections-{position}-visible": "y", f"sections-{position}-position": str(position)})
    solution = {"name": "Une solution", "vendor": "Un éditeur", "category_id": str(category.id),
                "short_description": "Une description.", "device_class": "unknown", "ai_act_risk": "unknown"}
    establishment = {"finess": "750000018", "name": "Un établissement", "type": "ch", "sector": "health",
                     "region": "11"}
    registration = {"full_name": "Une personne", "email": "personne@hopital.test", "finess": place.finess,
                    **PASSWORDS}
    forms = [  # (client, url, the other fields, the field, whether the form shows the value again)
        *[(writing, f"/reports/{draft.id}/step/{step}", {**STEP_DATA.get(step, COMPLETE_STEPS[step]), "nav": "next"},
           name, True)
          for step, names in {1: ("services", "volume", "start_date", "users_count"), 2: ("months_to_golive",),
                              3: ("time_saved_hours", "incidents_count"), 6: FREE_TEXTS[2:]}.items()
          for name in names],
        (moderation, f"/moderation/revisions/{revision_id}/request-changes", {}, "changes-message", True),
        (moderation, f"/moderation/revisions/{revision_id}/reject", {}, "reject-message", True),
        *[(administration, "/admin/solutions/new", solution, name, True) for name in (*SOLUTION_TEXTS, "website")],
        *[(administration, "/admin/establishments/new", establishment, name, True)
          for name in ("finess", *ESTABLISHMENT_TEXTS)],
        *[(visitor, "/register", registration, name, name != "password") for name in (*REGISTRATION_TEXTS, "password")],
        (editing, f"/guides/manage/{guide.id}", sections, "sections-0-narrative", True),
    ]
    for payload in OVERSIZED:
        for client, url, fields, name, shown_again in forms:
            response = post_form(client, url, {**fields, name: payload.text})
            page = check_page(surface, response, "form (refused)", [])
            french_error(page, name)
            assert_shown_as_text(response.get_data(as_text=True), page, payload.text, shown=shown_again)
            tally(surface, payload, name, "form (refused)")
    assert db.session.get(ReportRevision, revision_id).state == "submitted"
    draft_answers = db.session.get(ReportRevision, draft.working_revision_id).answers
    assert all(len(draft_answers[name]) <= q.MAX_RAW_SIZE for name in FREE_TEXTS)
    assert all(not entry["narrative"] for entry in db.session.get(Guide, guide.id).draft["sections"])

    # Search boxes: the query is cut, or refused in French by the API, never a 500.
    for payload in OVERSIZED:
        for client, url in ((visitor, "/catalogue"), (administration, "/admin/users"),
                            (administration, "/admin/establishments")):
            check_page(surface, client.get(f"{url}?q={quote_plus(payload.text)}"), "search", [])
            tally(surface, payload, "q", f"search {url}")
        response = visitor.get(f"/api/v1/solutions?q={quote_plus(payload.text)}")
        assert response.status_code == 400
        assert json.loads(response.get_data())["errors"]["q"] == ["Recherche limitée à 200 caractères."]
        tally(surface, payload, "q", "API search")
    print_surface(capsys, surface)


def test_a_body_beyond_the_size_limit_gets_a_french_page_and_changes_nothing(site):
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    db.session.commit()
    writing = logged_in(site, author)
    body = {**COMPLETE_STEPS[6], "advice": "a" * (site.config["MAX_CONTENT_LENGTH"] + 1), "nav": "save"}
    for client, url in ((writing, f"/reports/{report.id}/step/6"), (site.test_client(), "/register")):
        response = post_form(client, url, body)
        page = check_page("413", response, "page", [], status=413)
        assert "Envoi trop volumineux" in page.text and "raccourcissez" in page.text
    db.session.expire_all()
    assert db.session.get(ReportRevision, report.working_revision_id).answers["advice"] == COMPLETE_STEPS[6]["advice"]


def test_a_body_that_is_not_utf8_is_refused_in_french_and_erases_nothing(site):
    """A browser percent-encodes what it sends; raw Latin-1 bytes come from a broken client or proxy. Read as an
    empty form, they would save the questionnaire step as blank."""
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    db.session.commit()
    writing = logged_in(site, author)
    for client, url in ((writing, f"/reports/{report.id}/step/1"), (writing, f"/reports/{report.id}/step/1/autosave"),
                        (site.test_client(), "/register")):
        response = client.post(url, data=b"services=caf\xe9&full_name=H\xf4pital&nav=save",
                               content_type="application/x-www-form-urlencoded")
        page = check_page("undecodable", response, "page", [], status=400)
        assert "Requête invalide" in page.text
    db.session.expire_all()
    assert db.session.get(ReportRevision, report.working_revision_id).answers["services"] == \
        COMPLETE_STEPS[1]["services"]


@pytest.mark.parametrize("url", ["/catalogue/a%00b", "/guides/a%00b", "/catalogue?q=a%00b", "/api/v1/solutions?q=a%00b",
                                 "/api/v1/guides/a%00b", "/admin/users?q=a%00b", "/admin/establishments?q=a%00b",
                                 "/statistics/categories/a%00b", "/guides?category=a%00b"])
def test_nul_in_an_address_never_reaches_the_database(site, url):
    """PostgreSQL refuses NUL in text: it must never get to a query (a 500)."""
    admin = make_user("admin")
    db.session.commit()
    client = logged_in(site, admin) if url.startswith("/admin") else site.test_client()
    assert client.get(url).status_code in (200, 400, 404)


def test_a_tampered_creation_key_is_cut_to_its_column(site):
    """The new-report form's hidden key goes into a 64-character column, which PostgreSQL enforces."""
    author, solution = make_user("contributor"), make_solution()
    db.session.commit()
    response = logged_in(site, author).post("/reports/new", data={"solution_id": solution.id, "creation_key": "k" * 1000})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Report.creation_key)) == "k" * 64
