"""The patient-data guard: recognizers, scan/mask, the French corpus and `flask privacy scan`.

No database: the recognizers are plain functions, and scan() needs only the spaCy model, loaded once
for the whole module.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from app import create_app
from app.cli_privacy import privacy_cli
from app.services import privacy
from app.services.privacy import PLACEHOLDERS, TYPE_LABELS, Finding, mask, resolve_overlaps, scan
from tests.fixtures.privacy_sentences import CLEAN_SENTENCES, SENTENCES_WITH_DATA

IDENTIFIER_TYPES = {"NIR", "INS", "RPPS", "PHONE", "EMAIL", "BIRTH_DATE"}


@pytest.fixture(scope="module", autouse=True)
def engine():
    privacy.warm_up()
    return privacy.get_engine()


def found(finder, text: str) -> list[tuple[str, str]]:
    return [(kind, text[start:end]) for kind, start, end, _score in finder(text)]


def scanned(text: str) -> list[tuple[str, str]]:
    return [(finding.type, finding.text) for finding in scan(text)]


# ---------------------------------------------------------------- NIR and INS
@pytest.mark.parametrize("number", [
    "184127510812347",
    "1 84 12 75 108 123 47",
    "1.84.12.75.108.123.47",
    "1 85 02 2A 004 017 17",  # Corse-du-Sud: 2A counts as 19 in the key
    "1 84 12 2B 012 033 94",  # Haute-Corse: 2B counts as 18
    "2 54 03 69 123 045 46",
])
def test_a_nir_with_a_valid_key_is_found_in_any_spacing(number):
    text = f"Le numéro {number} apparaissait dans le compte rendu."
    assert found(privacy.find_social_security_numbers, text) == [("NIR", number)]


@pytest.mark.parametrize("text", [
    "Le numéro 1 84 12 75 108 123 48 apparaissait dans le compte rendu.",  # wrong key
    "Le numéro 184127510812348 apparaissait dans le compte rendu.",
    "Lot 1841275108123 reçu en pharmacie.",  # 13 digits, no key
    "Le numéro 1 84 12 2C 012 033 94 est mal formé.",
])
def test_a_number_without_a_valid_nir_key_is_not_a_nir(text):
    assert found(privacy.find_social_security_numbers, text) == []


def test_a_nir_with_a_wrong_key_still_counts_after_its_label():
    text = "NIR : 1 84 12 75 108 123 48 (recopié à la main)."
    assert found(privacy.find_social_security_numbers, text) == [("NIR", "1 84 12 75 108 123 48")]


@pytest.mark.parametrize(("text", "number"), [
    ("INS : 184127510812347", "184127510812347"),
    ("Matricule INS 2 54 03 69 123 045 46 qualifié.", "2 54 03 69 123 045 46"),
    ("INS-NIA 1 84 12 2B 012 033 94 saisi par l'accueil.", "1 84 12 2B 012 033 94"),
    ("INS-NIR 1 85 02 2A 004 017 17", "1 85 02 2A 004 017 17"),
])
def test_a_number_after_ins_is_typed_ins(text, number):
    assert found(privacy.find_social_security_numbers, text) == [("INS", number)]
    assert scanned(text) == [("INS", number)]


# ---------------------------------------------------------------- RPPS
@pytest.mark.parametrize(("text", "number"), [
    ("RPPS 10003456786", "10003456786"),
    ("Prescripteur 10012345673 sur l'ordonnance.", "10012345673"),
    ("Le médecin 81000123455 a signé.", "81000123455"),
    ("RPPS : 100 9876 5430", "100 9876 5430"),
    ("RPPS 10003456787 (clé fausse mais étiquetée)", "10003456787"),
])
def test_rpps_numbers_are_found(text, number):
    assert found(privacy.find_rpps_numbers, text) == [("RPPS", number)]


@pytest.mark.parametrize("text", [
    "Le numéro 10003456787 ne passe pas la clé de Luhn.",
    "Le lot 20003456781 commence par 2.",
    "Le lot 100034567861 a douze chiffres.",
    "Soit 100 9876 5430 images, sans mention RPPS avant.",
])
def test_other_eleven_digit_numbers_are_not_rpps(text):
    assert found(privacy.find_rpps_numbers, text) == []


# ---------------------------------------------------------------- phones
@pytest.mark.parametrize("number", [
    "06 12 34 56 78",
    "06.12.34.56.78",
    "0612345678",
    "06-12-34-56-78",
    "+33 6 12 34 56 78",
    "+33 (0)6 12 34 56 78",
    "+33612345678",
    "0033 6 12 34 56 78",
    "04 72 11 22 33",
    "+41 22 345 67 89",
])
def test_phone_numbers_are_found_in_every_notation(number):
    text = f"Rappeler la famille au {number} demain."
    assert found(privacy.find_phone_numbers, text) == [("PHONE", number)]


@pytest.mark.parametrize("text", [
    "Le service réalise 1 200 examens par mois.",
    "La version 4.2.1 est en production.",
    "Le 12/03/2024 nous avons migré.",
    "Le lot de 2 500 000 images est prêt.",
    "Le numéro vert 0 800 123 456 de l'éditeur.",  # a service number is no one's
    "Appeler le 15 en cas d'urgence.",
    "06 12 34 56 est incomplet.",
])
def test_other_numbers_are_not_phones(text):
    assert found(privacy.find_phone_numbers, text) == []


# ---------------------------------------------------------------- emails
def test_emails_are_found():
    assert scanned("Écrire à marie.durand@gmail.com ou j.moreau@chu-exemple.fr.") == [
        ("EMAIL", "marie.durand@gmail.com"), ("EMAIL", "j.moreau@chu-exemple.fr")]


def test_an_email_is_not_also_a_person():
    assert scanned("Copie à jean.dupont@chu-lyon.fr") == [("EMAIL", "jean.dupont@chu-lyon.fr")]


# ---------------------------------------------------------------- dates of birth
@pytest.mark.parametrize(("text", "date"), [
    ("Le patient est né le 12/03/1954.", "12/03/1954"),
    ("Patiente née le 12-03-1954.", "12-03-1954"),
    ("Née le 12 mars 1954 à domicile.", "12 mars 1954"),
    ("Né(e) le 1er janvier 1970.", "1er janvier 1970"),
    ("Enfant né à Saint-Étienne le 3 août 2015.", "3 août 2015"),
    ("Homme né en mars 1950.", "mars 1950"),
    ("Femme née en 1932, autonome.", "1932"),
    ("DDN : 05.11.1948", "05.11.1948"),
    ("DDN 17/06/82, allergique.", "17/06/82"),
    ("Date de naissance : 28 février 1939", "28 février 1939"),
    ("Naissance : 28/02/1939", "28/02/1939"),
])
def test_dates_in_a_birth_context_are_found(text, date):
    assert found(privacy.find_birth_dates, text) == [("BIRTH_DATE", date)]


@pytest.mark.parametrize("text", [
    "Déployé en mars 2023, l'outil tourne bien.",
    "Le 12/03/2024 nous avons migré le PACS.",
    "La naissance du projet date du 12 mars 2021.",
])
def test_other_dates_are_not_birth_dates(text):
    assert found(privacy.find_birth_dates, text) == []


# ---------------------------------------------------------------- postal addresses
@pytest.mark.parametrize("address", [
    "12 rue des Lilas, 69003 Lyon",
    "3 avenue du Général de Gaulle",
    "45 bd Victor Hugo 33000 Bordeaux",
    "7 impasse des Acacias",
    "12 bis rue Pasteur",
    "5, place de la République, 75011 Paris",
    "18 chemin de la Forge",
    "2 allée d'Armor",
])
def test_postal_addresses_are_found(address):
    text = f"Domicile : {address}. Le patient vit seul."
    assert found(privacy.find_addresses, text) == [("ADDRESS", address)]


@pytest.mark.parametrize("text", [
    "Nous avons réservé 2 places de parking pour l'éditeur.",
    "Le service a 3 routes de déploiement possibles.",
    "Le CHU de Lyon est situé rue Garibaldi.",  # no number: a landmark, not a home
])
def test_other_texts_are_not_addresses(text):
    assert found(privacy.find_addresses, text) == []


def test_an_address_wins_over_the_person_inside_its_street_name():
    assert scanned("Elle habite 45 bd Victor Hugo 33000 Bordeaux.") == [("ADDRESS", "45 bd Victor Hugo 33000 Bordeaux")]


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(("text", "names"), [
    ("Le Dr Lemoine a validé l'examen de Mme Dupuis.", ["Lemoine", "Dupuis"]),
    ("Le Dr. Kowalski et le Pr J. Martin", ["Kowalski", "J. Martin"]),
    ("Mme Le Goff a appelé.", ["Le Goff"]),
    ("La fille de M. Da Silva a appelé.", ["Da Silva"]),
    ("Madame DUPRÉ attend.", ["DUPRÉ"]),
    ("Le patient Dupont Le lendemain était sorti.", ["Dupont"]),
    ("Mr Smith, Mlle Petit et Monsieur Jean-Marc Roy", ["Smith", "Petit", "Jean-Marc Roy"]),
])
def test_names_after_a_title_are_found(text, names):
    assert [name for _kind, name in found(privacy.find_titled_names, text)] == names


@pytest.mark.parametrize("text", [
    "Madame la Directrice a validé le budget.",
    "Le patient IRM du mardi.",
    "Le Pr de garde a signé le protocole.",
    "Le docteur de garde a validé le protocole.",
])
def test_a_title_without_a_name_finds_nobody(text):
    assert found(privacy.find_titled_names, text) == []


@pytest.mark.parametrize("text", [
    "Nous avons déployé Nordalune au CHU de Lyon avec l'équipe DSI.",
    "Le radiologue trouve que Radiolys simplifie la lecture des IRM.",
    "Les urgences de Bordeaux et l'ARS Île-de-France ont suivi le projet.",
    "La clinique Saint-Joseph de Marseille partage ses retours.",
    "Le Centre Léon Bérard a partagé son cahier des charges.",
    "La maladie de Parkinson fait partie des indications.",
    "Rappeler le service de radiologie demain.",
    "Vérifier la version 4.2.1 avant la mise en production.",
])
def test_places_vendors_services_and_roles_are_not_people(text):
    assert scanned(text) == []


def test_names_known_not_to_be_people_are_not_flagged():
    text = "Nous avons comparé Cardiolia et une solution concurrente, à la demande de Mme Dupuis."
    assert scanned(text) == [("PERSON", "Cardiolia"), ("PERSON", "Dupuis")]  # the model's mistake
    assert [(f.type, f.text) for f in scan(text, not_names=["cardiolia", "Nordalune"])] == [("PERSON", "Dupuis")]


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
    assert names == sorted(["FrenchPersonRecognizer", "EmailRecognizer", *privacy.FINDERS])
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
