"""How tests/test_object_access.py names each route and what its forms send: a route, and the form data of the
routes that take one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.object_world import World


@dataclass
class Route:
    endpoint: str
    kinds: tuple[str, ...]
    url: Callable[[World, object], str]
    data: Callable[[World, object], dict] | None = None


def guide_sections(world: World, guide) -> dict:
    data = {}
    for index, (key, position) in enumerate(guide.sections):
        data |= {f"sections-{index}-key": key, f"sections-{index}-narrative": "Texte injecté",
                 f"sections-{index}-visible": "y", f"sections-{index}-position": str(position)}
    return data


def solution_form(world: World, solution) -> dict:
    return {"name": "Nom injecté", "vendor": "Éditeur injecté", "category_id": str(world.objects["category"].id),
            "short_description": "Injecté.", "device_class": "none", "ai_act_risk": "minimal"}


def establishment_form(world: World, establishment) -> dict:
    return {"finess": establishment.finess, "name": "Nom injecté", "type": "ch", "sector": "health", "region": "11",
            "legal_status": "public", "size_class": "200_499"}


def report_step(world: World, report) -> dict:
    return {"services": "Texte injecté", "nav": "save"}


def cite(world: World, report) -> dict:
    """The editor's "Citer" button on a report's text, no section sent."""
    return {"action": f"cite:{report.id}:advice"}
