"""Role × route × object table. Every route of the app must appear here, or the suite fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.extensions import db
from app.models import FormStash
from app.services import accounts, alerts, establishment_requests, guides, peer_messages
from app.services.api_tokens import create_token
from tests.conftest import backend, empty_all_tables
from tests.factories import (
    PASSWORD,
    complete_answers,
    make_category,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)
from tests.permission_alerts import alert_cases
from tests.permission_cases import notice_cases, request_id, reset_link, self_service_cases

ROLES = ("visitor", "contributor", "referent", "moderator", "analyst", "admin", "ethics_reviewer")
STAFF = ("moderator", "analyst", "admin")


@dataclass
class World:
    """Objects each case can aim at: ours, another establishment's, unpublished ones."""

    users: dict
    own_pending: object
    other_pending: object
    solution: object
    archived: object
    establishment: object
    own_draft: object
    own_published: object
    other_draft: object
    other_submitted: object
    other_published: object
    flagged: object
    guide: object
    draft_guide: object
    establishment_request: object = None
    conversation: object = None  # another establishment wrote to ours
    other_conversation: object = None  # between two other establishments
    own_alert: object = None
    other_alert: object = None


def build_world() -> World:
    home, elsewhere = make_establishment(), make_establishment()
    users = {role: make_user(role, home if role in ("contributor", "referent") else None) for role in ROLES[1:]}
    category = make_category()
    solution = make_solution(category)
    stranger = make_user("contributor", elsewhere)
    world = World(
        users=users,
        own_pending=make_user("contributor", home, status="pending"),
        other_pending=make_user("contributor", elsewhere, status="pending"),
        solution=solution,
        archived=make_solution(category, archived=True),
        establishment=elsewhere,
        own_draft=make_report(users["contributor"], solution),
        own_published=make_report(users["contributor"], solution, state="published"),
        other_draft=make_report(stranger, solution),
        other_submitted=make_report(stranger, solution, state="submitted"),
        other_published=make_report(stranger, solution, state="published"),
        flagged=make_report(stranger, solution, state="submitted",
                            answers=complete_answers(advice="Appeler le Dr Lemoine au 06 12 34 56 78.")),
        guide=None,
        draft_guide=None,
    )
    # A registration with a FINESS number no establishment carries: the account waits for its establishment.
    world.establishment_request = establishment_requests.request_establishment(
        "demandeur@hopital.test", PASSWORD, "Demandeur", "750712184", "Hôpital demandé", "ch")
    # Both establishments' published reports consent to be contacted (the complete answers do).
    outsider = make_user("contributor", make_establishment())
    world.conversation = peer_messages.start(stranger, solution, home.id, "Bonjour, une question.")
    world.other_conversation = peer_messages.start(outsider, solution, elsewhere.id, "Bonjour, entre nous.")
    # Alerts: the contributor's own, and one of another establishment's staff.
    world.own_alert, world.other_alert = (alerts.raise_alert(author, solution, category="bias", summary="Objet",
                                                             description="Faits.", vendor_may_know_establishment=False)
                                          for author in (users["contributor"], stranger))
    world.guide = guides.create_guide(users["analyst"], solution=solution)
    guides.publish(world.guide, users["analyst"])
    world.draft_guide = guides.create_guide(users["analyst"], category=category)
    # A form the contributor sent after their session expired: theirs to send again, no one else's.
    db.session.add(FormStash(user_id=users["contributor"].id, action="/moderation/revisions/1/reject",
                             fields=[["reason", "Texte conservé"]]))
    db.session.commit()
    return world


def login_redirect(role: str, ok: int, denied: int = 403, allowed: tuple = ()) -> dict[str, int]:
    """Visitors are sent to the login page; allowed roles get `ok`; the others `denied`."""
    return {role_: 302 if role_ == "visitor" else ok if role_ in allowed else denied for role_ in ROLES}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def anonymous_only(visitor: int) -> dict[str, int]:
    return {role: visitor if role == "visitor" else 302 for role in ROLES}


@dataclass
class Case:
    endpoint: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    data: Callable[[World], dict] | None = None
    label: str = ""


ADMIN_ONLY = login_redirect("", 200, allowed=("admin",))
WRITERS = ("contributor", "referent")
GUIDE_WRITERS = login_redirect("", 200, allowed=("analyst", "admin"))
GUIDE_WRITERS_POST = login_redirect("", 302, allowed=("analyst", "admin"))
MODERATORS = ("moderator", "admin")


