"""Journey: a visitor reads the observatory, a solution's scorecard (with a segment) and a comparison; an analyst
downloads the pseudonymised reports."""

from __future__ import annotations

import csv
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app import questionnaire as q
from app.extensions import db
from app.models import Establishment, Report, Solution
from app.services import exports, releases
from app.stats.routes import SEGMENT_LABELS

pytestmark = pytest.mark.e2e

ANALYST = "analyst@demo.retex-ia.test"
RATINGS_TITLE = "Évaluations moyennes par critère, avec intervalle de confiance à 95 %"
# Dimensions tried for the segments, in order: the region first, as a decision-maker would.
DIMENSIONS = ("region", "type", "size_class")


def _most_deployed(live_app) -> list[dict]:
    """The observatory's "most deployed" solutions, in its order, with name, vendor and establishment count."""
    with live_app.app_context():
        rows = releases.visitor_observatory()["most_deployed"]  # what visitors read: the current releases
        solutions = {s.id: s for s in db.session.scalars(
            sa.select(Solution).where(Solution.id.in_([row["solution_id"] for row in rows])))}
        result = [{"id": row["solution_id"], "n": row["value"], "name": solutions[row["solution_id"]].name,
                   "vendor": solutions[row["solution_id"]].vendor} for row in rows]
        db.session.remove()
    return result


def _segments(live_app, solution_id: int) -> tuple[dict, dict]:
    """A segment hidden by statistical secrecy and the largest visible one, each with its option's label."""
    with live_app.test_request_context(headers={"Accept-Language": "fr-FR"}):
        hidden, visible = None, None
        for dimension in DIMENSIONS:
            dim_label, vocabulary = SEGMENT_LABELS[dimension]
            for code in sorted(vocabulary):
                card = releases.visitor_scorecard(releases.solution_scope(solution_id), f"{dimension}={code}")
                n = card["establishments"]["value"]
                segment = {"dimension": dimension, "code": code, "n": n,
                           "label": f"{dim_label} : {vocabulary[code]}"}
                if card["suppressed"]:
                    hidden = hidden or segment
                elif visible is None or n > visible["n"]:
                    visible = segment
        db.session.remove()
    assert hidden is not None and visible is not None, "the demo data should give both kinds of segment"
    return hidden, visible


