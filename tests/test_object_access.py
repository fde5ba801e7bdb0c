"""Role × route × object kind: every route that names an object, on objects the user must not reach.

tests/test_permissions.py tries one object per route. Here every rule of app.url_map whose URL names an object
(report, revision, flag, solution, guide, user, establishment, token, invitation…), and the routes that take one
in their query string or form (exports, comparison, new report, quotes), is tried by every role, with every
method it accepts, on each kind of object of its family: objects of another establishment than the user's and
unpublished ones (draft, submitted, withdrawn reports; never-published guides; archived solutions).

EXPECTED holds the answer of each (route, methods, kind), one column per role; a route or kind without its row
fails the test. Codes: "login" (sent to the login page), 401/403/404 (refused), 200/302 (allowed: a page, or an
action done), "302=" (sent back with an error: nothing done) and "200=" (the form again: nothing done). A refused
POST, or one marked "=", must leave every row of the database as it was; and no page may show a text its reader
must not read (tests/object_world.py: drafts, reports awaiting moderation, guides' drafts, archived solutions,
the other establishment's name, a pending account).
"""

from __future__ import annotations

import html
import uuid

from tests import object_notices
from tests.object_cases import SELF_SERVICE_EXPECTED, self_service_routes
from tests.object_routes import Route, cite, establishment_form, guide_sections, report_step, solution_form
from tests.object_trial import Trial
from tests.object_world import (
    ALERT_KINDS,
    CATEGORY_KINDS,
    ESTABLISHMENT_KINDS,
    ESTABLISHMENT_REQUEST_KINDS,
    FLAG_KINDS,
    GUIDE_KINDS,
    INVITATION_KINDS,
    REMINDER_KINDS,
    REPORT_KINDS,
    RESET_KINDS,
    REVISION_KINDS,
    ROLES,
    SOLUTION_KINDS,
    TOKEN_KINDS,
    USER_KINDS,
    World,
)
from tests.test_permissions import ROLES as TABLE_ROLES

# URL parameters that name no object by themselves.
NOT_OBJECTS = {"filename": "a static file", "fmt": "csv, json or html", "step": "a questionnaire step",
               "number": "a guide's version, after the guide's slug", "index": "a quote, after the guide's id",
               "export": "the export a codebook describes (reports or aggregates)",
               "provider": "a national identity provider (ProConnect, Pro Santé Connect)",
               "job_id": "a failed background job in Redis: of no establishment, administrators only (the role table; "
                         "tests/test_jobs_worker.py)"}


