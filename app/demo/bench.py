"""Bulk fictional data for scale tests: `flask demo bench-data --reports N [--establishments M] [--seed S]`.

Adds N published reports across M new fictional establishments, on the fictional demonstration catalogue,
shaped like the demonstration reports (app.demo.planner, whose _Planner writes each series of
reports of an establishment on a solution, with its answers): about 14 % of the reports are follow-ups of
an earlier report of the same establishment and solution, about 10 % of the (establishment, solution)
pairs have a second contributor writing in parallel, and about 5 % of the reports have two revisions (an
earlier one, superseded, then the published one).

An establishment holds only so many series: one per solution of its sector (about 40 for a hospital, 16
for an EHPAD, on the demonstration catalogue). When N is more than the M establishments hold, the other
reports are further series on solutions already deployed, each by another contributor of the establishment
(another service): the share of pairs with several contributors then grows. The command prints the
proportions obtained.

Additive: each run adds N reports, M establishments and their contributors (e-mail addresses numbered by
their ids, so nothing collides). Ids are assigned here, from max(id) + 1 (no other writer is expected
meanwhile). The establishments are shared between PARTS parts, each with its own random generator; from
PARALLEL_FROM reports, each part is planned in a worker process (the answers are most of the work) which
also converts its rows with the dialect's own bind processors, so that this process only runs the
executemany; the data are the same either way. No ORM object per row, no privacy scan (the free texts are
the demonstration's fixed sentences), one audit entry. The caller then runs `rebuild_facts_bulk`
(app.demo.bench_facts), a bulk version of app.services.facts.rebuild_facts that gives the same facts, so
that the statistics see the data. The rows' encoding and the new establishments: app.demo.bench_rows.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import random
import secrets
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.demo.bench_rows import (
    BATCH,
    PARALLEL_FROM,
    Progress,
    _analyze,
    _Chunk,
    _Encoder,
    _encoders,
    _establishment_rows,
    _execute_many,
    _Ids,
    _insert,
    _Part,
    _quotas,
    _sync_sequences,
)
from app.demo.loader import load_demo
from app.demo.mix import (
    DEMO_DOMAIN,
    DEPLOYMENTS,
    MATURITY,
    MULTI_CONTRIBUTOR_RATE,
    _clamp,
    _Contributor,
    _EstablishmentInfo,
    _PlannedReport,
)
from app.demo.planner import _Planner
from app.extensions import db
from app.models import Establishment, Report, ReportRevision, Solution, User
from app.models._types import utcnow
from app.models.report import ReportStatus, RevisionState
from app.services import accounts, audit
from app.services.exports import export_cells
from app.services.report_answers import scores

BENCH_EMAIL = "bench-contributor-{id}@" + DEMO_DOMAIN
PARALLEL_RATE = MULTI_CONTRIBUTOR_RATE  # of the (establishment, solution) pairs: a second contributor
TWO_REVISIONS_RATE = 0.05  # of the reports: an earlier revision, superseded, then the published one
SERIES_REPORTS = 1.25  # reports in one series planned by _Planner.plan_pair (measured: about 1.27)
REPORTS_PER_CONTRIBUTOR = 10
PARTS = 2  # shares of the establishments, each with its own random generator
SQLITE_CACHE_KIB = 512 * 1024  # page cache of this connection during the load (SQLite's default: 2 MB)


def default_establishments(reports: int) -> int:
    return max(200, reports // 40)


@dataclass
class BenchResult:
    establishments: int = 0
    contributors: int = 0
    reports: int = 0
    revisions: int = 0
    follow_ups: int = 0
    two_revisions: int = 0
    pairs: int = 0
    multi_contributor_pairs: int = 0
    extra_series: int = 0  # series on an already deployed pair, beyond what the establishments hold
    catalogue_loaded: bool = False

    def add(self, other: BenchResult) -> None:
        for name in ("contributors", "reports", "revisions", "follow_ups", "two_revisions", "pairs",
                     "multi_contributor_pairs", "extra_series"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def proportions(self) -> dict[str, float]:
        return {"follow_ups": self.follow_ups / max(1, self.reports),
                "multi_contributor_pairs": self.multi_contributor_pairs / max(1, self.pairs),
                "two_revisions": self.two_revisions / max(1, self.reports)}


# ---------------------------------------------------------------------------------------- reports


def _second_revision(planner: _Planner, report: _PlannedReport, limit: datetime
                     ) -> tuple[datetime, datetime, datetime] | None:
    """Dates (created, submitted, decided) of an update published after the first revision and before
    `limit` (the follow-up's creation, or now); None when there is no room."""
    room = limit - report.decided_at
    if room < timedelta(days=10):
        return None
    created = report.decided_at + room * planner.rng.uniform(0.05, 0.5)
    submitted, decided = planner.publication(created)
    if decided >= limit or submitted <= created:
        return None
    return created, submitted, decided


def _plan_establishment(planner: _Planner, info: _EstablishmentInfo, candidates: list, quota: int,
                        result: BenchResult) -> list[_PlannedReport]:
    """`quota` reports of one establishment, series by series, earlier reports first."""
    rng = planner.rng
    team = [_Contributor(info.id) for _ in range(max(2, math.ceil(quota / REPORTS_PER_CONTRIBUTOR)))]
    order = planner.choose_solutions(info, candidates, len(candidates))
    planned: list[_PlannedReport] = []
    authors: dict[int, dict[int, _Contributor]] = {}  # solution id → the contributors on the pair, by id()
    round_number = 0
    while len(planned) < quota and order:
        for solution in order:
            if len(planned) >= quota:
                break
            pair_authors = authors.setdefault(solution.id, {})
            if round_number == 0:
                primary = rng.choice(team)
            else:  # another service of the establishment starts its own series on the same solution
                others = [m for m in team if id(m) not in pair_authors]
                if not others:
                    others = [_Contributor(info.id)]
                    team.extend(others)
                primary = rng.choice(others)
                result.extra_series += 1
            members, parallel = [primary], 0
            if round_number == 0 and rng.random() < PARALLEL_RATE:
                members.append(rng.choice([m for m in team if m is not primary]))
                parallel = 1
            group = planner.plan_pair(info, solution, members, parallel)
            group.sort(key=lambda r: (r.depth, r.created_at))
            group = group[:quota - len(planned)]
            for report in group:
                pair_authors[id(report.author)] = report.author
            planned.extend(group)
        round_number += 1
    result.pairs += len(authors)
    result.multi_contributor_pairs += sum(1 for members in authors.values() if len(members) > 1)
    return planned


def _add_rows(chunk: _Chunk, planner: _Planner, planned: list[_PlannedReport], ids: dict[str, _Ids],
              password_hash: str, moderator_id: int | None, result: BenchResult) -> None:
    """Rows of one establishment's contributors, reports and revisions, with their ids."""
    rng, now = planner.rng, planner.now
    for report in planned:
        author = report.author
        if author.id is None:
            author.id = ids["user"].take()
            joined = (author.first_report_at or now) - timedelta(days=rng.uniform(1, 30))
            chunk.users.append({
                "id": author.id, "email": BENCH_EMAIL.format(id=author.id), "full_name": "Contributeur fictif",
                "password_hash": password_hash, "role": "contributor", "status": "active",
                "establishment_id": author.establishment_id, "session_token": secrets.token_urlsafe(24),
                "created_at": joined, "approved_at": joined + timedelta(hours=rng.uniform(1, 48)),
                "approved_by_id": None, "last_login_at": None, "password_changed_at": None, "rpps": None})
            result.contributors += 1
        report.report_id = ids["report"].take()
    successor_created = {id(r.previous): r.created_at for r in planned if r.previous is not None}
    latest = now - timedelta(days=1)
    for report in planned:
        revision_rows = []
        second = None
        if rng.random() < TWO_REVISIONS_RATE:
            second = _second_revision(planner, report, successor_created.get(id(report), latest))
        if second is not None:
            earlier = planner.answers(report)  # an earlier draw of the same report, replaced by the update
            revision_rows.append(_revision_row(ids["revision"].take(), report, 1, RevisionState.SUPERSEDED, earlier,
                                               report.created_at, report.submitted_at, report.decided_at,
                                               moderator_id))
            created, submitted, decided = second
            revision_rows.append(_revision_row(ids["revision"].take(), report, 2, RevisionState.PUBLISHED, report.answers,
                                               created, submitted, decided, moderator_id))
            result.two_revisions += 1
        else:
            decided = report.decided_at
            revision_rows.append(_revision_row(ids["revision"].take(), report, 1, RevisionState.PUBLISHED, report.answers,
                                               report.created_at, report.submitted_at, decided, moderator_id))
        chunk.revisions.extend(revision_rows)
        result.revisions += len(revision_rows)
        chunk.reports.append({
            "id": report.report_id, "establishment_id": report.establishment.id, "solution_id": report.solution.id,
            "author_id": report.author.id, "status": ReportStatus.PUBLISHED,
            "previous_report_id": report.previous.report_id if report.previous is not None else None,
            "creation_key": None, "working_revision_id": None, "published_revision_id": None,  # see _write
            "created_at": report.created_at, "updated_at": decided, "first_published_at": report.decided_at,
            "withdrawn_at": None, "withdrawal_reason": None})
        result.follow_ups += report.previous is not None
    result.reports += len(planned)


def _revision_row(revision_id: int, report: _PlannedReport, number: int, state: str, answers: dict[str, Any],
                  created: datetime, submitted: datetime, decided: datetime, moderator_id: int | None) -> dict[str, Any]:
    sus, nps = scores(answers)
    # The published revision's export cells, computed here (in the worker): no flags, the texts are fixed.
    cells = export_cells(answers, (), sus, nps) if state == RevisionState.PUBLISHED else None
    return {"id": revision_id, "report_id": report.report_id, "number": number, "state": state, "answers": answers,
            "sus_score": sus, "nps_rating": nps, "created_by_id": report.author.id, "created_at": created,
            "updated_at": submitted, "submitted_at": submitted, "decided_at": decided,
            "decided_by_id": moderator_id, "moderator_message": None, "export_cells": cells, "edit_count": 0}


def _produce(part: _Part, emit: Callable[[_Chunk], Any]) -> BenchResult:
    """Plan the reports of a part's establishments and emit them, encoded, about BATCH reports at a time."""
    result = BenchResult()
    planner = _Planner(random.Random(part.seed), part.now)  # noqa: S311 (reproducible fictional data)
    ids = {"user": _Ids(part.first_user_id), "report": _Ids(part.first_report_id),
           "revision": _Ids(part.first_revision_id)}
    encoders = _encoders(part.dialect)
    chunk = _Chunk()
    for (info, candidates), quota in zip(part.sites, part.quotas, strict=True):
        if quota <= 0 or not candidates:
            continue
        planned = _plan_establishment(planner, info, candidates, quota, result)
        _add_rows(chunk, planner, planned, ids, part.password_hash, part.moderator_id, result)
        if len(chunk.reports) >= BATCH:
            emit(chunk.encode(encoders))
            chunk = _Chunk()
    if chunk.reports:
        emit(chunk.encode(encoders))
    return result


def _produce_in_worker(part: _Part, messages) -> None:
    """Entry point of a planning process: chunks, then the result (or the error), through the queue."""
    try:
        result = _produce(part, lambda chunk: messages.put(("chunk", chunk)))
        messages.put(("done", result))
    except BaseException:  # reported to the parent, which raises
        messages.put(("error", traceback.format_exc()))


def _produce_in_parallel(parts: list[_Part], write: Callable[[_Chunk], Any]) -> list[BenchResult]:
    """One planning process per part, while this one inserts what they send."""
    # Forked: the workers start at once with this process's modules and objects. They never touch the
    # database: the inherited connections stay unused, and multiprocessing ends a worker with os._exit,
    # which closes nothing.
    context = multiprocessing.get_context("fork")
    messages = context.Queue(maxsize=2 * len(parts))
    workers = [context.Process(target=_produce_in_worker, args=(part, messages), daemon=True) for part in parts]
    for worker in workers:
        worker.start()
    results: list[BenchResult] = []
    try:
        while len(results) < len(parts):
            try:
                kind, payload = messages.get(timeout=5)
            except queue.Empty:
                if any(worker.exitcode not in (None, 0) for worker in workers):
                    raise RuntimeError("Un processus de génération s'est arrêté.") from None
                continue
            if kind == "chunk":
                write(payload)
            elif kind == "error":
                raise RuntimeError(f"Échec de la génération des retours :\n{payload}")
            else:
                results.append(payload)
    finally:
        for worker in workers:
            if worker.is_alive() and len(results) < len(parts):
                worker.terminate()
            worker.join(timeout=10)
    return results


def _write(chunk: _Chunk, encoders: dict[str, _Encoder]) -> None:
    """Insert an encoded chunk. A report and its published revision point at each other: the reports go in
    without the link, which one statement per chunk then sets from the revisions (deferring SQLite's
    foreign keys instead makes it look, without an index, for the report of every revision: quadratic)."""
    for table in ("user_account", "report", "report_revision"):
        _execute_many(encoders[table], chunk.encoded[table])
    # UPDATE … FROM, both sides by ranges of primary keys: PostgreSQL has no statistics on these new rows
    # and would otherwise scan the revisions once per report.
    db.session.execute(
        sa.update(Report)
        .where(Report.id.between(*chunk.report_ids), ReportRevision.id.between(*chunk.revision_ids),
               ReportRevision.report_id == Report.id, ReportRevision.state == RevisionState.PUBLISHED)
        .values(published_revision_id=ReportRevision.id, updated_at=Report.updated_at)  # not onupdate's now
        .execution_options(synchronize_session=False))


def _split(sites: list, quotas: list[int], parts: int) -> list[tuple[list, list[int]]]:
    """Consecutive shares of the establishments with about the same number of reports."""
    total, shares, start, running = sum(quotas), [], 0, 0
    for index, quota in enumerate(quotas):
        running += quota
        if len(shares) < parts - 1 and running >= total * (len(shares) + 1) / parts:
            shares.append((sites[start:index + 1], quotas[start:index + 1]))
            start = index + 1
    shares.append((sites[start:], quotas[start:]))
    return shares


def load_bench_data(reports: int, establishments: int | None = None, seed: int = 2024,
                    progress: Progress | None = None, parallel: bool | None = None) -> BenchResult:
    """Add `reports` published fictional reports across `establishments` new fictional establishments
    (see the module's docstring). parallel: plan in worker processes (default: from PARALLEL_FROM reports,
    on a machine with several cores). Flushes; the caller rebuilds the facts (rebuild_facts_bulk) so that
    the statistics see the data, then commits."""
    catalogue_loaded = False
    if not db.session.scalar(sa.select(Solution.id).where(Solution.is_fictional.is_(True),
                                                          Solution.archived.is_(False)).limit(1)):
        load_demo(with_reports=False)
        catalogue_loaded = True
    count = establishments or default_establishments(reports)
    existing = db.session.scalar(sa.select(sa.func.count(Report.id))) or 0
    rng = random.Random(f"{seed}:{existing}")  # noqa: S311 (reproducible fictional data, not security)
    now = utcnow()
    solutions = db.session.scalars(sa.select(Solution).where(Solution.is_fictional.is_(True),
                                                             Solution.archived.is_(False)).order_by(Solution.id)).all()
    # The solutions' hidden qualities depend on the seed only: runs with one seed agree on them.
    infos = _Planner(random.Random(f"{seed}:solutions"), now).solution_infos(list(solutions))  # noqa: S311
    deployable = [s for s in infos if s.popularity > 0]
    if not deployable:
        raise ValueError("Aucune solution fictive à déployer dans le catalogue de démonstration.")

    rows = _establishment_rows(count, rng, _Ids.after_max(Establishment), now)
    _insert(Establishment.__table__, rows)
    sites = [(_EstablishmentInfo(id=row["id"], type=row["type"], sector=row["sector"], size_class=row["size_class"],
                                 maturity=_clamp(MATURITY.get(row["type"], 0.4) + rng.gauss(0, 0.12), 0.05, 0.95)),
              [s for s in deployable if row["sector"] in s.sectors]) for row in rows]
    weights = [rng.uniform(*DEPLOYMENTS.get(info.type, (2, 8))) for info, _ in sites]
    caps = [0.9 * SERIES_REPORTS * len(candidates) for _, candidates in sites]
    quotas = _quotas(reports, weights, caps)

    dialect = db.session.get_bind().dialect
    if dialect.name == "sqlite" and reports >= PARALLEL_FROM:
        # The indexes of a million reports do not fit SQLite's default 2 MB cache (kept for the connection).
        db.session.execute(sa.text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    # Each part gets blocks of ids large enough for its reports: a report has at most two revisions and
    # a contributor at least one report.
    user_id, report_id, revision_id = (_Ids.after_max(User).first, _Ids.after_max(Report).first,
                                       _Ids.after_max(ReportRevision).first)
    first_report_id = report_id
    password_hash = accounts.hash_password(secrets.token_urlsafe(32))  # nobody knows it: no login
    moderator_id = db.session.scalar(sa.select(User.id).where(User.email == f"moderator@{DEMO_DOMAIN}"))
    parts = []
    for number, (part_sites, part_quotas) in enumerate(_split(sites, quotas, PARTS)):
        parts.append(_Part(seed=f"{seed}:{existing}:{number}", now=now, sites=part_sites, quotas=part_quotas,
                           first_user_id=user_id, first_report_id=report_id, first_revision_id=revision_id,
                           password_hash=password_hash, moderator_id=moderator_id, dialect=dialect))
        size = sum(part_quotas)
        user_id, report_id, revision_id = user_id + size, report_id + size, revision_id + 2 * size
    encoders = _encoders(dialect)

    def write(chunk: _Chunk) -> None:
        _write(chunk, encoders)
        if progress is not None:
            progress(chunk.report_count)

    if parallel is None:
        parallel = (reports >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
                    and "fork" in multiprocessing.get_all_start_methods())
    results = _produce_in_parallel(parts, write) if parallel else [_produce(part, write) for part in parts]
    result = BenchResult(establishments=len(rows), catalogue_loaded=catalogue_loaded)
    for part_result in results:
        result.add(part_result)
    _sync_sequences(Establishment, User, Report, ReportRevision)
    _analyze(Establishment, User, Report, ReportRevision)
    audit.record(None, "demo.bench_data_loaded", "report", None, reports=result.reports,
                 establishments=result.establishments, contributors=result.contributors, seed=seed,
                 first_report_id=first_report_id, last_report_id=report_id - 1)
    db.session.flush()
    return result
