"""Values a database or a mail cannot hold (ids past a database integer, NaN and infinities, line breaks in a
name): a 404, a 400 or a French error next to the field, never a 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter, IntegerConverter

from app.extensions import db
from app.models import ReportFact, ReportRevision, User
from app.services import facts
from tests.factories import PASSWORD, make_establishment, make_report, make_solution, make_user, text

# 2**31: the first id PostgreSQL's INTEGER refuses; 10**25: past SQLite's 64-bit integers too.
HUGE = (2**31, 10**25)
ROLES = (None, "contributor", "referent", "moderator", "analyst", "admin", "ethics_reviewer")


@pytest.fixture
def readers(app, no_csrf):
    """A test client per role (None: a visitor), each logged in."""
    users = {role: make_user(role) for role in ROLES if role}
    db.session.commit()
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role:
            assert client.post("/login", data={"email": users[role].email, "password": PASSWORD}).status_code == 302
        clients[role] = client
    return clients


def _huge_id_urls(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every route with an integer, that integer too large for a database, in turn in
    each integer position; other parameters hold a value their converter accepts."""
    urls = []
    for rule in app.url_map.iter_rules():
        positions = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        for position in positions:
            for huge in HUGE:
                values = {}
                for name, converter in rule._converters.items():
                    if name == position:
                        values[name] = huge
                    elif isinstance(converter, IntegerConverter):
                        values[name] = 1
                    elif isinstance(converter, AnyConverter):
                        values[name] = sorted(converter.items)[0]
                    else:
                        values[name] = "x"
                _domain, path = rule.build(values, append_unknown=False)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    urls.append((rule.endpoint, method, path))
    return urls


def test_every_route_answers_404_to_an_id_past_a_database_integer(app, readers, capsys):
    urls = _huge_id_urls(app)
    assert len({endpoint for endpoint, _method, _path in urls}) >= 30  # the walk reaches the routes with ids
    wrong = []
    for _endpoint, method, path in urls:
        for role, client in readers.items():
            try:
                response = client.open(path, method=method)
            except Exception as error:  # noqa: BLE001  (app.testing lets a 500's exception through: note it)
                wrong.append((role, method, path, f"{error.__class__.__name__}: {str(error)[:200]}"))
                db.session.rollback()
                continue
            if response.status_code != 404:
                wrong.append((role, method, path, response.status_code))
            elif path.startswith("/api/") and response.get_json()["code"] != "not_found":
                wrong.append((role, method, path, response.get_data(as_text=True)[:200]))
    with capsys.disabled():
        print(f"\nhuge ids: {len(urls)} (route, method, id position, value) × {len(readers)} roles")
    assert not wrong, wrong


@pytest.mark.parametrize("query", ["solutions=99999999999999999999&solutions=1", "solutions=2147483648&solutions=1",
                                   "solutions=1&solutions=%C2%B2", "solutions=abc&solutions=1"])
def test_the_comparison_refuses_an_id_that_is_not_one(client, query):
    assert client.get(f"/statistics/compare?{query}").status_code == 400


def test_the_comparison_still_skips_empty_choices(client):
    first, second = make_solution(), make_solution()
    db.session.commit()
    response = client.get(f"/statistics/compare?solutions={first.id}&solutions=&solutions={second.id}&solutions=")
    assert response.status_code == 200
    assert first.name in text(response) and second.name in text(response)


@pytest.mark.parametrize("key", ["99999999999999999999", "2147483648", "²", "１２"])
def test_a_catalogue_key_that_names_no_solution_is_a_404(client, key):
    assert client.get(f"/catalogue/{key}").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_filter_is_checked_before_the_download_starts(readers, fmt):
    analyst = readers["analyst"]
    for value, status in (("2147483648", 400), ("99999999999999999999", 400), ("-1", 400), ("1e3", 400),
                          ("2147483647", 404)):
        response = analyst.get(f"/exports/reports.{fmt}?solution={value}")
        assert response.status_code == status, value
        # The error page whole, not a file cut short: the answer was decided before its first byte.
        assert response.mimetype == "text/html" and response.get_data(as_text=True).rstrip().endswith("</html>")


def test_a_quote_of_a_report_past_a_database_integer_changes_nothing(readers):
    from app.services import guides

    analyst = db.session.scalar(sa.select(User).where(User.role == "analyst"))
    guide = guides.create_guide(analyst, solution=make_solution())
    db.session.commit()
    response = readers["analyst"].post(f"/guides/manage/{guide.id}", data={"action": f"cite:{2**31}:advice"})
    assert response.status_code == 302
    db.session.expire_all()
    assert guide.draft.get("quotes", []) == []