# A route, or a way of naming an object in a query string or a form ("endpoint?parameter", "endpoint(field)").
ROUTES = {
    "reports.view": Route("reports.view", REPORT_KINDS, lambda w, o: f"/reports/{o.id}"),
    "reports.view?revision": Route("reports.view", REVISION_KINDS,
                                   lambda w, o: f"/reports/{o.report_id}?revision={o.number}"),
    "reports.step": Route("reports.step", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/step/1", report_step),
    "reports.resume": Route("reports.resume", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/continue"),
    "reports.autosave": Route("reports.autosave", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/step/1/autosave",
                              report_step),
    "reports.summary": Route("reports.summary", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/summary",
                             lambda w, o: {"submission_key": uuid.uuid4().hex}),
    "reports.start_update": Route("reports.start_update", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/update"),
    "reports.withdraw": Route("reports.withdraw", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/withdraw",
                              lambda w, o: {"reason": "Motif injecté"}),
    "reports.restore": Route("reports.restore", REPORT_KINDS, lambda w, o: f"/reports/{o.id}/restore"),
    "reports.solution_timeline": Route("reports.solution_timeline", SOLUTION_KINDS,
                                       lambda w, o: f"/reports/timeline/{o.id}"),
    "reports.new?solution": Route("reports.new", SOLUTION_KINDS, lambda w, o: f"/reports/new?solution={o.slug}"),
    "reports.new(solution_id)": Route("reports.new", SOLUTION_KINDS, lambda w, o: "/reports/new",
                                      lambda w, o: {"solution_id": str(o.id), "creation_key": uuid.uuid4().hex}),
    "moderation.review": Route("moderation.review", REVISION_KINDS, lambda w, o: f"/moderation/revisions/{o.id}"),
    "moderation.publish": Route("moderation.publish", REVISION_KINDS,
                                lambda w, o: f"/moderation/revisions/{o.id}/publish"),
    "moderation.request_changes": Route("moderation.request_changes", REVISION_KINDS,
                                        lambda w, o: f"/moderation/revisions/{o.id}/request-changes",
                                        lambda w, o: {"changes-message": "Précisez."}),
    "moderation.reject": Route("moderation.reject", REVISION_KINDS, lambda w, o: f"/moderation/revisions/{o.id}/reject",
                               lambda w, o: {"reject-message": "Hors sujet."}),
    "moderation.mask_flag": Route("moderation.mask_flag", FLAG_KINDS, lambda w, o: f"/moderation/flags/{o.id}/mask"),
    "moderation.dismiss_flag": Route("moderation.dismiss_flag", FLAG_KINDS,
                                     lambda w, o: f"/moderation/flags/{o.id}/dismiss"),
    "catalogue.solution": Route("catalogue.solution", SOLUTION_KINDS, lambda w, o: f"/catalogue/{o.slug}"),
    "stats.scorecard": Route("stats.scorecard", SOLUTION_KINDS, lambda w, o: f"/statistics/solutions/{o.id}"),
    "stats.compare?solutions": Route("stats.compare", SOLUTION_KINDS, lambda w, o: (
        f"/statistics/compare?solutions={w.objects['second solution'].id}&solutions={o.id}")),
    "stats.category": Route("stats.category", CATEGORY_KINDS, lambda w, o: f"/statistics/categories/{o.slug}"),
    "api.get_solution": Route("api.get_solution", SOLUTION_KINDS, lambda w, o: f"/api/v1/solutions/{o.id}"),
    "api.get_scorecard": Route("api.get_scorecard", SOLUTION_KINDS, lambda w, o: f"/api/v1/solutions/{o.id}/scorecard"),
    "api.get_guide": Route("api.get_guide", GUIDE_KINDS, lambda w, o: f"/api/v1/guides/{o.slug}"),
    "exports.reports.csv?solution": Route("exports.reports", SOLUTION_KINDS,
                                          lambda w, o: f"/exports/reports.csv?solution={o.id}"),
    "exports.reports.json?solution": Route("exports.reports", SOLUTION_KINDS,
                                           lambda w, o: f"/exports/reports.json?solution={o.id}"),
    "admin.edit_solution": Route("admin.edit_solution", SOLUTION_KINDS, lambda w, o: f"/admin/solutions/{o.id}",
                                 solution_form),
    "admin.archive_solution": Route("admin.archive_solution", SOLUTION_KINDS,
                                    lambda w, o: f"/admin/solutions/{o.id}/archive"),
    "admin.edit_user": Route("admin.edit_user", USER_KINDS, lambda w, o: f"/admin/users/{o.id}", lambda w, o: {
        "role": "referent", "status": "active", "finess": w.objects["establishment"].finess}),
    "admin.approve_user": Route("admin.approve_user", USER_KINDS, lambda w, o: f"/admin/users/{o.id}/approve"),
    "admin.unlock_user": Route("admin.unlock_user", USER_KINDS, lambda w, o: f"/admin/users/{o.id}/unlock"),
    "admin.edit_establishment": Route("admin.edit_establishment", ESTABLISHMENT_KINDS,
                                      lambda w, o: f"/admin/establishments/{o.id}", establishment_form),
    "admin.establishment_request": Route("admin.establishment_request", ESTABLISHMENT_REQUEST_KINDS,
                                         lambda w, o: f"/admin/establishment-requests/{o.id}"),
    "admin.approve_establishment_request": Route("admin.approve_establishment_request", ESTABLISHMENT_REQUEST_KINDS,
                                                 lambda w, o: f"/admin/establishment-requests/{o.id}/approve"),
    "admin.refuse_establishment_request": Route("admin.refuse_establishment_request", ESTABLISHMENT_REQUEST_KINDS,
                                                lambda w, o: f"/admin/establishment-requests/{o.id}/refuse",
                                                lambda w, o: {"reason": "Doublon."}),
    "team.approve": Route("team.approve", USER_KINDS, lambda w, o: f"/team/{o.id}/approve"),
    "team.reject": Route("team.reject", USER_KINDS, lambda w, o: f"/team/{o.id}/reject"),
    "api_pages.revoke_token": Route("api_pages.revoke_token", TOKEN_KINDS,
                                    lambda w, o: f"/account/api-tokens/{o.id}/revoke"),
    "auth.reset_password": Route("auth.reset_password", RESET_KINDS, lambda w, o: f"/password/reset/{o.token}"),
    "auth.accept_invitation": Route("auth.accept_invitation", INVITATION_KINDS, lambda w, o: f"/invitation/{o.token}"),
    "reports.follow_up": Route("reports.follow_up", REMINDER_KINDS, lambda w, o: f"/reports/follow-up/{o.token}",
                               lambda w, o: {"still_in_use": "yes", "choose_again": "yes"}),
    "guides.show": Route("guides.show", GUIDE_KINDS, lambda w, o: f"/guides/{o.slug}"),
    "guides.changes": Route("guides.changes", GUIDE_KINDS, lambda w, o: f"/guides/{o.slug}/changes?from=1&to=1"),
    "guides.version": Route("guides.version", GUIDE_KINDS, lambda w, o: f"/guides/{o.slug}/versions/1"),
    "guides.version_pdf": Route("guides.version_pdf", GUIDE_KINDS, lambda w, o: f"/guides/{o.slug}/versions/1.pdf"),
    "guides.edit": Route("guides.edit", GUIDE_KINDS, lambda w, o: f"/guides/manage/{o.id}", guide_sections),
    "guides.preview": Route("guides.preview", GUIDE_KINDS, lambda w, o: f"/guides/manage/{o.id}/preview"),
    "guides.evidence": Route("guides.evidence", GUIDE_KINDS, lambda w, o: f"/guides/manage/{o.id}/evidence"),
    "guides.publish": Route("guides.publish", GUIDE_KINDS, lambda w, o: f"/guides/manage/{o.id}/publish"),
    "guides.edit(cite)": Route("guides.edit", GUIDE_KINDS, lambda w, o: f"/guides/manage/{o.id}",
                               lambda w, o: cite(w, w.objects["published"])),
    "guides.edit(cite report)": Route("guides.edit", REPORT_KINDS, lambda w, o: (
        f"/guides/manage/{w.objects['unpublished guide'].id}"), cite),
    **self_service_routes(Route),
    **{name: Route(*route) for name, route in object_notices.ROUTES.items()},
    "alerts.view": Route("alerts.view", ALERT_KINDS, lambda w, o: f"/alerts/{o.id}"),
    "alerts.answer": Route("alerts.answer", ALERT_KINDS, lambda w, o: f"/alerts/{o.id}/answer",
                           lambda w, o: {"answer-body": "Réponse injectée."}),
    "alerts.acknowledge": Route("alerts.acknowledge", ALERT_KINDS, lambda w, o: f"/alerts/{o.id}/acknowledge"),
    "alerts.question": Route("alerts.question", ALERT_KINDS, lambda w, o: f"/alerts/{o.id}/question",
                             lambda w, o: {"question-body": "Question injectée ?"}),
    "alerts.outcome": Route("alerts.outcome", ALERT_KINDS, lambda w, o: f"/alerts/{o.id}/outcome",
                            lambda w, o: {"outcome-outcome": "closed", "outcome-note": "Classée."}),
    "alerts.new?solution": Route("alerts.new", SOLUTION_KINDS, lambda w, o: f"/alerts/new?solution={o.slug}"),
    "alerts.new?report": Route("alerts.new", REPORT_KINDS, lambda w, o: f"/alerts/new?report={o.id}"),
    "alerts.new(solution_id)": Route("alerts.new", SOLUTION_KINDS, lambda w, o: "/alerts/new", lambda w, o: {
        "solution_id": str(o.id), "category": "other", "summary": "Objet", "description": "Faits.",
        "vendor_may_know": "no"}),
    # Object routes (add above this line)
}

# One column per role: visitor, contributor, referent (both of "home"), moderator, analyst, admin, ethics reviewer.
EXPECTED = {
    #                                                                   vis.   contr. ref.   mod.   anal.  admin  ethics
    ("reports.view", "GET", "draft"):                                  "404    404    404    404    404    404    404",
    ("reports.view", "GET", "submitted"):                              "404    404    404    200    404    200    404",
    ("reports.view", "GET", "changes requested"):                      "404    404    404    200    404    200    404",
    ("reports.view", "GET", "rejected"):                               "404    404    404    200    404    200    404",
    ("reports.view", "GET", "published"):                              "404    404    404    200    200    200    404",
    ("reports.view", "GET", "withdrawn draft"):                        "404    404    404    404    404    404    404",
    ("reports.view", "GET", "withdrawn published"):                    "404    404    404    200    404    200    404",
    ("reports.view", "GET", "published, update in draft"):             "404    404    404    200    200    200    404",
    # Analysts read the published version whatever the revision asked for.
    ("reports.view?revision", "GET", "draft revision"):                "404    404    404    404    404    404    404",
    ("reports.view?revision", "GET", "submitted revision"):            "404    404    404    200    404    200    404",
    ("reports.view?revision", "GET", "changes-requested revision"):    "404    404    404    200    404    200    404",
    ("reports.view?revision", "GET", "rejected revision"):             "404    404    404    200    404    200    404",
    ("reports.view?revision", "GET", "published revision"):            "404    404    404    200    200    200    404",
    ("reports.view?revision", "GET", "withdrawn draft's revision"):    "404    404    404    404    404    404    404",
    ("reports.view?revision", "GET", "update in draft"):               "404    404    404    404    200    404    404",
    # Writing a report: its establishment's members only, whatever its state.
    **{(route, methods, kind): codes for kind in REPORT_KINDS for route, methods, codes in (
        ("reports.step", "GET POST",                                   "login  404    404    404    404    404    404"),
        ("reports.resume", "GET",                                      "login  404    404    404    404    404    404"),
        ("reports.autosave", "POST",                                   "401    404    404    404    404    404    404"),
        ("reports.summary", "GET POST",                                "login  404    404    404    404    404    404"),
        ("reports.start_update", "POST",                               "404    404    404    404    404    404    404"),
        ("reports.withdraw", "GET POST",                               "404    404    404    404    404    404    404"),
        ("reports.restore", "POST",                                    "404    404    404    404    404    404    404"))},
    ("reports.solution_timeline", "GET", "solution"):                  "login  200    200    403    403    403    403",
    ("reports.solution_timeline", "GET", "archived solution"):         "login  200    200    403    403    403    403",
    ("reports.new?solution", "GET", "solution"):                       "login  200    200    403    403    403    403",
    ("reports.new?solution", "GET", "archived solution"):              "login  200    200    403    403    403    403",
    ("reports.new(solution_id)", "POST", "solution"):                  "login  302    302    403    403    403    403",
    ("reports.new(solution_id)", "POST", "archived solution"):         "login  200=   200=   403    403    403    403",
    # Moderation: revisions that were submitted, of every establishment; never a draft.
    ("moderation.review", "GET", "draft revision"):                    "login  403    403    404    403    404    403",
    ("moderation.review", "GET", "submitted revision"):                "login  403    403    200    403    200    403",
    ("moderation.review", "GET", "changes-requested revision"):        "login  403    403    200    403    200    403",
    ("moderation.review", "GET", "rejected revision"):                 "login  403    403    200    403    200    403",
    ("moderation.review", "GET", "published revision"):                "login  403    403    200    403    200    403",
    ("moderation.review", "GET", "withdrawn draft's revision"):        "login  403    403    404    403    404    403",
    ("moderation.review", "GET", "update in draft"):                   "login  403    403    404    403    404    403",
    **{(route, "POST", kind): codes for route in ("moderation.publish", "moderation.request_changes",
                                                  "moderation.reject") for kind, codes in (
        ("draft revision",                                             "login  403    403    404    403    404    403"),
        ("submitted revision",                                         "login  403    403    302    403    302    403"),
        ("changes-requested revision",                                 "login  403    403    302=   403    302=    403"),
        ("rejected revision",                                          "login  403    403    302=   403    302=    403"),
        ("published revision",                                         "login  403    403    302=   403    302=    403"),
        ("withdrawn draft's revision",                                 "login  403    403    404    403    404    403"),
        ("update in draft",                                            "login  403    403    404    403    404    403"))},
    **{(route, "POST", kind): codes for route in ("moderation.mask_flag", "moderation.dismiss_flag")
       for kind, codes in (
        ("flag awaiting moderation",                                   "login  403    403    302    403    302    403"),
        ("flag of a withdrawn report",                                 "login  403    403    302=   403    302=    403"))},
    # Catalogue and statistics: archived solutions for the platform's staff only; never in the API.
    ("catalogue.solution", "GET", "solution"):                         "200    200    200    200    200    200    200",
    ("catalogue.solution", "GET", "archived solution"):                "404    404    404    200    200    200    404",
    ("stats.scorecard", "GET", "solution"):                            "200    200    200    200    200    200    200",
    ("stats.scorecard", "GET", "archived solution"):                   "404    404    404    200    200    200    404",
    ("stats.compare?solutions", "GET", "solution"):                    "200    200    200    200    200    200    200",
    ("stats.compare?solutions", "GET", "archived solution"):           "200    200    200    200    200    200    200",
    ("stats.category", "GET", "category"):                             "200    200    200    200    200    200    200",
    ("api.get_solution", "GET", "solution"):                           "200    200    200    200    200    200    200",
    ("api.get_solution", "GET", "archived solution"):                  "404    404    404    404    404    404    404",
    ("api.get_scorecard", "GET", "solution"):                          "200    200    200    200    200    200    200",
    ("api.get_scorecard", "GET", "archived solution"):                 "404    404    404    404    404    404    404",
    ("exports.reports.csv?solution", "GET", "solution"):               "login  403    403    403    200    200    403",
    ("exports.reports.csv?solution", "GET", "archived solution"):      "login  403    403    403    200    200    403",
    ("exports.reports.json?solution", "GET", "solution"):              "login  403    403    403    200    200    403",
    ("exports.reports.json?solution", "GET", "archived solution"):     "login  403    403    403    200    200    403",
    # Administration: users and establishments of every establishment, the catalogue.
    ("admin.edit_solution", "GET", "solution"):                        "login  403    403    403    403    200    403",
    ("admin.edit_solution", "GET", "archived solution"):               "login  403    403    403    403    200    403",
    ("admin.edit_solution", "POST", "solution"):                       "login  403    403    403    403    302    403",
    ("admin.edit_solution", "POST", "archived solution"):              "login  403    403    403    403    302    403",
    ("admin.archive_solution", "POST", "solution"):                    "login  403    403    403    403    302    403",
    ("admin.archive_solution", "POST", "archived solution"):           "login  403    403    403    403    302    403",
    ("admin.edit_user", "GET", "pending user"):                        "login  403    403    403    403    200    403",
    ("admin.edit_user", "GET", "active user"):                         "login  403    403    403    403    200    403",
    ("admin.edit_user", "POST", "pending user"):                       "login  403    403    403    403    302    403",
    ("admin.edit_user", "POST", "active user"):                        "login  403    403    403    403    302    403",
    ("admin.approve_user", "POST", "pending user"):                    "login  403    403    403    403    302    403",
    ("admin.approve_user", "POST", "active user"):                     "login  403    403    403    403    302=    403",
    # Neither account is locked: unlocking it does nothing.
    ("admin.unlock_user", "POST", "pending user"):                     "login  403    403    403    403    302=    403",
    ("admin.unlock_user", "POST", "active user"):                      "login  403    403    403    403    302=    403",
    ("admin.edit_establishment", "GET", "establishment"):              "login  403    403    403    403    200    403",
    ("admin.edit_establishment", "POST", "establishment"):             "login  403    403    403    403    302    403",
    ("admin.establishment_request", "GET", "establishment request"):   "login  403    403    403    403    200    403",
    ("admin.approve_establishment_request", "POST", "establishment request"):
                                                                       "login  403    403    403    403    302    403",
    ("admin.refuse_establishment_request", "POST", "establishment request"):
                                                                       "login  403    403    403    403    302    403",
    # A referent decides on the accounts of their own establishment only.
    ("team.approve", "POST", "pending user"):                          "login  403    404    403    403    403    403",
    ("team.approve", "POST", "active user"):                           "login  403    404    403    403    403    403",
    ("team.reject", "POST", "pending user"):                           "login  403    404    403    403    403    403",
    ("team.reject", "POST", "active user"):                            "login  403    404    403    403    403    403",
    ("api_pages.revoke_token", "POST", "another analyst's token"):     "login  403    403    403    404    302    403",
    # The link is the credential, whoever follows it; a form sent empty changes nothing.
    ("auth.reset_password", "GET", "reset link"):                      "200    200    200    200    200    200    200",
    ("auth.reset_password", "POST", "reset link"):                     "200=   200=   200=   200=   200=   200=    200=",
    ("auth.accept_invitation", "GET", "invitation"):                   "200    200    200    200    200    200    200",
    ("auth.accept_invitation", "POST", "invitation"):                  "200=   200=   200=   200=   200=   200=    200=",
    # A reminder's link is for the person it was sent to: anyone else is told so, and nothing is created.
    ("reports.follow_up", "GET", "another establishment's reminder"):  "login  400    400    403    403    403    403",
    ("reports.follow_up", "POST", "another establishment's reminder"): "login  400=   400=   403    403    403    403",
    # Guides: published versions for everyone; drafts for analysts (and admins).
    ("guides.show", "GET", "published guide"):                         "200    200    200    200    200    200    200",
    ("guides.show", "GET", "unpublished guide"):                       "404    404    404    404    404    404    404",
    ("guides.changes", "GET", "published guide"):                      "200    200    200    200    200    200    200",
    ("guides.changes", "GET", "unpublished guide"):                    "404    404    404    404    404    404    404",
    ("guides.version", "GET", "published guide"):                      "200    200    200    200    200    200    200",
    ("guides.version", "GET", "unpublished guide"):                    "404    404    404    404    404    404    404",
    ("guides.version_pdf", "GET", "published guide"):                  "200    200    200    200    200    200    200",
    ("guides.version_pdf", "GET", "unpublished guide"):                "404    404    404    404    404    404    404",
    ("api.get_guide", "GET", "published guide"):                       "200    200    200    200    200    200    200",
    ("api.get_guide", "GET", "unpublished guide"):                     "404    404    404    404    404    404    404",
    **{(route, "GET", kind): "login  403    403    403    200    200    403"
       for route in ("guides.edit", "guides.preview", "guides.evidence") for kind in GUIDE_KINDS},
    **{(route, "POST", kind): "login  403    403    403    302    302    403"
       for route in ("guides.edit", "guides.edit(cite)") for kind in GUIDE_KINDS},
    # Publishing is confirmed on its own page: a POST without the confirmation publishes nothing.
    **{("guides.publish", "GET", kind): "login  403    403    403    200    200    403" for kind in GUIDE_KINDS},
    **{("guides.publish", "POST", kind): "login  403    403    403    302=   302=    403" for kind in GUIDE_KINDS},
    # Only a published report's text can be quoted in a guide.
    **{("guides.edit(cite report)", "POST", kind): "login  403    403    403    302=   302=    403"
       for kind in REPORT_KINDS if kind not in ("published", "published, update in draft")},
    **SELF_SERVICE_EXPECTED,  # the account page and peer contact (tests/object_cases.py)
    **object_notices.EXPECTED,
    ("guides.edit(cite report)", "POST", "published"):                "login  403    403    403    302    302    403",
    ("guides.edit(cite report)", "POST", "published, update in draft"): "login 403 403  403    302    302    403",
    # Alerts: their author (of the other establishment here) and the ethics reviewers, no one else.
    **{("alerts.view", "GET", kind): "login  404    404    404    404    404    200" for kind in ALERT_KINDS},
    **{("alerts.answer", "POST", kind): "login  404    404    404    404    404    403" for kind in ALERT_KINDS},
    ("alerts.acknowledge", "POST", "new alert"):                       "login  403    403    403    403    403    302",
    ("alerts.acknowledge", "POST", "alert awaiting its author's answer"):
                                                                       "login  403    403    403    403    403    302=",
    ("alerts.question", "POST", "new alert"):                          "login  403    403    403    403    403    302=",
    ("alerts.question", "POST", "alert awaiting its author's answer"): "login  403    403    403    403    403    302",
    ("alerts.outcome", "POST", "new alert"):                           "login  403    403    403    403    403    302=",
    ("alerts.outcome", "POST", "alert awaiting its author's answer"):  "login  403    403    403    403    403    302",
    # Another establishment's report names no report in the form; an archived solution is not offered.
    **{("alerts.new?solution", "GET", kind): "login  200    200    403    403    403    403" for kind in SOLUTION_KINDS},
    **{("alerts.new?report", "GET", kind): "login  200    200    403    403    403    403" for kind in REPORT_KINDS},
    ("alerts.new(solution_id)", "POST", "solution"):                   "login  302    302    403    403    403    403",
    ("alerts.new(solution_id)", "POST", "archived solution"):          "login  200=   200=   403    403    403    403",
    # Object routes (add above this line)
}

# Texts a route shows by design to readers outside the secret's audience.
SHOWN_BY_DESIGN = {
    ("alerts.view", "establishment name"): "the ethics reviewers (the only readers of an alert) may contact the "
                                           "establishment behind it",
    ("auth.accept_invitation", "establishment name"): "the invitation names the establishment it opens",
    ("reports.solution_timeline", "archived solution"): "an establishment's history with a solution stays readable "
                                                        "once the solution leaves the catalogue",
}
REFUSED = ("login", "401", "403", "404")


def rows() -> list[tuple[str, str, str, list[str]]]:
    """EXPECTED, one row per method, in the order written."""
    result = []
    for (route, methods, kind), codes in EXPECTED.items():
        result.extend((route, method, kind, codes.split()) for method in methods.split())
    return result


def object_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if set(rule.arguments) - NOT_OBJECTS.keys()]


def test_every_object_route_has_a_row_per_method_and_kind(app):
    assert TABLE_ROLES == ROLES
    problems = []
    expected = {(route, method, kind) for route, method, kind, _codes in rows()}
    for rule in object_rules(app):
        if rule.endpoint not in ROUTES:
            problems.append(f"{rule.endpoint} {rule.rule}: no entry in ROUTES (tests/test_object_access.py)")
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            for kind in ROUTES[rule.endpoint].kinds:
                if (rule.endpoint, method, kind) not in expected:
                    problems.append(f"{rule.endpoint}: no row for {method} on {kind!r}")
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    for route, method, kind, codes in rows():
        if route not in ROUTES or kind not in ROUTES[route].kinds:
            problems.append(f"row for an unknown route or kind: {route} {kind!r}")
        elif method not in methods.get(ROUTES[route].endpoint, ()):
            problems.append(f"row for a method the route does not accept: {route} {method}")
        if len(codes) != len(ROLES):
            problems.append(f"{route} {method} {kind!r}: {len(codes)} answers for {len(ROLES)} roles")
    for name, route in ROUTES.items():
        problems.extend(f"{name}: no row for {kind!r}" for kind in route.kinds
                        if not any((name, method, kind) in expected for method in ("GET", "POST")))
    assert not problems, "\n".join(problems)


def _leaks(world: World, route: str, role: str, shown: set[str]) -> list[str]:
    return [f"shows {world.secrets[marker][0]} ({marker})" for marker in shown
            if role not in world.secrets[marker][1] and (ROUTES[route].endpoint, world.secrets[marker][0])
            not in SHOWN_BY_DESIGN]


def test_objects_of_another_establishment_and_unpublished_ones(app, no_csrf, capsys):
    trial = Trial(app)
    failures, tried, seen = [], 0, set()
    for route_name, method, kind, codes in rows():
        route = ROUTES[route_name]
        for role, code in zip(ROLES, codes, strict=True):
            world = trial.world
            target = world.objects[kind]
            url = route.url(world, target)
            where = f"{role:<11} {method:<4} {url} [{route_name}, {kind}]"
            if method == "POST":
                trial.pages_changed_nothing(failures)
            data = route.data(world, target) if route.data and method == "POST" else {}
            response = trial.clients[role].open(url, method=method, data=data)
            body = response.get_data(as_text=True) if response.mimetype != "application/pdf" else ""
            response.close()
            tried += 1
            status = 302 if code == "login" else int(code.rstrip("="))
            if response.status_code != status:
                failures.append(f"{where}: {response.status_code}, expected {code}")
            elif code == "login" and not response.headers["Location"].startswith("/login"):
                failures.append(f"{where}: sent to {response.headers['Location']}, not to the login page")
            if response.status_code == 200:
                shown = {marker for marker in world.secrets if marker in html.unescape(body)}
                seen |= shown
                failures.extend(f"{where}: {leak}" for leak in _leaks(world, route_name, role, shown))
            if method == "GET":
                trial.pages.append(where)  # compared in one go, before the next POST
            elif (changes := trial.changes()) and (code in REFUSED or code.endswith("=")):
                failures.append(f"{where}: refused, yet changed {', '.join(changes)}")
    trial.pages_changed_nothing(failures)
    # A secret its own readers never saw proves nothing by its absence elsewhere.
    failures.extend(f"{what} ({marker}) never shown, not even to {', '.join(sorted(audience))}"
                    for marker, (what, audience) in trial.world.secrets.items() if audience and marker not in seen)
    object_routes = object_rules(app)
    with capsys.disabled():
        print(f"\nobject access: {len(rows())} (route, method, kind) rows x {len(ROLES)} roles = {tried} "
              f"combinations tried on {len(object_routes)} object routes ({len(ROUTES)} ways of naming an "
              f"object); {trial.undone} allowed changes undone")
    assert not failures, f"{len(failures)} problems in {tried} combinations:\n" + "\n".join(failures)
    assert tried >= len(object_routes) * len(ROLES)
