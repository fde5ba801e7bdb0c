"""Withdrawing a report: a confirmation with a reason, a withdrawn state everyone concerned can see, and an undo
that counts the report again."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, ReportFact
from app.services import reports as service
from tests.factories import make_establishment, make_report, make_user, text
from tests.report_helpers import audit_actions, fresh

REASON = "Le projet a été arrêté par la direction en juin."


@pytest.fixture
def published(auth):
    author = make_user("contributor")
    report = make_report(author, state="published")
    db.session.commit()
    auth.login(author.email)
    return report


def facts_of(report) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReportFact)
                             .where(ReportFact.report_id == report.id))


def test_withdrawing_asks_for_confirmation_and_a_reason(client, published):
    page = text(client.get(f"/reports/{published.id}"))
    assert f'href="/reports/{published.id}/withdraw"' in page  # a link to the confirmation, not a one-click form
    confirm = text(client.get(f"/reports/{published.id}/withdraw"))
    assert "Retirer le retour sur" in confirm and "Motif du retrait" in confirm
    assert "ni compté dans les statistiques" in confirm and "annuler le retrait" in confirm

    refused = client.post(f"/reports/{published.id}/withdraw", data={"reason": "   "})
    assert refused.status_code == 200
    assert "Indiquez pourquoi vous retirez ce retour." in text(refused)
    assert fresh(published).status == "published" and facts_of(published) == 1

    done = client.post(f"/reports/{published.id}/withdraw", data={"reason": REASON})
    assert done.status_code == 302
    report = fresh(published)
    assert (report.status, report.withdrawal_reason) == ("withdrawn", REASON)
    assert facts_of(report) == 0  # no longer counted
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "report.withdrawn",
                                                        AuditLog.object_id == report.id))
    assert entry.detail["reason"] == REASON


def test_the_withdrawn_state_is_shown_on_the_report_and_in_my_reports(client, published):
    client.post(f"/reports/{published.id}/withdraw", data={"reason": REASON})
    page = text(client.get(f"/reports/{published.id}"))
    assert "Retour retiré le" in page and f"Motif : {REASON}" in re.sub(r"<[^>]+>", "", page)
    assert "Version 1 — Retirée" in page and "Version 1 — Publiée" not in page
    assert "Retirer ce retour" not in page and "Mettre à jour ce retour" not in page
    # The report's row in "Mes retours", whatever attributes its cells carry (data-label for the phone layout).
    rows = re.findall(r"<tr\b[^>]*>.*?</tr>", text(client.get("/reports/")), re.S)
    [row] = [row for row in rows if f">{published.solution.name}" in row]
    assert "Retiré" in row and re.search(r"le [0-9]{1,2} [a-zé]+\.? [0-9]{4}|le [0-9]{2}/[0-9]{2}/[0-9]{4}", row)


def test_moderators_read_the_reason_analysts_and_other_establishments_do_not_reach_the_report(app, client, auth,
                                                                                          published):
    client.post(f"/reports/{published.id}/withdraw", data={"reason": REASON})
    for role, status in (("moderator", 200), ("analyst", 404)):
        auth.logout()
        reader = make_user(role)
        db.session.commit()
        auth.login(reader.email)
        response = client.get(f"/reports/{published.id}")
        assert response.status_code == status
        assert (REASON in text(response)) is (status == 200)
        assert "Annuler le retrait" not in text(response)
    auth.logout()
    outsider = make_user("referent", make_establishment())
    db.session.commit()
    auth.login(outsider.email)
    assert client.get(f"/reports/{published.id}/withdraw").status_code == 404
    assert client.post(f"/reports/{published.id}/restore").status_code == 404
    assert fresh(published).status == "withdrawn"


def test_a_withdrawal_can_be_undone_and_the_report_counts_again(client, published):
    client.post(f"/reports/{published.id}/withdraw", data={"reason": REASON})
    page = text(client.get(f"/reports/{published.id}"))
    assert "Annuler le retrait et republier" in page
    response = client.post(f"/reports/{published.id}/restore")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Le retrait est annulé" in page and "Version 1 — Publiée" in page and "Retour retiré" not in page
    report = fresh(published)
    assert (report.status, report.withdrawal_reason, report.withdrawn_at) == ("published", None, None)
    assert facts_of(report) == 1
    assert audit_actions(report.id)[-2:] == ["report.withdrawn", "report.restored"]
    restored = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "report.restored"))
    assert restored.detail["withdrawal_reason"] == REASON


def test_an_unpublished_report_withdrawn_cannot_be_put_back(client, auth):
    author = make_user("contributor")
    draft = make_report(author)
    db.session.commit()
    auth.login(author.email)
    confirm = text(client.get(f"/reports/{draft.id}/withdraw"))
    assert "ce retrait ne peut pas être annulé" in confirm
    client.post(f"/reports/{draft.id}/withdraw", data={"reason": "Doublon."})
    page = text(client.get(f"/reports/{draft.id}"))
    assert "Retour retiré" in page and "Annuler le retrait" not in page
    client.post(f"/reports/{draft.id}/restore")
    assert fresh(draft).status == "withdrawn"
    assert "Seul un retour retiré après sa publication peut être rétabli." in text(client.get(f"/reports/{draft.id}"))


def test_a_withdrawal_and_its_undo_refresh_the_statistics_as_a_publication_does(app, published):
    from app.services import releases

    author = published.author
    service.withdraw(published, author, REASON)
    assert releases.DUE in db.session.info  # the releases job runs after the commit
    db.session.commit()
    service.restore(published, author)
    assert releases.DUE in db.session.info
    db.session.commit()
