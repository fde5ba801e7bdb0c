"""Rows of the role × route table (tests/test_permissions.py) for the account page and peer contact."""

from __future__ import annotations

from app.extensions import db
from app.services import account_self, accounts, establishment_requests, follows

ROLES = ("visitor", "contributor", "referent", "moderator", "analyst", "admin", "ethics_reviewer")
WRITERS = ("contributor", "referent")


def email_change_link(user) -> str:
    token = account_self.email_change_token(user, "nouvelle-adresse@hopital.test")
    db.session.commit()
    return token


def self_service_cases(Case, login_redirect, everyone) -> list:  # noqa: N803 (the table's own class)
    return [
        Case("auth.change_password", "POST", lambda w: "/account", login_redirect("", 200, allowed=ROLES),
             label="form with errors"),
        Case("auth.rename", "POST", lambda w: "/account/name", login_redirect("", 302, allowed=ROLES),
             lambda w: {"full_name": "Nom Changé"}),
        Case("auth.request_email_change", "POST", lambda w: "/account/email", login_redirect("", 200, allowed=ROLES),
             label="form with errors"),
        Case("auth.confirm_email_change", "GET", lambda w: "/account/email/confirm/forged", everyone(400),
             label="forged"),
        Case("auth.confirm_email_change", "GET",
             lambda w: "/account/email/confirm/" + email_change_link(w.users["contributor"]), everyone(200),
             label="valid token"),
        Case("auth.delete_account", "GET", lambda w: "/account/delete", login_redirect("", 200, allowed=ROLES)),
        Case("auth.delete_account", "POST", lambda w: "/account/delete", login_redirect("", 200, allowed=ROLES),
             label="unconfirmed"),
        Case("peers.conversations", "GET", lambda w: "/peers/", login_redirect("", 200, allowed=WRITERS)),
        Case("peers.write", "GET", lambda w: f"/peers/solutions/{w.solution.id}/establishments/{w.establishment.id}",
             login_redirect("", 200, allowed=WRITERS), label="consenting establishment"),
        Case("peers.write", "GET",
             lambda w: f"/peers/solutions/{w.solution.id}/establishments/{w.users['contributor'].establishment_id}",
             login_redirect("", 404, allowed=WRITERS), label="own establishment"),
        Case("peers.write", "POST", lambda w: f"/peers/solutions/{w.solution.id}/establishments/{w.establishment.id}",
             login_redirect("", 302, allowed=WRITERS), lambda w: {"body": "Bonjour, une question."}, label="send"),
        Case("peers.conversation", "GET", lambda w: f"/peers/{w.conversation.id}",
             login_redirect("", 200, allowed=WRITERS), label="ours"),
        Case("peers.conversation", "GET", lambda w: f"/peers/{w.other_conversation.id}",
             login_redirect("", 404, allowed=WRITERS), label="between two other establishments"),
        Case("peers.conversation", "POST", lambda w: f"/peers/{w.other_conversation.id}",
             login_redirect("", 404, allowed=WRITERS), lambda w: {"body": "Intrusion"},
             label="answer between two other establishments"),
        Case("peers.withdraw_consent", "GET", lambda w: f"/peers/reports/{w.own_published.id}/consent",
             login_redirect("", 200, allowed=WRITERS), label="own report"),
        Case("peers.withdraw_consent", "POST", lambda w: f"/peers/reports/{w.other_published.id}/consent",
             login_redirect("", 404, allowed=WRITERS), label="other establishment's report"),
    ]


def unsubscribe_link(world) -> str:
    return follows.unsubscribe_token(world.users["contributor"].id, "guide")


def notice_cases(Case, login_redirect, everyone, ROLES) -> list:  # noqa: N803 (the table's own names)
    return [
        Case("notices.settings", "GET", lambda w: "/account/notifications", login_redirect("", 200, allowed=ROLES)),
        Case("notices.settings", "POST", lambda w: "/account/notifications", login_redirect("", 302, allowed=ROLES),
             lambda w: {"delivery": "weekly", "statistics": "y"}),
        Case("notices.follow", "POST", lambda w: f"/follows/solution/{w.solution.id}",
             login_redirect("", 302, allowed=ROLES),
             label="solution"),
        Case("notices.follow", "POST", lambda w: f"/follows/solution/{w.archived.id}", login_redirect("", 404, denied=404),
             label="archived solution"),
        Case("notices.follow", "POST", lambda w: f"/follows/guide/{w.draft_guide.id}", login_redirect("", 404, denied=404),
             label="unpublished guide"),
        Case("notices.follow", "POST", lambda w: f"/follows/report/{w.solution.id}", login_redirect("", 404, denied=404),
             label="unknown kind"),
        Case("notices.unfollow", "POST", lambda w: f"/follows/guide/{w.guide.id}/stop",
             login_redirect("", 302, allowed=ROLES)),
        Case("notices.unsubscribe", "GET", lambda w: "/unsubscribe/forged-token", everyone(400), label="forged"),
        Case("notices.unsubscribe", "GET", lambda w: "/unsubscribe/" + unsubscribe_link(w), everyone(200),
             label="valid token"),
        Case("notices.unsubscribe", "POST", lambda w: "/unsubscribe/" + unsubscribe_link(w), everyone(200),
             lambda w: {"List-Unsubscribe": "One-Click"}, label="one click"),
    ]


def request_id(world) -> int:
    return establishment_requests.request_of(world.establishment_request).id


def reset_link(user) -> str:
    token = accounts.make_reset_token(user)
    db.session.commit()  # the link's row, for the request to find
    return f"/password/reset/{token}"
