"""What templates may call beyond Flask's own, registered in one place by the application factory: filters,
globals (seen by macros imported without context too) and the context every page gets."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from app import page_cache, permissions, questionnaire, security, vocabulary
from app.reports.presenters import segments
from app.services import numbers, stat_cells
from app.services.privacy import TYPE_LABELS

FLAG_STATUSES = {"open": _l("À traiter"), "masked": _l("Masqué"), "dismissed": _l("Écarté"),
                 "rewrite": _l("Réécriture demandée")}


def vocab_label(code: str, vocabulary_name: str) -> str:
    return vocabulary.label(getattr(vocabulary, vocabulary_name), code)


def rating_row(item, cells):
    code, label = item
    return str(label), cells.get(code, stat_cells.cell(None, 0))


def stage_row(row):
    return str(questionnaire.STAGES.get(row["stage"], row["stage"])), row


def choice_row(row, codes):
    return str(codes.get(row["code"], row["code"])), row


def question_label(name: str) -> str:
    question = questionnaire.BY_NAME.get(name)
    return str(question.label) if question else name


def flag_type_label(code: str) -> str:
    return str(TYPE_LABELS.get(code, code))


def flag_status_label(code: str) -> str:
    return str(FLAG_STATUSES.get(code, code))


def iso_date(value: str | None) -> str:
    """An ISO date kept as text in the statistics ("2026-12-03"), written as the reader's language writes it."""
    if not value:
        return ""
    try:
        return format_date(date.fromisoformat(str(value)), format="long")
    except ValueError:
        return str(value)


def highlight(text: str, spans):
    """A text cut into plain and flagged pieces (possible personal data), for highlighting."""
    return segments(text or "", spans or [])


FILTERS = {"vocab_label": vocab_label, "rating_row": rating_row, "stage_row": stage_row, "choice_row": choice_row,
           "question_label": question_label, "flag_type_label": flag_type_label,
           "flag_status_label": flag_status_label,
           # Numbers in the reader's language: 65,8 / 65.8, 32 % / 32%, [61,8 ; 69,8] / [61.8; 69.8].
           "decimal": numbers.decimal, "number": numbers.number, "integer": numbers.integer, "percent": numbers.percent,
           "interval": numbers.interval, "with_unit": numbers.with_unit, "iso_date": iso_date}


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(perm=permissions, vocab=vocabulary, vocab_q=questionnaire, highlight=highlight,
                                 page_cache_mark=page_cache.page_cache_mark, csp_nonce=security.csp_nonce)

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        return {"current_locale": str(get_locale()), "demo_banner": app.config["DEMO_BANNER"]}
