"""Rows of tests/test_object_access.py for the account page and peer contact: the routes, and their answers per
role (visitor, contributor, referent of "home", moderator, analyst, admin)."""

from __future__ import annotations

from tests.object_world import CONVERSATION_KINDS, EMAIL_CHANGE_KINDS, ESTABLISHMENT_KINDS, REPORT_KINDS


def self_service_routes(Route) -> dict:  # noqa: N803 (the table's own class)
    return {
        "auth.confirm_email_change": Route("auth.confirm_email_change", EMAIL_CHANGE_KINDS,
                                           lambda w, o: f"/account/email/confirm/{o.token}"),
        "peers.write": Route("peers.write", ESTABLISHMENT_KINDS, lambda w, o: (
            f"/peers/solutions/{w.objects['solution'].id}/establishments/{o.id}"), lambda w, o: {"body": "Injecté"}),
        "peers.conversation": Route("peers.conversation", CONVERSATION_KINDS, lambda w, o: f"/peers/{o.id}",
                                    lambda w, o: {"body": "Injecté"}),
        "peers.withdraw_consent": Route("peers.withdraw_consent", REPORT_KINDS,
                                        lambda w, o: f"/peers/reports/{o.id}/consent"),
    }


SELF_SERVICE_EXPECTED = {
    # The link is the credential: whoever follows it confirms the address it was sent to.
    ("auth.confirm_email_change", "GET", "e-mail change link"):        "200    200    200    200    200    200    200",
    ("auth.confirm_email_change", "POST", "e-mail change link"):       "302    302    302    302    302    302    302",
    # Peer contact: an establishment that did not consent, another establishments' conversation and reports.
    ("peers.write", "GET POST", "establishment"):                      "login  404    404    403    403    403    403",
    ("peers.conversation", "GET POST", "conversation between two other establishments"):
                                                                       "login  404    404    403    403    403    403",
    **{("peers.withdraw_consent", "GET POST", kind): "login  404    404    403    403    403    403"
       for kind in REPORT_KINDS},
}
