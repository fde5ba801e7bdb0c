"""The exports' codebook: every exported column documented, every code of its vocabulary with a French and an
English label, as a CSV and a web page; labels only, never a figure."""

from __future__ import annotations

import csv
import io

import pytest

from app import questionnaire as q
from app import vocabulary
from app.extensions import db
from app.services import codebook, exports, scorecard_export
from tests.factories import make_category, make_report, make_solution
from tests.test_exports import login


@pytest.fixture
def analyst(client, no_csrf):
    login(client, "analyst")
    return client

BOM = "\ufeff"


def codebook_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):], newline=""), delimiter=";"))


# Which vocabulary each coded column of the reports export reads: written out here, from the definitions the
# export uses, so that a codebook that forgot a code, or a column, fails.
def expected_vocabularies() -> dict[str, dict]:
    wanted = {"establishment_type": vocabulary.ESTABLISHMENT_TYPES, "establishment_size_class": vocabulary.SIZE_CLASSES,
              "establishment_region": vocabulary.REGIONS, "establishment_sector": vocabulary.SECTORS}
    for question in q.QUESTIONS:
        if question.vocabulary:
            wanted[question.name] = question.vocabulary
    return wanted


def test_every_column_of_both_exports_is_documented_in_order(app):
    assert [entry.name for entry in codebook.entries("reports")] == exports.report_columns()
    assert [entry.name for entry in codebook.entries("aggregates")] == scorecard_export.aggregate_columns()
    for export in codebook.EXPORTS:
        for entry in codebook.entries(export):
            for language in codebook.LANGUAGES:
                assert codebook.text_in(entry.meaning, language).strip(), (export, entry.name, language)
            assert entry.kind in codebook.TYPES


def test_a_column_the_codebook_does_not_describe_is_an_error(app, monkeypatch):
    monkeypatch.setattr(codebook, "report_columns", lambda: [*exports.report_columns(), "new_question"])
    with pytest.raises(codebook.UndocumentedColumn, match="new_question"):
        codebook.entries("reports")


def test_every_code_of_every_exported_vocabulary_has_both_labels(analyst):
    category = make_category(slug="imagerie", name="Imagerie")
    db.session.commit()
    rows = codebook_rows(analyst.get("/exports/codebook-reports.csv"))
    codes: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        if row["code"]:
            codes.setdefault(row["column"], {})[row["code"]] = row
    for column, words in expected_vocabularies().items():
        assert set(codes[column]) == set(words), column
        for code, label in words.items():
            assert codes[column][code]["label_fr"] == codebook.text_in(label, "fr") != "", (column, code)
            assert codes[column][code]["label_en"].strip(), (column, code)
    assert codes["category"]["imagerie"]["label_fr"] == "Imagerie"
    assert codes["category"]["imagerie"]["label_en"] == category.name_en
    # English labels are the translations, not the French copied.
    assert codes["establishment_type"]["ch"]["label_en"] == "Hospital centre"
    assert codes["stage"]["stopped"]["label_fr"] == "Arrêté"
    assert codes["stage"]["stopped"]["label_en"] == "Discontinued"
    assert codes["establishment_region"]["01"]["label_fr"] == "Guadeloupe"
    assert codes["contact_ok"]["y"]["label_en"] == "Yes"


def test_each_column_has_one_row_with_its_meaning_type_and_unit(analyst):
    rows = codebook_rows(analyst.get("/exports/codebook-reports.csv"))
    header = [row for row in rows if not row["code"]]
    assert [row["column"] for row in header] == exports.report_columns()
    by_name = {row["column"]: row for row in header}
    assert by_name["establishment_region"]["type"] == "code"
    assert "zéro initial" in by_name["establishment_region"]["note_fr"]
    assert by_name["months_to_golive"]["type"] == "integer"
    assert by_name["months_to_golive"]["unit_fr"] == "mois"
    assert by_name["months_to_golive"]["unit_en"] == "months"
    assert by_name["integrated_systems"]["type"] == "codes"
    assert by_name["sus_3"]["meaning_fr"].endswith("Ce système est facile à utiliser")
    assert by_name["sus_3"]["meaning_en"] != by_name["sus_3"]["meaning_fr"]
    assert by_name["published_on"]["type"] == "date"


