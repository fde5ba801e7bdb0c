"""What a catalogue search word matches: a solution's folded name, vendor and description, the names of its
category, and the few medical words that hospital staff use for the same domain.

Words are compared folded (app.models.search: lower case, no accents), as substrings, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.models import Category
from app.models.search import fold

# Groups of folded stems that name the same domain. A search word that starts with one stem of a group also
# finds what the group's other stems find ("radiologie" finds the imaging category and "radiographies").
# Kept small and literal: each group is a synonym a hospital reader would expect, not a general thesaurus.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("radiolog", "imagerie", "radiograph"),  # radiologie, radiologue ↔ imagerie médicale, radiographies
    ("anapath", "anatomopatholog", "anatomo-patholog"),  # anatomopathologie, anapath
    ("pmsi", "codage"),  # the PMSI is what hospital coding codes
    ("rdv", "rendez-vous"),
    ("avc", "cerebra"),  # accident vasculaire cérébral ↔ scanners cérébraux
    ("dictee", "transcription", "reconnaissance vocale"),
    ("ehpad", "medico-social"),
)


def variants(word: str) -> set[str]:
    """The folded forms a folded search word stands for: itself and its synonyms' stems."""
    found = {word}
    for group in SYNONYMS:
        if any(word.startswith(stem) for stem in group):
            found.update(group)
    return found


def category_text(category: Category) -> str:
    """The words of a category a search looks in: its slug and its names in both languages."""
    return fold(category.slug, category.name_fr, category.name_en)


def categories_matching(words: Iterable[str], categories: Iterable[Category]) -> set[int]:
    """The ids of the categories whose words contain one of these folded words."""
    texts = {category.id: category_text(category) for category in categories}
    return {category_id for category_id, text in texts.items() if any(word in text for word in words)}
