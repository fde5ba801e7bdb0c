"""Fictional published reports for the demonstration data.

Each fictional establishment deploys a few solutions of its sector (popular ones more often), and its
fictional contributors report on them: usually once, sometimes with a follow-up (a later report, often at
another stage), sometimes several contributors on the same solution. Answers are complete raw answers, as
the browser sends them, correlated per solution (each solution has a hidden quality). Free texts come from
fixed French sentences without any personal data (app.demo.texts).

Rows are planned in memory (app.demo.planner) and inserted in bulk: no HTTP layer, no privacy scan, no
per-row query. Loading twice adds nothing.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.demo.mix import (
    DEMO_DOMAIN,
    DEPLOYMENTS,
    MATURITY,
    MULTI_CONTRIBUTOR_RATE,
    _clamp,
    _Contributor,
    _EstablishmentInfo,
    _PlannedReport,
    _SolutionInfo,
)
from app.demo.planner import _Planner
from app.extensions import db
from app.models import Establishment, Report, ReportRevision, Solution, User
from app.models._types import utcnow
from app.models.report import ReportStatus, RevisionState
from app.services import accounts, audit
from app.services.exports import export_cells
from app.services.report_answers import scores

try:
    from app.services.facts import rebuild_facts
except ImportError:  # written separately; the demo works without it
    rebuild_facts = None

CONTRIBUTOR_EMAIL = "contributor-{n}@" + DEMO_DOMAIN
BATCH = 500


def _published_fictional_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Report.id)).join(Solution, Solution.id == Report.solution_id)
        .join(Establishment, Establishment.id == Report.establishment_id)
        .where(Report.status == ReportStatus.PUBLISHED, Solution.is_fictional.is_(True),
               Establishment.is_fictional.is_(True))
    ) or 0


def _batches(rows: list, size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert_returning_ids(model, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (batches of BATCH rows); ids in the order of the rows."""
    ids: list[int] = []
    for chunk in _batches(rows):
        ids.extend(db.session.scalars(sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk).all())
    return ids


