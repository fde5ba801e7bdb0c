"""Choosing solutions to compare: from the catalogue's cards, and more than the comparison holds."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_category, make_solution, text


def test_a_fifth_solution_is_named_as_left_out_not_dropped_silently(client):
    category = make_category()
    solutions = [make_solution(category, name=f"Outil {n}") for n in range(1, 6)]
    db.session.commit()
    query = "&".join(f"solutions={s.id}" for s in solutions)
    page = text(client.get(f"/statistics/compare?{query}"))
    assert ("Vous avez choisi 1 solution de trop : la comparaison en montre 4 au plus. Non retenue : Outil 5. "
            "Changez les choix ci-dessous pour garder celles qui vous intéressent.") in page
    for solution in solutions[:4]:
        assert f'<option value="{solution.id}" selected>' in page
    assert f'<option value="{solutions[4].id}" selected>' not in page
    assert "Outil 4</a></th>" in page and "Outil 5</a></th>" not in page


def test_two_left_out_read_in_the_plural_and_a_repeated_solution_counts_once(client):
    category = make_category()
    solutions = [make_solution(category, name=f"Outil {n}") for n in range(1, 7)]
    db.session.commit()
    query = "&".join(f"solutions={s.id}" for s in [solutions[0], *solutions])
    page = text(client.get(f"/statistics/compare?{query}"))
    assert "Vous avez choisi 2 solutions de trop" in page and "Non retenues : Outil 5, Outil 6." in page
    assert "de trop" not in text(client.get(f"/statistics/compare?solutions={solutions[0].id}"
                                            f"&solutions={solutions[1].id}"))


def test_catalogue_cards_offer_to_compare_the_solutions_ticked(client):
    category = make_category()
    first, second = make_solution(category, name="Alpha"), make_solution(category, name="Beta")
    db.session.commit()
    page = text(client.get("/catalogue"))
    assert '<form id="compare-form" class="compare-bar" method="get" action="/statistics/compare">' in page
    for solution in (first, second):
        assert (f'<input type="checkbox" name="solutions" value="{solution.id}" form="compare-form"> Comparer'
                f'<span class="visually-hidden"> {solution.name}</span>') in page
    assert "Comparer la sélection" in page
