"""What the API tests make: analysts' tokens, solutions reviewed by a few establishments, published guides."""

from __future__ import annotations

from app.extensions import db
from app.services import api_tokens
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(role: str, **user_values) -> str:
    _record, clear = api_tokens.create_token(make_user(role, **user_values), "Script d'essai")
    db.session.commit()
    return clear


def solution_with_establishments(count: int, **values):
    """A solution reviewed by `count` establishments (one published report each)."""
    solution = make_solution(**values)
    moderator = make_user("moderator")
    for region in ("11", "84", "53", "75")[:count]:
        author = make_user("contributor", make_establishment(region=region))
        make_report(author, solution, "published", complete_answers(), moderator)
    db.session.commit()
    return solution


def published_guide(solution=None, category=None, versions: int = 1):
    """A guide on `solution` (or `category`) published `versions` times, the narrative edited in between."""
    from app.services import guides

    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution, category=category)
    for number in range(1, versions + 1):
        guides.update_sections(guide, {"change": {"narrative": f"Former les équipes (version {number})."}}, analyst)
        guides.publish(guide, analyst)
        db.session.expire(guide, ["versions"])  # publish() adds the version by id, not to the collection
    db.session.commit()
    return guide
