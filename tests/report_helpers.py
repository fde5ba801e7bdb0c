"""Writing a report as a contributor does, and reading back a row or a report's audit trail."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog
from tests.factories import COMPLETE_STEPS, text


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def create_report(client, solution, key="creation-1") -> int:
    response = client.post("/reports/new", data={"solution_id": solution.id, "creation_key": key})
    assert response.status_code == 302
    return int(re.search(r"/reports/([0-9]+)/step/1", response.headers["Location"]).group(1))


def fill_all_steps(client, report_id, steps=COMPLETE_STEPS):
    for step, data in steps.items():
        response = client.post(f"/reports/{report_id}/step/{step}", data={**data, "nav": "next"})
        assert response.status_code == 302, (step, text(response)[:3000])


def audit_actions(report_id) -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).where(AuditLog.object_type == "report",
                                                                     AuditLog.object_id == report_id)
                                   .order_by(AuditLog.id)))
