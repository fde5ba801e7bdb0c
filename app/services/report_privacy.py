"""The patient-data guard applied to reports: flags on revisions, and re-scans when recognizers improve."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import PrivacyFlag, ReportRevision, Solution
from app.services import report_answers


def known_product_names() -> list[str]:
    """Solution and vendor names of the catalogue: words that are not people, whatever the model thinks."""
    rows = db.session.execute(sa.select(Solution.name, Solution.vendor)).all()
    return [part for row in rows for name in row for part in (name, *name.replace("(fictif)", "").split())]


def scan_texts(texts: dict[str, str]) -> list[tuple[str, object]]:
    """(field, finding) for each possible piece of personal data in the given texts."""
    from app.services import privacy

    if not texts:
        return []
    not_names = known_product_names()
    return [(name, finding) for name, text in texts.items() for finding in privacy.scan(text, not_names=not_names)]


def rescan_all() -> list[tuple[ReportRevision, list[PrivacyFlag]]]:
    """Add the findings that no flag covers yet to every submitted or published revision."""
    from app.services.exports import HiddenQuestions, refresh_export_cells

    results = []
    hidden_questions = HiddenQuestions()
    revisions = db.session.scalars(sa.select(ReportRevision).where(
        ReportRevision.state.in_(("submitted", "published"))).order_by(ReportRevision.id))
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
        refresh_export_cells(revision, hidden_questions)
        results.append((revision, added))
    db.session.flush()
    return results


def readable_answers(revision: ReportRevision) -> dict:
    """The answers as anyone outside the establishment and moderation may read them: every span still
    flagged (open, or waiting for a rewrite) is replaced by its placeholder. Raw flagged text never leaves."""
    return placeholder_answers(revision.answers, revision.flags)


def placeholder_answers(answers: dict | None, flags: Iterable[Any]) -> dict:
    """readable_answers from the answers and the flags (anything with field, type, start, end and status)."""
    from app.services.privacy import PLACEHOLDERS

    answers = dict(answers or {})
    pending = sorted((f for f in flags if f.status in ("open", "rewrite")), key=lambda f: (f.field, -f.start))
    for flag in pending:
        text = str(answers.get(flag.field) or "")
        answers[flag.field] = text[:flag.start] + PLACEHOLDERS.get(flag.type, "[MASQUÉ]") + text[flag.end:]
    return answers
