"""Role × route × object table. Every route of the app must appear here, or the suite fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.extensions import db
from app.services import accounts
from tests.factories import make_category, make_establishment, make_solution, make_user

ROLES = ("visitor", "contributor", "referent", "moderator", "analyst", "admin")
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


def build_world() -> World:
    home, elsewhere = make_establishment(), make_establishment()
    users = {role: make_user(role, home if role in ("contributor", "referent") else None) for role in ROLES[1:]}
    category = make_category()
    world = World(
        users=users,
        own_pending=make_user("contributor", home, status="pending"),
        other_pending=make_user("contributor", elsewhere, status="pending"),
        solution=make_solution(category),
        archived=make_solution(category, archived=True),
        establishment=elsewhere,
    )
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
ADMIN_POST = login_redirect("", 302, allowed=("admin",))

CASES = [
    Case("main.index", "GET", lambda w: "/", everyone(200)),
    Case("main.healthz", "GET", lambda w: "/healthz", everyone(200)),
    Case("main.set_language", "POST", lambda w: "/langue", everyone(302), lambda w: {"lang": "en", "next": "/"}),
    Case("static", "GET", lambda w: "/static/css/app.css", everyone(200)),
    Case("auth.login", "GET", lambda w: "/login", anonymous_only(200)),
    Case("auth.logout", "POST", lambda w: "/logout", everyone(302)),
    Case("auth.register", "GET", lambda w: "/register", anonymous_only(200)),
    Case("auth.forgot_password", "GET", lambda w: "/password/forgot", everyone(200)),
    Case("auth.reset_password", "GET", lambda w: "/password/reset/forged-token", everyone(400), label="forged"),
    Case("auth.reset_password", "GET",
         lambda w: f"/password/reset/{accounts.make_reset_token(w.users['contributor'])}", everyone(200),
         label="valid token"),
    Case("auth.accept_invitation", "GET", lambda w: "/invitation/forged-token", everyone(400), label="forged"),
    Case("auth.accept_invitation", "GET",
         lambda w: "/invitation/" + accounts.make_invitation_token("new@hopital.test", w.establishment,
                                                                    w.users["referent"]),
         everyone(200), label="valid token"),
    Case("auth.account", "GET", lambda w: "/account", login_redirect("", 200, allowed=ROLES)),
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
    Case("admin.establishments_list", "GET", lambda w: "/admin/establishments", ADMIN_ONLY),
    Case("admin.new_establishment", "GET", lambda w: "/admin/establishments/new", ADMIN_ONLY),
    Case("admin.edit_establishment", "GET", lambda w: f"/admin/establishments/{w.establishment.id}", ADMIN_ONLY),
    Case("admin.solutions_list", "GET", lambda w: "/admin/solutions", ADMIN_ONLY),
    Case("admin.new_solution", "GET", lambda w: "/admin/solutions/new", ADMIN_ONLY),
    Case("admin.edit_solution", "GET", lambda w: f"/admin/solutions/{w.archived.id}", ADMIN_ONLY),
    Case("admin.archive_solution", "POST", lambda w: f"/admin/solutions/{w.solution.id}/archive", ADMIN_POST),
]


def test_every_route_has_a_permission_rule(app):
    covered = {case.endpoint for case in CASES}
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = registered - covered
    assert not missing, f"Routes without a permission rule in tests/test_permissions.py: {sorted(missing)}"
    assert not covered - registered, f"Rules for routes that no longer exist: {sorted(covered - registered)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.endpoint}[{c.label}]" if c.label else c.endpoint)
def test_role_route_table(app, client, auth, case: Case, role: str):
    world = build_world()
    if role != "visitor":
        assert auth.login(world.users[role].email).status_code == 302
    url = case.url(world)
    data = case.data(world) if case.data else {}
    response = client.get(url) if case.method == "GET" else client.post(url, data=data)
    expected = case.expected[role]
    response.close()
    assert response.status_code == expected, f"{role} {case.method} {url}: {response.status_code} != {expected}"
    if role == "visitor" and expected == 302 and case.endpoint not in ("auth.logout", "main.set_language"):
        assert response.headers["Location"].startswith("/login")
