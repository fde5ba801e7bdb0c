"""Published guides: sections numbered in their current order, a banner on older versions, change logs that show
the texts' differences (readable without colour, nothing unpublished in them), and English readers told the guide
is in French."""

from __future__ import annotations

import re
import time

import pytest

from app.extensions import db
from app.services import guides
from app.services.guide_changes import diff_segments, text_diff
from app.services.guides import MAX_NARRATIVE
from tests.factories import make_solution, make_user, text
from tests.test_guides import publish_reports


@pytest.fixture
def analyst(app):
    return make_user("analyst")


@pytest.fixture
def guide(analyst):
    solution = make_solution(name="Radiolys")
    publish_reports(solution, 4)
    created = guides.create_guide(analyst, solution=solution)
    db.session.commit()
    return created


def publish(guide, analyst, **narratives):
    guides.update_sections(guide, {key: {"narrative": value} for key, value in narratives.items()}, analyst)
    version = guides.publish(guide, analyst)
    db.session.commit()
    return version


def ops(segments) -> list[tuple[str, str]]:
    return [(s["op"], s["text"]) for s in segments]


def test_a_word_added_or_removed_is_marked_alone():
    assert ops(text_diff("Prévoir un référent.", "Prévoir un référent et une salle.")) == [
        ("equal", "Prévoir un référent"), ("insert", " et une salle"), ("equal", ".")]
    assert ops(text_diff("Deux jours de formation.", "Deux jours.")) == [
        ("equal", "Deux jours"), ("delete", " de formation"), ("equal", ".")]
    assert ops(text_diff("", "Nouveau.")) == [("insert", "Nouveau.")]
    assert ops(text_diff("Ancien.", "")) == [("delete", "Ancien.")]


def test_long_unchanged_passages_are_shortened_around_the_change():
    before = "A" * 2000 + " fin."
    segments = text_diff(before, before.replace("fin.", "suite et fin."))
    assert [s["op"] for s in segments] == ["skip", "equal", "insert", "equal"]
    assert sum(len(s["text"]) for s in segments) < 400


def test_a_hostile_text_is_compared_quickly():
    before = "a b " * 5000
    after = "b a " * 5000
    started = time.perf_counter()
    segments = text_diff(before, after)
    assert time.perf_counter() - started < 3
    assert {s["op"] for s in segments} <= {"equal", "insert", "delete", "skip"}


def test_reordered_sections_are_numbered_in_their_new_order_in_the_toc_headings_and_pdf(client, guide, analyst):
    from app.services.guide_pdf import document

    guides.update_sections(guide, {"advice": {"position": 0}, "identity": {"position": 1},
                                   "regulation": {"visible": False}}, analyst)
    version = guides.publish(guide, analyst)
    db.session.commit()
    page = text(client.get(f"/guides/{guide.slug}"))
    toc = re.search(r'<nav class="toc".*?</nav>', page, flags=re.S).group(0)
    titles = re.findall(r">(\d+)\. ([^<]+)</a>", toc)
    assert titles[:4] == [("0", "Conseils de pairs et liste de vérification"), ("1", "Fiche d'identité"),
                          ("2", "Besoins et usages observés"), ("3", "Preuves et performance sur le terrain")]
    assert [n for n, _ in titles] == [str(i) for i in range(10)]  # the hidden section leaves no gap
    assert '<h2 id="title-advice">0. Conseils de pairs et liste de vérification</h2>' in page
    assert '<h2 id="title-evidence">3. Preuves et performance sur le terrain</h2>' in page
    with app_locale(client):
        numbered = [(s["number"], s["key"]) for s in document(version)["sections"]]
    assert numbered[:3] == [(0, "advice"), (1, "identity"), (2, "uses")]


def app_locale(client):
    return client.application.test_request_context("/")


def test_an_older_version_points_to_the_latest(client, guide, analyst):
    publish(guide, analyst, uses="Premier texte.")
    latest = publish(guide, analyst, uses="Second texte.")
    old_page = text(client.get(f"/guides/{guide.slug}/versions/1"))
    assert "Version ancienne : vous lisez la version 1." in old_page
    assert "La dernière version est la version 2, publiée le" in old_page
    assert f'<a href="/guides/{guide.slug}">Lire la dernière version (version 2)</a>' in old_page
    assert re.search(rf'href="/guides/{guide.slug}/changes\?(to=2&from=1|from=1&to=2)"', old_page)
    assert latest.number == 2
    assert "Version ancienne" not in text(client.get(f"/guides/{guide.slug}/versions/2"))
    assert "Version ancienne" not in text(client.get(f"/guides/{guide.slug}"))


def test_the_change_log_shows_the_text_differences_marked_in_words(client, guide, analyst):
    publish(guide, analyst, uses="Prévoir un référent.", change="Former les équipes.")
    publish(guide, analyst, uses="Prévoir un référent et une salle.", change="Former.")
    page = text(client.get(f"/guides/{guide.slug}/changes?from=1&to=2"))
    assert re.search(r"1\. Besoins et usages observés</h3>\s*<div class=\"diff\">Prévoir un référent<ins>"
                     r"<span class=\"visually-hidden\">\[début d'ajout\] </span> et une salle"
                     r"<span class=\"visually-hidden\"> \[fin d'ajout\]</span></ins>\.</div>", page)
    assert re.search(r"Former<del><span class=\"visually-hidden\">\[début de suppression\] </span> les équipes"
                     r"<span class=\"visually-hidden\"> \[fin de suppression\]</span></del>\.", page)
    assert "Légende :" in page and "(souligné)" in page and "(barré)" in page


