"""Journey: an analyst drafts a guide on a solution, writes, previews, quotes, recalculates (every button keeping
what was typed), meets a French error on an over-long section, and publishes twice after seeing what changes; a
visitor finds the guide by category, reads the change log's differences, is pointed from version 1 to the latest,
downloads version 1's PDF, and an English reader is told the guide is in French."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from pypdf import PdfReader

from app.extensions import db
from app.models import Category, Guide, ReportFact, Solution
from app.services.guide_sections import SECTIONS

pytestmark = pytest.mark.e2e

ANALYST = "analyst@demo.retex-ia.test"
SECTION_TITLES = {key: str(title) for key, title in SECTIONS}
NARRATIVE_V1 = "**Prérequis** : prévoir un référent."
NARRATIVE_V2 = "**Prérequis** : prévoir un référent et une salle de formation."
USES_TEXT = "Utilisé surtout la nuit, aux urgences."
CHANGE_TEXT = "Former les équipes par petits groupes."
BENEFITS_TEXT = "Gain de temps net dès le deuxième mois."


def _solution_without_guide(live_app) -> dict:
    """A solution with at least three establishments in the facts and no guide yet, with its category."""
    with live_app.app_context():
        establishments = sa.func.count(sa.distinct(ReportFact.establishment_id))
        with_guide = sa.select(Guide.solution_id).where(Guide.solution_id.is_not(None))
        row = db.session.execute(
            sa.select(Solution.id, Solution.name, Category.name_fr, Category.slug, establishments)
            .join(ReportFact, ReportFact.solution_id == Solution.id)
            .join(Category, Category.id == Solution.category_id)
            .where(Solution.archived.is_(False), Solution.id.not_in(with_guide))
            .group_by(Solution.id, Solution.name, Category.name_fr, Category.slug)
            .having(establishments >= 3)
            .order_by(establishments.desc(), Solution.name)).first()
        db.session.remove()
    assert row is not None, "the demo data should hold a solution with 3 establishments and no guide"
    return {"id": row[0], "name": row[1], "category": row[2], "category_slug": row[3], "n": row[4]}


def _guide(live_app, solution_id: int) -> dict:
    with live_app.app_context():
        guide = db.session.scalar(sa.select(Guide).where(Guide.solution_id == solution_id))
        result = {"id": guide.id, "slug": guide.slug, "title": guide.title}
        db.session.remove()
    return result


def _section(page, key: str):
    """The editor's fieldset of one section, found by its legend."""
    return page.get_by_role("group", name=re.compile(rf"^\d+\. {re.escape(SECTION_TITLES[key])}$"))