# Decimals ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["NaN", "nan", "sNaN", "-sNaN", "inf", "Infinity", "-inf", "1e999999"])
def test_a_number_field_refuses_what_is_not_a_finite_number_and_keeps_the_draft_usable(client, auth, typed):
    author = make_user("contributor")
    report = make_report(author)
    db.session.commit()
    auth.login(author.email)
    url = f"/reports/{report.id}/step/3"
    response = client.post(url, data={**_step_3(), "time_saved_hours": typed, "nav": "next"})
    assert response.status_code == 200
    assert "Indiquez un nombre d'heures entre 0 et 1 000" in text(response)
    assert f'value="{typed}"' in response.get_data(as_text=True)  # what was typed is shown again
    db.session.expire_all()
    assert db.session.get(ReportRevision, report.working_revision_id).answers["time_saved_hours"] == typed
    # The draft as saved still opens, and the summary says which step to complete.
    reopened = client.get(url)
    assert reopened.status_code == 200 and f'value="{typed}"' in reopened.get_data(as_text=True)
    assert client.get(f"/reports/{report.id}/summary").status_code == 200
    assert client.get(f"/reports/{report.id}/continue").headers["Location"].endswith("/step/3")


def _step_3() -> dict:
    from tests.factories import COMPLETE_STEPS

    return dict(COMPLETE_STEPS[3])


def test_a_published_answer_stored_as_nan_is_read_as_no_number(client):
    report = make_report(state="published")
    revision = report.published_revision
    revision.answers = {**revision.answers, "time_saved_hours": "sNaN"}  # stored before the form refused it
    db.session.commit()
    facts.rebuild_facts()
    db.session.commit()
    assert db.session.scalar(sa.select(ReportFact.time_saved_hours).where(ReportFact.report_id == report.id)) is None
    assert client.get(f"/statistics/solutions/{report.solution_id}").status_code == 200


# Names ------------------------------------------------------------------------------------------------------

LINE_BREAKING_NAMES = ["Camille\r\nMartin", "Camille\nBcc: x@evil.test", "Camille\tMartin", "Camille\u2028Martin",
                       "Camille\x85Martin", "Camille\x1bMartin"]
NAME_ERROR = "Le nom ne peut pas contenir de retour à la ligne, de tabulation ni d'autre caractère de contrôle."


@pytest.mark.parametrize("name", LINE_BREAKING_NAMES)
def test_registration_refuses_a_name_with_control_characters_in_french(client, no_csrf, name):
    establishment = make_establishment()
    db.session.commit()
    response = client.post("/register", data={"full_name": name, "email": "camille@hopital.test",
                                              "finess": establishment.finess, "password": PASSWORD,
                                              "confirm": PASSWORD})
    assert response.status_code == 200
    assert NAME_ERROR in text(response)
    assert db.session.scalar(sa.select(User).where(User.email == "camille@hopital.test")) is None


@pytest.mark.parametrize("name", LINE_BREAKING_NAMES[:2])
def test_an_invitation_refuses_a_name_with_control_characters_in_french(client, no_csrf, name):
    from app.services import accounts

    referent = make_user("referent")
    db.session.commit()
    token = accounts.make_invitation_token("invitee@hopital.test", referent.establishment, referent)
    response = client.post(f"/invitation/{token}", data={"full_name": name, "password": PASSWORD,
                                                         "confirm": PASSWORD})
    assert response.status_code == 200
    assert NAME_ERROR in text(response)
    assert db.session.scalar(sa.select(User).where(User.email == "invitee@hopital.test")) is None


def test_a_referent_whose_stored_name_has_a_line_break_still_invites(client, auth, mailbox):
    referent = make_user("referent")
    referent.full_name = "Chef\r\nBcc: intrus@evil.test"  # stored before names were checked
    db.session.commit()
    auth.login(referent.email)
    for number in range(2):
        response = client.post("/team/invite", data={"email": f"collegue{number}@hopital.test"})
        assert response.status_code == 302
    assert [m.recipients for m in mailbox] == [["collegue0@hopital.test"], ["collegue1@hopital.test"]]
    for message in mailbox:
        assert "\r" not in message.subject and "\n" not in message.subject
        assert message.subject == "Retex IA : invitation de Chef  Bcc: intrus@evil.test"
        assert not message.bcc


def test_a_report_submitted_with_a_finite_number_is_accepted(client, auth):
    """The refusal above is of non-finite numbers only: 2,5 or 1e2 hours still pass."""
    author = make_user("contributor")
    report = make_report(author)
    db.session.commit()
    auth.login(author.email)
    response = client.post(f"/reports/{report.id}/step/3", data={**_step_3(), "time_saved_hours": "1e2",
                                                                "nav": "next"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/step/4")
