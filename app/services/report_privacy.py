"""The patient-data guard applied to reports: flags on revisions, and re-scans when recognizers improve."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import PrivacyFlag, ReportRevision, Solution
from app.models.report import RevisionState
from app.services import privacy, report_answers
from app.services.exports import refresh_export_cells


def known_product_names() -> list[str]:
    """Solution and vendor names of the catalogue: words that are not people, whatever the model thinks."""
    rows = db.session.execute(sa.select(Solution.name, Solution.vendor)).all()
    return [part for row in rows for name in row for part in (name, *name.replace("(fictif)", "").split())]


def scan_texts(texts: dict[str, str]) -> list[tuple[str, object]]:
    """(field, finding) for each possible piece of personal data in the given texts."""
    if not texts:
        return []
    not_names = known_product_names()
    return [(name, finding) for name, text in texts.items() for finding in privacy.scan(text, not_names=not_names)]


def rescan_all() -> list[tuple[ReportRevision, list[PrivacyFlag]]]:
    """Add the findings that no flag covers yet to every submitted or published revision."""
    results = []
    revisions = db.session.scalars(sa.select(ReportRevision).where(
        ReportRevision.state.in_((RevisionState.SUBMITTED, RevisionState.PUBLISHED))).order_by(ReportRevision.id))
    for revision in revisions:
        known = {(f.field, f.start, f.end) for f in revision.flags}
        added = []
        for name, finding in scan_texts(report_answers.revision_texts(revision)):
            if (name, finding.start, finding.end) not in known:
                # open now, not at the INSERT (the column default): the export cells below read it
                flag = PrivacyFlag(field=name, type=finding.type, start=finding.start, end=finding.end,
                                   status="open")
                revision.flags.append(flag)
                added.append(flag)
        # A new open flag puts a placeholder in the export; the stored cells of every published revision are
        # checked too (against any earlier write that bypassed the services): costless next to the scan.
        refresh_export_cells(revision)
        results.append((revision, added))
    db.session.flush()
    return results


def nightly_rescan() -> None:
    """The periodic job (config PERIODIC_JOBS): every stored text read again with today's recognizers, so that a
    recognizer added since a report was published flags it for the moderators."""
    results = rescan_all()
    db.session.commit()
    current_app.logger.info("Patient-data rescan: %d versions read, %d new flags", len(results),
                            sum(len(found) for _, found in results))