def test_the_aggregates_codebook_explains_each_measure(analyst):
    make_category(slug="imagerie", name="Imagerie")
    db.session.commit()
    rows = codebook_rows(analyst.get("/exports/codebook-aggregates.csv"))
    categories = {row["code"]: row for row in rows if row["column"] == "category" and row["code"]}
    assert categories["imagerie"]["label_fr"] == "Imagerie"
    assert [row["column"] for row in rows if row["code"]] == ["category"] * len(categories)
    by_name = {row["column"]: row for row in rows if not row["code"]}
    assert list(by_name) == scorecard_export.aggregate_columns()
    assert by_name["sus_ci_low"]["meaning_fr"] == "Score SUS : borne basse de l'intervalle de confiance à 95 %"
    assert by_name["sus_ci_low"]["meaning_en"] == "SUS score: lower bound of the 95% confidence interval"
    assert by_name["stop_rate"]["type"] == "share"
    assert by_name["stop_rate_low_n"]["type"] == "flag"
    assert by_name["rating_usefulness_n"]["type"] == "integer"
    assert "Utilité" in by_name["rating_usefulness_mean"]["meaning_fr"]


def test_the_codebook_holds_labels_never_figures(analyst):
    """However many reports are published, the codebook is the same: it says what codes mean, not how often."""
    solution = make_solution()
    db.session.commit()
    before = analyst.get("/exports/codebook-reports.csv").get_data()
    make_report(solution=solution, state="published")
    db.session.commit()
    after = analyst.get("/exports/codebook-reports.csv").get_data()
    assert before == after


def test_the_codebook_page_in_english(analyst):
    analyst.post("/langue", data={"lang": "en", "next": "/exports/"})
    page = analyst.get("/exports/codebook-aggregates.html").get_data(as_text=True)
    assert "<h1>Codebook: Indicators by solution</h1>" in page
    assert "lower bound of the 95% confidence interval" in page
    assert "Labels in English" in analyst.get("/exports/").get_data(as_text=True)


def test_the_codebook_page_reads_in_both_languages(analyst):
    response = analyst.get("/exports/codebook-reports.html")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Dictionnaire des codes : Retours publiés" in page
    assert 'id="column-establishment_region"' in page
    assert "<code>01</code> : <span lang=\"fr\">Guadeloupe</span>" in page
    assert '<span lang="en">Discontinued</span>' in page
    assert "/exports/codebook-reports.csv" in page
    assert analyst.get("/exports/codebook-aggregates.html").status_code == 200
    assert analyst.get("/exports/codebook-other.csv").status_code == 404


def test_the_exports_page_links_each_codebook(analyst):
    page = analyst.get("/exports/").get_data(as_text=True)
    for url in ("/exports/codebook-reports.html", "/exports/codebook-reports.csv",
                "/exports/codebook-aggregates.html", "/exports/codebook-aggregates.csv"):
        assert url in page


@pytest.mark.parametrize("role", ["contributor", "referent", "moderator"])
def test_only_those_who_export_read_the_codebook(client, no_csrf, role):
    login(client, role)
    assert client.get("/exports/codebook-reports.csv").status_code == 403
    assert client.get("/exports/codebook-aggregates.html").status_code == 403


def test_the_command_line_writes_the_same_codebook(analyst, runner):
    result = runner.invoke(args=["exports", "codebook", "aggregates"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == analyst.get("/exports/codebook-aggregates.csv").get_data()
    assert runner.invoke(args=["exports", "codebook", "other"]).exit_code != 0
