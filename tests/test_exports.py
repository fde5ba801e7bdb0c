"""Analysts' exports: pseudonymised, neutralised against formulas, flagged text masked, streamed in batches."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.extensions import db
from app.models import Report
from app.services import export_writers, exports, scorecard_export
from tests.factories import (
    PASSWORD,
    complete_answers,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)
from tests.test_query_counts import count_queries

BOM = "\ufeff"


def login(client, role: str) -> None:
    user = make_user(role)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def csv_rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):], newline=""), delimiter=";"))


@pytest.fixture
def analyst(client, no_csrf):
    login(client, "analyst")
    return client


@pytest.fixture
def published(app):
    """One published report, with a known establishment, author and solution."""
    establishment = make_establishment(name="Clinique Très Secrète", city="Villefranche-sur-Saône", type="clinic",
                                       size_class="50_199", region="84", sector="health")
    author = make_user("contributor", establishment, email="dr.auteur@clinique-secrete.test")
    solution = make_solution(name="Radiolys", vendor="Nordalune")
    report = make_report(author, solution, state="published")
    db.session.commit()
    return report


def test_csv_is_excel_ready_with_one_row_per_published_report(analyst, published):
    response = analyst.get("/exports/reports.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=retex-ia-reports-")
    assert response.headers["Content-Disposition"].endswith(f"{exports.local_today().isoformat()}.csv")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    assert b"\r\n" in raw
    header = raw.decode("utf-8-sig").split("\r\n", 1)[0].split(";")
    assert header[:4] == ["report_id", "revision", "published_on", "first_published_on"]
    assert {"services", "integrated_systems", "advice", "sus_10", "sus_score", "nps_rating"} <= set(header)

    [row] = csv_rows(response)
    assert row["report_id"] == str(published.id)
    assert row["revision"] == "1"
    assert row["solution_name"] == "Radiolys"
    assert row["solution_vendor"] == "Nordalune"
    assert row["establishment_type"] == "clinic"
    assert row["establishment_size_class"] == "50_199"
    assert row["establishment_region"] == "84"
    assert row["establishment_sector"] == "health"
    assert row["stage"] == "production"
    assert row["integrated_systems"] == "pacs|ris"
    assert row["advice"] == "Prévoir du temps pour la formation des manipulateurs."
    assert row["sus_score"] == "85,0"  # decimal comma, for French spreadsheets
    assert row["nps_rating"] == "9"
    assert row["follow_up_of"] == ""
    assert row["published_on"] == exports.local_today().isoformat()


def test_no_export_names_the_establishment_or_the_author(analyst, published):
    establishment = published.establishment
    secrets = [establishment.name, establishment.finess, establishment.city, published.author.email,
               published.author.full_name]
    for url in ("/exports/reports.csv", "/exports/reports.json", "/exports/aggregates.csv",
                "/exports/aggregates.json", f"/exports/reports.csv?solution={published.solution_id}"):
        body = analyst.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, f"{secret!r} in {url}"


@pytest.mark.parametrize("advice", ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
                                    "\t=1+1"])
def test_formulas_come_out_as_text_in_csv(analyst, advice):
    make_report(state="published", answers=complete_answers(advice=advice, success_factors=advice))
    db.session.commit()
    [row] = csv_rows(analyst.get("/exports/reports.csv"))
    assert row["advice"] == "'" + advice
    assert row["success_factors"] == "'" + advice
    # JSON is not opened by spreadsheets: the text stays as written.
    [item] = analyst.get("/exports/reports.json").get_json()
    assert item["advice"] == advice


# What a spreadsheet skips before reading a formula, and the full-width signs it reads as the ASCII ones.
INVISIBLE_LEADS = {"space": " ", "no-break space": "\u00a0", "zero-width space": "\u200b", "byte order mark": "\ufeff",
                   "ideographic space": "\u3000", "vertical tab": "\x0b", "form feed": "\x0c",
                   "two of them": "\u200b\u00a0"}
FULL_WIDTH_SIGNS = {"＝": "=", "＋": "+", "－": "-", "＠": "@", "％": "%"}
FORMULA_CELLS = [
    *[lead + sign + "1+1" for lead in INVISIBLE_LEADS.values() for sign in "=+-@%"],
    *[sign + "1+1" for sign in FULL_WIDTH_SIGNS],
    *[lead + sign + "1+1" for lead in INVISIBLE_LEADS.values() for sign in FULL_WIDTH_SIGNS],
    "%1", "\n=1+1", "\r\n=1+1", "\t=1+1", "=1+1", "-2+3", "+33 1", "@SUM(1)",
]
HARMLESS_CELLS = ["1+1", " 50 %", "\u00a0Bonjour", "\u200bcafé", "＄100", "Rappeler le 06 12 34 56 78", "'=déjà", ""]


@pytest.mark.parametrize("cell", FORMULA_CELLS)
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe(cell):
    assert export_writers.csv_cell(cell) == "'" + cell
    assert export_writers.csv_cell([cell, "b"]) == "'" + cell + "|b"


@pytest.mark.parametrize("cell", HARMLESS_CELLS)
def test_a_cell_that_starts_no_formula_is_left_as_written(cell):
    assert export_writers.csv_cell(cell) == cell


@pytest.mark.parametrize("advice", ["\u00a0=HYPERLINK(\"http://evil\",\"x\")", "\u200b+cmd|' /C calc'!A0",
                                    "\ufeff@SUM(1)", "\u3000-2+3", "＝1+1", "\x0b％1", "\n=1+1"])
def test_formulas_behind_invisible_characters_come_out_as_text_in_every_csv(analyst, advice):
    make_report(state="published", solution=make_solution(name=advice.strip() + " Radiolys"),
                answers=complete_answers(advice=advice, success_factors=advice))
    db.session.commit()
    stored = analyst.get("/exports/reports.csv")  # from the cells stored at publication
    per_row = "".join(export_writers.csv_text(exports.report_columns(), exports.published_report_rows()))
    assert stored.get_data(as_text=True) == per_row
    [row] = csv_rows(stored)
    assert row["advice"] == "'" + advice and row["success_factors"] == "'" + advice
    [aggregate] = csv_rows(analyst.get("/exports/aggregates.csv"))
    assert aggregate["solution_name"].startswith("'")
    [item] = analyst.get("/exports/reports.json").get_json()
    assert item["advice"] == advice


def test_numbers_computed_by_the_application_stay_numbers():
    assert export_writers.csv_cell(-12.5) == "-12,5"
    assert export_writers.csv_cell(-3) == -3
    assert export_writers.csv_cell(True) == 1
    assert export_writers.csv_cell(None) == ""
    assert export_writers.csv_cell("-3") == "'-3"
    assert export_writers.csv_cell(["=a", "b"]) == "'=a|b"


def test_a_span_flagged_after_publication_never_leaves_raw(analyst, published):
    from app.services.report_privacy import rescan_all

    revision = published.published_revision
    revision.answers = {**revision.answers, "advice": "Appeler le Dr Lemoine au 06 12 34 56 78 pour en parler."}
    rescan_all()
    db.session.commit()
    assert any(flag.status == "open" for flag in revision.flags)

    [row] = csv_rows(analyst.get("/exports/reports.csv"))
    [item] = analyst.get("/exports/reports.json").get_json()
    for value in (row["advice"], item["advice"]):
        assert "06 12 34 56 78" not in value
        assert value.startswith("Appeler le ")
    for body in (analyst.get("/exports/reports.csv").get_data(as_text=True),
                 analyst.get("/exports/reports.json").get_data(as_text=True)):
        assert "06 12 34 56 78" not in body


def test_json_has_the_same_rows_as_csv(analyst, published):
    make_report(state="published", answers=complete_answers(stage="stopped", stop_reasons=["cost", "vendor"],
                                                            stop_reasons_text="Trop cher pour nous."))
    db.session.commit()
    csv_body = csv_rows(analyst.get("/exports/reports.csv"))
    response = analyst.get("/exports/reports.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].endswith(".json")
    items = json.loads(response.get_data(as_text=True))
    assert [item["report_id"] for item in items] == [int(row["report_id"]) for row in csv_body]
    assert list(items[0]) == list(csv_body[0])
    for item, row in zip(items, csv_body, strict=True):
        for name, value in item.items():
            expected = export_writers.csv_cell(value)
            assert row[name] == str(expected), name
    stopped = items[1]
    assert stopped["stop_reasons"] == ["cost", "vendor"]
    assert stopped["stop_reasons_text"] == "Trop cher pour nous."
    assert isinstance(stopped["sus_score"], float)


def test_questions_that_do_not_apply_are_left_empty(analyst):
    # Typed while the stage was "stopped", then the stage changed: not shown, not scanned, not exported.
    make_report(state="published", answers=complete_answers(stage="production", stop_reasons=["cost"],
                                                            stop_reasons_text="Le Dr Martin a tout arrêté."))
    db.session.commit()
    [item] = analyst.get("/exports/reports.json").get_json()
    assert item["stop_reasons"] == []
    assert item["stop_reasons_text"] is None
    assert "Martin" not in analyst.get("/exports/reports.csv").get_data(as_text=True)


def test_only_published_reports_are_exported(analyst, published):
    author = make_user("contributor")
    for state in ("draft", "submitted", "changes_requested", "rejected"):
        make_report(author, published.solution, state=state)
    withdrawn = make_report(author, published.solution, state="published")
    from app.services import reports as service

    service.withdraw(withdrawn, author)
    db.session.commit()
    assert db.session.get(Report, withdrawn.id).status == "withdrawn"

    assert [row["report_id"] for row in csv_rows(analyst.get("/exports/reports.csv"))] == [str(published.id)]
    assert [item["report_id"] for item in analyst.get("/exports/reports.json").get_json()] == [published.id]


def test_follow_up_names_the_earlier_published_report(analyst, published):
    follow_up = make_report(published.author, published.solution, state="published")
    follow_up.previous_report_id = published.id
    db.session.commit()
    items = analyst.get("/exports/reports.json").get_json()
    assert {item["report_id"]: item["follow_up_of"] for item in items} == {published.id: None,
                                                                            follow_up.id: published.id}


def test_reports_of_one_solution(analyst, published):
    other = make_report(state="published")
    db.session.commit()
    response = analyst.get(f"/exports/reports.csv?solution={other.solution_id}")
    assert [row["report_id"] for row in csv_rows(response)] == [str(other.id)]
    assert f"reports-solution-{other.solution_id}-" in response.headers["Content-Disposition"]
    assert analyst.get("/exports/reports.csv?solution=abc").status_code == 400


def test_aggregates_one_row_per_catalogue_solution_with_low_n(analyst, app):
    app.config["MIN_ESTABLISHMENTS"] = 3
    moderator = make_user("moderator")
    popular, rare, unused = make_solution(), make_solution(), make_solution()
    make_solution(archived=True)
    for _ in range(3):
        make_report(make_user("contributor"), popular, "published", moderator=moderator)
    make_report(make_user("contributor"), rare, "published", moderator=moderator)
    db.session.commit()

    response = analyst.get("/exports/aggregates.csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=retex-ia-aggregates-")
    rows = {int(row["solution_id"]): row for row in csv_rows(response)}
    assert set(rows) == {popular.id, rare.id, unused.id}
    assert rows[popular.id]["establishments"] == "3"
    assert rows[popular.id]["low_n"] == "0"
    assert rows[rare.id]["low_n"] == "1"
    assert rows[unused.id]["low_n"] == "1"
    # Analysts see every cell, even those resting on a single establishment.
    assert rows[rare.id]["rating_usefulness_mean"] == "4,0"
    assert rows[rare.id]["sus_mean"] == "85,0"
    assert rows[popular.id]["rating_usefulness_n"] == "3"
    assert rows[popular.id]["time_saved_per_user_week_median"] == "2,5"
    # Every cell carries its own small-n flag: a figure on 3 is not small, one of its stages on 3 of 3 neither,
    # the empty stages are, and so is every cell of the solution with one establishment.
    assert rows[popular.id]["rating_usefulness_low_n"] == "0" and rows[popular.id]["stage_production_low_n"] == "0"
    assert rows[popular.id]["stage_pilot_low_n"] == "1"
    assert rows[rare.id]["sus_low_n"] == rows[rare.id]["choose_again_low_n"] == "1"
    assert rows[rare.id]["time_saved_per_user_week_low_n"] == "1"

    items = {item["solution_id"]: item for item in analyst.get("/exports/aggregates.json").get_json()}
    assert set(items) == set(rows)
    assert items[rare.id]["low_n"] is True
    assert items[rare.id]["nps_score"] == 100.0
    assert list(items[popular.id]) == scorecard_export.aggregate_columns()


def test_aggregate_columns_are_the_flattened_scorecard(app):
    from app.services import stats

    solution = make_solution()
    card = stats.compute_scorecard(solution.id)
    columns = scorecard_export.aggregate_columns()
    assert list(scorecard_export.flatten_scorecard(card)) == columns[len(scorecard_export.SOLUTION_COLUMNS):]


@pytest.mark.parametrize("role", ["contributor", "referent", "moderator"])
def test_other_roles_are_refused(client, no_csrf, role):
    login(client, role)
    for url in ("/exports/", "/exports/reports.csv", "/exports/aggregates.json"):
        assert client.get(url).status_code == 403


def test_visitors_are_sent_to_log_in(client):
    for url in ("/exports/", "/exports/reports.json", "/exports/aggregates.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_the_page_lists_the_downloads_and_the_rules(analyst, published):
    page = analyst.get("/exports/").get_data(as_text=True)
    for url in ("/exports/reports.csv", "/exports/reports.json", "/exports/aggregates.csv",
                "/exports/aggregates.json"):
        assert url in page
    assert "pseudonymisés" in page
    assert "secret statistique" in page


def test_reports_are_read_in_batches_and_leave_the_session(analyst, monkeypatch):
    """Memory, without timing: five reports read two at a time, the session no bigger after each batch. The JSON
    export reads revisions with their flags; the CSV export, plain stored cells (tests/test_export_cells.py)."""
    solution = make_solution()
    moderator = make_user("moderator")
    ids = [make_report(solution=solution, state="published", moderator=moderator).id for _ in range(5)]
    db.session.commit()

    batches, identity_sizes = [], []
    fetch = exports._report_batch

    def counting_fetch(after_id, size, solution_id):
        identity_sizes.append(len(db.session.identity_map))
        rows = fetch(after_id, size, solution_id)
        batches.append(len(rows))
        return rows

    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    monkeypatch.setattr(export_writers, "CHUNK_SIZE", 1)
    monkeypatch.setattr(exports, "_report_batch", counting_fetch)
    response = analyst.get("/exports/reports.json")
    assert response.is_streamed
    assert batches == []  # nothing is read before the body is
    with count_queries() as statements:
        chunks = list(response.response)
    response.close()

    assert batches == [2, 2, 1]
    assert len(set(identity_sizes)) == 1, identity_sizes  # each batch left the session before the next
    assert len(chunks) == 1 + 5 + 1  # "[", a chunk per row (CHUNK_SIZE 1), "]"
    report_queries = [s for s in statements if "FROM report_revision JOIN report" in s.replace('"', "")]
    assert len(report_queries) == 3
    assert len(statements) <= 3 * 2 + 2  # a query and its flags per batch, little else
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    assert [item["report_id"] for item in json.loads(text)] == ids


def test_json_streams_in_batches_too(analyst, monkeypatch):
    for _ in range(3):
        make_report(state="published")
    db.session.commit()
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    response = analyst.get("/exports/reports.json")
    assert response.is_streamed
    assert len(response.get_json()) == 3


@pytest.mark.parametrize(("stage", "hidden"), [
    ("exploring", {"months_to_golive", "stop_reasons", "stop_reasons_text"}),
    ("pilot", {"stop_reasons", "stop_reasons_text"}),
    ("production", {"stop_reasons", "stop_reasons_text"}),
    ("stopped", set()),
])
def test_questions_that_do_not_apply_are_empty_in_the_export_and_absent_from_the_forms(app, stage, hidden):
    from app import questionnaire as q
    from app.reports.forms import step_form

    answers = complete_answers(stage=stage, months_to_golive="3", stop_reasons=["cost"],
                               stop_reasons_text="Trop cher.")
    assert q.hidden_questions(answers) == hidden
    values = exports.answer_values(answers)
    assert {name for name in hidden if values[name] not in (None, [])} == set()
    with app.test_request_context():
        assert set().union(*(step_form(step, answers).hidden_questions() for step in range(1, 7))) == hidden
