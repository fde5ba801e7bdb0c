"""The follow button of a solution, category or guide page, drawn by the layout for the reader of each request:
the pages themselves are kept and shared by every reader (app.page_cache), the button is the reader's own."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.models import Category, FollowKind
from app.models._types import parse_id
from app.services import follows
from app.services.catalogue import find_solution
from app.services.guides import published_guide


def _subject() -> tuple[FollowKind, int, str] | None:
    """What the page shows that can be followed: its kind, id and name."""
    args = request.view_args or {}
    endpoint = request.endpoint
    if endpoint == "catalogue.solution":
        solution = find_solution(str(args.get("key", "")), include_archived=False)
        return (FollowKind.SOLUTION, solution.id, solution.name) if solution else None
    if endpoint == "stats.scorecard":
        solution_id = parse_id(str(args.get("solution_id", "")))
        found = follows.followable(FollowKind.SOLUTION, solution_id) if solution_id else None
        return (FollowKind.SOLUTION, found.id, found.name) if found else None
    if endpoint == "stats.category":
        category = db.session.scalar(sa.select(Category).where(Category.slug == str(args.get("slug", ""))))
        return (FollowKind.CATEGORY, category.id, category.name_fr) if category else None
    if endpoint in ("guides.show", "guides.version"):
        guide = published_guide(str(args.get("slug", "")))
        return (FollowKind.GUIDE, guide.id, guide.title) if guide else None
    return None


def follow_panel() -> dict[str, Any] | None:
    """What the layout's follow button shows (templates/notices/_follow.html) for a logged-in reader of a
    followable page: the subject and whether it is followed; None on any other page or for a visitor."""
    if not permissions.can_follow(current_user) or request.method != "GET":
        return None
    subject = _subject()
    if subject is None:
        return None
    kind, object_id, name = subject
    return {"kind": kind, "object_id": object_id, "name": name, "next": request.path,
            "following": follows.is_following(current_user, kind, object_id)}