def members_only(ok: int) -> dict[str, int]:
    """Report pages of our establishment: members may; staff get 404 (existence not revealed)."""
    return login_redirect("", ok, denied=404, allowed=WRITERS)


def nobody(visitor: int = 404) -> dict[str, int]:
    """Another establishment's unpublished report: out of everyone's reach."""
    return {role: visitor if role == "visitor" else 404 for role in ROLES}


def readable_by(*roles: str) -> dict[str, int]:
    return {role: 200 if role in roles else 404 for role in ROLES}


ADMIN_POST = login_redirect("", 302, allowed=("admin",))

CASES = [
    Case("main.index", "GET", lambda w: "/", everyone(200)),
    Case("main.healthz", "GET", lambda w: "/healthz", everyone(200)),
    Case("main.set_language", "POST", lambda w: "/langue", everyone(302), lambda w: {"lang": "en", "next": "/"}),
    Case("static", "GET", lambda w: "/static/css/app.css", everyone(200)),
    Case("auth.login", "GET", lambda w: "/login", anonymous_only(200)),
    Case("auth.logout", "POST", lambda w: "/logout", everyone(302)),
    # National identities: absent while no provider is configured (tests/test_oidc.py runs them against one).
    Case("auth.oidc_login", "GET", lambda w: "/login/proconnect", everyone(404)),
    Case("auth.oidc_callback", "GET", lambda w: "/login/prosanteconnect/callback?code=x&state=y", everyone(404)),
    # Without an identity just vouched for in this session: back to the login page (the logged-in: home).
    Case("auth.oidc_first_login", "GET", lambda w: "/login/identity", everyone(302)),
    Case("auth.oidc_link", "POST", lambda w: "/login/identity/link", everyone(302),
         lambda w: {"link-email": w.users["admin"].email, "link-password": PASSWORD}),
    Case("auth.oidc_request", "POST", lambda w: "/login/identity/request", everyone(302)),
    Case("auth.oidc_logged_out", "GET", lambda w: "/logout/done", everyone(302)),
    Case("auth.register", "GET", lambda w: "/register", anonymous_only(200)),
    Case("auth.registered", "GET", lambda w: "/register/done", everyone(302)),
    Case("auth.forgot_password", "GET", lambda w: "/password/forgot", everyone(200)),
    Case("auth.reset_password", "GET", lambda w: "/password/reset/forged-token", everyone(400), label="forged"),
    Case("auth.reset_password", "GET",
         lambda w: reset_link(w.users["contributor"]), everyone(200),
         label="valid token"),
    Case("auth.accept_invitation", "GET", lambda w: "/invitation/forged-token", everyone(400), label="forged"),
    Case("auth.accept_invitation", "GET",
         lambda w: "/invitation/" + accounts.make_invitation_token("new@hopital.test", w.own_pending.establishment,
                                                                    w.users["referent"]),
         everyone(200), label="valid token"),
    Case("auth.account", "GET", lambda w: "/account", login_redirect("", 200, allowed=ROLES)),
    # Only the contributor has a kept form; the others are sent to the home page, which shows none of it.
    Case("auth.resume_form", "GET", lambda w: "/resume", {role: 200 if role == "contributor" else 302 for role in ROLES}),
    Case("auth.discard_form", "POST", lambda w: "/resume/discard", everyone(302)),
    Case("catalogue.index", "GET", lambda w: "/catalogue", everyone(200)),
    Case("catalogue.solution", "GET", lambda w: f"/catalogue/{w.solution.slug}", everyone(200), label="published"),
    Case("catalogue.solution", "GET", lambda w: f"/catalogue/{w.archived.slug}",
         {role: 200 if role in STAFF else 404 for role in ROLES}, label="archived"),
    Case("team.members", "GET", lambda w: "/team/", login_redirect("", 200, allowed=("referent",))),
    Case("team.approve", "POST", lambda w: f"/team/{w.own_pending.id}/approve",
         login_redirect("", 302, allowed=("referent",)), label="own establishment"),
    Case("team.approve", "POST", lambda w: f"/team/{w.other_pending.id}/approve",
         login_redirect("", 404, allowed=("referent",)), label="other establishment"),
    Case("team.reject", "POST", lambda w: f"/team/{w.own_pending.id}/reject",
         login_redirect("", 302, allowed=("referent",)), label="own establishment"),
    Case("team.reject", "POST", lambda w: f"/team/{w.other_pending.id}/reject",
         login_redirect("", 404, allowed=("referent",)), label="other establishment"),
    Case("team.invite", "POST", lambda w: "/team/invite", login_redirect("", 302, allowed=("referent",)),
         lambda w: {"email": "colleague@hopital.test"}),
    Case("admin.dashboard", "GET", lambda w: "/admin/", ADMIN_ONLY),
    Case("admin.users", "GET", lambda w: "/admin/users", ADMIN_ONLY),
    Case("admin.edit_user", "GET", lambda w: f"/admin/users/{w.other_pending.id}", ADMIN_ONLY),
    Case("admin.edit_user", "GET", lambda w: "/admin/users/999999", login_redirect("", 404, allowed=("admin",)),
         label="missing"),
    Case("admin.approve_user", "POST", lambda w: f"/admin/users/{w.other_pending.id}/approve", ADMIN_POST),
    Case("admin.unlock_user", "POST", lambda w: f"/admin/users/{w.other_pending.id}/unlock", ADMIN_POST),
    Case("admin.establishments_list", "GET", lambda w: "/admin/establishments", ADMIN_ONLY),
    Case("admin.new_establishment", "GET", lambda w: "/admin/establishments/new", ADMIN_ONLY),
    Case("admin.edit_establishment", "GET", lambda w: f"/admin/establishments/{w.establishment.id}", ADMIN_ONLY),
    Case("admin.establishment_requests_list", "GET", lambda w: "/admin/establishment-requests", ADMIN_ONLY),
    Case("admin.establishment_request", "GET", lambda w: f"/admin/establishment-requests/{request_id(w)}", ADMIN_ONLY),
    Case("admin.approve_establishment_request", "POST",
         lambda w: f"/admin/establishment-requests/{request_id(w)}/approve", ADMIN_POST),
    Case("admin.refuse_establishment_request", "POST",
         lambda w: f"/admin/establishment-requests/{request_id(w)}/refuse", ADMIN_POST, lambda w: {"reason": "Doublon."}),
    Case("admin.finess_import", "GET", lambda w: "/admin/finess-import", ADMIN_ONLY),
    Case("admin.finess_import", "POST", lambda w: "/admin/finess-import", login_redirect("", 400, allowed=("admin",)),
         label="no file"),
    Case("admin.solutions_list", "GET", lambda w: "/admin/solutions", ADMIN_ONLY),
    Case("admin.new_solution", "GET", lambda w: "/admin/solutions/new", ADMIN_ONLY),
    Case("admin.edit_solution", "GET", lambda w: f"/admin/solutions/{w.archived.id}", ADMIN_ONLY),
    Case("admin.archive_solution", "POST", lambda w: f"/admin/solutions/{w.solution.id}/archive", ADMIN_POST),
    Case("admin.failed_jobs", "GET", lambda w: "/admin/jobs", ADMIN_ONLY),
    Case("admin.retry_job", "POST", lambda w: "/admin/jobs/0123456789abcdef/retry", ADMIN_POST),
    Case("admin.delete_job", "POST", lambda w: "/admin/jobs/0123456789abcdef/delete", ADMIN_POST),
    Case("reports.mine", "GET", lambda w: "/reports/", login_redirect("", 200, allowed=WRITERS)),
    Case("reports.establishment", "GET", lambda w: "/reports/establishment", login_redirect("", 200, allowed=WRITERS)),
    Case("reports.new", "GET", lambda w: "/reports/new", login_redirect("", 200, allowed=WRITERS)),
    # A reminder's link is for the one person it was sent to (tests/test_reminders.py): a forged one is refused.
    Case("reports.follow_up", "GET", lambda w: "/reports/follow-up/forged.token",
         login_redirect("", 400, allowed=WRITERS), label="forged"),
    Case("reports.solution_timeline", "GET", lambda w: f"/reports/timeline/{w.solution.id}",
         login_redirect("", 200, allowed=WRITERS)),
    Case("reports.step", "GET", lambda w: f"/reports/{w.own_draft.id}/step/1", members_only(200), label="own draft"),
    Case("reports.resume", "GET", lambda w: f"/reports/{w.own_draft.id}/continue", members_only(302), label="own draft"),
    Case("reports.resume", "GET", lambda w: f"/reports/{w.other_draft.id}/continue", nobody(302), label="other draft"),
    Case("reports.step", "GET", lambda w: f"/reports/{w.other_draft.id}/step/1", nobody(302), label="other draft"),
    Case("reports.autosave", "POST", lambda w: f"/reports/{w.own_draft.id}/step/1/autosave",
         {**members_only(200), "visitor": 401}, lambda w: {"services": "x"}, label="own draft"),
    Case("reports.autosave", "POST", lambda w: f"/reports/{w.other_draft.id}/step/1/autosave",
         nobody(401), lambda w: {"services": "x"}, label="other draft"),
    Case("reports.summary", "GET", lambda w: f"/reports/{w.own_draft.id}/summary", members_only(200),
         label="own draft"),
    Case("reports.summary", "GET", lambda w: f"/reports/{w.other_draft.id}/summary", nobody(302),
         label="other draft"),
    Case("reports.view", "GET", lambda w: f"/reports/{w.own_draft.id}", readable_by(*WRITERS), label="own draft"),
    Case("reports.view", "GET", lambda w: f"/reports/{w.other_draft.id}", nobody(), label="other draft"),
    Case("reports.view", "GET", lambda w: f"/reports/{w.other_submitted.id}", readable_by(*MODERATORS),
         label="other submitted"),
    Case("reports.view", "GET", lambda w: f"/reports/{w.other_published.id}", readable_by("analyst", *MODERATORS),
         label="other published"),
    Case("reports.start_update", "POST", lambda w: f"/reports/{w.own_published.id}/update",
         {**nobody(), "contributor": 302, "referent": 302}, label="own published"),
    Case("reports.start_update", "POST", lambda w: f"/reports/{w.other_published.id}/update", nobody(),
         label="other published"),
    Case("reports.withdraw", "GET", lambda w: f"/reports/{w.own_published.id}/withdraw",
         {**nobody(), "contributor": 200, "referent": 200}, label="own published, confirmation"),
    Case("reports.withdraw", "POST", lambda w: f"/reports/{w.own_draft.id}/withdraw",
         {**nobody(), "contributor": 302, "referent": 302}, lambda w: {"reason": "Projet abandonné."},
         label="own draft"),
    Case("reports.withdraw", "POST", lambda w: f"/reports/{w.own_published.id}/withdraw",
         {**nobody(), "contributor": 200, "referent": 200}, label="own published, no reason"),
    Case("reports.restore", "POST", lambda w: f"/reports/{w.own_published.id}/restore",
         {**nobody(), "contributor": 302, "referent": 302}, label="own published"),
    Case("reports.restore", "POST", lambda w: f"/reports/{w.other_published.id}/restore", nobody(),
         label="other published"),
    Case("reports.withdraw", "POST", lambda w: f"/reports/{w.other_published.id}/withdraw", nobody(),
         label="other published"),
    Case("moderation.queue", "GET", lambda w: "/moderation/", login_redirect("", 200, allowed=MODERATORS)),
    Case("moderation.review", "GET", lambda w: f"/moderation/revisions/{w.other_submitted.working_revision_id}",
         login_redirect("", 200, allowed=MODERATORS)),
    Case("moderation.publish", "POST",
         lambda w: f"/moderation/revisions/{w.other_submitted.working_revision_id}/publish",
         login_redirect("", 302, allowed=MODERATORS)),
    Case("moderation.request_changes", "POST",
         lambda w: f"/moderation/revisions/{w.other_submitted.working_revision_id}/request-changes",
         login_redirect("", 302, allowed=MODERATORS), lambda w: {"changes-message": "Précisez."}),
    Case("moderation.reject", "POST",
         lambda w: f"/moderation/revisions/{w.other_submitted.working_revision_id}/reject",
         login_redirect("", 302, allowed=MODERATORS), lambda w: {"reject-message": "Hors sujet."}),
    Case("moderation.mask_flag", "POST", lambda w: f"/moderation/flags/{w.flagged.working_revision.flags[0].id}/mask",
         login_redirect("", 302, allowed=MODERATORS)),
    Case("moderation.dismiss_flag", "POST",
         lambda w: f"/moderation/flags/{w.flagged.working_revision.flags[0].id}/dismiss",
         login_redirect("", 302, allowed=MODERATORS)),
    Case("stats.scorecard", "GET", lambda w: f"/statistics/solutions/{w.solution.id}", everyone(200),
         label="published solution"),
    Case("stats.scorecard", "GET", lambda w: f"/statistics/solutions/{w.archived.id}",
         {role: 200 if role in STAFF else 404 for role in ROLES}, label="archived solution"),
    Case("stats.compare", "GET", lambda w: f"/statistics/compare?solutions={w.solution.id}&solutions={w.archived.id}",
         everyone(200)),
    Case("stats.category", "GET", lambda w: f"/statistics/categories/{w.solution.category.slug}", everyone(200)),
    Case("stats.observatory", "GET", lambda w: "/observatory", everyone(200)),
    # Statistics pages (add above this line)
    Case("guides.index", "GET", lambda w: "/guides", everyone(200)),
    Case("guides.show", "GET", lambda w: f"/guides/{w.guide.slug}", everyone(200)),
    Case("guides.version", "GET", lambda w: f"/guides/{w.guide.slug}/versions/1", everyone(200)),
    Case("guides.version", "GET", lambda w: f"/guides/{w.draft_guide.slug}/versions/1", everyone(404),
         label="never published"),
    Case("guides.version_pdf", "GET", lambda w: f"/guides/{w.guide.slug}/versions/1.pdf", everyone(200)),
    Case("guides.changes", "GET", lambda w: f"/guides/{w.guide.slug}/changes?from=1&to=1", everyone(200)),
    Case("guides.manage", "GET", lambda w: "/guides/manage", GUIDE_WRITERS),
    Case("guides.create", "POST", lambda w: "/guides/manage/new", GUIDE_WRITERS_POST,
         lambda w: {"subject": f"solution:{w.solution.id}"}),
    Case("guides.edit", "GET", lambda w: f"/guides/manage/{w.draft_guide.id}", GUIDE_WRITERS),
    Case("guides.preview", "GET", lambda w: f"/guides/manage/{w.draft_guide.id}/preview", GUIDE_WRITERS),
    Case("guides.edit", "POST", lambda w: f"/guides/manage/{w.draft_guide.id}", GUIDE_WRITERS_POST,
         lambda w: {"action": f"cite:{w.other_published.id}:advice"}, label="cite"),
    Case("guides.publish", "GET", lambda w: f"/guides/manage/{w.draft_guide.id}/publish", GUIDE_WRITERS),
    Case("guides.publish", "POST", lambda w: f"/guides/manage/{w.draft_guide.id}/publish", GUIDE_WRITERS_POST,
         label="unconfirmed"),
    Case("guides.evidence", "GET", lambda w: f"/guides/manage/{w.guide.id}/evidence", GUIDE_WRITERS),
    Case("api.list_solutions", "GET", lambda w: "/api/v1/solutions", everyone(200)),
    Case("api.get_solution", "GET", lambda w: f"/api/v1/solutions/{w.solution.id}", everyone(200), label="published"),
    Case("api.get_solution", "GET", lambda w: f"/api/v1/solutions/{w.archived.id}", everyone(404), label="archived"),
    Case("api.list_categories", "GET", lambda w: "/api/v1/categories", everyone(200)),
    Case("api.get_scorecard", "GET", lambda w: f"/api/v1/solutions/{w.solution.id}/scorecard", everyone(200),
         label="published"),
    Case("api.get_scorecard", "GET", lambda w: f"/api/v1/solutions/{w.archived.id}/scorecard", everyone(404),
         label="archived"),
    Case("api.get_observatory", "GET", lambda w: "/api/v1/observatory", everyone(200)),
    Case("api-docs.openapi_json", "GET", lambda w: "/api/v1/openapi.json", everyone(200)),
    Case("api_pages.docs", "GET", lambda w: "/api/v1/docs", everyone(200)),
    Case("api_pages.tokens", "GET", lambda w: "/account/api-tokens", login_redirect("", 200, allowed=("analyst", "admin"))),
    Case("api_pages.create_token", "POST", lambda w: "/account/api-tokens",
         login_redirect("", 302, allowed=("analyst", "admin")), lambda w: {"name": "Script"}),
    # The analyst's token (committed, so that the request sees it); admins revoke anyone's.
    Case("api_pages.revoke_token", "POST",
         lambda w: f"/account/api-tokens/{(create_token(w.users['analyst'], 'Script')[0].id, db.session.commit())[0]}"
                   "/revoke", login_redirect("", 302, allowed=("analyst", "admin"))),
    Case("api.list_guides", "GET", lambda w: "/api/v1/guides", everyone(200)),
    Case("api.get_guide", "GET", lambda w: "/api/v1/guides/no-such-guide", everyone(404), label="missing"),
    # API cases (add above this line)
    Case("exports.index", "GET", lambda w: "/exports/", login_redirect("", 200, allowed=("analyst", "admin"))),
    Case("exports.reports", "GET", lambda w: "/exports/reports.csv", login_redirect("", 200, allowed=("analyst", "admin")),
         label="csv"),
    Case("exports.reports", "GET", lambda w: "/exports/reports.json",
         login_redirect("", 200, allowed=("analyst", "admin")), label="json"),
    Case("exports.reports", "GET", lambda w: f"/exports/reports.csv?solution={w.solution.id}",
         login_redirect("", 200, allowed=("analyst", "admin")), label="one solution"),
    Case("exports.aggregates", "GET", lambda w: "/exports/aggregates.csv",
         login_redirect("", 200, allowed=("analyst", "admin")), label="csv"),
    Case("exports.aggregates", "GET", lambda w: "/exports/aggregates.json",
         login_redirect("", 200, allowed=("analyst", "admin")), label="json"),
    Case("exports.reports", "GET", lambda w: "/exports/reports.csv?values=labels",
         login_redirect("", 200, allowed=("analyst", "admin")), label="labels"),
    Case("exports.reports", "GET", lambda w: "/exports/reports.csv?values=spreadsheet",
         login_redirect("", 200, allowed=("analyst", "admin")), label="spreadsheet"),
    Case("exports.aggregates", "GET", lambda w: "/exports/aggregates.csv?values=labels",
         login_redirect("", 200, allowed=("analyst", "admin")), label="labels"),
    Case("exports.codebook_file", "GET", lambda w: "/exports/codebook-reports.csv",
         login_redirect("", 200, allowed=("analyst", "admin")), label="reports csv"),
    Case("exports.codebook_file", "GET", lambda w: "/exports/codebook-aggregates.html",
         login_redirect("", 200, allowed=("analyst", "admin")), label="aggregates html"),
    # Export cases (add above this line)
    # The account page, peer contact, follows and notices (tests/permission_cases.py); alerts (permission_alerts).
    *self_service_cases(Case, login_redirect, everyone), *notice_cases(Case, login_redirect, everyone, ROLES),
    *alert_cases(Case, login_redirect),
]


