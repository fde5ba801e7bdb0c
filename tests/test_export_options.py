"""How the exports write coded columns: codes by default, labels on request (in the interface's language), and a
spreadsheet variant where codes such as region "01" keep their leading zero."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app.extensions import db
from app.services import codebook, export_csv, export_writers, exports
from tests.factories import complete_answers, make_category, make_establishment, make_report, make_solution, make_user
from tests.test_exports import csv_rows, login


@pytest.fixture
def analyst(client, no_csrf):
    login(client, "analyst")
    return client


@pytest.fixture
def guadeloupe(app):
    """A published report from an establishment of Guadeloupe (region "01"), a stopped project."""
    establishment = make_establishment(type="chu", size_class="500_999", region="01", sector="health")
    author = make_user("contributor", establishment)
    solution = make_solution(category=make_category(slug="imagerie", name="Imagerie"), name="Radiolys")
    answers = complete_answers(stage="stopped", stop_reasons=["cost", "vendor"], integrated_systems=["pacs", "dpi"])
    report = make_report(author, solution, state="published", answers=answers)
    db.session.commit()
    return report


def spreadsheet_value(cell: str) -> str:
    """What a spreadsheet shows for a CSV cell: a constant text formula ="…" is evaluated to its text; any
    other cell that looks like a number is read as one (so "01" becomes "1"), as Excel and LibreOffice do."""
    formula = re.fullmatch(r'="([^"]*)"', cell)
    if formula:
        return formula[1]
    if re.fullmatch(r"[0-9]+", cell):
        return str(int(cell))
    return cell


def test_codes_are_the_default_and_keep_their_zero_in_the_file(analyst, guadeloupe):
    [row] = csv_rows(analyst.get("/exports/reports.csv"))
    assert row["establishment_region"] == "01"
    assert row["stage"] == "stopped"
    assert row["stop_reasons"] == "cost|vendor"
    assert not any(cell.startswith("=") for cell in row.values())  # the default stays free of formulas
    # …but a spreadsheet opening it would show 1: hence the spreadsheet variant.
    assert spreadsheet_value(row["establishment_region"]) == "1"
    assert analyst.get("/exports/reports.csv?values=codes").get_data() == analyst.get("/exports/reports.csv").get_data()


def test_the_spreadsheet_variant_keeps_region_01_as_text(analyst, guadeloupe):
    response = analyst.get("/exports/reports.csv?values=spreadsheet")
    assert response.status_code == 200
    assert "retex-ia-reports-spreadsheet-" in response.headers["Content-Disposition"]
    [row] = csv_rows(response)
    assert row["establishment_region"] == '="01"'
    assert spreadsheet_value(row["establishment_region"]) == "01"
    # Only the columns whose codes would lose a zero are written so; the others are as in the default.
    [default] = csv_rows(analyst.get("/exports/reports.csv"))
    assert {name for name in row if row[name] != default[name]} == {"establishment_region"}


def test_the_spreadsheet_variant_streams_from_the_stored_cells_the_same_text(analyst, guadeloupe, app):
    """The variant takes the fast path (stored cells, the region read live) and writes what the row by row
    path would, a report without stored cells included."""
    other = make_report(make_user("contributor", make_establishment(region="04")), state="published")
    other.published_revision.export_cells = None
    db.session.commit()
    texted = codebook.spreadsheet_texter(codebook.report_entries())
    expected = "".join(export_writers.csv_text(exports.report_columns(),
                                               map(texted, exports.published_report_rows())))
    response = analyst.get("/exports/reports.csv?values=spreadsheet")
    assert response.get_data(as_text=True) == expected
    assert {row["establishment_region"] for row in csv_rows(response)} == {'="01"', '="04"'}


def test_only_live_columns_can_be_written_as_text_codes_from_the_stored_cells(app):
    with pytest.raises(ValueError, match="stage"):
        next(export_csv.published_reports_csv(text_codes=frozenset({"stage"})))


def test_the_spreadsheet_variant_never_turns_typed_text_into_a_formula(analyst, app):
    establishment = make_establishment(region="02")
    author = make_user("contributor", establishment)
    make_report(author, make_solution(name="=HYPERLINK(1)"), state="published",
                answers=complete_answers(advice="=1+1 est une formule"))
    db.session.commit()
    [row] = csv_rows(analyst.get("/exports/reports.csv?values=spreadsheet"))
    assert row["establishment_region"] == '="02"'
    assert row["solution_name"] == "'=HYPERLINK(1)"
    assert row["advice"] == "'=1+1 est une formule"


def test_labels_in_french(analyst, guadeloupe):
    response = analyst.get("/exports/reports.csv?values=labels")
    assert response.status_code == 200
    assert "retex-ia-reports-labels-fr-" in response.headers["Content-Disposition"]
    [row] = csv_rows(response)
    assert row["establishment_region"] == "Guadeloupe"
    assert row["establishment_type"] == "CHU / CHR"
    assert row["establishment_size_class"] == "500 à 999 lits ou places"
    assert row["category"] == "Imagerie"
    assert row["stage"] == "Arrêté"
    assert row["stop_reasons"] == "Coût trop élevé|Défaillance ou départ de l'éditeur"
    assert row["integrated_systems"] == "PACS|Dossier patient informatisé (DPI)"
    assert row["hosting"] == "Cloud certifié HDS"
    assert row["contact_ok"] == "Oui"
    # Numbers and free texts are as in the codes' file.
    assert row["report_id"] == str(guadeloupe.id)
    assert row["solution_name"] == "Radiolys"
    assert row["users_count"] == csv_rows(analyst.get("/exports/reports.csv"))[0]["users_count"]
    assert list(row) == exports.report_columns()


def test_labels_in_english_when_the_interface_is(analyst, guadeloupe):
    analyst.post("/langue", data={"lang": "en", "next": "/exports/"})
    response = analyst.get("/exports/reports.csv?values=labels")
    assert "retex-ia-reports-labels-en-" in response.headers["Content-Disposition"]
    [row] = csv_rows(response)
    assert row["stage"] == "Discontinued"
    assert row["contact_ok"] == "Yes"
    assert row["category"] != "Imagerie"  # the category's English name
    assert row["establishment_region"] == "Guadeloupe"


def test_labels_in_the_json_export_too(analyst, guadeloupe):
    [row] = json.loads(analyst.get("/exports/reports.json?values=labels").get_data(as_text=True))
    assert row["stop_reasons"] == ["Coût trop élevé", "Défaillance ou départ de l'éditeur"]
    assert row["establishment_region"] == "Guadeloupe"
    # The spreadsheet variant is for CSV only: JSON keeps its codes as strings.
    [row] = json.loads(analyst.get("/exports/reports.json?values=spreadsheet").get_data(as_text=True))
    assert row["establishment_region"] == "01"


def test_labels_for_one_solution_and_for_the_aggregates(analyst, guadeloupe):
    rows = csv_rows(analyst.get(f"/exports/reports.csv?solution={guadeloupe.solution_id}&values=labels"))
    assert [row["stage"] for row in rows] == ["Arrêté"]
    response = analyst.get("/exports/aggregates.csv?values=labels")
    assert "retex-ia-aggregates-labels-fr-" in response.headers["Content-Disposition"]
    [row] = [row for row in csv_rows(response) if row["solution_name"] == "Radiolys"]
    assert row["category"] == "Imagerie"
    assert row["establishments"] == "1"


def test_an_unknown_choice_says_what_is_allowed(analyst, guadeloupe):
    response = analyst.get("/exports/reports.csv?values=libelles")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Présentation des valeurs inconnue" in page
    assert analyst.get("/exports/aggregates.json?values=x").status_code == 400


def test_the_form_keeps_the_choice(analyst, guadeloupe):
    page = analyst.get(f"/exports/?values=labels&solution={guadeloupe.solution_id}").get_data(as_text=True)
    assert re.search(r'<input type="radio" id="reports-values-labels" name="values" value="labels" checked>', page)
    assert not re.search(r'value="codes" checked', page)
    assert f'<option value="{guadeloupe.solution_id}" selected>' in page
    default = analyst.get("/exports/").get_data(as_text=True)
    assert 'id="reports-values-codes" name="values" value="codes" checked' in default
    # The aggregates have no code a spreadsheet would spoil: no spreadsheet variant offered for them.
    assert 'id="reports-values-spreadsheet"' in default
    assert 'id="aggregates-values-spreadsheet"' not in default
    # A choice that does not exist is not kept: the page still opens, on the default.
    assert 'value="codes" checked' in analyst.get("/exports/?values=nope").get_data(as_text=True)


@pytest.mark.parametrize("role", ["contributor", "referent", "moderator"])
def test_the_options_open_nothing_to_other_roles(client, no_csrf, role, guadeloupe):
    login(client, role)
    for url in ("/exports/reports.csv?values=labels", "/exports/reports.csv?values=spreadsheet",
                "/exports/aggregates.json?values=labels"):
        assert client.get(url).status_code == 403


def test_a_spreadsheet_reading_the_variant_keeps_every_region_code(analyst, app):
    """Every region, as a spreadsheet would show the variant's cells: the codes with their zeros, as text."""
    from app.vocabulary import REGIONS

    solution = make_solution()
    for code in REGIONS:
        make_report(make_user("contributor", make_establishment(region=code)), solution, state="published")
    db.session.commit()
    text = analyst.get("/exports/reports.csv?values=spreadsheet").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert sorted(spreadsheet_value(row["establishment_region"]) for row in rows) == sorted(REGIONS)