def test_analyst_publishes_guide_and_visitor_reads_it(page, browser, live_server, live_app, check_page, login):
    solution = _solution_without_guide(live_app)

    # 1. The analyst drafts a guide on a solution that has none.
    login(page, ANALYST)
    expect(page).to_have_url(f"{live_server}/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Rédaction").click()
    expect(page).to_have_url(f"{live_server}/guides/manage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rédaction des guides")
    check_page(page, "manage")
    page.get_by_label("Sujet du guide").select_option(label=f"Solution : {solution['name']}")
    page.get_by_role("button", name="Générer un brouillon").click()
    guide = _guide(live_app, solution["id"])
    editor_url = f"{live_server}/guides/manage/{guide['id']}"
    expect(page).to_have_url(editor_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(guide["title"])
    expect(page.get_by_role("status").filter(has_text="Brouillon généré à partir des retours publiés.")).to_be_visible()
    expect(page.locator("fieldset.guide-edit-section")).to_have_count(len(SECTIONS))
    expect(page.get_by_label("Texte de la section (Markdown)")).to_have_count(len(SECTIONS))
    check_page(page, "editor")

    # Write a narrative in one section, save and preview.
    section = _section(page, "prerequisites")
    expect(section.get_by_label("Afficher cette section")).to_be_checked()
    section.get_by_label("Texte de la section (Markdown)").fill(NARRATIVE_V1)
    page.get_by_role("button", name="Enregistrer et prévisualiser").first.click()
    expect(page).to_have_url(f"{editor_url}/preview")
    expect(page.get_by_role("alert")).to_contain_text("Aperçu du brouillon : ce texte n'est pas publié.")
    preview_section = page.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["prerequisites"])))
    expect(preview_section.locator(".narrative strong")).to_have_text("Prérequis")
    expect(preview_section.locator(".narrative")).to_have_text("Prérequis : prévoir un référent.")
    expect(page.get_by_text("**Prérequis**")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Sommaire").get_by_role("link")).to_have_count(len(SECTIONS))
    check_page(page, "preview")

    # Back in the editor through the breadcrumb: the text is kept; quote the first quotable text.
    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name=guide["title"]).click()
    expect(page).to_have_url(editor_url)
    expect(_section(page, "prerequisites").get_by_label("Texte de la section (Markdown)")).to_have_value(NARRATIVE_V1)
    expect(page.get_by_text("Aucune citation choisie.")).to_be_visible()
    candidates = page.locator(".quote-candidates > li")
    assert candidates.count() > 0, "the demo reports should hold quotable texts"
    count = candidates.count()
    first_quote = candidates.first.locator("q").inner_text()
    # Text typed just before "Citer" is saved with the quote.
    _section(page, "uses").get_by_label("Texte de la section (Markdown)").fill(USES_TEXT)
    candidates.first.get_by_role("button", name="Citer").click()
    expect(page).to_have_url(f"{editor_url}#quotes")
    expect(page.get_by_role("status").filter(has_text="Textes enregistrés ; citation ajoutée.")).to_be_visible()
    expect(_section(page, "uses").get_by_label("Texte de la section (Markdown)")).to_have_value(USES_TEXT)
    chosen = page.locator("#quotes + ul > li")
    expect(chosen).to_have_count(1)
    expect(chosen.locator("q")).to_have_text(first_quote)
    expect(chosen.get_by_role("button", name="Retirer")).to_be_visible()
    # The quoted text is no longer offered.
    expect(candidates).to_have_count(count - 1)
    expect(candidates.locator("q").filter(has_text=re.compile(f"^{re.escape(first_quote)}$"))).to_have_count(0)
    check_page(page, "editor-quoted")

    # Text typed just before "Recalculer les chiffres" is kept.
    _section(page, "change").get_by_label("Texte de la section (Markdown)").fill(CHANGE_TEXT)
    page.get_by_role("button", name="Recalculer les chiffres").click()
    expect(page).to_have_url(editor_url)
    expect(page.get_by_role("status").filter(
        has_text="Textes enregistrés ; chiffres recalculés à partir des retours publiés.")).to_be_visible()
    expect(_section(page, "change").get_by_label("Texte de la section (Markdown)")).to_have_value(CHANGE_TEXT)

    # An over-long section: a French error beside it, the text still there, nothing published.
    too_long = "Trop long. " * 1900  # 20 900 characters
    _section(page, "monitoring").get_by_label("Texte de la section (Markdown)").fill(too_long)
    page.get_by_role("button", name="Publier une nouvelle version").first.click()
    summary = page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs")
    expect(summary).to_contain_text("Suivi après la mise en service — Texte de la section (Markdown) : "
                                    "Ce texte compte 20\u202f900 caractères")
    monitoring = _section(page, "monitoring").get_by_label("Texte de la section (Markdown)")
    expect(monitoring).to_have_value(too_long)
    expect(monitoring).to_have_attribute("aria-invalid", "true")
    expect(_section(page, "monitoring").locator(".field-errors")).to_contain_text("raccourcissez-le pour l'enregistrer")
    expect(page.get_by_text("Sections : {}")).to_have_count(0)
    check_page(page, "editor-error")
    monitoring.fill("")

    # Publish version 1: text typed just before the click is saved, and the confirmation page shows it.
    _section(page, "benefits").get_by_label("Texte de la section (Markdown)").fill(BENEFITS_TEXT)
    page.get_by_role("button", name="Publier une nouvelle version").first.click()
    expect(page).to_have_url(f"{editor_url}/publish")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Publier la version 1 de « {guide['title']} »")
    for key, typed in (("uses", USES_TEXT), ("change", CHANGE_TEXT), ("benefits", BENEFITS_TEXT)):
        change = page.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES[key])))
        expect(change.locator("ins")).to_have_text(f"[début d'ajout] {typed} [fin d'ajout]")
    check_page(page, "confirm-1")
    page.get_by_role("button", name="Confirmer la publication de la version 1").click()
    expect(page).to_have_url(f"{live_server}/guides/{guide['slug']}/versions/1")
    expect(page.get_by_role("heading", level=1)).to_have_text(guide["title"])
    expect(page.get_by_text(re.compile(r"^Version 1 publiée le \d{1,2} \S+ \d{4}\."))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Version 1 publiée.")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger le PDF")).to_be_visible()
    expect(page.get_by_role("navigation", name="Versions")).to_have_count(0)  # one version: no list yet
    advice = page.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["advice"])))
    expect(advice.locator("blockquote.quote")).to_have_count(1)
    check_page(page, "version-1")

    # 2. Back to the editor from the version page: edit the narrative again and publish version 2.
    page.get_by_role("link", name=f"Modifier {guide['title']}").click()
    expect(page).to_have_url(editor_url)
    expect(page.get_by_text("Version publiée : 1.")).to_be_visible()
    expect(_section(page, "benefits").get_by_label("Texte de la section (Markdown)")).to_have_value(BENEFITS_TEXT)
    _section(page, "prerequisites").get_by_label("Texte de la section (Markdown)").fill(NARRATIVE_V2)
    page.get_by_role("button", name="Enregistrer", exact=True).first.click()
    expect(page).to_have_url(editor_url)
    expect(page.get_by_role("status").filter(has_text="Brouillon enregistré.")).to_be_visible()
    page.get_by_role("button", name="Publier une nouvelle version").last.click()
    expect(page).to_have_url(f"{editor_url}/publish")
    change = page.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["prerequisites"])))
    expect(change.locator("ins")).to_have_text("[début d'ajout] et une salle de formation [fin d'ajout]")
    expect(page.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["benefits"])))).to_have_count(0)
    check_page(page, "confirm-2")
    # Back to the draft without confirming: nothing is published.
    page.get_by_role("link", name="Revenir au brouillon").click()
    expect(page).to_have_url(editor_url)
    expect(page.get_by_text("Version publiée : 1.")).to_be_visible()
    page.get_by_role("button", name="Publier une nouvelle version").first.click()
    page.get_by_role("button", name="Confirmer la publication de la version 2").click()
    version_2_url = f"{live_server}/guides/{guide['slug']}/versions/2"
    expect(page).to_have_url(version_2_url)
    expect(page.get_by_text(re.compile(r"^Version 2 publiée le "))).to_be_visible()
    versions = page.get_by_role("navigation", name="Versions")
    expect(versions).to_contain_text("Versions : version 2 · version 1")
    expect(versions.get_by_role("link", name="version 1", exact=True)).to_be_visible()
    expect(versions.locator("[aria-current=page]")).to_have_text("version 2")
    changes_link = versions.get_by_role("link", name="ce qui a changé depuis la version 1")
    expect(changes_link).to_be_visible()
    check_page(page, "version-2")

    changes_link.click()
    expect(page).to_have_url(re.compile(rf"/guides/{guide['slug']}/changes\?(to=2&from=1|from=1&to=2)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{guide['title']} : de la version 1 à la version 2")
    changed = page.locator(".diff-section")
    expect(changed).to_have_count(1)
    expect(changed.get_by_role("heading")).to_have_text(re.compile(rf"^\d+\. {re.escape(SECTION_TITLES['prerequisites'])}$"))
    expect(changed.locator(".diff")).to_have_text(
        "**Prérequis** : prévoir un référent[début d'ajout] et une salle de formation [fin d'ajout].")
    expect(changed.locator("ins")).to_have_css("text-decoration-line", "underline")
    expect(page.locator(".diff-legend del")).to_have_css("text-decoration-line", "line-through")
    expect(page.get_by_text("Citations ajoutées : 0 ; retirées : 0.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name=guide["title"])).to_have_attribute(
        "href", f"/guides/{guide['slug']}")
    check_page(page, "changes")
    page.get_by_role("link", name="Lire la version 2").click()
    expect(page).to_have_url(version_2_url)

    # 3. A visitor, not logged in, finds the guide by its category.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, base_url=live_server)
    visitor = context.new_page()
    try:
        visitor.goto(f"{live_server}/")
        nav = visitor.get_by_role("navigation", name="Navigation principale")
        expect(nav.get_by_role("link", name="Rédaction")).to_have_count(0)
        nav.get_by_role("link", name="Guides").click()
        expect(visitor).to_have_url(f"{live_server}/guides")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Guides de déploiement")
        check_page(visitor, "public-list")
        visitor.get_by_label("Catégorie").select_option(label=solution["category"])
        visitor.get_by_role("button", name="Filtrer").click()
        expect(visitor).to_have_url(f"{live_server}/guides?category={solution['category_slug']}")
        expect(visitor.get_by_label("Catégorie")).to_have_value(solution["category_slug"])
        card = visitor.locator(".cards > li").filter(has=visitor.get_by_role("link", name=guide["title"], exact=True))
        expect(card).to_contain_text("Version 2 du ")
        check_page(visitor, "public-list-filtered")

        card.get_by_role("link", name=guide["title"], exact=True).click()
        expect(visitor).to_have_url(f"{live_server}/guides/{guide['slug']}")
        expect(visitor.get_by_role("heading", level=1)).to_have_text(guide["title"])
        expect(visitor.get_by_text(re.compile(r"^Version 2 publiée le "))).to_be_visible()
        toc = visitor.get_by_role("navigation", name="Sommaire")
        expect(toc.get_by_role("link")).to_have_count(len(SECTIONS))
        # No analyst's links for a visitor.
        expect(visitor.get_by_role("link", name=re.compile("^les retours"))).to_have_count(0)
        expect(visitor.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(0)
        public_section = visitor.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["prerequisites"])))
        expect(public_section.locator(".narrative")).to_have_text(
            "Prérequis : prévoir un référent et une salle de formation.")
        check_page(visitor, "guide")

        visitor.get_by_role("navigation", name="Versions").get_by_role("link", name="version 1", exact=True).click()
        expect(visitor).to_have_url(f"{live_server}/guides/{guide['slug']}/versions/1")
        expect(visitor.get_by_text(re.compile(r"^Version 1 publiée le "))).to_be_visible()
        public_section = visitor.get_by_role("region", name=re.compile(re.escape(SECTION_TITLES["prerequisites"])))
        expect(public_section.locator(".narrative")).to_have_text("Prérequis : prévoir un référent.")
        expect(visitor.get_by_role("navigation", name="Versions").locator("[aria-current=page]")).to_have_text(
            "version 1")
        banner = visitor.locator(".old-version")
        expect(banner).to_contain_text("Version ancienne : vous lisez la version 1.")
        expect(banner).to_contain_text("La dernière version est la version 2, publiée le")
        check_page(visitor, "guide-version-1")
        banner.get_by_role("link", name="Lire la dernière version (version 2)").click()
        expect(visitor).to_have_url(f"{live_server}/guides/{guide['slug']}")
        expect(visitor.locator(".old-version")).to_have_count(0)
        visitor.go_back()
        expect(visitor).to_have_url(f"{live_server}/guides/{guide['slug']}/versions/1")

        # The PDF of version 1: a download, or shown inline by the browser.
        pdf_link = visitor.get_by_role("link", name="Télécharger le PDF")
        pdf_url = f"{live_server}/guides/{guide['slug']}/versions/1.pdf"
        expect(pdf_link).to_have_attribute("href", f"/guides/{guide['slug']}/versions/1.pdf")
        try:
            with visitor.expect_download(timeout=5_000) as info:
                pdf_link.click()
            content = open(info.value.path(), "rb").read()  # noqa: PTH123, SIM115
        except PlaywrightTimeoutError:  # the PDF opened inline (Content-Disposition: inline): fetch it instead
            response = visitor.request.get(pdf_url)
            assert response.ok, response.status
            assert response.headers["content-type"].startswith("application/pdf"), response.headers
            content = response.body()
        assert content.startswith(b"%PDF"), content[:20]
        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
        assert guide["title"] in " ".join(text.split()), text[:500]
        assert "Version 1" in text
    finally:
        context.close()

    # 4. An English reader is told that the guide is written in French.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, base_url=live_server)
    reader = context.new_page()
    try:
        reader.goto(f"{live_server}/guides/{guide['slug']}")
        expect(reader.locator("html")).to_have_attribute("lang", "en")
        expect(reader.get_by_text("This guide is written in French.")).to_be_visible()
        expect(reader.locator("#title-prerequisites[lang=fr]")).to_have_count(1)
        check_page(reader, "guide-english")
    finally:
        context.close()
