"""Forms sent after the session had expired: kept for their author, sent again after the next login.

When a login has ended (app.auth.timeouts) and the browser sends a form (the guide editor, a moderator's
message, an establishment's record…), nothing of it is saved: the request is refused and sent to the login
page. What was typed is kept here, for the user the expired session belonged to (one form per user, for
KEEP_DAYS). After the next login they are shown it, and one button sends it again, as it was, to the same
address, with a fresh CSRF token: the view checks it, permissions included, as any other request.

The questionnaire keeps its own answers (app.reports.routes, DraftStash) and the authentication pages hold
passwords: neither goes through here. Password fields are never kept; files cannot be, and the page says so.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from app.auth import bp
from app.extensions import db
from app.models import FormStash, User
from app.models._types import utcnow

KEEP_DAYS = 7
RESUMED_FIELD = "_resumed_form"  # sent by the page that sends a kept form again
NOT_KEPT_FIELDS = frozenset({"csrf_token", RESUMED_FIELD})
# The authentication pages (passwords) and the language switch are never kept; nor is the questionnaire,
# which keeps its answers itself (app.auth.timeouts.STASHING_ENDPOINTS).
NOT_KEPT_BLUEPRINTS = frozenset({"auth"})
NOT_KEPT_ENDPOINTS = frozenset({"main.set_language"})


def _kept_fields() -> list[list[str]]:
    return [[name, value] for name, value in request.form.items(multi=True)
            if name not in NOT_KEPT_FIELDS and "password" not in name.lower()]


def keep_sent_form(user_id: int) -> bool:
    """Keep the form of this POST for the user whose session has just expired; True when something was typed."""
    if (request.method != "POST" or request.blueprint in NOT_KEPT_BLUEPRINTS
            or request.endpoint in NOT_KEPT_ENDPOINTS or request.endpoint is None):
        return False
    fields = _kept_fields()
    if not any(value.strip() for _, value in fields):
        return False  # an action button: nothing typed to lose, the page it was on is opened after the login
    referrer = request.referrer or ""
    origin = None
    if referrer.startswith(request.host_url):
        origin = "/" + referrer.removeprefix(request.host_url)
    db.session.execute(sa.delete(FormStash).where(FormStash.user_id == user_id))
    db.session.add(FormStash(user_id=user_id, action=request.full_path.rstrip("?")[:2000],
                             origin=origin[:2000] if origin else None, fields=fields,
                             files_left_out=sum(1 for f in request.files.values() if f.filename)))
    db.session.commit()
    return True


def pending(user: User) -> FormStash | None:
    """The form this user sent after their last session expired, if it is recent enough to be offered."""
    stash = db.session.scalar(sa.select(FormStash).where(FormStash.user_id == user.id))
    if stash is None:
        return None
    at = stash.at if stash.at.tzinfo else stash.at.replace(tzinfo=utcnow().tzinfo)
    if at < utcnow() - timedelta(days=KEEP_DAYS):
        discard(user)
        return None
    return stash


def discard(user: User) -> None:
    db.session.execute(sa.delete(FormStash).where(FormStash.user_id == user.id))


@bp.before_app_request
def forget_a_form_sent_again():
    """A kept form sent again is the user's form once more: the page that receives it shows its errors with
    what was typed, as for any form. The copy is no longer needed."""
    if request.method == "POST" and RESUMED_FIELD in request.form and current_user.is_authenticated:
        discard(current_user)
        db.session.commit()
