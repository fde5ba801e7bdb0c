"""Follow-up reminders: sent six and twelve months after publication, once each, to the right person; their
signed link opens three questions that create a follow-up report in one step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Report, ReportReminder
from app.models.report import ReportStatus
from app.services import reminders
from tests.factories import PASSWORD, complete_answers, make_establishment, make_report, make_solution, make_user

PUBLISHED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _published(author=None, solution=None, at: datetime = PUBLISHED, **answers) -> Report:
    report = make_report(author, solution, "published", complete_answers(**answers))
    report.first_published_at = at
    report.created_at = at - timedelta(days=3)
    db.session.commit()
    return report


def _link(message) -> str:
    return re.search(r"http://retex\.test(/reports/follow-up/\S+)", message.body).group(1)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert reminders.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert reminders.add_months(datetime(2026, 8, 15, tzinfo=UTC), 6) == datetime(2027, 2, 15, tzinfo=UTC)
    assert reminders.add_months(datetime(2026, 3, 10, tzinfo=UTC), -12) == datetime(2025, 3, 10, tzinfo=UTC)


def test_each_milestone_is_sent_once_to_the_author(app, mailbox):
    report = _published()
    assert reminders.send_due_reminders(PUBLISHED + timedelta(days=170)) == 0  # not six months yet
    assert mailbox == []
    six = reminders.add_months(PUBLISHED, 6) + timedelta(hours=1)
    assert reminders.send_due_reminders(six) == 1
    assert reminders.send_due_reminders(six) == 0  # the job running twice sends nothing more
    assert reminders.send_due_reminders(six + timedelta(days=30)) == 0
    assert [m.recipients for m in mailbox] == [[report.author.email]]
    body = mailbox[0].body
    assert "toujours en usage" in body and "Qu'est-ce qui a changé" in body and "choisiriez-vous à nouveau" in body
    assert _link(mailbox[0])
    twelve = reminders.add_months(PUBLISHED, 12) + timedelta(days=2)
    assert reminders.send_due_reminders(twelve) == 1
    rows = db.session.execute(sa.select(ReportReminder.milestone, ReportReminder.recipient_id)
                              .where(ReportReminder.report_id == report.id).order_by(ReportReminder.milestone)).all()
    assert rows == [(6, report.author_id), (12, report.author_id)]
    assert len(mailbox) == 2


def test_a_report_published_long_ago_is_not_reminded_on_a_first_run(app, mailbox):
    _published(at=datetime(2023, 1, 1, tzinfo=UTC))
    assert reminders.send_due_reminders(datetime(2026, 12, 1, tzinfo=UTC)) == 0
    assert mailbox == []


def test_a_newer_report_of_the_establishment_on_the_solution_stops_the_reminder(app, mailbox):
    report = _published()
    colleague = make_user("contributor", report.establishment)
    newer = make_report(colleague, report.solution, "submitted")
    newer.created_at = PUBLISHED + timedelta(days=60)
    db.session.commit()
    assert reminders.send_due_reminders(reminders.add_months(PUBLISHED, 6) + timedelta(days=1)) == 0
    # A newer report elsewhere, or on another solution, does not count.
    other = _published()
    make_report(make_user("contributor", other.establishment), make_solution(), "submitted")
    db.session.commit()
    assert reminders.send_due_reminders(reminders.add_months(PUBLISHED, 6) + timedelta(days=1)) == 1
    assert [m.recipients for m in mailbox] == [[other.author.email]]


@pytest.mark.parametrize("leaves", ["inactive", "moved"])
def test_when_the_author_has_left_the_referent_is_asked(app, mailbox, leaves):
    report = _published()
    referent = make_user("referent", report.establishment)
    if leaves == "inactive":
        report.author.status = "disabled"
    else:
        report.author.establishment_id = make_establishment().id
    db.session.commit()
    assert reminders.send_due_reminders(reminders.add_months(PUBLISHED, 6) + timedelta(days=1)) == 1
    assert [m.recipients for m in mailbox] == [[referent.email]]


def test_an_establishment_with_no_one_left_records_the_reminder_without_mail(app, mailbox):
    report = _published()
    report.author.status = "disabled"
    db.session.commit()
    assert reminders.send_due_reminders(reminders.add_months(PUBLISHED, 6) + timedelta(days=1)) == 0
    assert mailbox == []
    assert db.session.scalar(sa.select(ReportReminder.recipient_id).where(ReportReminder.report_id == report.id)) \
        is None


def test_the_command_sends_what_is_due(app, runner, mailbox):
    _published()
    at = (reminders.add_months(PUBLISHED, 6) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["reports", "reminders", "--now", at])
    assert result.exit_code == 0, result.output
    assert "1" in result.output and len(mailbox) == 1
    again = runner.invoke(args=["reports", "reminders", "--now", at])
    assert "envoyés : 0" in again.output and len(mailbox) == 1
    bad = runner.invoke(args=["reports", "reminders", "--now", "demain"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


def _reminded(mailbox, **answers) -> tuple[Report, str]:
    report = _published(**answers)
    reminders.send_due_reminders(reminders.add_months(PUBLISHED, 6) + timedelta(days=1))
    return report, _link(mailbox[-1])


def test_the_link_creates_a_follow_up_sent_to_moderation(app, client, auth, mailbox):
    report, link = _reminded(mailbox, stage="pilot", choose_again="unsure")
    moderator = make_user("moderator")
    db.session.commit()
    assert client.get(link).status_code == 302  # login first
    auth.login(report.author.email, PASSWORD)
    page = client.get(link)
    assert page.status_code == 200
    assert "toujours en usage" in page.get_data(as_text=True)
    response = client.post(link, data={"still_in_use": "yes", "changes": "Déployé aux urgences en plus.",
                                       "choose_again": "yes", "submission_key": "k1"})
    assert response.status_code == 302
    follow_up = db.session.scalar(sa.select(Report).where(Report.previous_report_id == report.id))
    assert follow_up is not None and follow_up.status == ReportStatus.SUBMITTED
    assert response.headers["Location"].endswith(f"/reports/{follow_up.id}")
    answers = follow_up.working_revision.answers
    assert answers["stage"] == "pilot" and answers["choose_again"] == "yes"
    assert answers["advice"] == report.published_revision.answers["advice"]  # everything else carried over
    reminder = db.session.scalar(sa.select(ReportReminder).where(ReportReminder.report_id == report.id))
    assert reminder.follow_up_id == follow_up.id and reminder.changes == "Déployé aux urgences en plus."
    assert any(moderator.email in m.recipients for m in mailbox)
    assert "Déployé aux urgences en plus." in client.get(f"/reports/{follow_up.id}").get_data(as_text=True)
    # The link again: the follow-up already made, not a second one.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/reports/{follow_up.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)
                             .where(Report.previous_report_id == report.id)) == 1
    # The 12-month reminder is not sent: a newer report exists.
    assert reminders.send_due_reminders(reminders.add_months(PUBLISHED, 12) + timedelta(days=1)) == 0


def test_stopping_asks_for_a_reason_and_keeps_what_was_typed(app, client, auth, mailbox):
    report, link = _reminded(mailbox)
    auth.login(report.author.email, PASSWORD)
    page = client.post(link, data={"still_in_use": "no", "changes": "Abandon en juin.", "choose_again": "no"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Indiquez au moins une raison" in text and "Abandon en juin." in text
    client.post(link, data={"still_in_use": "no", "changes": "Abandon en juin.", "choose_again": "no",
                            "stop_reasons": ["cost"], "submission_key": "k2"})
    follow_up = db.session.scalar(sa.select(Report).where(Report.previous_report_id == report.id))
    assert follow_up.working_revision.answers["stage"] == "stopped"
    assert follow_up.working_revision.answers["stop_reasons"] == ["cost"]


def test_personal_data_in_what_changed_is_refused(app, client, auth, mailbox):
    report, link = _reminded(mailbox)
    auth.login(report.author.email, PASSWORD)
    page = client.post(link, data={"still_in_use": "yes", "choose_again": "yes",
                                   "changes": "Appeler le 06 12 34 56 78 pour en parler."})
    assert page.status_code == 200 and "données personnelles" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(Report).where(Report.previous_report_id == report.id)) is None


def test_the_link_is_only_for_the_person_it_was_sent_to(app, client, auth, mailbox):
    report, link = _reminded(mailbox)
    colleague = make_user("contributor", report.establishment)
    db.session.commit()
    auth.login(colleague.email, PASSWORD)
    assert client.get(link).status_code == 400
    assert client.get("/reports/follow-up/forged.token").status_code == 400
    auth.logout()
    auth.login(report.author.email, PASSWORD)
    app.config["REMINDER_LINK_MAX_AGE"] = -1
    expired = client.get(link)
    assert expired.status_code == 400 and "expiré" in expired.get_data(as_text=True)


def test_the_moderator_reads_what_changed_beside_the_follow_up(app, client, auth, mailbox):
    report, link = _reminded(mailbox)
    moderator = make_user("moderator")
    db.session.commit()
    auth.login(report.author.email, PASSWORD)
    client.post(link, data={"still_in_use": "yes", "changes": "Nouvelle version installée.", "choose_again": "yes",
                            "submission_key": "k3"})
    follow_up = db.session.scalar(sa.select(Report).where(Report.previous_report_id == report.id))
    auth.logout()
    auth.login(moderator.email, PASSWORD)
    page = client.get(f"/moderation/revisions/{follow_up.working_revision_id}").get_data(as_text=True)
    assert "Nouvelle version installée." in page and "rappel à 6 mois" in page


@pytest.mark.parametrize("changes", ["x" * 2001, "<script>alert(1)</script>\u202e", "avant\x00après"])
def test_hostile_answers_are_refused_or_shown_inert(app, client, auth, mailbox, changes):
    report, link = _reminded(mailbox)
    auth.login(report.author.email, PASSWORD)
    response = client.post(link, data={"still_in_use": "yes", "changes": changes, "choose_again": "yes",
                                       "submission_key": "k4"})
    assert response.status_code in (200, 302, 400)
    follow_up = db.session.scalar(sa.select(Report).where(Report.previous_report_id == report.id))
    if len(changes) > 2000:
        assert "2 000 caractères au plus" in response.get_data(as_text=True) and follow_up is None
    elif "\x00" in changes:
        kept = db.session.scalar(sa.select(ReportReminder.changes).where(ReportReminder.report_id == report.id))
        assert kept is None or "\x00" not in kept
    else:
        page = client.get(f"/reports/{follow_up.id}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
