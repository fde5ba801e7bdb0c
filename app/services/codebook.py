"""The codebook of the analysts' exports: for every column, its meaning, its type and unit, and for a coded column
every code with its label in French and in English.

It is built from the definitions the exports themselves read (the questionnaire's questions and vocabularies,
the establishments' vocabularies, the categories of the catalogue, the scorecard's columns), so it cannot drift
from them: a column the exports gain without a description here makes `entries()` fail, and the tests.
A codebook holds labels only, never a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app import questionnaire as q
from app import vocabulary
from app.extensions import db
from app.models import Category
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.questionnaire import questions as kinds
from app.questionnaire.questions import CONDITIONAL_NAMES
from app.services import scorecard_export, stats
from app.services.export_writers import spreadsheet_code
from app.services.exports import report_columns

LANGUAGES = ("fr", "en")
EXPORTS = ("reports", "aggregates")

# Column types, as written in the codebook (stable names for scripts) with their meaning for a reader.
CODE, CODES, INTEGER, DECIMAL, SHARE, FLAG, DATE, MONTH, TEXT, BOOLEAN = (
    "code", "codes", "integer", "decimal", "share", "flag", "date", "month", "text", "boolean")
TYPES = {
    CODE: _l("un code de la liste des codes, à lire comme du texte"),
    CODES: _l("zéro, un ou plusieurs codes de la liste des codes, séparés par « | »"),
    INTEGER: _l("nombre entier"),
    DECIMAL: _l("nombre décimal (virgule décimale dans le CSV)"),
    SHARE: _l("proportion entre 0 et 1 (virgule décimale dans le CSV)"),
    FLAG: _l("indicateur : 1 pour oui, 0 pour non"),
    DATE: _l("date AAAA-MM-JJ (heure de Paris)"),
    MONTH: _l("mois, tel que saisi (AAAA-MM ou MM/AAAA)"),
    TEXT: _l("texte"),
    BOOLEAN: _l("case à cocher : y si cochée, vide sinon"),
}


@dataclass(frozen=True)
class Entry:
    """One column of an export. Texts are lazy strings (French source, English from the catalogue) or
    (French, English) pairs for what the database holds (categories)."""

    name: str
    meaning: Any
    kind: str
    unit: Any = ""
    note: Any = ""
    codes: dict[str, Any] = field(default_factory=dict)

    @property
    def text_codes(self) -> bool:
        """Whether a spreadsheet would turn some of its codes into numbers and lose their leading zeros ("01")."""
        return any(len(code) > 1 and code.isdigit() and code.startswith("0") for code in self.codes)


def text_in(value: Any, locale: str) -> str:
    """A text of the codebook in one language."""
    if isinstance(value, tuple):
        return value[1] if locale == "en" and value[1] else value[0]
    if not value:
        return ""
    with force_locale(locale):
        return str(value)


# Published reports -------------------------------------------------------------------------------------------

def _category_codes() -> dict[str, tuple[str, str]]:
    rows = db.session.execute(sa.select(Category.slug, Category.name_fr, Category.name_en)
                              .order_by(Category.position, Category.slug))
    return {slug: (name_fr, name_en) for slug, name_fr, name_en in rows}


_QUESTION_KINDS = {kinds.TEXT: TEXT, kinds.TEXTAREA: TEXT, kinds.MONTH: MONTH, kinds.INTEGER: INTEGER,
                   kinds.DECIMAL: DECIMAL, kinds.RADIO: CODE, kinds.SELECT: CODE, kinds.MULTI: CODES,
                   kinds.BOOLEAN: BOOLEAN}
_UNITS = {
    "users_count": _l("utilisateurs"),
    "months_to_golive": _l("mois"),
    "time_saved_hours": _l("heures par semaine (par utilisateur ou pour le service : voir time_saved_unit)"),
    "incidents_count": _l("incidents"),
}

def _question_meaning(question: q.Question) -> Any:
    if question.name.startswith("rating_"):
        return _l("Note (1 = très insatisfaisant, 5 = très satisfaisant) : %(label)s", label=question.label)
    if question.name.startswith("sus_"):
        return _l("F-SUS, item %(number)s (1 = pas du tout d'accord, 5 = tout à fait d'accord) : %(label)s",
                  number=question.name.removeprefix("sus_"), label=question.label)
    if question.name in q.GOVERNANCE:
        return _l("Gouvernance : %(label)s", label=question.label)
    return question.label


def _question_entry(question: q.Question) -> Entry:
    kind = _QUESTION_KINDS[question.kind]
    codes = dict(question.vocabulary or {}) if kind in (CODE, CODES) else {}
    if kind == BOOLEAN:
        codes = {"y": _l("Oui")}
    note = question.description or ""
    if question.name in CONDITIONAL_NAMES:
        note = _l("Vide quand la question ne s'applique pas (selon le stade du déploiement).")
    if kind == DECIMAL:
        note = _l("Tel que saisi : virgule ou point décimal (2,5 ou 2.5).")
    if question.free_text:
        note = _l("Texte libre ; les passages encore signalés comme données personnelles possibles sont remplacés.")
    return Entry(question.name, _question_meaning(question), kind, unit=_UNITS.get(question.name, ""),
                 note=note, codes=codes)


def report_entries() -> list[Entry]:
    entries = [
        Entry("report_id", _l("Identifiant du retour"), INTEGER),
        Entry("revision", _l("Numéro de la version publiée du retour"), INTEGER),
        Entry("published_on", _l("Date de publication de cette version"), DATE),
        Entry("first_published_on", _l("Date de la première publication du retour"), DATE),
        Entry("follow_up_of", _l("Identifiant du retour publié dont celui-ci est le suivi (vide sinon)"), INTEGER),
        Entry("solution_id", _l("Identifiant de la solution"), INTEGER),
        Entry("solution_name", _l("Nom de la solution"), TEXT),
        Entry("solution_vendor", _l("Éditeur de la solution"), TEXT),
        Entry("category", _l("Catégorie de la solution"), CODE, codes=_category_codes()),
        Entry("establishment_type", _l("Type d'établissement"), CODE, codes=vocabulary.ESTABLISHMENT_TYPES),
        Entry("establishment_size_class", _l("Taille de l'établissement (lits ou places)"), CODE,
              codes=vocabulary.SIZE_CLASSES),
        Entry("establishment_region", _l("Région de l'établissement (code INSEE)"), CODE, codes=vocabulary.REGIONS,
              note=_l("Codes à deux chiffres, zéro initial compris (01 Guadeloupe) : à lire comme du texte.")),
        Entry("establishment_sector", _l("Secteur de l'établissement"), CODE, codes=vocabulary.SECTORS),
        *(_question_entry(question) for question in q.QUESTIONS),
        Entry("sus_score", _l("Score SUS du retour (items impairs : réponse − 1, pairs : 5 − réponse, somme × 2,5)"),
              DECIMAL, unit=_l("points, de 0 à 100")),
        Entry("nps_rating", _l("Note de recommandation (question nps)"), INTEGER, unit=_l("de 0 à 10")),
    ]
    return _in_order(entries, report_columns())


# Scorecards (aggregates) ---------------------------------------------------------------------------------------

_PARTS = {
    "mean": _l("moyenne"),
    "score": _l("score"),
    "ci_low": _l("borne basse de l'intervalle de confiance à 95 %"),
    "ci_high": _l("borne haute de l'intervalle de confiance à 95 %"),
    "n": _l("effectif (établissements)"),
    "low_n": _l("1 si l'effectif est inférieur au seuil du secret statistique (min_establishments)"),
    "median": _l("médiane"),
    "q1": _l("premier quartile"),
    "q3": _l("troisième quartile"),
}


def _subjects() -> list[tuple[str, Any, str, Any]]:
    """(column prefix, what is measured, type of its value, unit) of every measure of the scorecard."""
    subjects: list[tuple[str, Any, str, Any]] = [
        (f"rating_{name}", _l("Note « %(label)s »", label=q.RATINGS[name]), DECIMAL, _l("de 1 à 5"))
        for name in RATING_COLUMNS]
    subjects += [
        ("sus", _l("Score SUS"), DECIMAL, _l("points, de 0 à 100")),
        ("nps", _l("Net Promoter Score"), DECIMAL, _l("de −100 à +100")),
        ("stop_rate", _l("Part des établissements qui ont arrêté la solution"), SHARE, ""),
        ("choose_again", _l("Part des établissements qui la choisiraient à nouveau"), SHARE, ""),
        ("months_to_golive", _l("Délai entre la décision et la mise en service"), DECIMAL, _l("mois")),
        ("integration_effort", _l("Effort d'intégration"), DECIMAL, _l("de 1 à 5")),
        ("time_saved_per_user_week", _l("Temps gagné par utilisateur"), DECIMAL, _l("heures par semaine")),
        ("time_saved_per_service_week", _l("Temps gagné pour le service"), DECIMAL, _l("heures par semaine")),
    ]
    subjects += [(f"gov_{name}", _l("Part des établissements où : %(label)s", label=q.GOVERNANCE[name]), SHARE, "")
                 for name in GOVERNANCE_COLUMNS]
    subjects += [(f"stage_{stage}", _l("Établissements au stade « %(label)s »", label=q.STAGES[stage]), INTEGER,
                  _l("établissements")) for stage in stats.STAGES]
    return subjects


def _measure_entry(column: str, subjects: list[tuple[str, Any, str, Any]]) -> Entry | None:
    for prefix, subject, kind, unit in subjects:
        if column == prefix:
            return Entry(column, subject, kind, unit=unit)
        part = column.removeprefix(prefix + "_") if column.startswith(prefix + "_") else None
        if part in _PARTS:
            part_kind = INTEGER if part == "n" else FLAG if part == "low_n" else kind
            return Entry(column, _l("%(subject)s : %(part)s", subject=subject, part=_PARTS[part]), part_kind,
                         unit="" if part in ("n", "low_n") else unit)
    return None


def aggregate_entries() -> list[Entry]:
    fixed = [
        Entry("solution_id", _l("Identifiant de la solution"), INTEGER),
        Entry("solution_name", _l("Nom de la solution"), TEXT),
        Entry("solution_vendor", _l("Éditeur de la solution"), TEXT),
        Entry("category", _l("Catégorie de la solution"), CODE, codes=_category_codes()),
        Entry("min_establishments", _l("Seuil du secret statistique : établissements distincts requis par valeur "
                                       "publiée"), INTEGER, unit=_l("établissements")),
        Entry("establishments", _l("Établissements distincts dont un retour publié est compté"), INTEGER,
              unit=_l("établissements")),
        Entry("voices", _l("Retours publiés comptés (le dernier de chaque établissement)"), INTEGER,
              unit=_l("retours")),
        Entry("low_n", _l("1 si la solution a moins d'établissements que le seuil du secret statistique"), FLAG),
    ]
    known = {entry.name: entry for entry in fixed}
    subjects = _subjects()
    entries = [known.get(name) or _measure_entry(name, subjects) or Entry(name, None, TEXT)
               for name in scorecard_export.aggregate_columns()]
    return _in_order(entries, scorecard_export.aggregate_columns())


# Both exports ----------------------------------------------------------------------------------------------

class UndocumentedColumn(LookupError):
    """An exported column the codebook does not describe: the codebook must be completed with the export."""


def _in_order(entries: list[Entry], columns: list[str]) -> list[Entry]:
    by_name = {entry.name: entry for entry in entries if entry.meaning is not None}
    missing = [name for name in columns if name not in by_name]
    if missing:
        raise UndocumentedColumn(", ".join(missing))
    return [by_name[name] for name in columns]


def entries(export: str) -> list[Entry]:
    return report_entries() if export == "reports" else aggregate_entries()


def rows(items: Iterable[Entry]) -> Iterator[dict[str, str]]:
    """The codebook as flat rows: one per column (its code empty), then one per code of a coded column."""
    for entry in items:
        yield {"column": entry.name, "type": entry.kind, "code": "",
               **{f"meaning_{lang}": text_in(entry.meaning, lang) for lang in LANGUAGES},
               **{f"unit_{lang}": text_in(entry.unit, lang) for lang in LANGUAGES},
               **{f"note_{lang}": text_in(entry.note, lang) for lang in LANGUAGES},
               **{f"label_{lang}": "" for lang in LANGUAGES}}
        for code, label in entry.codes.items():
            yield {"column": entry.name, "type": entry.kind, "code": code,
                   **{f"{part}_{lang}": "" for part in ("meaning", "unit", "note") for lang in LANGUAGES},
                   **{f"label_{lang}": text_in(label, lang) for lang in LANGUAGES}}


ROW_COLUMNS = ["column", "type", "code", "label_fr", "label_en", "meaning_fr", "meaning_en", "unit_fr", "unit_en",
               "note_fr", "note_en"]


def labeller(items: Iterable[Entry], locale: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Replaces, in an export's row, every code of a coded column by its label in `locale` (a code the
    codebook does not know stays as it is)."""
    labels = {entry.name: {code: text_in(label, locale) for code, label in entry.codes.items()}
              for entry in items if entry.codes}

    def label(row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        for name, names in labels.items():
            value = row.get(name)
            if isinstance(value, list):
                row[name] = [names.get(str(code), code) for code in value]
            elif value not in (None, ""):
                row[name] = names.get(str(value), value)
        return row

    return label


def text_code_columns(items: Iterable[Entry]) -> frozenset[str]:
    """The columns whose codes a spreadsheet would read as numbers, losing their leading zeros ("01" → 1)."""
    return frozenset(entry.name for entry in items if entry.text_codes)


def spreadsheet_texter(items: Iterable[Entry]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """For the spreadsheet variant of a CSV: in every column of text_code_columns, each code is written as the
    formula ="01", which Excel (and LibreOffice with formulas evaluated) shows as the text 01."""
    names = text_code_columns(items)

    def texted(row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        for name in names:
            row[name] = spreadsheet_code(row.get(name))
        return row

    return texted
