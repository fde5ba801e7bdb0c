"""Rows of the benchmark data (app.demo.bench): ids assigned here, each table's INSERT as an executemany
of tuples encoded with the dialect's own bind processors (in a worker process or not), the chunks and parts
the work is cut into, and the new fictional establishments with the share of the reports each gets."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app import vocabulary as v
from app.demo.loader import _TOWN_END, _TOWN_START, _TYPE_NAMES, _TYPE_SIZES, _TYPE_WEIGHTS, _fictional_finess
from app.demo.mix import _EstablishmentInfo, _SolutionInfo
from app.extensions import db
from app.models import Establishment, FactChoice, Report, ReportFact, ReportRevision, User
from app.models.search import fold

BATCH = 10_000  # rows per executemany, and reports per chunk held in memory
PARALLEL_FROM = 20_000  # reports from which the parts are planned in worker processes
Progress = Callable[[int], Any]


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
