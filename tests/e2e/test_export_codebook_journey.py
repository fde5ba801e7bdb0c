"""Journey: an analyst downloads the published reports with labels instead of codes, the spreadsheet variant
whose region codes keep their zero, and the codebook that explains every column (CSV and web page)."""

from __future__ import annotations

import csv
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from app import questionnaire as q
from app.services import exports
from app.vocabulary import REGIONS

pytestmark = pytest.mark.e2e

ANALYST = "analyst@demo.retex-ia.test"


def _read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle, delimiter=";"))
    return records[0], records[1:]


def _reports_section(page):
    return page.locator("section", has=page.get_by_role("heading", name="Retours publiés", exact=True))


def test_analyst_downloads_labels_and_the_codebook(page, live_server, live_app, check_page, login):
    with live_app.app_context():
        columns = exports.report_columns()
        stage_labels = {str(label) for label in q.STAGES.values()}

    login(page, ANALYST)
    page.goto(f"{live_server}/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports pour l'analyse")
    reports = _reports_section(page)
    # Codes are the default choice.
    expect(reports.get_by_label("Codes (par défaut, stables pour l'analyse avec R, Python…)")).to_be_checked()
    check_page(page, "exports")

    # Labels in French, chosen in the form: the choice goes into the download's URL.
    reports.get_by_label("Libellés en français").check()
    with page.expect_download() as info:
        reports.get_by_role("button", name="Télécharger les retours en CSV").click()
    download = info.value
    assert parse_qs(urlparse(download.url).query)["values"] == ["labels"]
    assert re.fullmatch(r"retex-ia-reports-labels-fr-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    header, rows = _read_csv(download.path())
    assert header == columns
    assert rows
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert {record["establishment_region"] for record in records} <= set(REGIONS.values())
    assert {record["stage"] for record in records} <= stage_labels
    assert not {record["stage"] for record in records} & set(q.STAGES)  # no code left
    # The form still shows the choice made.
    expect(reports.get_by_label("Libellés en français")).to_be_checked()

    # The spreadsheet variant: region codes written so that a spreadsheet keeps "01" as text.
    reports.get_by_label("Codes pour tableur (CSV) : les codes comme « 01 » y gardent leur zéro initial").check()
    with page.expect_download() as info:
        reports.get_by_role("button", name="Télécharger les retours en CSV").click()
    header, rows = _read_csv(info.value.path())
    regions = {dict(zip(header, row, strict=True))["establishment_region"] for row in rows}
    assert regions and all(re.fullmatch(r'="[0-9]{2}"', region) for region in regions), regions
    assert {region[2:-1] for region in regions} <= set(REGIONS)

    # The codebook beside the export: every column, every code with its French and English labels.
    with page.expect_download() as info:
        reports.get_by_role("link", name="CSV", exact=True).click()
    assert re.fullmatch(r"retex-ia-reports-codebook-\d{4}-\d{2}-\d{2}\.csv", info.value.suggested_filename)
    book_header, book_rows = _read_csv(info.value.path())
    book = [dict(zip(book_header, row, strict=True)) for row in book_rows]
    assert [row["column"] for row in book if not row["code"]] == columns
    guadeloupe = next(row for row in book if row["column"] == "establishment_region" and row["code"] == "01")
    assert guadeloupe["label_fr"] == guadeloupe["label_en"] == "Guadeloupe"
    stopped = next(row for row in book if row["column"] == "stage" and row["code"] == "stopped")
    assert (stopped["label_fr"], stopped["label_en"]) == ("Arrêté", "Discontinued")

    # …and as a page to read.
    reports.get_by_role("link", name="page web").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dictionnaire des codes : Retours publiés")
    region_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="establishment_region"))
    expect(region_row).to_contain_text("01 : Guadeloupe / Guadeloupe")
    expect(region_row).to_contain_text("zéro initial")
    check_page(page, "codebook")

    # Back on the exports page through a URL carrying the choice: the form shows it.
    page.goto(f"{live_server}/exports/?values=labels")
    expect(_reports_section(page).get_by_label("Libellés en français")).to_be_checked()
