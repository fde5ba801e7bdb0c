"""The statistics' facts of the benchmark data: `rebuild_facts_bulk`, a bulk version of
app.services.facts.rebuild_facts that gives the same facts, run after app.demo.bench's load_bench_data so
that the statistics see the data."""

from __future__ import annotations

import json
import multiprocessing
import os

import sqlalchemy as sa

from app.demo.bench_rows import BATCH, PARALLEL_FROM, Progress, _Encoder, _encoders, _execute_many, _Ids, _sync_sequences
from app.extensions import db
from app.models import Establishment, FactChoice, Report, ReportFact, ReportRevision, Solution
from app.models.report import ReportStatus
from app.services import releases
from app.services.facts import fact_choices, fact_values, invalidate_statistics


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
