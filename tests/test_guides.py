"""Guides: generated from the statistics, edited, quoted, published as immutable versions."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import GuideVersion, Report
from app.services import guides, releases, stats
from app.services.report_privacy import rescan_all
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user, text


def publish_reports(solution, count, **answers):
    """Reports published and committed: the statistics release a guide reads is made after the commit."""
    for index in range(count):
        establishment = make_establishment(region="11")
        make_report(make_user("contributor", establishment), solution, "published",
                    complete_answers(rating_usefulness=str(1 + index % 5), **answers))
    db.session.commit()


@pytest.fixture
def analyst(app):
    return make_user("analyst")


@pytest.fixture
def guide(analyst):
    solution = make_solution(name="Radiolys")
    publish_reports(solution, 4, prerequisites_missing=["budget"], prerequisites_met=["network"])
    created = guides.create_guide(analyst, solution=solution)
    db.session.commit()
    return created


def section(draft, key):
    return next(s for s in draft["sections"] if s["key"] == key)


def figures(draft):
    return {f["key"]: f for s in draft["sections"] for f in s["figures"]}


def test_the_draft_has_the_eleven_sections_in_order(guide):
    keys = [s["key"] for s in guides.ordered_sections(guide.draft)]
    assert keys == ["identity", "uses", "regulation", "evidence", "prerequisites", "governance", "change",
                    "procurement", "benefits", "monitoring", "advice"]


def test_every_figure_is_the_statistics_releases_cell(guide):
    card = releases.visitor_scorecard(releases.solution_scope(guide.solution_id))
    found = figures(guide.draft)
    assert found["rating_usefulness"]["cell"] == card["ratings"]["usefulness"]
    assert found["sus"]["cell"] == card["sus"]
    assert found["nps"]["cell"] == card["nps"]
    assert found["gov_human_oversight"]["cell"] == card["governance"]["human_oversight"]
    assert found["establishments"]["cell"]["value"] == 4
    assert found["missing_budget"]["cell"]["value"] == 1.0  # every establishment lacked a budget


def test_generated_sentences_state_the_figures_with_their_establishments(guide):
    sentences = " ".join(section(guide.draft, "prerequisites")["sentences"])
    assert "4 établissements sur 4 citent « Budget » comme prérequis manquant." in sentences
    assert "sur 4 établissements" in " ".join(section(guide.draft, "evidence")["sentences"])


def test_secrecy_holds_in_every_section(app, analyst):
    solution = make_solution()
    publish_reports(solution, 2)
    guide = guides.create_guide(analyst, solution=solution)
    for fig in figures(guide.draft).values():
        cell = fig["cell"]
        assert cell["value"] is None or cell["n"] == 0 or cell["n"] >= stats.minimum(), fig["key"]
    assert "effectif insuffisant" in " ".join(section(guide.draft, "evidence")["sentences"])


def test_a_published_version_does_not_change_when_reports_arrive(guide, analyst):
    version = guides.publish(guide, analyst)
    db.session.commit()
    before = figures(version.snapshot)["establishments"]["cell"]["value"]
    publish_reports(guide.solution, 3)
    guides.generate_draft(guide, analyst)
    db.session.commit()
    db.session.expire_all()
    frozen = db.session.get(GuideVersion, version.id)
    assert figures(frozen.snapshot)["establishments"]["cell"]["value"] == before == 4
    assert figures(guide.draft)["establishments"]["cell"]["value"] == 7
    assert guides.new_reports_since(guide) == 3


def test_the_change_log_lists_sections_and_figures_that_moved(guide, analyst):
    first = guides.publish(guide, analyst)
    publish_reports(guide.solution, 3)
    guides.generate_draft(guide, analyst)
    guides.update_sections(guide, {"uses": {"narrative": "Nouveau texte."}}, analyst)
    second = guides.publish(guide, analyst)
    log = guides.changelog(first, second)
    assert [s["title"] for s in log["sections"]] == ["Besoins et usages observés"]
    moved = {f["label"]: (f["before"]["value"], f["after"]["value"]) for f in log["figures"]}
    assert moved["Établissements ayant publié un retour"] == (4, 7)


def test_markdown_is_rendered_and_made_harmless_in_the_page(client, guide, analyst):
    guides.update_sections(guide, {"uses": {"narrative": (
        "**Gras** <script>alert('x')</script> [lien](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> <a href=\"https://ok.example\" onclick=\"steal()\">ok</a>")}}, analyst)
    guides.publish(guide, analyst)
    db.session.commit()
    page = client.get(f"/guides/{guide.slug}").get_data(as_text=True)
    assert "<strong>Gras</strong>" in page
    for bad in ("<script>alert", "javascript:", "onerror", "onclick", "<img"):
        assert bad not in page


def test_a_quote_shows_type_and_size_only(guide, analyst):
    candidate = guides.quote_candidates(guide)[0]
    guides.add_quote(guide, candidate["report_id"], candidate["field"], analyst)
    quote = guide.draft["quotes"][0]
    from app.models import Report

    report = db.session.get(Report, candidate["report_id"])
    assert report.establishment.name not in quote["establishment"]
    assert "Centre hospitalier" in quote["establishment"]


def test_a_quote_names_no_group_smaller_than_the_minimum(analyst):
    """A lone CLCC quoted with its type and size would be that establishment's words: the label names only what
    at least the minimum of the subject's establishments share."""
    solution = make_solution(name="Dermalys")
    publish_reports(solution, 3)  # three CH of 200 to 499 beds
    lone = make_establishment(type="clcc", size_class="1000_plus")
    # Two CH of another size: the type is shared by the minimum, not the size. Three new voices make a release.
    bigger = [make_establishment(size_class="1000_plus") for _ in range(2)]
    for establishment in (lone, *bigger):
        make_report(make_user("contributor", establishment), solution, "published",
                    complete_answers(advice="Former les équipes avant le lancement."))
    db.session.commit()
    guide = guides.create_guide(analyst, solution=solution)
    labels = {db.session.get(Report, c["report_id"]).establishment_id: c["establishment"]
              for c in guides.quote_candidates(guide)}
    assert labels[lone.id] == "Un établissement"
    assert labels[bigger[0].id] == labels[bigger[1].id] == "Centre hospitalier"
    assert set(labels.values()) == {"Un établissement", "Centre hospitalier",
                                    "Centre hospitalier · 200 à 499 lits ou places"}
    for establishment_id, label in labels.items():
        report = db.session.scalar(sa.select(Report).where(Report.establishment_id == establishment_id))
        guides.add_quote(guide, report.id, "advice", analyst)
        assert guide.draft["quotes"][-1]["establishment"] == label  # the quote keeps the label it was offered with