def test_visitor_reads_observatory_scorecard_segments_and_comparison(page, live_server, live_app, check_page):
    top = _most_deployed(live_app)
    assert len(top) >= 3
    first = top[0]

    # 1. The observatory, from the header.
    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Observatoire").click()
    expect(page).to_have_url(f"{live_server}/observatory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Observatoire national de l'IA en santé")
    deployed = page.get_by_role("table", name="Les dix solutions comptant le plus d'établissements")
    rows = deployed.locator("tbody tr")
    expect(rows).to_have_count(len(top))
    for row, solution in zip(rows.all(), top, strict=True):
        expect(row.get_by_role("rowheader")).to_have_text(solution["name"])
        expect(row.get_by_role("cell")).to_have_text(str(solution["n"]))
    check_page(page, "observatory")

    # 2. The most deployed solution's scorecard.
    deployed.get_by_role("link", name=first["name"], exact=True).click()
    scorecard_url = f"{live_server}/statistics/solutions/{first['id']}"
    expect(page).to_have_url(scorecard_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Retours d'expérience : {first['name']}")
    expect(page.get_by_text("Secret statistique : une valeur reposant sur moins de 3 établissements")).to_be_visible()
    figures = page.locator(".stat-grid .stat")
    expect(figures.filter(has_text="établissements").locator("strong")).to_have_text(str(first["n"]))
    # The ratings chart: an SVG image named by its title, then the same figures in a table.
    chart = page.get_by_role("img", name=RATINGS_TITLE)
    expect(chart).to_be_visible()
    assert chart.evaluate("node => node.tagName.toLowerCase()") == "svg"
    expect(chart.locator("title")).to_have_text(RATINGS_TITLE)
    table = page.get_by_role("table", name=RATINGS_TITLE)
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(["Critère", "Moyenne [IC 95 %]", "Établissements"])
    expect(table.locator("tbody tr")).to_have_count(len(q.RATINGS))
    for text in table.locator("tbody tr").all_inner_texts():
        # Every figure comes with the number of establishments it rests on.
        assert re.search(r"\d+ établissements?$", text.strip()), text
    segment_select = page.get_by_label("Établissements comparables au vôtre")
    expect(segment_select).to_have_value("")
    check_page(page, "scorecard")

    # 3. A segment too small: every figure is hidden, and the choice stays in the URL and in the select.
    hidden, visible = _segments(live_app, first["id"])
    segment_select.select_option(label=hidden["label"])
    page.get_by_role("button", name="Filtrer").click()
    hidden_value = f"{hidden['dimension']}:{hidden['code']}"
    expect(page).to_have_url(re.compile(
        rf"/statistics/solutions/{first['id']}\?segment={hidden['dimension']}(:|%3A){hidden['code']}$"))
    expect(segment_select).to_have_value(hidden_value)
    expect(page.get_by_role("alert")).to_contain_text(
        "Effectif insuffisant : trop peu d'établissements ont publié un retour pour ce choix.")
    expect(page.locator(".stat-grid")).to_have_count(0)
    expect(page.get_by_role("img", name=RATINGS_TITLE)).to_have_count(0)
    check_page(page, "scorecard-hidden-segment")

    # 4. A segment large enough: figures again, on that segment's establishments only.
    segment_select.select_option(label=visible["label"])
    page.get_by_role("button", name="Filtrer").click()
    visible_value = f"{visible['dimension']}:{visible['code']}"
    expect(page).to_have_url(re.compile(
        rf"/statistics/solutions/{first['id']}\?segment={visible['dimension']}(:|%3A){visible['code']}$"))
    expect(segment_select).to_have_value(visible_value)
    expect(figures.filter(has_text="établissements").locator("strong")).to_have_text(str(visible["n"]))
    expect(page.get_by_role("img", name=RATINGS_TITLE)).to_be_visible()
    expect(page.get_by_role("table", name=RATINGS_TITLE).locator("tbody tr")).to_have_count(len(q.RATINGS))
    check_page(page, "scorecard-visible-segment")

    # 5. The comparison: the current solution comes preselected; two more, in the reader's order.
    page.get_by_role("link", name="Comparer avec d'autres solutions").click()
    expect(page).to_have_url(re.compile(rf"/statistics/compare\?solutions={first['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparer des solutions")
    expect(page.get_by_label("Solution 1", exact=True)).to_have_value(str(first["id"]))
    expect(page.get_by_role("status").filter(has_text="Choisissez au moins deux solutions différentes.")).to_be_visible()
    check_page(page, "compare-form")
    chosen = [first, top[2], top[1]]  # not the observatory's order: the page must keep the reader's
    for slot, solution in enumerate(chosen, start=1):
        page.get_by_label(f"Solution {slot}", exact=True).select_option(
            label=f"{solution['name']} — {solution['vendor']}")
    page.get_by_role("button", name="Comparer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/statistics/compare\?" + "&".join(
        [f"solutions={s['id']}" for s in chosen] + ["solutions="]) + "$"))
    comparison = page.get_by_role("table", name="Comparaison des solutions choisies")
    expect(comparison.locator("thead th")).to_have_text(["Indicateur", *(s["name"] for s in chosen)])
    establishments_row = comparison.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Établissements", exact=True))
    expect(establishments_row.get_by_role("cell")).to_have_text([str(s["n"]) for s in chosen])
    ci_headers = comparison.get_by_role("rowheader").filter(has_text="IC 95 %")
    expect(ci_headers).to_have_count(2 + len(q.RATINGS))  # SUS, NPS and every rating
    for text in ci_headers.all_inner_texts():
        assert text.endswith("[IC 95 %]"), text
    sus_row = comparison.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Score SUS [IC 95 %]"))
    for text in sus_row.get_by_role("cell").all_inner_texts():
        assert re.fullmatch(r"\d+,\d \[\d+,\d\u00a0; \d+,\d\]|effectif insuffisant", text.strip()), text
    # The form keeps the choice.
    for slot, solution in enumerate(chosen, start=1):
        expect(page.get_by_label(f"Solution {slot}", exact=True)).to_have_value(str(solution["id"]))
    expect(page.get_by_label("Solution 4", exact=True)).to_have_value("")
    check_page(page, "compare-result")


def _reports_truth(live_app) -> dict:
    with live_app.app_context():
        rows = db.session.execute(
            sa.select(Report.id, Solution.name, Establishment.type, Establishment.name, Establishment.finess,
                      Establishment.city)
            .join(Solution, Solution.id == Report.solution_id)
            .join(Establishment, Establishment.id == Report.establishment_id)
            .where(Report.status == "published").order_by(Report.id)).all()
        names = set(db.session.scalars(sa.select(Establishment.name)))
        columns = exports.report_columns()
        db.session.remove()
    return {"rows": rows, "establishment_names": names, "columns": columns}


def test_analyst_downloads_pseudonymised_reports(page, live_server, live_app, check_page, login):
    truth = _reports_truth(live_app)

    login(page, ANALYST)
    expect(page).to_have_url(f"{live_server}/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Exports").click()
    expect(page).to_have_url(f"{live_server}/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports pour l'analyse")
    check_page(page, "exports")

    with page.expect_download() as info:
        page.get_by_role("link", name="Tous les retours publiés (CSV)").click()
    download = info.value
    assert re.fullmatch(r"retex-ia-reports-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle, delimiter=";"))
    header, rows = records[0], records[1:]

    assert header == truth["columns"]
    assert header[0] == "report_id"
    for column in ("solution_name", "establishment_type", "establishment_region", "establishment_size_class"):
        assert column in header
    assert not any(re.search(r"establishment_(name|finess|city)|author|finess", column) for column in header), header
    assert len(rows) == len(truth["rows"]) > 0
    assert all(len(row) == len(header) for row in rows)

    first = dict(zip(header, rows[0], strict=True))
    report_id, solution_name, establishment_type, establishment_name, finess, city = truth["rows"][0]
    assert first["report_id"] == str(report_id)
    assert first["solution_name"] == solution_name != ""
    assert first["establishment_type"] == establishment_type != ""
    # Pseudonymised: no establishment's name, and not this one's FINESS or city, anywhere in the row.
    cells = set(rows[0])
    assert not cells & truth["establishment_names"]
    assert establishment_name not in ";".join(rows[0])
    assert finess not in rows[0]
    assert city is None or city not in cells
    # Nor in the whole file.
    assert not {cell for row in rows for cell in row} & truth["establishment_names"]
