"""Following a solution, a category or a guide, and how each person wants to be told (their own only: every
function takes the person acting and touches nothing of anyone else's).

The one-click unsubscribe link of a notice carries the person and the kind of notice, signed with the
application's key (no expiry: a link in an old mail must still stop the mails). It needs no login, and can only
ever turn notices off, for the person it was sent to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.models import (
    Category,
    Delivery,
    Follow,
    FollowKind,
    Guide,
    GuideVersion,
    NoticeKind,
    NoticePreference,
    PendingNotice,
    Solution,
    User,
)
from app.models.follow import preference_field

ALL = "all"  # an unsubscribe link's kind: every notice
MAX_TOKEN_LENGTH = 200  # a signed [user id, kind] is far shorter: a longer one is not read at all

_COLUMNS = {FollowKind.SOLUTION: Follow.solution_id, FollowKind.CATEGORY: Follow.category_id,
            FollowKind.GUIDE: Follow.guide_id}


def followable(kind: FollowKind, object_id: int) -> Solution | Category | Guide | None:
    """The object a person may follow: a solution of the catalogue (not archived), a category, a guide with a
    published version; None otherwise."""
    if kind == FollowKind.SOLUTION:
        return db.session.scalar(sa.select(Solution).where(Solution.id == object_id, Solution.archived.is_(False)))
    if kind == FollowKind.CATEGORY:
        return db.session.get(Category, object_id)
    return db.session.scalar(sa.select(Guide).where(Guide.id == object_id,
                                                    Guide.id.in_(sa.select(GuideVersion.guide_id))))


def is_following(user: User, kind: FollowKind, object_id: int) -> bool:
    return db.session.scalar(sa.select(Follow.id).where(Follow.user_id == user.id, _COLUMNS[kind] == object_id)
                             ) is not None


def follow(user: User, kind: FollowKind, object_id: int) -> None:
    """Start following (nothing happens if already followed)."""
    if not is_following(user, kind, object_id):
        db.session.add(Follow(user_id=user.id, **{_COLUMNS[kind].key: object_id}))
        db.session.flush()


def unfollow(user: User, kind: FollowKind, object_id: int) -> None:
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, _COLUMNS[kind] == object_id))


@dataclass(frozen=True)
class Followed:
    kind: FollowKind
    object_id: int
    name: str
    slug: str


def followed_by(user: User) -> list[Followed]:
    """What the person follows, solutions, then categories, then guides, each by name."""
    items: list[Followed] = []
    items += [Followed(FollowKind.SOLUTION, s.id, s.name, s.slug) for s in db.session.scalars(
        sa.select(Solution).join(Follow, Follow.solution_id == Solution.id).where(Follow.user_id == user.id)
        .order_by(Solution.name))]
    items += [Followed(FollowKind.CATEGORY, c.id, c.name_fr, c.slug) for c in db.session.scalars(
        sa.select(Category).join(Follow, Follow.category_id == Category.id).where(Follow.user_id == user.id)
        .order_by(Category.position, Category.name_fr))]
    items += [Followed(FollowKind.GUIDE, g.id, g.title, g.slug) for g in db.session.scalars(
        sa.select(Guide).join(Follow, Follow.guide_id == Guide.id).where(Follow.user_id == user.id)
        .order_by(Guide.title))]
    return items


# Preferences -------------------------------------------------------------------------------------------

def preference_of(user_id: int) -> NoticePreference:
    """The person's settings (the defaults, not stored, when they never chose)."""
    found = db.session.get(NoticePreference, user_id)
    if found is None:
        found = NoticePreference(user_id=user_id, delivery=Delivery.IMMEDIATE, guides=True, statistics=True,
                                 establishment=False)
    return found


def _stored(user_id: int) -> NoticePreference:
    preference = preference_of(user_id)
    if preference not in db.session:
        db.session.add(preference)
    return preference


def set_preference(user: User, delivery: Delivery, guides: bool, statistics: bool, establishment: bool) -> None:
    preference = _stored(user.id)
    preference.delivery, preference.guides = delivery.value, guides
    preference.statistics, preference.establishment = statistics, establishment
    _drop_pending(user.id, [kind for kind in NoticeKind if not preference.wants(kind)])
    db.session.flush()


def unsubscribe(user_id: int, kind: str) -> None:
    """Stop one kind of notice (`ALL`: every notice) for the person; what waits for their digest goes too."""
    preference = _stored(user_id)
    if kind == ALL:
        preference.delivery = Delivery.NONE.value
        _drop_pending(user_id, list(NoticeKind))
    else:
        setattr(preference, preference_field(NoticeKind(kind)), False)
        _drop_pending(user_id, [NoticeKind(kind)])
    db.session.flush()


def _drop_pending(user_id: int, kinds: list[NoticeKind]) -> None:
    if kinds:
        db.session.execute(sa.delete(PendingNotice).where(PendingNotice.user_id == user_id,
                                                          PendingNotice.sent_at.is_(None),
                                                          PendingNotice.kind.in_([k.value for k in kinds])))


# Unsubscribe links -------------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notice-unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The active person and the kind a link names, or None for anything else (forged, altered, odd)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        data = _serializer().loads(token)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None
    if (not isinstance(data, list) or len(data) != 2 or type(data[0]) is not int or type(data[1]) is not str
            or data[1] not in {ALL, *(k.value for k in NoticeKind)}):
        return None
    user = db.session.get(User, data[0]) if 0 < data[0] < 2**31 else None
    if user is None or user.status == "deleted":
        return None
    return user, data[1]