def test_every_route_has_a_permission_rule(app):
    covered = {case.endpoint for case in CASES}
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = registered - covered
    assert not missing, f"Routes without a permission rule in tests/test_permissions.py: {sorted(missing)}"
    assert not covered - registered, f"Rules for routes that no longer exist: {sorted(covered - registered)}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.endpoint}[{c.label}]" if c.label else c.endpoint)
def test_role_route_table(app, case: Case):
    """Each role in turn; after a state-changing request let through, a fresh world (a refusal changes nothing:
    tests/test_object_access.py). State-changing cases run in the SQLite pass (rebuilding is most of the cost)."""
    if case.method != "GET" and backend() != "sqlite":
        pytest.skip("state-changing cases: the SQLite pass runs them")
    world = build_world()
    app.config["WTF_CSRF_ENABLED"] = False
    failures, let_through = [], False
    for role in ROLES:
        if let_through:
            db.session.remove()
            empty_all_tables()
            world = build_world()
        client = app.test_client()
        if role != "visitor":
            response = client.post("/login", data={"email": world.users[role].email, "password": PASSWORD})
            assert response.status_code == 302, f"{role} could not log in"
        url, data = case.url(world), (case.data(world) if case.data else {})
        response = client.get(url) if case.method == "GET" else client.post(url, data=data)
        response.close()
        let_through = case.method != "GET" and response.status_code < 400 and not (
            response.status_code == 302 and response.headers["Location"].startswith("/login"))
        expected = case.expected[role]
        if response.status_code != expected:
            failures.append(f"{role} {case.method} {url}: {response.status_code} != {expected}")
        elif role == "visitor" and expected == 302 and case.endpoint not in ("auth.logout", "main.set_language",
                                                                             "auth.registered", "auth.oidc_logged_out"):
            if not response.headers["Location"].startswith("/login"):
                failures.append(f"visitor {url}: redirected to {response.headers['Location']}, not to /login")
    assert not failures, "\n".join(failures)


def test_the_table_counts_its_combinations(capsys):
    combinations = len(CASES) * len(ROLES)
    with capsys.disabled():
        print(f"\npermission table: {len(CASES)} route cases x {len(ROLES)} roles = {combinations} combinations")
    assert combinations >= 300
