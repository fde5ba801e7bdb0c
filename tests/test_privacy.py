"""The patient-data guard: scan/mask, the French corpus, the engine and `flask privacy scan`.

No database: scan() needs only the spaCy model, loaded once per module (tests/privacy_fixtures.py); the recognizers,
plain functions, are checked in tests/test_privacy_recognizers.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from app import create_app
from app.cli_privacy import privacy_cli
from app.services import privacy, privacy_finders
from app.services.privacy import PLACEHOLDERS, TYPE_LABELS, Finding, mask, resolve_overlaps, scan
from tests.fixtures.privacy_sentences import CLEAN_SENTENCES, SENTENCES_WITH_DATA
from tests.privacy_fixtures import fixture_engine  # noqa: F401  (fixture)

IDENTIFIER_TYPES = {"NIR", "INS", "RPPS", "PHONE", "EMAIL", "BIRTH_DATE"}


# ---------------------------------------------------------------- scan and mask
def test_scan_returns_sorted_findings_with_offsets_into_the_original_text():
    text = "Mme Perrin, née le 22/09/1947, tél. 04 72 33 18 90, perrin.l@orange.fr."
    findings = scan(text)
    assert [(f.type, f.text) for f in findings] == [
        ("PERSON", "Perrin"), ("BIRTH_DATE", "22/09/1947"), ("PHONE", "04 72 33 18 90"), ("EMAIL", "perrin.l@orange.fr")]
    assert all(text[f.start:f.end] == f.text for f in findings)
    assert [f.start for f in findings] == sorted(f.start for f in findings)


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_text_has_no_findings(text):
    assert scan(text) == []
    assert mask(text, []) == text


def test_a_finding_serialises_to_the_four_documented_keys():
    assert Finding("PHONE", 3, 17, "06 12 34 56 78").to_dict() == {
        "type": "PHONE", "start": 3, "end": 17, "text": "06 12 34 56 78"}


def test_mask_replaces_several_spans_by_their_placeholders():
    text = "Mme Dupuis, tél. 06 12 34 56 78, née le 12/03/1954, NIR 1 84 12 75 108 123 47."
    assert mask(text, scan(text)) == (
        "Mme [NOM], tél. [TÉLÉPHONE], née le [DATE DE NAISSANCE], NIR [NIR].")


def test_mask_accepts_findings_in_any_order_and_merges_overlaps():
    text = "Jean Martin 06 12 34 56 78"
    findings = [Finding("PHONE", 12, 26, "06 12 34 56 78"), Finding("PERSON", 0, 11, "Jean Martin"),
                Finding("PERSON", 5, 11, "Martin")]
    assert mask(text, findings) == "[NOM] [TÉLÉPHONE]"


@pytest.mark.parametrize(("candidates", "kept"), [
    # the more specific type wins whatever the lengths
    ([("PERSON", 0, 20, 0.85), ("ADDRESS", 0, 25, 0.9)], [("ADDRESS", 0, 25, 0.9)]),
    ([("PHONE", 2, 16, 1.0), ("NIR", 0, 21, 1.0)], [("NIR", 0, 21, 1.0)]),
    ([("NIR", 0, 21, 1.0), ("INS", 0, 21, 1.0)], [("INS", 0, 21, 1.0)]),
    ([("PERSON", 3, 9, 0.9), ("EMAIL", 0, 20, 1.0)], [("EMAIL", 0, 20, 1.0)]),
    # within a type, the longer span
    ([("PERSON", 4, 10, 0.9), ("PERSON", 0, 10, 0.85)], [("PERSON", 0, 10, 0.85)]),
    # spans that only touch are both kept, in order
    ([("PHONE", 10, 24, 1.0), ("PERSON", 0, 10, 0.9)], [("PERSON", 0, 10, 0.9), ("PHONE", 10, 24, 1.0)]),
])
def test_overlapping_findings_keep_the_most_specific_then_the_longest(candidates, kept):
    assert resolve_overlaps(candidates) == kept


def test_every_type_has_a_placeholder_and_a_french_label():
    assert set(TYPE_LABELS) == set(PLACEHOLDERS)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        assert str(TYPE_LABELS["NIR"]) == "numéro de sécurité sociale (NIR)"
        assert str(TYPE_LABELS["PHONE"]) == "numéro de téléphone"


# ---------------------------------------------------------------- the French corpus
def _is_found(sentence: str, kind: str, expected: str, findings: list[Finding]) -> bool:
    start = sentence.index(expected)
    return Finding(kind, start, start + len(expected), expected) in findings


def test_the_french_corpus_meets_the_detection_targets(capsys):
    assert len(SENTENCES_WITH_DATA) >= 40 and len(CLEAN_SENTENCES) >= 20
    tally: dict[str, list[int]] = {"names": [0, 0], "identifiers": [0, 0], "addresses": [0, 0]}
    missed = []
    for sentence, expectations in SENTENCES_WITH_DATA:
        findings = scan(sentence)
        for kind, expected in expectations:
            group = "names" if kind == "PERSON" else "addresses" if kind == "ADDRESS" else "identifiers"
            hit = _is_found(sentence, kind, expected, findings)
            tally[group][0] += hit
            tally[group][1] += 1
            if not hit:
                missed.append((kind, expected, [(f.type, f.text) for f in findings]))
    flagged = [(sentence, [(f.type, f.text) for f in scan(sentence)]) for sentence in CLEAN_SENTENCES]
    flagged = [entry for entry in flagged if entry[1]]

    names, identifiers, addresses = tally["names"], tally["identifiers"], tally["addresses"]
    with_data, clean = len(SENTENCES_WITH_DATA), len(CLEAN_SENTENCES)
    figures = (
        f"\nprivacy corpus ({with_data} sentences with data, {clean} clean): "
        f"names found {names[0]}/{names[1]} ({100 * names[0] / names[1]:.0f} %), "
        f"identifiers {identifiers[0]}/{identifiers[1]}, addresses {addresses[0]}/{addresses[1]}, "
        f"clean sentences flagged {len(flagged)}/{clean} ({100 * len(flagged) / clean:.1f} %)"
    )
    for kind, expected, got in missed:
        figures += f"\n  missed {kind} {expected!r}; found {got}"
    for sentence, got in flagged:
        figures += f"\n  flagged {sentence!r}: {got}"
    with capsys.disabled():  # the figures show in the output with or without -s
        print(figures)

    assert identifiers[0] == identifiers[1], figures
    assert names[0] >= 0.9 * names[1], figures
    assert addresses[0] >= 0.8 * addresses[1], figures
    assert len(flagged) <= 0.1 * clean, figures


def test_the_corpus_covers_every_identifier_type():
    kinds = {kind for _sentence, expectations in SENTENCES_WITH_DATA for kind, _text in expectations}
    assert kinds == set(PLACEHOLDERS)
    assert IDENTIFIER_TYPES < kinds


# ---------------------------------------------------------------- the engine
def test_the_engine_is_loaded_once_and_reused(engine, monkeypatch):
    monkeypatch.setattr(privacy, "_build_engine", lambda: pytest.fail("the analyzer was rebuilt"))
    scan("Le Dr Lemoine a appelé.")
    scan("Rappeler au 06 12 34 56 78.")
    assert privacy.get_engine() is engine


def test_concurrent_first_calls_build_the_engine_once(monkeypatch):
    builds = []

    def slow_build():
        builds.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(privacy, "_engine", None)
    monkeypatch.setattr(privacy, "_build_engine", slow_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(privacy.get_engine())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len({id(result) for result in results}) == 1


def test_the_registry_holds_only_our_french_recognizers(engine):
    names = sorted(recognizer.name for recognizer in engine.registry.recognizers)
    assert names == sorted(["FrenchPersonRecognizer", "EmailRecognizer", *privacy_finders.FINDERS])
    assert engine.supported_languages == ["fr"]


def test_building_the_engine_reaches_no_network(monkeypatch):
    attempts = []

    def refuse(self, address, *args):  # noqa: ARG001
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    fresh = privacy._build_engine()
    results = fresh.analyze("Écrire à marie.durand@gmail.com, Dr Lemoine.", language="fr")
    assert {result.entity_type for result in results} == {"EMAIL_ADDRESS", "PERSON"}
    assert attempts == []


# ---------------------------------------------------------------- flask privacy scan
@pytest.fixture(scope="module")
def cli_runner():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    if "privacy" not in app.cli.commands:
        app.cli.add_command(privacy_cli)
    return app.test_cli_runner()


def test_scan_prints_an_empty_array_for_a_clean_text(cli_runner):
    result = cli_runner.invoke(args=["privacy", "scan"], input="Le service de radiologie réalise 1 200 examens par mois.\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "[]"


def test_scan_prints_the_findings_as_json(cli_runner):
    result = cli_runner.invoke(args=["privacy", "scan"], input="Rappeler la famille au 06 12 34 56 78 avant 18 h.")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"type": "PHONE", "start": 23, "end": 37, "text": "06 12 34 56 78"}]


def test_scan_jsonl_answers_one_compact_line_per_line(cli_runner):
    lines = ["Le Dr Lemoine a validé l'examen.", "Version 4.2.1 déployée.", "Écrire à marie.durand@gmail.com"]
    result = cli_runner.invoke(args=["privacy", "scan", "--jsonl"],
                               input="".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    assert result.exit_code == 0, result.output
    answers = result.output.splitlines()
    assert len(answers) == 3
    assert not any('", "' in answer or '": ' in answer for answer in answers)  # compact JSON
    assert [json.loads(answer) for answer in answers] == [
        [{"type": "PERSON", "start": 6, "end": 13, "text": "Lemoine"}],
        [],
        [{"type": "EMAIL", "start": 9, "end": 31, "text": "marie.durand@gmail.com"}],
    ]


def test_scan_jsonl_rejects_a_line_that_is_not_a_json_string(cli_runner):
    result = cli_runner.invoke(args=["privacy", "scan", "--jsonl"], input='"ok"\n{"text": 1}\n')
    assert result.exit_code != 0
    assert "Ligne 2" in result.output
