"""Numbers as each language writes them: "65,8 [61,8 ; 69,8]", "32 %" and "1,5 h" in French, "65.8 [61.8; 69.8]",
"32%" and "1.5 h" in English, on the pages, in the charts, in the guides (web and PDF); the JSON keeps its dots."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.services import guide_pdf, guide_sections, guides, numbers, privacy
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user, text
from tests.test_guide_pdf import pdf_text

NBSP = "\u00a0"
FRENCH = {"Accept-Language": "fr-FR"}
ENGLISH = {"Accept-Language": "en-GB"}


@pytest.fixture(autouse=True)
def no_personal_data_model(monkeypatch):
    monkeypatch.setattr(privacy, "scan", lambda text, not_names=(): [])


@pytest.mark.parametrize(("locale", "value", "digits", "expected"), [
    ("fr", 65.8, 1, "65,8"), ("en", 65.8, 1, "65.8"),
    ("fr", 2, 1, "2,0"), ("en", 2, 1, "2.0"),
    ("fr", -12.5, 1, "\u221212,5"), ("en", -12.5, 1, "\u221212.5"),
    ("fr", 1234.56, 1, "1\u202f234,6"), ("en", 1234.56, 1, "1,234.6"),
    ("fr", 3.14159, 2, "3,14"), ("en", 1234, 0, "1,234"),
])
def test_decimals_follow_the_language(app, locale, value, digits, expected):
    assert numbers.decimal(value, digits, locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [("fr", f"32{NBSP}%"), ("en", "32%")])
def test_percentages_follow_the_language(app, locale, expected):
    assert numbers.percent(0.32, locale) == expected


def test_intervals_and_units_follow_the_language(app):
    assert numbers.interval("61,8", "69,8", "fr") == f"[61,8{NBSP}; 69,8]"
    assert numbers.interval("61.8", "69.8", "en") == "[61.8; 69.8]"
    assert numbers.with_unit("1,5", " h") == f"1,5{NBSP}h"
    assert numbers.number(80.3, "fr") == "80,3" and numbers.number(68, "fr") == "68"


def test_the_current_language_is_the_default(app):
    with force_locale("en"):
        assert numbers.decimal(65.8) == "65.8"
    with force_locale("fr"):
        assert numbers.decimal(65.8) == "65,8"


@pytest.fixture
def solution_with_five(app):
    solution = make_solution(name="Radiolys")
    for index in range(5):
        make_report(make_user("contributor", make_establishment(region="11")), solution, "published",
                    complete_answers(rating_usefulness=str(index + 1), stage="stopped" if index == 4 else "production",
                                     stop_reasons=["cost"] if index == 4 else []))
    db.session.commit()
    return solution


def test_the_scorecard_writes_decimals_in_french_and_in_english(client, auth, solution_with_five):
    analyst = make_user("analyst")  # analysts read every interval
    db.session.commit()
    auth.login(analyst.email)
    url = f"/statistics/solutions/{solution_with_five.id}"

    page = text(client.get(url, headers=FRENCH))
    assert re.search(r"Utilité</th><td>3,0 <span class=\"ci\">\[\d,\d\u00a0; \d,\d\]</span>", page)
    assert f"20{NBSP}%" in page  # the stop rate
    assert f">2,5{NBSP}h</td>" in page  # the median time saved
    assert re.search(r'class="tick" text-anchor="middle">80,3</text>', page)  # the SUS gauge's benchmark
    assert "Moyenne : 85,0" in page  # the gauge's label
    assert not re.search(r"\d\.\d", re.sub(r"<[^>]*>", " ", page)), "a dot decimal left in the French text"

    page = text(client.get(url, headers=ENGLISH))
    assert re.search(r"\d\.\d <span class=\"ci\">\[\d\.\d; \d\.\d\]</span>", page)
    assert "20%" in page and f"20{NBSP}%" not in page
    assert f">2.5{NBSP}h</td>" in page
    assert re.search(r'class="tick" text-anchor="middle">80\.3</text>', page)


def test_the_api_keeps_numbers_with_a_dot(client, solution_with_five):
    body = client.get(f"/api/v1/solutions/{solution_with_five.id}/scorecard", headers=FRENCH).get_json()
    assert body["ratings"]["usefulness"]["value"] == 3.0  # a JSON number, not "3,0"


def published_guide(locale: str):
    solution = make_solution(name="Radiologie Assistée")
    for _ in range(4):
        make_report(make_user("contributor", make_establishment()), solution, "published", complete_answers())
    db.session.commit()
    analyst = make_user("analyst")
    with force_locale(locale):
        guide = guides.create_guide(analyst, solution=solution)
        version = guides.publish(guide, analyst)
    db.session.commit()
    return guide, version


def test_guide_sentences_are_written_in_the_language_they_were_generated_in(app):
    with force_locale("fr"):
        fig = guide_sections.figure("rating_x", "Utilité", {"value": 3.84, "n": 12, "ci": [3.1, 4.56]}, "mean",
                                    " sur 5")
        assert guide_sections.sentence(fig) == (f"Utilité : 3,8{NBSP}sur 5 en moyenne (IC 95 % : 3,1 à 4,6), "
                                                "sur 12 établissements.")
    with force_locale("en"):
        fig = guide_sections.figure("rating_x", "Usefulness", {"value": 3.84, "n": 12, "ci": [3.1, 4.56]}, "mean",
                                    " out of 5")
        assert guide_sections.sentence(fig) == (f"Usefulness: 3.8{NBSP}out of 5 on average (95% CI: 3.1 to 4.6), "
                                                "from 12 establishments.")


@pytest.mark.parametrize(("headers", "expected"), [(FRENCH, "4,0"), (ENGLISH, "4.0")])
def test_the_guide_page_writes_its_figures_in_the_readers_language(client, headers, expected):
    guide, _version = published_guide("fr")
    page = text(client.get(f"/guides/{guide.slug}", headers=headers))
    assert re.search(rf"<td>{re.escape(expected)} sur 5</td>", page)
    # The generated sentences keep the language of the guide (French), numbers included.
    assert f"Fiabilité des résultats : 4,0{NBSP}sur 5 en moyenne, sur 4 établissements." in page
    if headers is FRENCH:  # the version's source line: its counts agree with their nouns
        assert re.search(r"publiée le [^<]+\.\s+Établie à partir de 4 retours publiés de 4 établissements\.</p>", page)


def test_the_guide_pdf_writes_french_decimals_whoever_asks(app):
    _guide, version = published_guide("fr")
    with force_locale("en"):  # an English reader asks first: the PDF is French all the same
        data = guide_pdf.render_pdf(version)
    content = pdf_text(data)
    assert "Fiabilité des résultats 4,0 sur 5 — 4 établissements" in content
    assert "Fiabilité des résultats : 4,0 sur 5 en moyenne, sur 4 établissements." in content
    assert "4.0" not in content


@pytest.mark.parametrize(("locale", "expected"), [("fr", "Le nombre doit être compris entre 0 et 100\u202f000."),
                                                  ("en", "Number must be between 0 and 100,000.")])
def test_a_range_message_writes_its_bounds_in_the_readers_language(app, locale, expected):
    from app.questionnaire import BY_NAME
    from app.questionnaire.rules import question_errors

    with force_locale(locale):
        assert expected in question_errors(BY_NAME["users_count"], {"users_count": "200000"})


def test_comparison_category_and_observatory_write_numbers_in_the_readers_language(client, auth, solution_with_five):
    analyst = make_user("analyst")
    other = make_solution(name="Mammavue", category=solution_with_five.category)
    db.session.commit()
    auth.login(analyst.email)
    pages = (f"/statistics/compare?solutions={solution_with_five.id}&solutions={other.id}",
             f"/statistics/categories/{solution_with_five.category.slug}", "/observatory")
    for url in pages:
        french, english = text(client.get(url, headers=FRENCH)), text(client.get(url, headers=ENGLISH))
        assert f"20{NBSP}%" in french and "20%" in english, url  # the stop rate
        assert "20%" not in french and f"20{NBSP}%" not in english, url
    compare = text(client.get(pages[0], headers=FRENCH))
    assert re.search(r"<td>85,0 <span class=\"ci\">\[\d+,\d\u00a0; \d+,\d\]</span>", compare)  # the SUS score
    compare = text(client.get(pages[0], headers=ENGLISH))
    assert re.search(r"<td>85\.0 <span class=\"ci\">\[\d+\.\d; \d+\.\d\]</span>", compare)


def test_the_api_gives_a_guides_median_and_score_as_such_with_numbers_as_json_numbers(client):
    guide, _version = published_guide("fr")
    body = client.get(f"/api/v1/guides/{guide.slug}", headers=FRENCH).get_json()
    benefits = next(s for s in body["sections"] if s["key"] == "benefits")
    kinds = {f["key"]: f["kind"] for f in benefits["figures"]}
    assert kinds == {"time_saved": "median", "nps": "score"}
    time_saved = next(f for f in benefits["figures"] if f["key"] == "time_saved")
    assert time_saved["cell"]["value"] == 2.5  # a number, not "2,5"
    assert benefits["sentences"][0] == (f"Temps gagné par utilisateur et par semaine (médiane) : 2,5{NBSP}h, "
                                        "sur 4 établissements.")


def test_a_reports_sus_score_is_written_in_the_readers_language(client, auth):
    author = make_user("contributor")
    report = make_report(author, make_solution(), "published", complete_answers())  # SUS 85
    db.session.commit()
    auth.login(author.email)
    assert "<strong>85,0</strong>" in text(client.get(f"/reports/{report.id}", headers=FRENCH))
    assert "<strong>85.0</strong>" in text(client.get(f"/reports/{report.id}", headers=ENGLISH))
