"""Ethics and safety alerts: raised by staff of an establishment, handled by the platform's ethics reviewers.

Every step is written to the audit log in the transaction that makes it; the reviewers and the author are told
by mail once that transaction commits. An alert moves only through `app.models.alert.TRANSITIONS`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import vocabulary as v
from app.extensions import db
from app.models import AuditLog, Report, Solution, User
from app.models._types import utcnow
from app.models.alert import TRANSITIONS, AlertEvent, AlertMessage, AlertStatus, EthicsAlert
from app.services import alert_notices, audit, page_generation, releases, report_privacy

SUMMARY_MAX = 200
TEXT_MAX = 10000


class AlertError(Exception):
    """A step the alert's status does not allow (already acknowledged, already closed…)."""


def scan(texts: dict[str, str]) -> list[dict[str, Any]]:
    """The patient-data guard of the reports, on an alert's texts: each possible piece of personal data."""
    return [{"field": name, "type": finding.type, "start": finding.start, "end": finding.end, "text": finding.text}
            for name, finding in report_privacy.scan_texts({k: t for k, t in texts.items() if t})]


def stored_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What is kept of the warnings the author saw: where and what kind, not the text itself."""
    return [{key: finding[key] for key in ("field", "type", "start", "end")} for finding in findings]


def needs_vigilance_answer(solution: Solution, category: str) -> bool:
    """A patient-safety incident with a (possible) medical device: a materiovigilance declaration is also due."""
    return category == "patient_safety" and v.is_possible_device(solution.device_class)


def _move(alert: EthicsAlert, event: AlertEvent) -> None:
    target = TRANSITIONS[AlertStatus(alert.status)].get(event)
    if target is None:
        raise AlertError(event.value)
    alert.status = target


def raise_alert(author: User, solution: Solution, *, category: str, summary: str, description: str,
                vendor_may_know_establishment: bool, vigilance_declared: str | None = None,
                report: Report | None = None, findings: list[dict[str, Any]] | None = None) -> EthicsAlert:
    if category not in v.ALERT_CATEGORIES:
        raise AlertError("category")
    if report is not None and (report.establishment_id != author.establishment_id
                               or report.solution_id != solution.id):
        report = None
    alert = EthicsAlert(solution_id=solution.id, establishment_id=author.establishment_id, author_id=author.id,
                        report_id=report.id if report else None, category=category, summary=summary.strip(),
                        description=description.strip(),
                        vendor_may_know_establishment=vendor_may_know_establishment,
                        vigilance_declared=vigilance_declared if needs_vigilance_answer(solution, category) else None,
                        privacy_findings=stored_findings(findings or []), status=AlertStatus.NEW)
    db.session.add(alert)
    db.session.flush()
    audit.record(author.id, "alert.raised", "ethics_alert", alert.id, solution_id=solution.id, category=category,
                 vendor_may_know_establishment=vendor_may_know_establishment,
                 vigilance_declared=alert.vigilance_declared, privacy_warnings=len(alert.privacy_findings))
    alert_notices.reviewers_of_new_alert(alert)
    releases.mark_changed({solution.id})  # the counts of alerts go out with the solution's next release
    # The live counts that analysts and ethics reviewers read on the kept scorecard pages changed.
    page_generation.bump(statistics_only=True)
    return alert


def acknowledge(alert: EthicsAlert, reviewer: User) -> None:
    _move(alert, AlertEvent.ACKNOWLEDGE)
    alert.reviewer_id = reviewer.id
    alert.acknowledged_at = utcnow()
    audit.record(reviewer.id, "alert.acknowledged", "ethics_alert", alert.id)
    alert_notices.author_of_step(alert, "acknowledged")


def ask(alert: EthicsAlert, reviewer: User, body: str, findings: list[dict[str, Any]] | None = None) -> AlertMessage:
    _move(alert, AlertEvent.ASK)
    alert.reviewer_id = reviewer.id
    message = _message(alert, reviewer, body, findings, from_reviewer=True)
    audit.record(reviewer.id, "alert.question_asked", "ethics_alert", alert.id, message_id=message.id)
    alert_notices.author_of_step(alert, "question")
    return message


def answer(alert: EthicsAlert, author: User, body: str, findings: list[dict[str, Any]] | None = None) -> AlertMessage:
    _move(alert, AlertEvent.ANSWER)
    message = _message(alert, author, body, findings, from_reviewer=False)
    audit.record(author.id, "alert.question_answered", "ethics_alert", alert.id, message_id=message.id,
                 privacy_warnings=len(message.privacy_findings))
    alert_notices.reviewer_of_answer(alert)
    return message


def decide(alert: EthicsAlert, reviewer: User, outcome: str, note: str) -> None:
    if outcome not in v.ALERT_OUTCOMES:
        raise AlertError("outcome")
    _move(alert, AlertEvent.DECIDE)
    alert.reviewer_id = reviewer.id
    alert.outcome = outcome
    alert.outcome_note = note.strip()
    alert.closed_at = utcnow()
    audit.record(reviewer.id, "alert.outcome_recorded", "ethics_alert", alert.id, outcome=outcome)
    alert_notices.author_of_step(alert, "closed")


def _message(alert: EthicsAlert, sender: User, body: str, findings: list[dict[str, Any]] | None, *,
             from_reviewer: bool) -> AlertMessage:
    message = AlertMessage(sender_id=sender.id, from_reviewer=from_reviewer, body=body.strip(),
                           privacy_findings=stored_findings(findings or []))
    alert.messages.append(message)
    db.session.flush()
    return message


# Reading ----------------------------------------------------------------------------------------------

def authored_by(user: User) -> list[EthicsAlert]:
    return list(db.session.scalars(sa.select(EthicsAlert).where(EthicsAlert.author_id == user.id,
                                                                EthicsAlert.establishment_id == user.establishment_id)
                                   .order_by(EthicsAlert.created_at.desc(), EthicsAlert.id.desc())))


def queue() -> list[EthicsAlert]:
    """Open alerts first (new, then awaiting an answer, then acknowledged), oldest first; closed ones last."""
    order = sa.case({AlertStatus.NEW.value: 0, AlertStatus.ACKNOWLEDGED.value: 1,
                     AlertStatus.AWAITING_AUTHOR.value: 2}, value=EthicsAlert.status, else_=3)
    return list(db.session.scalars(sa.select(EthicsAlert).options(selectinload(EthicsAlert.establishment))
                                   .order_by(order, EthicsAlert.created_at, EthicsAlert.id)))


def history(alert: EthicsAlert) -> list[Any]:
    """The audit log's entries of an alert, oldest first: what the reviewers see of its handling."""
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.object_type == "ethics_alert",
                                                             AuditLog.object_id == alert.id)
                                   .order_by(AuditLog.at, AuditLog.id)))
