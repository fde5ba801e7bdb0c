"""The patient-data recognizers: NIR and INS, RPPS, phones, e-mails, dates of birth, postal addresses and names."""

from __future__ import annotations

import pytest

from app.services import privacy_finders
from app.services.privacy import scan
from tests.privacy_fixtures import fixture_engine  # noqa: F401  (fixture)


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
    assert found(privacy_finders.find_social_security_numbers, text) == [("NIR", number)]


@pytest.mark.parametrize("text", [
    "Le numéro 1 84 12 75 108 123 48 apparaissait dans le compte rendu.",  # wrong key
    "Le numéro 184127510812348 apparaissait dans le compte rendu.",
    "Lot 1841275108123 reçu en pharmacie.",  # 13 digits, no key
    "Le numéro 1 84 12 2C 012 033 94 est mal formé.",
])
def test_a_number_without_a_valid_nir_key_is_not_a_nir(text):
    assert found(privacy_finders.find_social_security_numbers, text) == []


def test_a_nir_with_a_wrong_key_still_counts_after_its_label():
    text = "NIR : 1 84 12 75 108 123 48 (recopié à la main)."
    assert found(privacy_finders.find_social_security_numbers, text) == [("NIR", "1 84 12 75 108 123 48")]


@pytest.mark.parametrize(("text", "number"), [
    ("INS : 184127510812347", "184127510812347"),
    ("Matricule INS 2 54 03 69 123 045 46 qualifié.", "2 54 03 69 123 045 46"),
    ("INS-NIA 1 84 12 2B 012 033 94 saisi par l'accueil.", "1 84 12 2B 012 033 94"),
    ("INS-NIR 1 85 02 2A 004 017 17", "1 85 02 2A 004 017 17"),
])
def test_a_number_after_ins_is_typed_ins(text, number):
    assert found(privacy_finders.find_social_security_numbers, text) == [("INS", number)]
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
    assert found(privacy_finders.find_rpps_numbers, text) == [("RPPS", number)]


@pytest.mark.parametrize("text", [
    "Le numéro 10003456787 ne passe pas la clé de Luhn.",
    "Le lot 20003456781 commence par 2.",
    "Le lot 100034567861 a douze chiffres.",
    "Soit 100 9876 5430 images, sans mention RPPS avant.",
])
def test_other_eleven_digit_numbers_are_not_rpps(text):
    assert found(privacy_finders.find_rpps_numbers, text) == []


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
    assert found(privacy_finders.find_phone_numbers, text) == [("PHONE", number)]


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
    assert found(privacy_finders.find_phone_numbers, text) == []


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
    assert found(privacy_finders.find_birth_dates, text) == [("BIRTH_DATE", date)]


@pytest.mark.parametrize("text", [
    "Déployé en mars 2023, l'outil tourne bien.",
    "Le 12/03/2024 nous avons migré le PACS.",
    "La naissance du projet date du 12 mars 2021.",
])
def test_other_dates_are_not_birth_dates(text):
    assert found(privacy_finders.find_birth_dates, text) == []


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
    assert found(privacy_finders.find_addresses, text) == [("ADDRESS", address)]


@pytest.mark.parametrize("text", [
    "Nous avons réservé 2 places de parking pour l'éditeur.",
    "Le service a 3 routes de déploiement possibles.",
    "Le CHU de Lyon est situé rue Garibaldi.",  # no number: a landmark, not a home
])
def test_other_texts_are_not_addresses(text):
    assert found(privacy_finders.find_addresses, text) == []


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
    assert [name for _kind, name in found(privacy_finders.find_titled_names, text)] == names


@pytest.mark.parametrize("text", [
    "Madame la Directrice a validé le budget.",
    "Le patient IRM du mardi.",
    "Le Pr de garde a signé le protocole.",
    "Le docteur de garde a validé le protocole.",
])
def test_a_title_without_a_name_finds_nobody(text):
    assert found(privacy_finders.find_titled_names, text) == []


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
