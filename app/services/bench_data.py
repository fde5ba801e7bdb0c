"""Bulk fictional data for scale tests: `flask demo bench-data --reports N [--establishments M] [--seed S]`.

Adds N published reports across M new fictional establishments, on the fictional demonstration catalogue,
shaped like the demonstration reports (app.services.demo_reports, whose planner writes each series of
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
the demonstration's fixed sentences), one audit entry. The caller then runs `rebuild_facts_bulk`, a bulk
version of app.services.facts.rebuild_facts that gives the same facts, so that the statistics see the data.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import queue
import random
import secrets
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app import vocabulary as v
from app.extensions import db
from app.models import Establishment, FactChoice, Report, ReportFact, ReportRevision, Solution, User
from app.models._types import utcnow
from app.models.report import ReportStatus, RevisionState
from app.models.search import fold
from app.services import accounts, audit, releases
from app.services.demo import (
    _TOWN_END,
    _TOWN_START,
    _TYPE_NAMES,
    _TYPE_SIZES,
    _TYPE_WEIGHTS,
    DEMO_DOMAIN,
    _fictional_finess,
    load_demo,
)
from app.services.demo_reports import (
    DEPLOYMENTS,
    MATURITY,
    MULTI_CONTRIBUTOR_RATE,
    _clamp,
    _Contributor,
    _EstablishmentInfo,
    _PlannedReport,
    _Planner,
    _SolutionInfo,
)
from app.services.exports import export_cells
from app.services.facts import fact_choices, fact_values, invalidate_statistics
from app.services.report_answers import scores

BATCH = 10_000  # rows per executemany, and reports per chunk held in memory
BENCH_EMAIL = "bench-contributor-{id}@" + DEMO_DOMAIN
PARALLEL_RATE = MULTI_CONTRIBUTOR_RATE  # of the (establishment, solution) pairs: a second contributor
TWO_REVISIONS_RATE = 0.05  # of the reports: an earlier revision, superseded, then the published one
SERIES_REPORTS = 1.25  # reports in one series planned by _Planner.plan_pair (measured: about 1.27)
REPORTS_PER_CONTRIBUTOR = 10
PARTS = 2  # shares of the establishments, each with its own random generator
PARALLEL_FROM = 20_000  # reports from which the parts are planned in worker processes
SQLITE_CACHE_KIB = 512 * 1024  # page cache of this connection during the load (SQLite's default: 2 MB)
Progress = Callable[[int], Any]


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


class _Ids:
    """Consecutive ids, assigned here rather than by the database."""

    def __init__(self, first: int) -> None:
        self.first = self.next = first

    @classmethod
    def after_max(cls, model) -> _Ids:
        return cls((db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1)

    def take(self) -> int:
        self.next += 1
        return self.next - 1


class _Encoder:
    """A table's INSERT as a DB-API executemany: rows (dictionaries with every column) become tuples
    converted by the dialect's own bind processors, as a Core insert would convert them, JSON included
    (serialised as SQLAlchemy does, with the dialect's serializer). Converting is the costly part of an
    insert: it can run in a worker process, leaving the executemany to the one holding the transaction."""

    def __init__(self, table: sa.Table, dialect: sa.Dialect) -> None:
        self.names = [column.name for column in table.columns]
        serializer = getattr(dialect, "_json_serializer", None) or json.dumps
        self.processors = [serializer if isinstance(column.type, sa.JSON)
                           else column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns]
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in self.names)
        marks = ", ".join([mark] * len(self.names))
        self.statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608  # model names, values bound
        self.copy_statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"

    def encode(self, rows: list[dict[str, Any]]) -> list[tuple]:
        pairs = list(zip(self.names, self.processors, strict=True))
        return [tuple(row[name] if process is None else process(row[name]) for name, process in pairs)
                for row in rows]


def _encoders(dialect: sa.Dialect) -> dict[str, _Encoder]:
    return {model.__tablename__: _Encoder(model.__table__, dialect)
            for model in (User, Report, ReportRevision, ReportFact, FactChoice)}


def _execute_many(encoder: _Encoder, rows: list[tuple]) -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY, in the session's transaction: two to five times faster than an executemany in pipeline mode.
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(encoder.copy_statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(encoder.statement, rows[start:start + BATCH])


@dataclass
class _Chunk:
    """Rows of about BATCH reports, as dictionaries while they are built, then encoded (table → tuples)."""

    users: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    encoded: dict[str, list[tuple]] = field(default_factory=dict)
    report_count: int = 0
    report_ids: tuple[int, int] = (0, 0)
    revision_ids: tuple[int, int] = (0, 0)

    def encode(self, encoders: dict[str, _Encoder]) -> _Chunk:
        encoded = _Chunk(report_count=len(self.reports), report_ids=(self.reports[0]["id"], self.reports[-1]["id"]),
                         revision_ids=(self.revisions[0]["id"], self.revisions[-1]["id"]))
        encoded.encoded = {"user_account": encoders["user_account"].encode(self.users),
                           "report": encoders["report"].encode(self.reports),
                           "report_revision": encoders["report_revision"].encode(self.revisions)}
        return encoded


@dataclass
class _Part:
    """A share of the new establishments, planned without the database (in a worker process or in turn),
    with its own random generator and its own blocks of ids (the gaps between blocks are harmless)."""

    seed: str
    now: datetime
    sites: list[tuple[_EstablishmentInfo, list[_SolutionInfo]]]
    quotas: list[int]
    first_user_id: int
    first_report_id: int
    first_revision_id: int
    password_hash: str
    moderator_id: int | None
    dialect: sa.Dialect


def _insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(table), rows[start:start + BATCH])


def _analyze(*models) -> None:
    """PostgreSQL has no statistics on rows loaded in bulk until autovacuum comes by: meanwhile it would plan
    queries on these tables as if they were nearly empty (nested loops over a million reports)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))  # (our table names)