def test_a_quote_from_a_flagged_text_is_refused(guide, analyst):
    from app.models import Report

    report = db.session.get(Report, guide.draft["evidence"][0])
    revision = report.published_revision
    revision.answers = {**revision.answers, "advice": "Appelez Mme Garnier au 06 12 34 56 78."}
    rescan_all()
    db.session.commit()
    with pytest.raises(guides.GuideError, match="donnée personnelle"):
        guides.add_quote(guide, report.id, "advice", analyst)
    assert all(c["report_id"] != report.id or c["field"] != "advice" for c in guides.quote_candidates(guide))


def test_analyst_journey_through_the_pages(client, auth, guide, analyst):
    auth.login(analyst.email)
    assert client.get(f"/guides/manage/{guide.id}").status_code == 200
    confirmation = client.get(f"/guides/manage/{guide.id}/publish")
    assert "Publier la version 1" in text(confirmation)
    response = client.post(f"/guides/manage/{guide.id}/publish", data={"shown": guides.draft_fingerprint(guide)})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Version 1 publiée le" in page
    assert "Sommaire" in page and "Liste de vérification" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuideVersion)) == 1
    assert "Retours d'expérience : Radiolys" in text(client.get("/guides"))


def test_publishing_twice_without_a_change_is_refused(guide, analyst):
    guides.publish(guide, analyst)
    with pytest.raises(guides.GuideError, match="Rien n'a changé"):
        guides.publish(guide, analyst)
    guides.update_sections(guide, {"uses": {"narrative": "Un ajout."}}, analyst)
    assert guides.publish(guide, analyst).number == 2


def test_the_editor_reads_no_more_entries_than_the_guide_has_sections(client, auth, guide, analyst):
    """A request carrying thousands of entries costs no more than the form itself: the extra ones are ignored."""
    from app.services.guide_sections import SECTIONS

    auth.login(analyst.email)
    keys = [s["key"] for s in sorted(guide.draft["sections"], key=lambda s: s["number"])]
    fields = {}
    for index, key in enumerate(keys):
        fields |= {f"sections-{index}-key": key, f"sections-{index}-narrative": f"Texte {index}",
                   f"sections-{index}-visible": "y", f"sections-{index}-position": str(index)}
    fields |= {"sections-1-key": keys[0]}  # a section named twice: its first entry counts
    for index in range(len(keys), 3000):  # a later entry naming a real section must not overwrite it
        fields |= {f"sections-{index}-key": keys[0], f"sections-{index}-narrative": "Écrasé",
                   f"sections-{index}-position": "0"}
    response = client.post(f"/guides/manage/{guide.id}", data=fields)
    assert response.status_code == 302
    db.session.expire_all()
    assert len(keys) == len(SECTIONS)
    assert section(db.session.get(type(guide), guide.id).draft, keys[0])["narrative"] == "Texte 0"