def test_the_change_log_never_shows_the_text_of_a_hidden_section(client, guide, analyst):
    guides.update_sections(guide, {"uses": {"visible": False, "narrative": "Brouillon interne jamais publié."}},
                           analyst)
    guides.publish(guide, analyst)
    publish(guide, analyst, uses="Autre brouillon interne, toujours masqué.", change="Un texte publié.")
    page = text(client.get(f"/guides/{guide.slug}/changes?from=1&to=2"))
    assert "Un texte publié." in page
    assert "Brouillon interne" not in page and "toujours masqué" not in page

    guides.update_sections(guide, {"uses": {"visible": True}}, analyst)
    guides.publish(guide, analyst)
    db.session.commit()
    page = text(client.get(f"/guides/{guide.slug}/changes?from=2&to=3"))
    assert "Section de nouveau affichée." in page and "Autre brouillon interne, toujours masqué." in page


def test_the_change_log_shows_figures_as_published(client, guide, analyst):
    """Figures come from the snapshots (the statistics release's visitor view), never recomputed."""
    first = guides.publish(guide, analyst)
    db.session.commit()
    publish_reports(guide.solution, 3)
    guides.generate_draft(guide, analyst)
    second = guides.publish(guide, analyst)
    db.session.commit()
    page = text(client.get(f"/guides/{guide.slug}/changes?from={first.number}&to={second.number}"))
    row = re.search(r"<th scope=\"row\">Établissements ayant publié un retour</th>.*?</tr>", page, flags=re.S).group(0)
    assert "4 (4 établissements)" in row and "7 (7 établissements)" in row


def test_english_readers_are_told_the_guide_is_in_french(client, guide, analyst):
    publish(guide, analyst, uses="Texte.")
    publish(guide, analyst, uses="Texte modifié.")
    english = {"Accept-Language": "en"}
    page = text(client.get(f"/guides/{guide.slug}", headers=english))
    assert "This guide is written in French." in page
    assert '<h2 id="title-uses" lang="fr">1. Besoins et usages observés</h2>' in page
    assert "This guide is written in French" in text(client.get(f"/guides/{guide.slug}/changes?from=1&to=2",
                                                                headers=english))
    assert f'<h1 lang="fr">{guide.title}</h1>' in page
    assert "Guides are written in French." in text(client.get("/guides", headers=english))
    assert "rédigé en français" not in text(client.get(f"/guides/{guide.slug}"))
    assert "rédigés en français" not in text(client.get("/guides"))


def applied(segments: list[tuple[str, str]]) -> tuple[str, str]:
    return ("".join(text for op, text in segments if op != "insert"),
            "".join(text for op, text in segments if op != "delete"))


@pytest.mark.parametrize(("before", "after"), [
    ("a\n" * 10_000, "b\n" * 10_000),
    ("a\n" * 10_000, "a\n" * 5_000 + "b\n" + "a\n" * 4_999),
    ("a\nb\n" * 5_000, "b\na\n" * 5_000),
    ("a " * 10_000, "a b " * 5_000),
    ("ab" * 10_000, "ba" * 10_000),
    ("le la " * 630, "la le " * 630),
    ("\n".join(f"p{i} " + "a b " * 10 for i in range(400)), "\n".join(f"p{i} " + "b a " * 10 for i in range(400))),
])
def test_repetitive_texts_at_the_maximum_length_are_compared_quickly(before, after):
    before, after = before[:MAX_NARRATIVE], after[:MAX_NARRATIVE]
    started = time.perf_counter()
    segments = diff_segments(before, after)
    text_diff(before, after)
    assert time.perf_counter() - started < 2
    assert applied(segments) == (before, after)


@pytest.mark.parametrize(("before", "after"), [
    ("Prévoir un référent.\nDeux jours.\n", "Prévoir un référent et une salle.\nDeux jours.\nPuis un bilan.\n"),
    ("Un.\nDeux.\nTrois.\n", "Trois.\nUn.\nDeux, enfin.\n"),
    ("Former les équipes, puis installer.", "Installer, puis former les équipes du service."),
    ("", "Nouveau.\n"), ("Ancien.\n", ""),
])
def test_applying_a_diff_gives_back_both_texts(before, after):
    assert applied(diff_segments(before, after)) == (before, after)


def test_each_reworded_paragraph_is_compared_word_by_word():
    before = "\n".join(f"Paragraphe {i} : la formation dure deux jours." for i in range(20))
    after = "\n".join(f"Paragraphe {i} : la formation dure trois jours." for i in range(20))
    segments = diff_segments(before, after)
    assert segments.count(("delete", " deux")) == 20 and segments.count(("insert", " trois")) == 20
