"""Named permission predicates, used by views, the API and templates alike."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import abort
from flask_login import current_user

from app.models.report import ReportStatus

if TYPE_CHECKING:
    from app.models import Report, ReportRevision, User

STAFF_ROLES = ("moderator", "analyst", "admin")


def _is(user: Any, *roles: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.role in roles)


def is_admin(user: Any) -> bool:
    return _is(user, "admin")


def can_administer(user: Any) -> bool:
    return is_admin(user)


def can_manage_team(user: Any) -> bool:
    """Referents manage the members of their own establishment."""
    return _is(user, "referent") and user.establishment_id is not None


def can_approve_user(actor: Any, target: User) -> bool:
    if target.status != "pending":
        return False
    if target.establishment_id is None and target.role in ("contributor", "referent"):
        return False  # its establishment is still a request (app.services.establishment_requests)
    if is_admin(actor):
        return True
    return can_manage_team(actor) and target.establishment_id == actor.establishment_id


def approver_of(target: User) -> Any:
    """can_approve_user as a condition on User, to find the approvers of `target` (a pending account):
    active administrators, and the active referents of its establishment."""
    from sqlalchemy import and_, or_

    from app.models import User

    return and_(User.status == "active",
                or_(User.role == "admin", and_(User.role == "referent", User.establishment_id.is_not(None),
                                               User.establishment_id == target.establishment_id)))


def can_edit_catalogue(user: Any) -> bool:
    return is_admin(user)


def can_see_archived_solutions(user: Any) -> bool:
    return _is(user, *STAFF_ROLES)


# Reports ---------------------------------------------------------------------------------------------

def can_write_reports(user: Any) -> bool:
    """Contributors and referents write reports for their establishment."""
    return _is(user, "contributor", "referent") and user.establishment_id is not None


def is_visitor(user: Any) -> bool:
    """Not logged in: offered what needs an account (writing a report) through the login page."""
    return user is None or not getattr(user, "is_authenticated", False)


def can_follow(user: Any) -> bool:
    """Anyone logged in follows solutions, categories and guides, and chooses their own notices."""
    return _is(user, "contributor", "referent", "ethics_reviewer", *STAFF_ROLES)


def is_member_of(user: Any, report: Report) -> bool:
    return can_write_reports(user) and user.establishment_id == report.establishment_id


def was_submitted(revision: ReportRevision) -> bool:
    """A revision never submitted (a draft, an update being written, a draft withdrawn by its author) belongs to
    its establishment alone: moderators never see it."""
    return revision.submitted_at is not None


def can_view_report(user: Any, report: Report) -> bool:
    """Members read their establishment's reports; moderators and admins every submitted one; analysts the
    published ones. Anyone else gets a 404, so that a report's existence is not revealed."""
    if is_member_of(user, report):
        return True
    if _is(user, "moderator", "admin"):
        # Not `status != "draft"`: a draft withdrawn by its author is "withdrawn" without ever being submitted.
        return any(was_submitted(revision) for revision in report.revisions)
    if _is(user, "analyst"):
        return report.published_revision_id is not None and report.status == ReportStatus.PUBLISHED
    return False


def can_edit_report(user: Any, report: Report) -> bool:
    """The author edits their own reports; the referent every report of the establishment."""
    if not is_member_of(user, report) or report.status == ReportStatus.WITHDRAWN:
        return False
    return user.role == "referent" or report.author_id == user.id


def can_restore_report(user: Any, report: Report) -> bool:
    """Who may undo a withdrawal: whoever could edit the report before it was withdrawn."""
    return is_member_of(user, report) and (user.role == "referent" or report.author_id == user.id)


def can_see_revision_history(user: Any, report: Report) -> bool:
    return is_member_of(user, report) or _is(user, *STAFF_ROLES)


# Peer contact ----------------------------------------------------------------------------------------

def can_contact_peers(user: Any) -> bool:
    """Members of an establishment see which other establishments agreed to be contacted, and write to them."""
    return can_write_reports(user)


def can_read_conversation(user: Any, conversation: Any) -> bool:
    """A conversation is between two establishments: their members read and answer it, no one else."""
    return can_contact_peers(user) and user.establishment_id in (conversation.sender_establishment_id,
                                                                 conversation.recipient_establishment_id)


def can_withdraw_contact_consent(user: Any, report: Report) -> bool:
    """Whoever gave the consent (the author), and the establishment's referent, withdraw it."""
    return is_member_of(user, report) and (user.role == "referent" or report.author_id == user.id)


def can_moderate(user: Any) -> bool:
    return _is(user, "moderator", "admin")


def can_see_unsuppressed_statistics(user: Any) -> bool:
    """Analysts (and admins) see every cell, with a small-n warning; everyone else the suppressed view."""
    return _is(user, "analyst", "admin")


def can_edit_guides(user: Any) -> bool:
    """National analysts (and admins) write, version and publish guides."""
    return _is(user, "analyst", "admin")


def require(predicate: Callable[[Any], bool]) -> Callable:
    """View decorator: 403 unless predicate(current_user); anonymous users are sent to log in."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# API tokens ------------------------------------------------------------------------------------------

def can_use_api_tokens(user: Any) -> bool:
    """Analysts (and admins) hold API tokens; a token of theirs unlocks the statistics without secrecy."""
    return _is(user, "analyst", "admin")


def can_revoke_api_token(user: Any, token: Any) -> bool:
    """Holders revoke their own tokens; an admin revokes anyone's (a leaked token, a departure)."""
    return can_use_api_tokens(user) and (token.user_id == user.id or is_admin(user))


# Exports ---------------------------------------------------------------------------------------------

def can_export(user: Any) -> bool:
    """Analysts (and admins) download the published reports and unsuppressed scorecards."""
    return _is(user, "analyst", "admin")


# Ethics and safety alerts ----------------------------------------------------------------------------

def can_raise_alerts(user: Any) -> bool:
    """Staff of an establishment raise alerts about the solutions they use."""
    return _is(user, "contributor", "referent") and user.establishment_id is not None


def can_review_alerts(user: Any) -> bool:
    """The platform's ethics reviewers receive the alerts, question their authors and record an outcome."""
    return _is(user, "ethics_reviewer")


def can_view_alert(user: Any, alert: Any) -> bool:
    """An alert is read by its author and by the ethics reviewers, no one else (not even the author's referent:
    an alert may be about working conditions in the establishment). Anyone else gets a 404."""
    if can_review_alerts(user):
        return True
    return (can_raise_alerts(user) and alert.author_id == user.id
            and alert.establishment_id == user.establishment_id)


def can_answer_alert(user: Any, alert: Any) -> bool:
    return can_raise_alerts(user) and can_view_alert(user, alert)


def can_export_alert_counts(user: Any) -> bool:
    """Analysts and ethics reviewers download the exact counts of alerts (admins too, as for every export)."""
    return _is(user, "analyst", "ethics_reviewer", "admin")


def can_see_live_alert_counts(user: Any) -> bool:
    """Who reads the live, exact counts of alerts on a scorecard; everyone else reads the release."""
    return can_export_alert_counts(user)
