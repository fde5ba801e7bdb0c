"""Answers for someone logged in, and pages showing a secret, are never stored by a browser or a proxy; public
pages keep their caching."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import accounts, api_tokens
from tests.factories import PASSWORD, make_solution, make_user

PUBLIC_PAGES = ["/", "/catalogue", "/observatory", "/guides", "/login", "/api/v1/solutions", "/static/css/app.css"]


def assert_not_stored(response) -> None:
    assert response.headers.get("Cache-Control") == "no-store", response.request.path
    assert response.headers.get("Pragma") == "no-cache", response.request.path


def assert_cacheable(response) -> None:
    assert "no-store" not in response.headers.get("Cache-Control", ""), response.request.path
    assert "Pragma" not in response.headers, response.request.path


@pytest.fixture
def solution(app):
    solution = make_solution(name="Radiolys")
    db.session.commit()
    return solution


@pytest.mark.parametrize("role", ["contributor", "analyst", "admin"])
def test_every_answer_to_a_logged_in_user_is_not_stored(client, auth, solution, role):
    user = make_user(role)
    db.session.commit()
    login = auth.login(user.email)
    assert_not_stored(login)  # the answer that sets the login cookies
    pages = ["/", "/catalogue", f"/catalogue/{solution.slug}", "/observatory", "/account", "/no-such-page",
             "/api/v1/solutions"] + (["/reports/"] if role == "contributor" else [])
    for path in pages:
        for _ in range(2):  # the second time from the app's page cache
            response = client.get(path)
            assert response.status_code in (200, 404), path
            assert_not_stored(response)


def test_public_pages_keep_their_caching_for_visitors(client, solution):
    for path in [*PUBLIC_PAGES, f"/catalogue/{solution.slug}"]:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, path
            assert_cacheable(response)
            response.close()


def test_the_registration_page_is_not_stored_even_for_a_visitor(client):
    # After an error the form shows again what was typed, passwords included: a shared workstation's back
    # button or a proxy must not keep that page.
    for _ in range(2):  # the second time from the app's page cache
        response = client.get("/register")
        assert response.status_code == 200
        assert_not_stored(response)


def test_static_files_stay_cacheable_for_a_logged_in_user(client, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    response = client.get("/static/css/app.css")
    assert_cacheable(response)
    response.close()


def test_after_logout_the_pages_are_public_again(client, auth):
    user = make_user()
    db.session.commit()
    auth.login(user.email)
    assert_not_stored(client.get("/catalogue"))
    auth.logout()
    assert_cacheable(client.get("/catalogue"))


def test_the_reset_and_invitation_pages_are_not_stored(client, no_csrf):
    user, referent = make_user(), make_user("referent")
    db.session.commit()
    reset = f"/password/reset/{accounts.make_reset_token(user)}"
    invitation = f"/invitation/{accounts.make_invitation_token('x@hopital.test', referent.establishment, referent)}"
    db.session.commit()
    for path, status in ((reset, 200), (invitation, 200), ("/password/reset/not-a-token", 400),
                         ("/invitation/not-a-token", 400)):
        response = client.get(path)
        assert response.status_code == status, path
        assert_not_stored(response)
    assert_not_stored(client.post(reset, data={"password": "short", "confirm": "other"}))


def test_the_page_showing_a_new_api_token_is_not_stored(client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email, PASSWORD)
    created = client.post("/account/api-tokens", data={"name": "Script"})
    assert_not_stored(created)
    assert_not_stored(client.get(created.headers["Location"]))


def test_api_answers_for_a_token_are_not_stored(client):
    _record, token = api_tokens.create_token(make_user("analyst"), "Script")
    db.session.commit()
    for _ in range(2):  # the second time from the app's page cache
        response = client.get("/api/v1/observatory", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert_not_stored(response)
    assert_cacheable(client.get("/api/v1/observatory"))
