"""Import of the national FINESS extract: the legacy `;` CSV (Windows-1252) and the JSON feed.

Every line is parsed and checked first; the valid ones are then written in the caller's single
transaction, so an import either lands whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import vocabulary as v
from app.extensions import db
from app.models import Establishment
from app.services import audit
from app.services.finess import finess_error, normalise_finess, normalise_siret

# FINESS establishment categories (categetab) → our establishment types.
CATEGORY_TYPES = {
    "101": "chu",  # Centre Hospitalier Régional
    "355": "ch",  # Centre Hospitalier
    "106": "ch",  # Centre Hospitalier, ex-hôpital local
    "114": "ch",  # Hôpital des armées
    "365": "clinic_mco",  # Établissement de soins pluridisciplinaire
    "128": "clinic_mco",  # Établissement de soins chirurgicaux
    "129": "clinic_mco",  # Établissement de soins médicaux
    "122": "clinic_mco",  # Établissement de soins obstétriques, chirurgico-gynécologiques
    "131": "clcc",  # Centre de lutte contre le cancer
    "292": "psychiatric",  # Centre hospitalier spécialisé en psychiatrie
    "161": "psychiatric",  # Maison de santé pour maladies mentales
    "156": "psychiatric",  # Centre médico-psychologique
    "109": "smr",  # Établissement de santé privé autorisé en SMR (ex-SSR)
    "362": "smr",  # Établissement de soins de longue durée
    "127": "had",  # Hospitalisation à domicile
    "500": "ehpad",  # EHPAD
    "501": "ehpad",  # EHPA percevant des crédits d'assurance maladie
    "183": "esms_disability",  # Institut médico-éducatif
    "255": "esms_disability",  # Maison d'accueil spécialisée
    "437": "esms_disability",  # Foyer d'accueil médicalisé
    "448": "esms_disability",  # Établissement d'accueil médicalisé
    "182": "esms_disability",  # SESSAD
    "246": "esms_disability",  # ESAT
}
PUBLIC_BY_CATEGORY = {"101", "355", "106", "114", "292"}


def type_for_category(code: str) -> str:
    return CATEGORY_TYPES.get(code, "other")


# Medico-social categories we do not map to a type of our own (residences, home-care services…).
MEDICO_SOCIAL_OTHER = {"202", "207", "209", "354", "186", "188", "189", "190", "192", "194", "195", "196", "238",
                       "377", "379", "390", "395", "396", "402"}


def sector_for_type(type_code: str, category: str) -> str:
    if type_code in v.MEDICO_SOCIAL_TYPES or category in MEDICO_SOCIAL_OTHER:
        return "medico_social"
    return "health"


def legal_status_for_code(code: str) -> str | None:
    """FINESS legal-status codes: 01–39 public bodies, 40–69 private non-profit, 70–99 private for-profit."""
    if not code or not code.isdigit():
        return None
    number = int(code)
    if number < 40:
        return "public"
    if number < 70:
        return "private_non_profit"
    return "private_for_profit"


class FinessImportError(Exception):
    """The file as a whole cannot be imported; the message is for the operator."""


@dataclass
class ParsedEstablishment:
    line: int
    finess: str
    name: str
    category: str
    category_label: str
    city: str
    department: str
    legal_status: str | None
    siret: str = ""


@dataclass
class FinessImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    unmapped_categories: Counter = field(default_factory=Counter)
    skipped_sections: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


# Legacy CSV -----------------------------------------------------------------------------------------

LEGACY_FIELDS = ("section", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie",
                 "typvoie", "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement",
                 "ligneacheminement", "telephone", "telecopie", "categetab", "libcategetab", "categagretab",
                 "libcategagretab", "siret", "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv",
                 "dateautor", "maj", "numuai")


def _city_from_routing_line(value: str) -> str:
    # "75013 PARIS" → "PARIS"
    parts = value.strip().split(" ", 1)
    return parts[1].strip() if len(parts) == 2 and parts[0].isdigit() else value.strip()


def parse_legacy(text: str, report: FinessImportReport) -> Iterator[ParsedEstablishment]:
    reader = csv.reader(io.StringIO(text), delimiter=";")
    for line_number, row in enumerate(reader, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        section = row[0].strip().lower()
        if section != "structureet":
            # The first line is file metadata; other sections (equipment, activities) are not ours.
            report.skipped_sections += 1
            continue
        if len(row) < 20:
            report.rejected.append((line_number, _("ligne incomplète (%(n)d champs au lieu de 32)", n=len(row))))
            continue
        values = dict(zip(LEGACY_FIELDS, (cell.strip() for cell in row), strict=False))
        category = values.get("categetab", "")
        yield ParsedEstablishment(
            line=line_number,
            finess=values["nofinesset"],
            name=values.get("rslongue") or values.get("rs", ""),
            category=category,
            category_label=values.get("libcategetab", ""),
            city=_city_from_routing_line(values.get("ligneacheminement", "")),
            department=values.get("departement", ""),
            legal_status="public" if category in PUBLIC_BY_CATEGORY else None,
            siret=values.get("siret", ""),
        )


# JSON feed ------------------------------------------------------------------------------------------

def _code(obj: Any) -> str:
    return str(obj.get("code", "")) if isinstance(obj, dict) else ""


def _first(mapping: dict, *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def parse_json(text: str, report: FinessImportReport) -> Iterator[ParsedEstablishment]:
    """The `structures` feed: legal entities (pmej) holding their geographic establishments (ege)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        report.rejected.append((error.lineno, _("JSON illisible : %(error)s", error=error.msg)))
        return
    entities = document.get("pmej") if isinstance(document, dict) else None
    if not isinstance(entities, list):
        report.rejected.append((0, _("le document ne contient pas de liste « pmej »")))
        return
    position = 0
    for entity in entities:
        general = entity.get("informationsGeneralesPmej", {}) if isinstance(entity, dict) else {}
        legal_status = legal_status_for_code(_code(general.get("statutJuridique")))
        for ege in entity.get("ege", []) if isinstance(entity, dict) else []:
            position += 1
            info = ege.get("informationsGeneralesEGE", {}) if isinstance(ege, dict) else {}
            if not isinstance(info, dict):
                info = {}
            addresses = ege.get("adresse") or [{}]
            address = addresses[0] if isinstance(addresses, list) and addresses else {}
            commune = _first(address, "cogCommune")
            finess = _first(info, "numFinessEt", "numFinessEGE", "numFiness")
            category = _code(ege.get("categorieEntiteGeographiqueExercice")) or _first(info, "categorieEtablissement")
            if _code(ege.get("etatObjet")) in {"FERME", "CADUC", "F"}:
                report.skipped_sections += 1
                continue
            yield ParsedEstablishment(
                line=position,
                finess=finess,
                name=_first(info, "denominationLongueEGE", "denominationEGE", "raisonSocialeLongue", "raisonSociale",
                            "denominationEt"),
                category=category,
                category_label=_first(info, "libelleCategorie"),
                city=_city_from_routing_line(_first(address, "ligneAcheminement")),
                department=commune[:3] if commune.startswith("97") else commune[:2],
                legal_status=legal_status,
                siret=_first(info, "numSiret", "siret"),
            )


