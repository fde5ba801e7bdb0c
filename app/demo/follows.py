"""Demonstration follows: the demo contributor follows the first solution that has a guide, that solution's
category and the guide (told at once); the demo referent chose the weekly digest and their establishment's
reports. A newcomer logging in sees the buttons in both states and a filled-in "Mes avis" page. Loading twice adds
nothing: nothing is done once anyone follows anything."""

from __future__ import annotations

import sqlalchemy as sa

from app.demo.mix import DEMO_DOMAIN
from app.extensions import db
from app.models import Delivery, Follow, FollowKind, Guide, GuideVersion, User
from app.services import follows


def load_demo_follows() -> int:
    """The follows added (0 when some already exist, or the demo has no guide)."""
    if db.session.scalar(sa.select(Follow.id).limit(1)) is not None:
        return 0
    contributor = db.session.scalar(sa.select(User).where(User.email == f"contributor@{DEMO_DOMAIN}"))
    referent = db.session.scalar(sa.select(User).where(User.email == f"referent@{DEMO_DOMAIN}"))
    guide = db.session.scalar(sa.select(Guide).where(Guide.solution_id.is_not(None),
                                                     Guide.id.in_(sa.select(GuideVersion.guide_id)))
                              .order_by(Guide.id))
    if contributor is None or guide is None:
        return 0
    for kind, object_id in ((FollowKind.SOLUTION, guide.solution_id), (FollowKind.CATEGORY, guide.solution.category_id),
                            (FollowKind.GUIDE, guide.id)):
        follows.follow(contributor, kind, object_id)
    if referent is not None:
        follows.set_preference(referent, Delivery.WEEKLY, guides=True, statistics=True, establishment=True)
    return 3
