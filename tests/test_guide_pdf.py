"""The printed guide: what a reader finds in the PDF, what it must never contain, and what WeasyPrint may read."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.services import guide_pdf, guides, privacy
from app.services.guides import ordered_sections
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user

NARRATIVE = """Qualité des données, éthique, hôpital : ce que disent les établissements.

<script>alert(1)</script>

Voir [x](javascript:alert(1)) et <img src=x onerror=alert(1)>.

- **Prérequis** : un référent médical.
"""


@pytest.fixture(autouse=True)
def no_personal_data_model(monkeypatch):
    """Publishing scans free texts with a language model that takes seconds to load; it has its own tests."""
    monkeypatch.setattr(privacy, "scan", lambda text, not_names=(): [])


def published_version(narrative: str = NARRATIVE):
    """A guide on a solution with four establishments' published reports, published as version 1."""
    solution = make_solution(name="Radiologie Assistée")
    for _ in range(4):
        author = make_user("contributor", establishment=make_establishment())
        make_report(author, solution, state="published", answers=complete_answers())
    db.session.commit()  # the statistics release the guide reads is made after the commit
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.update_sections(guide, {"evidence": {"narrative": narrative}, "procurement": {"visible": False}}, analyst)
    candidate = guides.quote_candidates(guide)[0]
    guides.add_quote(guide, candidate["report_id"], candidate["field"], analyst)
    version = guides.publish(guide, analyst)
    db.session.commit()
    return version


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader would copy it, whitespace (including no-break spaces) collapsed."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def test_pdf_shows_title_sections_figures_and_french_text_without_active_content(app):
    version = published_version()
    data = guide_pdf.render_pdf(version)

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert version.title in text
    assert "Version 1" in text
    assert "Établi à partir de 4 retours publiés de 4 établissements" in text
    visible = ordered_sections(version.snapshot, include_hidden=False)
    assert len(visible) == 10
    for section in visible:
        assert f"{section['number']}. {section['title']}" in text
    assert "Achat, coûts et accompagnement" not in text  # the hidden section
    assert "Établissements ayant publié un retour 4 — 4 établissements" in text  # a figure and its count
    # A mean on four establishments is published without its interval (which would give their answers).
    assert "Fiabilité des résultats 4,0 sur 5 — 4 établissements" in text
    for word in ("Qualité", "éthique", "hôpital", "Prérequis", "Fiche d'identité", "Évaluations moyennes"):
        assert word in text
    for forbidden in ("alert(1)", "javascript", "onerror", "<script", "<img"):
        assert forbidden not in text
    assert "Page 2 sur" in text
    assert "Force du soutien : modérée · 4 établissements sur 4" in text  # a checklist item's support in words
    # The quote, its establishment shown as type and size only.
    assert "« Prévoir du temps pour la formation des manipulateurs. » — Centre hospitalier · 200 à 499 lits" in text
    assert "Centre hospitalier d'essai" not in text


def test_pdf_has_a_page_per_chapter_and_a_table_of_contents_with_page_numbers(app):
    version = published_version(narrative="Court.")
    reader = PdfReader(io.BytesIO(guide_pdf.render_pdf(version)))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    assert "Page" not in pages[0]  # no footer on the cover
    toc = pages[1]
    assert "Sommaire" in toc and f"Page 2 sur {len(pages)}" in toc
    for section in ordered_sections(version.snapshot, include_hidden=False):
        heading = f"{section['number']}. {section['title']}"
        chapter_page = next(i for i, text in enumerate(pages, start=1) if i > 2 and heading in text)
        listed = re.search(re.escape(heading) + r"[ .]*?(\d+)(?: |$)", toc)
        assert listed, heading
        assert int(listed[1]) == chapter_page, heading


def test_pdf_is_produced_once_then_served_from_storage(app, monkeypatch):
    version = published_version(narrative="Qualité")
    calls = []

    def fake_render(v):
        calls.append(v.id)
        if len(calls) > 1:
            raise AssertionError("rendered twice")
        return b"%PDF-1.7 stored"

    monkeypatch.setattr(guide_pdf, "render_pdf", fake_render)
    first = guide_pdf.pdf_for(version)
    db.session.commit()
    assert first == b"%PDF-1.7 stored"
    assert version.pdf_generated_at is not None

    db.session.expire_all()
    again = db.session.get(type(version), version.id)
    assert guide_pdf.pdf_for(again) == first
    assert calls == [version.id]


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.org/x.css",
    "https://example.org/static/css/print.css",
    "https://retex.local/static/../config.py",
    "https://retex.local/static/%2e%2e/config.py",
    "https://retex.local/static/css/../../app/__init__.py",
    "https://retex.local/config.py",
    "https://retex.local/static/css/missing.css",
    "data:text/css,body{}",
    "static/css/print.css",
])
def test_fetcher_refuses_anything_but_the_static_folder(app, url):
    with pytest.raises(ValueError):
        guide_pdf.restricted_fetcher(url)


def test_fetcher_serves_the_print_stylesheet(app):
    resource = guide_pdf.restricted_fetcher("https://retex.local/static/css/print.css")
    assert resource["mime_type"] == "text/css"
    assert b"@page" in resource["string"]


def test_figures_are_written_in_french_with_their_interval_and_establishments(app):
    mean = {"value": 3.84, "n": 4, "ci": [2.91, 4.77], "suppressed": False, "low_n": False}
    assert guide_pdf._figure({"label": "Utilité", "cell": mean, "kind": "mean", "scale": " sur 5"}) == \
        {"label": "Utilité", "value": "3,8 sur 5", "ci": "2,9 à 4,8", "n": "4 établissements"}
    share = {"value": 0.75, "n": 4, "ci": [0.3, 0.95], "suppressed": False, "low_n": False}
    assert guide_pdf._figure({"label": "x", "cell": share, "kind": "share"})["ci"] == "30\u00a0% à 95\u00a0%"
    hidden = {"value": None, "n": None, "ci": None, "suppressed": True, "low_n": False}
    assert guide_pdf._figure({"label": "x", "cell": hidden, "kind": "share"}) == {"label": "x", "value": None,
                                                                                 "ci": "", "n": ""}
    one = {"value": -12.5, "n": 1, "ci": None, "suppressed": False, "low_n": True}
    assert guide_pdf._figure({"label": "NPS", "cell": one, "kind": "mean"})["value"] == "\u221212,5"
    assert guide_pdf.n_text(one) == "1 établissement"


def test_page_footer_is_a_css_content_value_whatever_the_words():
    assert guide_pdf._page_counter_css("Page \0page\0 sur \0pages\0") == \
        '"Page " counter(page) " sur " counter(pages)'
    assert guide_pdf._css_string('a"}<b') == '"a\\22 \\7d \\3c b"'
