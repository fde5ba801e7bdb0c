"""Hostile input in the questionnaire: free texts and other inputs come out as text in every page, export and guide."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app import questionnaire as q
from app.extensions import db
from app.models import Guide, PrivacyFlag, Report, ReportRevision
from app.services import guides as guide_service
from app.services import reports as report_service
from tests.factories import COMPLETE_STEPS, complete_answers, make_solution, make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    FREE_TEXTS,
    ROUNDS,
    STEP_DATA,
    assert_stored,
    expected,
    location_id,
    logged_in,
    packed,
    post_form,
    print_surface,
    tally,
)
from tests.hostile_reading import (
    FORBIDDEN_TAGS,
    Page,
    assert_shown_as_text,
    check_page,
    french_error,
    read_csv,
    read_json,
    read_pdf,
    runs_as_formula,
    shown_in_pdf,
    spreadsheet_cell,
)

# The questionnaire --------------------------------------------------------------------------------------------

FREE_TEXT_STEPS = {1: FREE_TEXTS[:2], 6: FREE_TEXTS[2:]}
MESSAGE = "moderator_message"


def test_every_free_text_of_the_questionnaire_is_sent():
    assert set(FREE_TEXTS) == set(q.FREE_TEXT_FIELDS)


def test_questionnaire_free_texts_come_out_as_text_everywhere(site, capsys):
    """Written, autosaved, summarised, moderated (with a message back to the author), published, exported and
    quoted in a guide."""
    surface = "questionnaire"
    solution = make_solution(name="Radiolys", vendor="Nordalune")
    moderator, analyst = make_user("moderator"), make_user("analyst")
    drafts = []
    for index in range(ROUNDS):
        author = make_user("contributor")
        report, _created = report_service.new_report(author, solution, uuid.uuid4().hex)
        report.working_revision.answers = complete_answers(stage="stopped", stop_reasons=["cost"],
                                                           **dict.fromkeys(FREE_TEXTS, ""))
        drafts.append((author, report.id, report.working_revision.id, packed(index, (*FREE_TEXTS, MESSAGE))))
    db.session.commit()
    moderation, reading = logged_in(site, moderator), logged_in(site, analyst)

    published = {}
    for author, report_id, revision_id, values in drafts:
        writing, url = logged_in(site, author), f"/reports/{report_id}"
        for step, names in FREE_TEXT_STEPS.items():
            fields = {**STEP_DATA[step], **{name: values[name] for name in names}}
            if step == 6:  # the browser's autosave first, as the contributor types
                saved = read_json(post_form(writing, f"{url}/step/6/autosave", fields))
                assert saved["status"] == "saved"
                fragment = Page(saved["warnings_html"])  # the passages flagged as personal data, highlighted
                assert not [tag for tag, attrs in fragment.starts
                            if tag in FORBIDDEN_TAGS or [name for name in attrs if name.startswith("on")]]
                for name in names:
                    if f'href="#{name}"' in saved["warnings_html"]:
                        assert_shown_as_text(saved["warnings_html"], fragment, expected(values[name]))
                    tally(surface, values[name], name, "autosave (JSON)")
            response = post_form(writing, f"{url}/step/{step}", {**fields, "nav": "next"})
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        answers = db.session.get(ReportRevision, revision_id).answers
        stored = {name: assert_stored(values[name], answers[name]) for name in FREE_TEXTS}

        def items(names, stored=stored, values=values):
            return [(values[name], name, stored[name]) for name in names]

        check_page(surface, writing.get(f"{url}/summary"), "summary", items(FREE_TEXTS))
        assert writing.post(f"{url}/summary", data={"submission_key": uuid.uuid4().hex}).status_code == 302
        check_page(surface, moderation.get(f"/moderation/revisions/{revision_id}"), "moderation review",
                   items(FREE_TEXTS))
        response = post_form(moderation, f"/moderation/revisions/{revision_id}/request-changes",
                             {"changes-message": values[MESSAGE]})
        assert response.status_code == 302
        db.session.expire_all()
        stored[MESSAGE] = assert_stored(values[MESSAGE], db.session.get(ReportRevision, revision_id).moderator_message,
                                        strip=True)
        for step, names in FREE_TEXT_STEPS.items():
            check_page(surface, writing.get(f"{url}/step/{step}"), "questionnaire step", items((*names, MESSAGE)))
        check_page(surface, writing.get(url), "report (author)", items((*FREE_TEXTS, MESSAGE)))

        assert writing.post(f"{url}/summary", data={"submission_key": uuid.uuid4().hex}).status_code == 302
        for flag_id in db.session.scalars(sa.select(PrivacyFlag.id).where(PrivacyFlag.revision_id == revision_id,
                                                                          PrivacyFlag.status == "open")):
            assert moderation.post(f"/moderation/flags/{flag_id}/dismiss").status_code == 302
        assert moderation.post(f"/moderation/revisions/{revision_id}/publish").status_code == 302
        check_page(surface, reading.get(url), "report (analyst)", items(FREE_TEXTS))
        published[report_id] = (values, stored)
        db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.status == "published")) \
        == ROUNDS

    # The exports: one row per report, every column in place, formulas neutralised, values intact.
    rows = {int(row["report_id"]): row for row in read_csv(reading.get("/exports/reports.csv"))}
    assert sorted(rows) == sorted(published)
    for report_id, (values, stored) in published.items():
        for name in FREE_TEXTS:
            cell = rows[report_id][name]
            assert cell == spreadsheet_cell(stored[name]) and not runs_as_formula(cell), (values[name], cell)
            tally(surface, values[name], name, "CSV export")
    rows = {row["report_id"]: row for row in read_json(reading.get("/exports/reports.json"))}
    for report_id, (values, stored) in published.items():
        for name in FREE_TEXTS:
            assert rows[report_id][name] == stored[name]
            tally(surface, values[name], name, "JSON export")

    # A guide quoting every report's advice: the analyst's page, the published page and its PDF. A guide reads
    # its subject's statistics release: one holding every report (made here at once rather than when enough
    # establishments have published since the last one).
    from app.models import StatRelease, StatReleaseView
    from app.services import releases

    # A first release: after one shown, a release where fewer than the minimum changed hides the whole.
    scope = releases.solution_scope(solution.id)
    earlier = db.session.scalars(sa.select(StatRelease.id).where(StatRelease.scope == scope)).all()
    db.session.execute(sa.delete(StatReleaseView).where(StatReleaseView.release_id.in_(earlier)))
    db.session.execute(sa.delete(StatRelease).where(StatRelease.id.in_(earlier)))
    releases.build(scope)
    db.session.commit()
    guide_id = location_id(reading.post("/guides/manage/new", data={"subject": f"solution:{solution.id}"}),
                           r"/guides/manage/([0-9]+)")
    for report_id in published:
        response = reading.post(f"/guides/manage/{guide_id}", data={"action": f"cite:{report_id}:advice"})
        assert response.status_code == 302
    quotes = [(values["advice"], "advice", stored["advice"].strip()) for values, stored in published.values()]
    assert len(db.session.get(Guide, guide_id).draft["quotes"]) == len(quotes)
    check_page(surface, reading.get(f"/guides/manage/{guide_id}"), "guide editing (quotes)", quotes)
    response = reading.post(f"/guides/manage/{guide_id}/publish",
                            data={"shown": guide_service.draft_fingerprint(db.session.get(Guide, guide_id))})
    assert response.status_code == 302
    check_page(surface, reading.get(response.headers["Location"]), "guide page (quotes)", quotes)
    pdf = read_pdf(reading.get(response.headers["Location"] + ".pdf").get_data())
    for value, name, text in quotes:
        assert shown_in_pdf(pdf, text), (value, text)
        tally(surface, value, name, "guide PDF (quotes)")
    print_surface(capsys, surface)


OTHER_INPUTS = {1: ("start_date", "users_count", "stage", "initiated_by"), 2: ("months_to_golive", "cost_bracket"),
                3: ("time_saved_hours", "incidents_count", "choose_again")}
TYPED_INPUTS = ("start_date", "users_count", "months_to_golive", "time_saved_hours", "incidents_count")


def test_questionnaire_other_inputs_answer_in_french_and_show_what_was_typed(site, capsys):
    """Dates and numbers, and choices whose value was tampered with: a French error, the value shown as text."""
    surface = "questionnaire (other inputs)"
    author = make_user("contributor")
    report, _created = report_service.new_report(author, make_solution(), uuid.uuid4().hex)
    report.working_revision.answers = complete_answers()
    revision_id = report.working_revision.id
    db.session.commit()
    writing, url = logged_in(site, author), f"/reports/{report.id}"
    names = [name for step_names in OTHER_INPUTS.values() for name in step_names]
    for index in range(ROUNDS):
        values = packed(index, names)
        for step, step_names in OTHER_INPUTS.items():
            response = post_form(writing, f"{url}/step/{step}",
                                 {**COMPLETE_STEPS[step], **{name: values[name] for name in step_names}, "nav": "next"})
            answers = db.session.get(ReportRevision, revision_id).answers
            typed = [name for name in step_names if name in TYPED_INPUTS]
            page = check_page(surface, response, "questionnaire step",
                              [(values[name], name, assert_stored(values[name], answers[name])) for name in typed])
            for name in typed:
                french_error(page, name)
            db.session.expire_all()
        answers = db.session.get(ReportRevision, revision_id).answers
        check_page(surface, writing.get(f"{url}/summary"), "summary",
                   [(values[name], name, assert_stored(values[name], answers[name])) for name in names])
        db.session.expire_all()
    print_surface(capsys, surface)