# Applying -------------------------------------------------------------------------------------------

def _validate(parsed: ParsedEstablishment) -> str | None:
    error = finess_error(parsed.finess)
    if error:
        return _("FINESS « %(value)s » : %(error)s", value=parsed.finess, error=error)
    if not parsed.name:
        return _("raison sociale absente")
    if len(parsed.name) > 255:
        return _("raison sociale trop longue (255 caractères au plus)")
    return None


def import_finess(path: Path | str, actor_id: int | None = None) -> FinessImportReport:
    """Read a legacy CSV or JSON extract and create or update establishments (caller commits)."""
    return import_finess_data(Path(path).read_bytes(), Path(path).name, actor_id)


def import_finess_data(raw: bytes, filename: str, actor_id: int | None = None) -> FinessImportReport:
    """The same, from the file's content (the administration page's upload; the command line reads a path). A JSON
    feed that is not UTF-8 raises UnicodeDecodeError."""
    report = FinessImportReport()
    stripped = raw.lstrip()
    if stripped[:1] in (b"{", b"["):
        parsed_rows = list(parse_json(raw.decode("utf-8-sig"), report))
    else:
        # The official extract is Windows-1252; a file re-saved as UTF-8 must not come out as "Ã‰".
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        parsed_rows = list(parse_legacy(text, report))
    if not parsed_rows and not report.rejected:
        raise FinessImportError(_("Aucun établissement trouvé dans ce fichier : est-ce bien un extrait FINESS "
                                  "(lignes « structureet ») ou le flux JSON « structures » ?"))

    existing = {e.finess: e for e in db.session.scalars(
        sa.select(Establishment).where(Establishment.finess.in_({normalise_finess(p.finess) for p in parsed_rows})))}
    seen: dict[str, int] = {}
    for parsed in parsed_rows:
        error = _validate(parsed)
        if error:
            report.rejected.append((parsed.line, error))
            continue
        finess = normalise_finess(parsed.finess)
        if finess in seen:
            report.rejected.append((parsed.line, _("FINESS %(finess)s déjà présent ligne %(line)d du fichier",
                                                   finess=finess, line=seen[finess])))
            continue
        seen[finess] = parsed.line
        type_code = type_for_category(parsed.category)
        if type_code == "other":
            report.unmapped_categories[f"{parsed.category} {parsed.category_label}".strip()] += 1
        values = {
            "name": parsed.name,
            "type": type_code,
            "sector": sector_for_type(type_code, parsed.category),
            "region": v.region_for_finess(finess),
            "department": parsed.department or finess[:2],
            "city": parsed.city or None,
            "finess_category": parsed.category or None,
            "finess_category_label": parsed.category_label or None,
        }
        if parsed.legal_status:
            values["legal_status"] = parsed.legal_status
        if normalise_siret(parsed.siret):
            values["siret"] = normalise_siret(parsed.siret)
        establishment = existing.get(finess)
        if establishment is None:
            db.session.add(Establishment(finess=finess, **values))
            report.created += 1
        elif any(getattr(establishment, k) != val for k, val in values.items()) or establishment.is_fictional:
            for key, val in values.items():
                setattr(establishment, key, val)
            establishment.is_fictional = False  # real data now
            report.updated += 1
        else:
            report.unchanged += 1
    report.rejected.sort(key=lambda item: item[0])
    db.session.flush()
    audit.record(actor_id, "establishment.finess_import", "establishment", None, file=filename[:255],
                 created=report.created, updated=report.updated, rejected=len(report.rejected))
    return report
