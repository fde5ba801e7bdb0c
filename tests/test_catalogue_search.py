"""Searching the catalogue by the words of a solution's category and description, folded, with a few medical
synonyms; and the catalogue's pages past the last one."""

from __future__ import annotations

import re

from app.extensions import db
from app.services.catalogue_search import variants
from tests.factories import make_category, make_solution, text


def names(response) -> list[str]:
    return re.findall(r'<h3><a href="/catalogue/[^"]+">([^<]+)</a></h3>', response.get_data(as_text=True))


def build():
    imaging = make_category("imagerie", "Imagerie médicale")
    imaging.name_en = "Imaging"
    coding = make_category("codage-pmsi-facturation", "Codage PMSI et facturation")
    make_solution(imaging, name="Ossifine", short_description="Détection de fractures sur radiographies osseuses.")
    make_solution(imaging, name="IRM Express", short_description="Reconstruction accélérée des séquences d'IRM.")
    make_solution(coding, name="CodaSmart", short_description="Aide au codage des séjours.")
    make_solution(coding, name="Écho Facture", short_description="Contrôle des factures ÉLECTRONIQUES.")
    db.session.commit()


def test_radiologie_finds_the_imaging_solutions(client):
    build()
    assert sorted(names(client.get("/catalogue?q=radiologie"))) == ["IRM Express", "Ossifine"]
    assert sorted(names(client.get("/catalogue?q=Radiologue"))) == ["IRM Express", "Ossifine"]


def test_a_category_name_finds_its_solutions_whatever_the_case_and_accents(client):
    build()
    for query in ("imagerie", "Imagerie", "IMAGERIE", "médicale", "medicale", "Imaging"):
        assert sorted(names(client.get(f"/catalogue?q={query}"))) == ["IRM Express", "Ossifine"], query
    assert sorted(names(client.get("/catalogue?q=facturation"))) == ["CodaSmart", "Écho Facture"]
    assert sorted(names(client.get("/catalogue?q=pmsi"))) == ["CodaSmart", "Écho Facture"]


def test_description_words_are_found_folded_and_every_word_must_match(client):
    build()
    assert names(client.get("/catalogue?q=electroniques")) == ["Écho Facture"]
    assert names(client.get("/catalogue?q=Électroniques")) == ["Écho Facture"]
    assert names(client.get("/catalogue?q=fractures")) == ["Ossifine"]
    assert names(client.get("/catalogue?q=imagerie+fractures")) == ["Ossifine"]
    assert names(client.get("/catalogue?q=radiologie+factures")) == []
    assert "Aucune solution ne correspond" in text(client.get("/catalogue?q=introuvable"))


def test_a_synonym_applies_to_words_that_start_with_it_only():
    assert {"imagerie", "radiograph"} <= variants("radiologie")
    assert variants("radio") == {"radio"}  # too short to mean radiology rather than a name ("Radiolys")
    assert variants("scanner") == {"scanner"}


def test_a_page_past_the_last_says_so_in_french_with_no_previous_link_to_an_empty_page(client):
    category = make_category("imagerie")
    for n in range(25):
        make_solution(category, name=f"Outil {n:02d}")
    db.session.commit()
    response = client.get("/catalogue?page=99&category=imagerie&sort=establishments")
    assert response.status_code == 200
    page = text(response)
    assert "Cette page n'existe pas." in page
    assert 'href="/catalogue?category=imagerie&sort=establishments">Revenir à la première page</a>' in page
    assert 'href="/catalogue?page=2&category=imagerie&sort=establishments">Aller à la dernière page (2)</a>' in page
    assert "Précédente" not in page and "Suivante" not in page
    assert names(client.get("/catalogue?page=2&category=imagerie")) == [f"Outil {n}" for n in range(20, 25)]
    assert "Précédente" in text(client.get("/catalogue?page=2&category=imagerie"))


def test_an_empty_result_offers_no_other_page(client):
    build()
    response = client.get("/catalogue?q=introuvable&page=3")
    assert response.status_code == 200
    page = text(response)
    assert "Aucune solution ne correspond à ces critères." in page
    assert "Précédente" not in page and "Suivante" not in page
