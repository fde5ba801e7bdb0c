"""Forms of written text sent after the session had expired: kept for their author, sent again after the next
login.

When a login has ended (app.auth.timeouts) and the browser sends one of the forms where people write (the
guide editor, a moderator's message, a catalogue or establishment record), nothing of it is saved: the request
is refused and sent to the login page. What was typed is kept here, for the user the expired session belonged
to (one form per user, for KEEP_DAYS). After the next login they are shown all of it, the action and the page
it was sent to, and one button sends it again, as it was, with a fresh CSRF token: the view checks it,
permissions included, as any other request. The copy is dropped once the page that receives it accepts it.

Only the endpoints of KEPT_ENDPOINTS are kept: someone else at an unattended browser could otherwise leave
there a form (an account's role, say) for its owner to send in one click after logging in. The questionnaire
keeps its answers itself (app.reports.routes, DraftStash); password fields are never kept; files cannot be,
and the page says so.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.auth.blueprint import bp
from app.extensions import db
from app.models import FormStash, User
from app.models._types import utcnow
from app.urls import referrer_path

KEEP_DAYS = 7
RESUMED_FIELD = "_resumed_form"  # sent by the page that sends a kept form again
NOT_KEPT_FIELDS = frozenset({"csrf_token", RESUMED_FIELD})
# The forms where people write, and what sending one again does (shown before it is sent).
KEPT_ENDPOINTS = {
    "guides.edit": _l("Enregistrer le brouillon d'un guide"),
    "moderation.request_changes": _l("Demander des modifications sur un retour"),
    "moderation.reject": _l("Refuser la publication d'un retour"),
    "admin.new_solution": _l("Ajouter une solution au catalogue"),
    "admin.edit_solution": _l("Modifier la fiche d'une solution"),
    "admin.new_establishment": _l("Ajouter un établissement"),
    "admin.edit_establishment": _l("Modifier la fiche d'un établissement"),
}


def _cutoff():
    return utcnow() - timedelta(days=KEEP_DAYS)


def _stash_of(user_id: int) -> FormStash | None:
    return db.session.scalar(sa.select(FormStash).where(FormStash.user_id == user_id))


def _kept_fields() -> list[list[str]]:
    return [[name, value] for name, value in request.form.items(multi=True)
            if name not in NOT_KEPT_FIELDS and "password" not in name.lower()]


def keep_sent_form(user_id: int) -> bool:
    """Keep the form of this POST for the user whose session has just expired; True when something was typed."""
    if request.method != "POST" or request.endpoint not in KEPT_ENDPOINTS:
        return False
    fields = _kept_fields()
    if not any(value.strip() for _, value in fields):
        return False
    origin = referrer_path()
    db.session.execute(sa.delete(FormStash).where(sa.or_(FormStash.user_id == user_id, FormStash.at < _cutoff())))
    db.session.add(FormStash(user_id=user_id, action=request.full_path.rstrip("?")[:2000],
                             origin=origin[:2000] if origin else None, fields=fields,
                             files_left_out=sum(1 for f in request.files.values() if f.filename)))
    try:
        db.session.commit()
    except IntegrityError:  # the same user's other tab kept its form at the same moment: that one stays
        db.session.rollback()
    return True


def action_label(stash: FormStash) -> str:
    """What sending the kept form again does, in the reader's language."""
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(urlsplit(stash.action).path, method="POST")
    except HTTPException:
        endpoint = None
    return str(KEPT_ENDPOINTS[endpoint]) if endpoint in KEPT_ENDPOINTS else stash.action


def pending(user: User) -> FormStash | None:
    """The form this user sent after their last session expired, if it is recent enough to be offered."""
    stash = _stash_of(user.id)
    if stash is None:
        return None
    at = stash.at if stash.at.tzinfo else stash.at.replace(tzinfo=utcnow().tzinfo)
    if at < _cutoff():
        discard(user)
        return None
    return stash


def discard(user: User) -> None:
    db.session.execute(sa.delete(FormStash).where(FormStash.user_id == user.id))


@bp.after_app_request
def forget_a_form_accepted(response):
    """A kept form sent again and accepted (the page saved it and moved on) is no longer needed. Refused (its
    errors shown with what was typed, an error message, a 403, a failure), the copy stays for the next login."""
    if request.method != "POST" or response.status_code not in (302, 303):
        return response
    form = request.__dict__.get("form")  # only a form the view has read: a body is never parsed here
    if form is None or RESUMED_FIELD not in form or not current_user.is_authenticated:
        return response
    if any(category == "error" for category, _ in session.get("_flashes", [])):
        return response
    stash = _stash_of(current_user.id)
    if stash is not None and urlsplit(stash.action).path == request.path:
        db.session.delete(stash)
        db.session.commit()
    return response
