"""What the patient-data guard costs: model load time and scan time per report and per field.

    .venv/bin/python bench/privacy_scan.py [--reports N] [--output bench/privacy_scan.md] [--seed S]

A report is 6 free-text fields of 50 to 600 characters, built from realistic French sentences; about
one report in three carries personal data (names, phones, NIR, dates of birth…). Everything is made
up here: no network, no data set. The figures go to a small Markdown table, also printed.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIELDS_PER_REPORT = 6
FIELD_LENGTHS = (50, 600)

CLEAN = [
    "Nous avons déployé l'outil au CHU de {city} en {month} {year}.",
    "Le service de {service} réalise environ {n} examens par mois.",
    "La version {version} a corrigé une partie des faux positifs signalés.",
    "L'équipe DSI a intégré la solution au DPI en {k} semaines.",
    "Le temps de lecture moyen est passé de {k} à {k2} minutes par dossier.",
    "La sensibilité annoncée par l'éditeur était de {pct} % sur {n} examens.",
    "Le cadre de santé a organisé trois sessions de formation de 2 heures.",
    "Le médecin DIM a vérifié la conformité au RGPD avec le DPO.",
    "Les manipulateurs apprécient les alertes, mais trouvent l'interface lente.",
    "Le contrat de maintenance coûte {n} euros par an.",
    "Nous recommandons une phase pilote de {k} mois avant la généralisation.",
    "Le support de {vendor} répond en 48 heures ouvrées, ce qui reste long pour les urgences.",
    "Le {date} nous avons migré le PACS vers la nouvelle version.",
    "Les urgences de {city} ont réduit le temps d'attente de {pct} %.",
    "Le comité d'éthique a rendu un avis favorable sous réserve d'une information des patients.",
    "Nous avons comparé {vendor} et une solution concurrente sur {n} scanners thoraciques.",
    "Le taux de faux négatifs est resté sous {k} % après la mise à jour.",
    "Le projet a été financé par l'ARS à hauteur de {n} €.",
    "La solution est hébergée chez un hébergeur certifié HDS.",
    "Les internes utilisent l'outil pendant les gardes, surtout la nuit.",
]
WITH_DATA = [
    "Le Dr {last} a signalé que le compte rendu de Mme {last2} était erroné.",
    "{first} {last} a été rappelé au {phone} pour un second examen.",
    "La patiente, née le {birth}, a reçu le résultat d'un homonyme.",
    "Le NIR {nir} apparaissait en clair dans l'export.",
    "M. {last} a écrit depuis {email} pour demander ses images.",
    "L'ambulance est allée chercher {first} {last} au {street}.",
    "Le prescripteur (RPPS {rpps}) n'était pas reconnu par l'outil.",
]
FIRST = ["Jean", "Marie", "Sophie", "Thomas", "Camille", "Lucas", "Nathalie", "Karim", "Élodie", "Antoine"]
LAST = ["Martin", "Dupuis", "Lefèvre", "Girard", "Nguyen", "Moreau", "Fontaine", "Haddad", "Roussel", "Masson"]
CITIES = ["Lyon", "Bordeaux", "Nantes", "Rennes", "Toulouse", "Lille", "Strasbourg", "Montpellier"]
SERVICES = ["radiologie", "cardiologie", "pneumologie", "gériatrie", "néphrologie", "médecine interne"]
VENDORS = ["Nordalune", "Radiolys", "Cardiolia", "Imagia"]
MONTHS = ["janvier", "mars", "juin", "septembre", "novembre"]
STREETS = ["12 rue des Lilas, 69003 Lyon", "3 avenue du Général de Gaulle", "7 impasse des Acacias, 31500 Toulouse"]


def _nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}" \
           f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"


def _rpps(rng: random.Random) -> str:
    from stdnum import luhn

    prefix = "10" + "".join(rng.choice("0123456789") for _ in range(8))
    return prefix + luhn.calc_check_digit(prefix)


def _sentence(rng: random.Random, template: str) -> str:
    return template.format(
        city=rng.choice(CITIES), month=rng.choice(MONTHS), year=rng.randint(2019, 2025),
        service=rng.choice(SERVICES), n=f"{rng.randint(1, 30)} {rng.randint(0, 999):03d}",
        version=f"{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}", k=rng.randint(2, 9),
        k2=rng.randint(1, 9), pct=rng.randint(2, 98), vendor=rng.choice(VENDORS),
        date=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2020, 2025)}",
        first=rng.choice(FIRST), last=rng.choice(LAST), last2=rng.choice(LAST),
        phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        birth=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2000)}",
        nir=_nir(rng), email=f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@exemple.fr".replace("é", "e"),
        street=rng.choice(STREETS), rpps=_rpps(rng),
    )


def make_field(rng: random.Random, with_data: bool) -> str:
    target = rng.randint(*FIELD_LENGTHS)
    sentences = [_sentence(rng, rng.choice(WITH_DATA))] if with_data else []
    while sum(len(s) + 1 for s in sentences) < target:
        sentences.insert(rng.randrange(len(sentences) + 1), _sentence(rng, rng.choice(CLEAN)))
    text = " ".join(sentences)
    return text if len(text) <= FIELD_LENGTHS[1] else text[:FIELD_LENGTHS[1]].rsplit(" ", 1)[0]


def make_reports(count: int, seed: int) -> list[tuple[list[str], bool]]:
    """(the report's fields, whether one of them was given personal data)."""
    rng = random.Random(seed)  # noqa: S311  (made-up texts, not secrets)
    reports = []
    for _ in range(count):
        data_field = rng.randrange(FIELDS_PER_REPORT) if rng.random() < 1 / 3 else None
        fields = [make_field(rng, index == data_field) for index in range(FIELDS_PER_REPORT)]
        reports.append((fields, data_field is not None))
    return reports


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200, help="number of reports to scan (default 200)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "privacy_scan.md")
    parser.add_argument("--seed", type=int, default=20261)
    args = parser.parse_args()

    reports = make_reports(args.reports, args.seed)

    started = time.perf_counter()
    from app.services import privacy

    privacy.get_engine()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    privacy.warm_up()
    warm_up_seconds = time.perf_counter() - started
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    per_field: list[float] = []
    per_report: list[float] = []
    findings = 0
    flagged = {True: 0, False: 0}  # reports with findings, by whether they were given personal data
    for fields, with_data in reports:
        report_seconds = 0.0
        report_findings = 0
        for text in fields:
            started = time.perf_counter()
            report_findings += len(privacy.scan(text, not_names=VENDORS))  # as the app passes its catalogue
            elapsed = time.perf_counter() - started
            per_field.append(elapsed)
            report_seconds += elapsed
        per_report.append(report_seconds)
        findings += report_findings
        flagged[with_data] += report_findings > 0
    with_data_count = sum(with_data for _fields, with_data in reports)

    characters = [len(text) for fields, _with_data in reports for text in fields]
    ms = 1000
    rows = [
        ("per report (6 fields)", statistics.mean(per_report) * ms, percentile(per_report, 0.5) * ms,
         percentile(per_report, 0.95) * ms),
        ("per field", statistics.mean(per_field) * ms, percentile(per_field, 0.5) * ms, percentile(per_field, 0.95) * ms),
    ]
    lines = [
        "# Patient-data guard: scan cost",
        "",
        f"{len(reports)} reports × {FIELDS_PER_REPORT} fields, {min(characters)}–{max(characters)} characters a field "
        f"(mean {statistics.mean(characters):.0f}). Reports given personal data flagged: {flagged[True]}/{with_data_count}; "
        f"clean reports flagged: {flagged[False]}/{len(reports) - with_data_count} ({findings} findings in all). "
        f"Vendor names passed as `not_names`, as the application does with its catalogue. "
        f"Python {platform.python_version()}, one process, {platform.machine()}.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| model load (import + build, once per process) | {load_seconds:.2f} s |",
        f"| first scan after load (warm_up) | {warm_up_seconds * ms:.0f} ms |",
        f"| peak memory of the process | {rss_mib:.0f} MiB |",
        f"| texts (fields) per second | {len(per_field) / sum(per_field):.0f} |",
        f"| reports per second | {len(per_report) / sum(per_report):.1f} |",
        "",
        "| scan time | mean | p50 | p95 |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {mean:.1f} ms | {p50:.1f} ms | {p95:.1f} ms |" for name, mean, p50, p95 in rows),
        "",
    ]
    markdown = "\n".join(lines)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"(written to {args.output})")


if __name__ == "__main__":
    main()