def load_demo_reports(target: int = 3000, seed: int = 2022) -> int:
    """Add fictional published reports until about `target` exist on fictional solutions; returns how many
    were created (none when they already exist). Flushes; the caller commits."""
    existing = _published_fictional_count()
    needed = target - existing
    if needed <= 0:
        return 0
    rng = random.Random(f"{seed}:{existing}")  # noqa: S311 (reproducible fictional data, not security)
    now = utcnow()

    # The establishments of the demo role accounts keep an empty history: the journeys start from it.
    demo_accounts = [f"{role}@{DEMO_DOMAIN}" for role in ("contributor", "referent", "moderator", "analyst", "admin",
                                                           "pending")]
    home_ids = set(db.session.scalars(sa.select(User.establishment_id).where(User.email.in_(demo_accounts),
                                                                             User.establishment_id.is_not(None))))
    moderator_id = db.session.scalar(sa.select(User.id).where(User.email == f"moderator@{DEMO_DOMAIN}"))
    establishments = [
        _EstablishmentInfo(id=e.id, type=e.type, sector=e.sector, size_class=e.size_class or "50_199",
                           maturity=_clamp(MATURITY.get(e.type, 0.4) + rng.gauss(0, 0.12), 0.05, 0.95))
        for e in db.session.execute(sa.select(Establishment.id, Establishment.type, Establishment.sector,
                                              Establishment.size_class)
                                    .where(Establishment.is_fictional.is_(True)).order_by(Establishment.id))
        if e.id not in home_ids]
    solutions = db.session.scalars(sa.select(Solution).where(Solution.is_fictional.is_(True),
                                                             Solution.archived.is_(False)).order_by(Solution.id)).all()
    if not establishments or not solutions:
        return 0
    planner = _Planner(rng, now)
    infos = planner.solution_infos(list(solutions))
    existing_pairs = {tuple(row) for row in db.session.execute(sa.select(Report.establishment_id, Report.solution_id))}

    # Contributors already created by an earlier load are reused.
    contributors: dict[int, list[_Contributor]] = defaultdict(list)
    highest = 0
    for user_id, establishment_id, email in db.session.execute(
            sa.select(User.id, User.establishment_id, User.email)
            .where(User.email.like(f"contributor-%@{DEMO_DOMAIN}")).order_by(User.id)):
        number = email.split("@")[0].removeprefix("contributor-")
        highest = max(highest, int(number) if number.isdigit() else 0)
        if establishment_id is not None:
            contributors[establishment_id].append(_Contributor(establishment_id, id=user_id))
    numbers = iter(range(highest + 1, highest + 10_000_000))

    def team(establishment_id: int, size: int) -> list[_Contributor]:
        members = contributors[establishment_id]
        while len(members) < size:
            member = _Contributor(establishment_id, email=CONTRIBUTOR_EMAIL.format(n=next(numbers)))
            members.append(member)
            planner.new_contributors.append(member)
        return members[:size]

    rng.shuffle(establishments)
    # Niche solutions: one or two of the first establishments of their sector, so statistics must hide them.
    forced: dict[int, list[_SolutionInfo]] = defaultdict(list)
    for solution in infos:
        if solution.popularity <= 0:
            fitting = [e for e in establishments[:25] if e.sector in solution.sectors
                       and solution.id not in {s for p, s in existing_pairs if p == e.id}]
            for establishment in rng.sample(fitting, min(len(fitting), rng.randint(1, 2))):
                forced[establishment.id].append(solution)
    expected_pairs = sum(sum(DEPLOYMENTS.get(e.type, (2, 8))) / 2 for e in establishments)
    scale = max(1.0, needed / (expected_pairs * 1.2))
    planned: list[_PlannedReport] = []
    deployed: dict[int, set[int]] = defaultdict(set)
    for establishment_id, solution_id in existing_pairs:
        deployed[establishment_id].add(solution_id)
    for round_number in range(4):  # later rounds only when the target outgrows the first
        added = False
        for position, establishment in enumerate(establishments):
            if len(planned) >= needed:
                break
            k = planner.deployments(establishment, scale) if round_number == 0 else rng.randint(1, 3)
            candidates = [s for s in infos if s.id not in deployed[establishment.id]]
            chosen = forced.pop(establishment.id, []) if round_number == 0 else []
            chosen = chosen + planner.choose_solutions(establishment, candidates, max(0, k - len(chosen)))
            if not chosen:
                continue
            multi = round_number == 0 and (position == 1 or rng.random() < MULTI_CONTRIBUTOR_RATE)
            members = team(establishment.id, rng.randint(2, 3) if multi else 1)
            parallel_pairs = set(rng.sample(range(len(chosen)), min(len(chosen), rng.randint(1, 3)))) if multi else set()
            for index, solution in enumerate(chosen):
                deployed[establishment.id].add(solution.id)
                parallel = rng.randint(1, len(members) - 1) if index in parallel_pairs else 0
                group = planner.plan_pair(establishment, solution, members, parallel)
                # Keep the order of the group (earlier reports first) and stop exactly at the target.
                group.sort(key=lambda r: (r.depth, r.created_at))
                planned.extend(group[:needed - len(planned)])
                added = True
                if len(planned) >= needed:
                    break
        if len(planned) >= needed or not added:
            break
    if not planned:
        return 0

    # Users first (the authors), then the reports by depth (a follow-up needs its earlier report's id).
    used = {id(r.author) for r in planned}
    new_users = [c for c in planner.new_contributors if id(c) in used]
    if new_users:
        password_hash = accounts.hash_password(secrets.token_urlsafe(32))  # nobody knows it: no demo login
        rows = []
        for member in new_users:
            joined = (member.first_report_at or now) - timedelta(days=rng.uniform(1, 30))
            rows.append({"email": member.email, "full_name": "Contributeur fictif", "password_hash": password_hash,
                         "role": "contributor", "status": "active", "establishment_id": member.establishment_id,
                         "session_token": secrets.token_urlsafe(24), "created_at": joined,
                         "approved_at": joined + timedelta(hours=rng.uniform(1, 48)), "approved_by_id": None,
                         "last_login_at": None, "password_changed_at": None})
        for member, user_id in zip(new_users, _insert_returning_ids(User, rows), strict=True):
            member.id = user_id

    for depth in sorted({r.depth for r in planned}):
        wave = [r for r in planned if r.depth == depth]
        rows = [{"establishment_id": r.establishment.id, "solution_id": r.solution.id, "author_id": r.author.id,
                 "status": ReportStatus.PUBLISHED, "previous_report_id": r.previous.report_id if r.previous else None,
                 "creation_key": None, "working_revision_id": None, "published_revision_id": None,
                 "created_at": r.created_at, "updated_at": r.decided_at, "first_published_at": r.decided_at,
                 "withdrawn_at": None} for r in wave]
        for report, report_id in zip(wave, _insert_returning_ids(Report, rows), strict=True):
            report.report_id = report_id

    revision_rows = []
    for r in planned:
        sus, nps = scores(r.answers)
        revision_rows.append({"report_id": r.report_id, "number": 1, "state": RevisionState.PUBLISHED, "answers": r.answers,
                              "sus_score": sus, "nps_rating": nps, "created_by_id": r.author.id,
                              "created_at": r.created_at, "updated_at": r.submitted_at, "submitted_at": r.submitted_at,
                              "decided_at": r.decided_at, "decided_by_id": moderator_id, "moderator_message": None,
                              # no flags: the fictional texts are fixed sentences, never scanned
                              "export_cells": export_cells(r.answers, (), sus, nps)})
    revision_ids = _insert_returning_ids(ReportRevision, revision_rows)
    links = [{"id": r.report_id, "published_revision_id": revision_id, "updated_at": r.decided_at}
             for r, revision_id in zip(planned, revision_ids, strict=True)]
    for chunk in _batches(links):
        db.session.execute(sa.update(Report), chunk)

    audit.record(None, "demo.reports_loaded", "report", None, created=len(planned), contributors=len(new_users),
                 target=target, seed=seed)
    db.session.flush()
    if rebuild_facts is not None:
        rebuild_facts()
    return len(planned)