def _sync_sequences(*models) -> None:
    """After explicit ids, PostgreSQL's sequences must move past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__
        highest = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 1)).scalar_subquery()
        db.session.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"), highest)))


# ---------------------------------------------------------------------------------------- establishments


def _establishment_rows(count: int, rng: random.Random, ids: _Ids, now: datetime) -> list[dict[str, Any]]:
    """`count` fictional establishments, every region and every type, names saying they are fictional."""
    used = set(db.session.scalars(sa.select(Establishment.finess)))
    regions, types = list(v.REGIONS), list(_TYPE_WEIGHTS)
    weighted = [t for t, w in _TYPE_WEIGHTS.items() for _ in range(w)]
    rows = []
    for index in range(count):
        establishment_id = ids.take()
        region = regions[index % len(regions)]
        type_code = types[index % len(types)] if index < 2 * len(types) else rng.choice(weighted)
        town = rng.choice(_TOWN_START) + rng.choice(_TOWN_END)
        name = (_TYPE_NAMES[type_code].format(town=town).replace(" de " + town, " d'" + town)
                if town[0] in "AEIOUÉÈ" else _TYPE_NAMES[type_code].format(town=town))
        name += f" (fictif, banc d'essai n° {establishment_id})"
        finess = _fictional_finess(rng, region, used)
        legal = {"chu": "public", "ch": "public", "psychiatric": "public", "clcc": "private_non_profit",
                 "clinic_mco": "private_for_profit"}.get(type_code) or rng.choice(list(v.LEGAL_STATUSES))
        rows.append({
            "id": establishment_id, "finess": finess, "name": name, "legal_status": legal, "type": type_code,
            "sector": "medico_social" if type_code in v.MEDICO_SOCIAL_TYPES else "health", "region": region,
            "department": finess[:2] if not finess.startswith("97") else "97" + finess[3], "city": town,
            "size_class": rng.choice(_TYPE_SIZES[type_code]),
            "ght": f"GHT fictif {v.REGIONS[region]} {1 + index % 3}" if legal == "public" else None,
            "search_text": fold(name, town), "finess_category": None, "finess_category_label": None,
            "is_fictional": True, "created_at": now, "updated_at": now,
        })
    return rows


def _quotas(total: int, weights: list[float], caps: list[float]) -> list[int]:
    """`total` split in proportion to the weights, none above its cap (caps scaled up when too small),
    in integers summing to `total`."""
    if not weights:
        return []
    scale = max(1.0, total / max(1e-9, sum(caps)))
    caps = [c * scale for c in caps]
    shares = [0.0] * len(weights)
    free, remaining = set(range(len(weights))), float(total)
    while free and remaining > 1e-9:
        weight = sum(weights[i] for i in free)
        full = [i for i in free if remaining * weights[i] / weight >= caps[i]]
        if not full:
            for i in free:
                shares[i] = remaining * weights[i] / weight
            break
        for i in full:
            shares[i] = caps[i]
            remaining -= caps[i]
            free.discard(i)
    quotas = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: shares[i] - quotas[i], reverse=True)
    for i in order[:total - sum(quotas)]:
        quotas[i] += 1
    return quotas


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
                "approved_by_id": None, "last_login_at": None, "password_changed_at": None})
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
            "withdrawn_at": None})
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
            "decided_by_id": moderator_id, "moderator_message": None, "export_cells": cells}


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


# ---------------------------------------------------------------------------------------- facts


def _establishment_ranges(size: int) -> list[tuple[int, int, int]]:
    """(first id, last id, reports) ranges of establishments holding about `size` published reports each."""
    counts = db.session.execute(sa.select(Report.establishment_id, sa.func.count())
                                .where(Report.status == ReportStatus.PUBLISHED)
                                .group_by(Report.establishment_id).order_by(Report.establishment_id)).all()
    ranges: list[tuple[int, int, int]] = []
    first, total = None, 0
    for establishment_id, count in counts:
        if first is None:
            first = establishment_id
        total += count
        if total >= size:
            ranges.append((first, establishment_id, total))
            first, total = None, 0
    if first is not None:
        ranges.append((first, counts[-1][0], total))
    return ranges


_fact_encoders: dict[str, _Encoder] = {}


def _init_fact_worker(dialect: sa.Dialect) -> None:
    _fact_encoders.update(_encoders(dialect))


def _fact_rows(voices: list[tuple], first_id: int) -> tuple[list[tuple], list[tuple], int]:
    """Encoded rows of the facts of these voices (answers as JSON text) and of their choices."""
    facts, choices = [], []
    fact_id = first_id
    for (report_id, revision_id, establishment_id, solution_id, category_id, decided_at, first_published_at,
         type_code, sector, size_class, region, sus_score, answers_text) in voices:
        answers = (json.loads(answers_text) if answers_text is not None else None) or {}
        facts.append({"id": fact_id, "report_id": report_id, "revision_id": revision_id,
                      "establishment_id": establishment_id, "solution_id": solution_id, "category_id": category_id,
                      "published_at": decided_at or first_published_at, "establishment_type": type_code,
                      "sector": sector, "size_class": size_class, "region": region, "sus_score": sus_score,
                      **fact_values(answers)})
        choices.extend((fact_id, kind, code) for kind, code in fact_choices(answers))
        fact_id += 1
    return _fact_encoders["report_fact"].encode(facts), choices, len(facts)


def rebuild_facts_bulk(progress: Progress | None = None, batch: int = BATCH, parallel: bool | None = None) -> int:
    """Same facts as app.services.facts.rebuild_facts, in bulk: the voices (latest published report of each
    author of an establishment on a solution) are picked by a window function over the same ordering, the
    typed columns come from the same fact_values/fact_choices, and the rows go in by executemany, a range
    of establishments at a time. parallel: decode the answers and compute the rows in two worker processes
    (default: from PARALLEL_FROM published reports, on a machine with several cores) while this one reads
    and inserts. Returns the number of facts; progress gets the number of reports read."""
    db.session.execute(sa.delete(FactChoice))
    db.session.execute(sa.delete(ReportFact))
    dialect = db.session.get_bind().dialect
    ranges = _establishment_ranges(batch)
    if parallel is None:
        parallel = (sum(r[2] for r in ranges) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
                    and "fork" in multiprocessing.get_all_start_methods())
    next_id = _Ids.after_max(ReportFact).first
    total = 0

    def insert(rows: tuple[list[tuple], list[tuple], int], reports: int) -> None:
        nonlocal total
        facts, choices, count = rows
        _execute_many(_fact_encoders["report_fact"], facts)
        _execute_many(_fact_encoders["report_fact_choice"], choices)
        total += count
        if progress is not None:
            progress(reports)

    # Forked like the planning workers of load_bench_data: they never touch the database.
    pool = multiprocessing.get_context("fork").Pool(2, _init_fact_worker, (dialect,)) if parallel else None
    _init_fact_worker(dialect)
    try:
        pending = []
        for first, last, reports in ranges:
            voices = _voices_of_range(first, last)
            if pool is None:
                insert(_fact_rows(voices, next_id), reports)
            else:
                pending.append((pool.apply_async(_fact_rows, (voices, next_id)), reports))
                while len(pending) > 2:
                    result, count = pending.pop(0)
                    insert(result.get(), count)
            next_id += len(voices)
        for result, count in pending:
            insert(result.get(), count)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    _sync_sequences(ReportFact)
    invalidate_statistics(None)
    releases.mark_changed(None)
    db.session.flush()
    return total


def _voices_of_range(first: int, last: int) -> list[tuple]:
    """The voices of a range of establishments, with what their facts copy, answers as JSON text."""
    ranked = (sa.select(Report.id.label("report_id"), Report.establishment_id, Report.solution_id,
                        Report.first_published_at, ReportRevision.id.label("revision_id"),
                        sa.func.row_number().over(
                            partition_by=(Report.establishment_id, Report.solution_id, Report.author_id),
                            order_by=(ReportRevision.decided_at.desc(), Report.id.desc())).label("rank"))
              .join(ReportRevision, ReportRevision.id == Report.published_revision_id)
              .where(Report.status == ReportStatus.PUBLISHED, Report.establishment_id.between(first, last))
              .subquery())
    return [tuple(row) for row in db.session.execute(
        sa.select(ranked.c.report_id, ranked.c.revision_id, ranked.c.establishment_id, ranked.c.solution_id,
                  Solution.category_id, ReportRevision.decided_at, ranked.c.first_published_at,
                  Establishment.type, Establishment.sector, Establishment.size_class, Establishment.region,
                  ReportRevision.sus_score, sa.cast(ReportRevision.answers, sa.Text))
        .select_from(ranked)
        .join(ReportRevision, ReportRevision.id == ranked.c.revision_id)
        .join(Establishment, Establishment.id == ranked.c.establishment_id)
        .join(Solution, Solution.id == ranked.c.solution_id)
        .where(ranked.c.rank == 1))]
