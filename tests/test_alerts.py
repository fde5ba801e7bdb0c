"""Ethics and safety alerts: raised by staff, handled by the ethics reviewers, every step in the audit log."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, EthicsAlert
from tests.factories import PASSWORD, make_establishment, make_report, make_solution, make_user, text


def _login(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _form(solution, **values):
    return {"solution_id": str(solution.id), "category": "bias", "summary": "Écarts selon l'âge",
            "description": "Les scores semblent systématiquement plus bas pour les patients âgés.",
            "vendor_may_know": "no", **values}


def test_the_whole_journey_is_audited_and_mailed(app, no_csrf, mailbox):
    solution = make_solution()
    author = make_user("contributor")
    reviewer = make_user("ethics_reviewer")
    db.session.commit()
    writer, ethics = _login(app, author), _login(app, reviewer)

    response = writer.post("/alerts/new", data=_form(solution))
    assert response.status_code == 302
    alert = db.session.scalar(sa.select(EthicsAlert))
    assert alert.status == "new" and alert.establishment_id == author.establishment_id
    assert [m.recipients for m in mailbox] == [[reviewer.email]]
    assert "Écarts" not in mailbox[0].body  # mail names the solution, never the alert's text

    assert "Reçue, en attente" in text(writer.get("/alerts/"))
    assert ethics.post(f"/alerts/{alert.id}/acknowledge").status_code == 302
    assert ethics.post(f"/alerts/{alert.id}/question", data={"question-body": "Sur quelle période ?"}).status_code == 302
    page = text(writer.get(f"/alerts/{alert.id}"))
    assert "Sur quelle période ?" in page and "Répondre à la question" in page
    assert writer.post(f"/alerts/{alert.id}/answer", data={"answer-body": "Depuis mars."}).status_code == 302
    assert ethics.post(f"/alerts/{alert.id}/outcome", data={"outcome-outcome": "vendor",
                                                            "outcome-note": "Transmis à l'éditeur."}).status_code == 302
    db.session.expire_all()
    assert alert.status == "closed" and alert.outcome == "vendor"
    assert "Transmise à l'éditeur" in text(writer.get("/alerts/"))
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.object_type == "ethics_alert")
                                 .order_by(AuditLog.id)).all()
    assert actions == ["alert.raised", "alert.acknowledged", "alert.question_asked", "alert.question_answered",
                       "alert.outcome_recorded"]
    # Once closed, nothing more can be done: an error, not a crash, and nothing changed.
    response = ethics.post(f"/alerts/{alert.id}/question", data={"question-body": "Encore ?"}, follow_redirects=True)
    assert "n'est plus possible" in text(response)
    assert len(alert.messages) == 2


def test_an_incident_with_a_medical_device_asks_for_the_materiovigilance_declaration(app, no_csrf):
    device = make_solution(device_class="IIa")
    author = make_user("contributor")
    db.session.commit()
    writer = _login(app, author)
    page = text(writer.get(f"/alerts/new?solution={device.slug}"))
    assert "signalement-sante.gouv.fr" in page and "matériovigilance" in page
    response = writer.post("/alerts/new", data=_form(device, category="patient_safety"))
    assert response.status_code == 200
    page = text(response)
    assert "Indiquez si la déclaration de matériovigilance a été faite." in page
    assert "Les scores semblent systématiquement" in page  # nothing typed is lost
    assert writer.post("/alerts/new", data=_form(device, category="patient_safety",
                                                 vigilance_declared="no")).status_code == 302
    assert db.session.scalar(sa.select(EthicsAlert.vigilance_declared)) == "no"


def test_possible_patient_data_is_shown_before_sending(app, no_csrf):
    solution = make_solution()
    author = make_user("contributor")
    db.session.commit()
    writer = _login(app, author)
    form = _form(solution, description="Mme Jeanne Martin, NIR 1 84 12 75 108 654 32, a reçu un mauvais score.")
    response = writer.post("/alerts/new", data=form)
    assert response.status_code == 200
    assert "Données personnelles possibles" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(EthicsAlert.id))) == 0
    assert writer.post("/alerts/new", data={**form, "privacy_confirmed": "y"}).status_code == 302
    alert = db.session.scalar(sa.select(EthicsAlert))
    assert alert.privacy_findings and "text" not in alert.privacy_findings[0]


def test_an_alert_is_for_its_author_and_the_reviewers_alone(app, no_csrf):
    solution = make_solution()
    home = make_establishment()
    author = make_user("contributor", home)
    colleague, referent = make_user("contributor", home), make_user("referent", home)
    stranger = make_user("contributor")
    db.session.commit()
    _login(app, author).post("/alerts/new", data=_form(solution))
    alert_id = db.session.scalar(sa.select(EthicsAlert.id))
    for user in (colleague, referent, stranger, make_user("analyst"), make_user("admin")):
        db.session.commit()
        assert _login(app, user).get(f"/alerts/{alert_id}").status_code == 404


def test_an_alert_raised_from_a_report_names_it(app, no_csrf):
    author = make_user("contributor")
    solution = make_solution()
    report = make_report(author, solution, state="published")
    db.session.commit()
    writer = _login(app, author)
    assert "Signaler un problème éthique" in text(writer.get(f"/reports/{report.id}"))
    page = text(writer.get(f"/alerts/new?report={report.id}"))
    assert f'value="{report.id}"' in page
    assert writer.post("/alerts/new", data=_form(solution, report_id=str(report.id))).status_code == 302
    assert db.session.scalar(sa.select(EthicsAlert.report_id)) == report.id


def test_counts_export_for_analysts_and_reviewers(app, no_csrf):
    solution = make_solution(name="=HYPERLINK(1)")
    for category in ("bias", "bias", "consent"):
        _login(app, (make_user("contributor"), db.session.commit())[0]).post(
            "/alerts/new", data=_form(solution, category=category))
    for role in ("analyst", "ethics_reviewer"):
        user = make_user(role)
        db.session.commit()
        response = _login(app, user).get("/alerts/counts.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
        assert rows[0]["solution"] == "'=HYPERLINK(1)"
        assert (rows[0]["establishments"], rows[0]["establishments_bias"], rows[0]["establishments_consent"]) == \
            ("3", "2", "1")


def test_the_live_counts_on_a_kept_scorecard_follow_a_new_alert(app, no_csrf):
    """Analysts and reviewers read live counts in a page the workers keep: a new alert makes it stale."""
    import re

    solution = make_solution()
    analyst, author = make_user("analyst"), make_user("contributor")
    db.session.commit()
    reader = _login(app, analyst)
    url = f"/statistics/solutions/{solution.id}"

    def main():
        # The form tokens in it are signed with the second they were made: they are not the page's content.
        page = re.search(r'<main id="content".*</main>', text(reader.get(url)), re.S)[0]
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)

    before = main()
    assert main() == before  # kept
    assert _login(app, author).post("/alerts/new", data=_form(solution)).status_code == 302
    assert main() != before
