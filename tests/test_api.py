"""The read API /api/v1: catalogue, statistics under secrecy, analysts' tokens, JSON errors, OpenAPI."""

from __future__ import annotations

import contextvars
from datetime import timedelta

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.extensions import db
from app.models import ApiTokenReveal
from app.models._types import utcnow
from app.services import api_tokens
from tests.factories import (
    complete_answers,
    make_category,
    make_establishment,
    make_report,
    make_solution,
    make_user,
    text,
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(role: str, **user_values) -> str:
    _record, clear = api_tokens.create_token(make_user(role, **user_values), "Script d'essai")
    db.session.commit()
    return clear


def solution_with_establishments(count: int, **values):
    """A solution reviewed by `count` establishments (one published report each)."""
    solution = make_solution(**values)
    moderator = make_user("moderator")
    for region in ("11", "84", "53", "75")[:count]:
        author = make_user("contributor", make_establishment(region=region))
        make_report(author, solution, "published", complete_answers(), moderator)
    db.session.commit()
    return solution


# Catalogue -------------------------------------------------------------------------------------------

def test_solutions_are_paginated_with_the_pagination_in_the_body(client):
    category = make_category()
    for n in range(5):
        make_solution(category, name=f"Lecteur {n}")
    make_solution(category, name="Lecteur archivé", archived=True)
    db.session.commit()

    body = client.get("/api/v1/solutions?per_page=2&page=2").get_json()

    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    assert [item["name"] for item in body["items"]] == ["Lecteur 2", "Lecteur 3"]
    item = body["items"][0]
    assert item["category"] == {"id": category.id, "slug": category.slug, "name": category.name_fr}
    assert item["hosting"] == ["hds_cloud"] and item["integrations"] == ["dpi"] and item["sectors"] == ["health"]
    assert "device_class" in item["vendor_declared"] and "name" not in item["vendor_declared"]
    assert item["links"] == {"self": f"/api/v1/solutions/{item['id']}",
                             "scorecard": f"/api/v1/solutions/{item['id']}/scorecard"}


def test_solutions_filter_by_category_and_text(client):
    imaging, triage = make_category(slug="imagerie"), make_category(slug="regulation")
    make_solution(imaging, name="Détecteur de fractures")
    make_solution(imaging, name="Segmentation pulmonaire")
    make_solution(triage, name="Assistant de fractures au SAMU")
    db.session.commit()

    by_category = client.get("/api/v1/solutions?category=imagerie").get_json()
    by_both = client.get("/api/v1/solutions?category=imagerie&q=fracture").get_json()

    assert by_category["total"] == 2
    assert [item["name"] for item in by_both["items"]] == ["Détecteur de fractures"]


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=abc", "category=Pas%20un%20slug"])
def test_bad_list_parameters_are_refused_in_french(client, query):
    response = client.get(f"/api/v1/solutions?{query}")

    body = response.get_json()
    assert response.status_code == 400
    assert body["code"] == "bad_request" and body["message"] == "Paramètres de la requête invalides."
    assert body["errors"] and all(message.endswith(".") for messages in body["errors"].values()
                                  for message in messages)


def test_control_characters_in_the_search_are_harmless(client):
    make_solution(name="Détecteur de fractures")
    db.session.commit()

    response = client.get("/api/v1/solutions?q=fracture%00")

    assert response.status_code == 200 and response.get_json()["total"] == 1


def test_a_solution_and_its_vendor_declared_fields(client):
    solution = make_solution(intended_use="Lecture de radiographies.", ce_marked=True)
    db.session.commit()

    body = client.get(f"/api/v1/solutions/{solution.id}").get_json()

    assert body["intended_use"] == "Lecture de radiographies." and body["ce_marked"] is True
    assert {"intended_use", "ce_marked", "ai_act_risk"} <= set(body["vendor_declared"])


def test_unknown_and_archived_solutions_are_404_in_json(client):
    archived = make_solution(archived=True)
    db.session.commit()

    for url in ("/api/v1/solutions/999999", f"/api/v1/solutions/{archived.id}",
                f"/api/v1/solutions/{archived.id}/scorecard", "/api/v1/solutions/99999999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and response.get_json()["code"] == "not_found"
    assert "Solution introuvable" in client.get("/api/v1/solutions/999999").get_json()["message"]


def test_categories_with_their_solution_counts(client):
    category = make_category(slug="imagerie")
    make_solution(category)
    make_solution(category, archived=True)
    db.session.commit()

    body = client.get("/api/v1/categories").get_json()

    assert body["total"] == 1 and body["items"][0]["slug"] == "imagerie" and body["items"][0]["solutions"] == 1


def test_the_api_is_read_only_and_answers_json_everywhere(client):
    posted = client.post("/api/v1/solutions", json={"name": "x"})
    missing = client.get("/api/v1/nothing-here")

    assert posted.status_code == 405 and posted.get_json()["code"] == "method_not_allowed"
    assert "GET" in posted.headers["Allow"]
    assert missing.status_code == 404 and missing.get_json()["message"] == "Ressource introuvable."


def test_the_api_is_rate_limited_per_address(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/v1/categories").status_code for _ in range(4)]

    last = client.get("/api/v1/categories")
    assert statuses == [200, 200, 200, 429]
    assert last.get_json()["code"] == "too_many_requests" and "Retry-After" in last.headers


# Statistics and tokens -------------------------------------------------------------------------------

def test_visitors_see_a_two_establishment_scorecard_suppressed(client):
    solution = solution_with_establishments(2)

    card = client.get(f"/api/v1/solutions/{solution.id}/scorecard").get_json()

    assert card["suppressed"] is True
    usefulness = card["ratings"]["usefulness"]
    assert usefulness == {"value": None, "n": None, "ci": None, "suppressed": True, "low_n": True}
    assert all(item["count"] is None for item in card["prerequisites_met"])


def test_visitors_see_a_scorecard_resting_on_three_establishments(client):
    solution = solution_with_establishments(3)

    card = client.get(f"/api/v1/solutions/{solution.id}/scorecard").get_json()

    assert card["suppressed"] is False
    assert card["establishments"]["value"] == 3 and card["establishments"]["n"] == 3
    assert card["ratings"]["usefulness"]["value"] == 4 and card["ratings"]["usefulness"]["suppressed"] is False


def test_a_segment_restricts_the_scorecard(client):
    solution = solution_with_establishments(3)

    card = client.get(f"/api/v1/solutions/{solution.id}/scorecard?segment=region&value=11").get_json()
    refused = client.get(f"/api/v1/solutions/{solution.id}/scorecard?segment=planet&value=mars")

    assert card["segment"] == {"dimension": "region", "value": "11"} and card["suppressed"] is True
    assert card["establishments"]["value"] is None
    assert refused.status_code == 400 and "segment" in refused.get_json()["errors"]


def test_an_analyst_token_unlocks_the_values_with_low_n(client):
    solution = solution_with_establishments(2)
    token = token_for("analyst")

    card = client.get(f"/api/v1/solutions/{solution.id}/scorecard", headers=bearer(token)).get_json()

    usefulness = card["ratings"]["usefulness"]
    assert usefulness["value"] == 4 and usefulness["n"] == 2
    # A value the analyst is given is not marked as suppressed; its small n is flagged.
    assert usefulness["suppressed"] is False and usefulness["low_n"] is True


def test_a_token_of_another_role_gets_the_visitors_view(client):
    solution = solution_with_establishments(2)
    token = token_for("moderator")

    response = client.get(f"/api/v1/solutions/{solution.id}/scorecard", headers=bearer(token))

    assert response.status_code == 200 and response.get_json()["ratings"]["usefulness"]["value"] is None


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "revoked", "suspended"])
def test_bad_revoked_or_suspended_tokens_are_refused_with_401(client, header):
    solution = make_solution()
    if header == "revoked":
        record, clear = api_tokens.create_token(make_user("analyst"), "Ancien script")
        api_tokens.revoke(record, record.user)
        header = f"Bearer {clear}"
    elif header == "suspended":
        header = f"Bearer {token_for('analyst', status='suspended')}"
    db.session.commit()

    response = client.get(f"/api/v1/solutions/{solution.id}/scorecard", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized" and "Jeton" in response.get_json()["message"]
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_the_observatory_is_suppressed_for_visitors_and_open_to_analysts(client):
    solution = solution_with_establishments(2)
    token = token_for("analyst")

    public = client.get("/api/v1/observatory").get_json()
    analyst = client.get("/api/v1/observatory", headers=bearer(token)).get_json()

    assert public["establishments"] == {"value": None, "n": None, "ci": None, "suppressed": True, "low_n": True}
    assert analyst["establishments"]["value"] == 2
    assert analyst["most_deployed"][0]["solution_id"] == solution.id


# Token pages -----------------------------------------------------------------------------------------

def test_an_analyst_creates_a_token_seen_once_then_revokes_it(client, auth):
    analyst = make_user("analyst")
    solution = solution_with_establishments(2)
    auth.login(analyst.email)

    created = client.post("/account/api-tokens", data={"name": "Tableau de bord"})
    first = text(client.get("/account/api-tokens"))
    second = text(client.get("/account/api-tokens"))

    assert created.status_code == 302
    clear = first.split("Authorization: Bearer ")[1].split("<")[0].strip()
    assert "Copiez-le maintenant" in first and clear not in second and "Tableau de bord" in second
    url = f"/api/v1/solutions/{solution.id}/scorecard"
    assert client.get(url, headers=bearer(clear)).get_json()["ratings"]["usefulness"]["value"] == 4

    token = api_tokens.user_tokens(analyst)[0]
    assert token.token_hash == api_tokens.hash_token(clear) and token.last_used_at is not None
    client.post(f"/account/api-tokens/{token.id}/revoke")
    assert client.get(url, headers=bearer(clear)).status_code == 401
    assert "révoqué le" in text(client.get("/account/api-tokens"))


def test_a_new_token_never_travels_in_the_session_cookie_and_a_replayed_cookie_shows_nothing(app, client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    client.post("/account/api-tokens", data={"name": "Tableau de bord"})
    cookie = client.get_cookie("session", domain="retex.test").value
    [kept] = db.session.scalars(sa.select(ApiTokenReveal)).all()

    first = text(client.get("/account/api-tokens"))
    clear = first.split("Authorization: Bearer ")[1].split("<")[0].strip()
    assert api_tokens.user_tokens(analyst)[0].token_hash == api_tokens.hash_token(clear)
    # Neither the cookie nor the database held the token in clear.
    assert clear not in str(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert clear not in kept.sealed and clear.encode().hex() != kept.sealed
    assert db.session.scalars(sa.select(ApiTokenReveal)).all() == []

    # The cookie of the creation, played again (another tab, a copy of it): the token is not shown again.
    replayed = app.test_client()
    replayed.set_cookie("session", cookie, domain="retex.test")
    page = replayed.get("/account/api-tokens")
    assert page.status_code == 200 and "Tableau de bord" in text(page)
    assert clear not in text(page) and "Copiez-le maintenant" not in text(page)


def test_a_new_token_not_displayed_within_minutes_is_never_shown(client, auth):
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    client.post("/account/api-tokens", data={"name": "Oublié"})
    db.session.execute(sa.update(ApiTokenReveal).values(created_at=utcnow() - api_tokens.REVEAL_WINDOW
                                                        - timedelta(seconds=1)))
    db.session.commit()
    assert "Copiez-le maintenant" not in text(client.get("/account/api-tokens"))
    assert db.session.scalars(sa.select(ApiTokenReveal)).all() == []


def test_a_kept_token_is_revealed_only_to_its_owner_with_its_pad(app):
    owner, other = make_user("analyst"), make_user("analyst")
    token, clear = api_tokens.create_token(owner, "Script")
    kept = api_tokens.keep_for_display(token, clear)
    assert api_tokens.reveal_once(kept, other) is None  # consumed, and not shown to another user
    kept = api_tokens.keep_for_display(token, clear)
    wrong_pad = api_tokens.reveal_once({**kept, "pad": "00" * len(clear)}, owner)
    assert wrong_pad is None or wrong_pad[1] != clear
    kept = api_tokens.keep_for_display(token, clear)
    assert api_tokens.reveal_once(kept, owner) == (token, clear)
    assert api_tokens.reveal_once(kept, owner) is None


def test_an_analyst_cannot_revoke_a_colleagues_token(client, auth):
    colleague_token, _clear = api_tokens.create_token(make_user("analyst"), "Script d'un collègue")
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)

    response = client.post(f"/account/api-tokens/{colleague_token.id}/revoke")

    db.session.refresh(colleague_token)
    assert response.status_code == 404 and colleague_token.revoked_at is None


def test_token_forms_need_their_csrf_token(app, client):
    analyst = make_user("analyst")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"email": analyst.email, "password": "correct-horse-battery"})
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/account/api-tokens", data={"name": "Sans jeton CSRF"})

    assert response.status_code == 400
    assert api_tokens.user_tokens(analyst) == []


# OpenAPI and documentation ---------------------------------------------------------------------------

def test_the_openapi_description(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert spec["openapi"] == "3.0.3" and spec["info"]["title"] == "Retex IA"
    assert {"/api/v1/solutions", "/api/v1/solutions/{solution_id}", "/api/v1/solutions/{solution_id}/scorecard",
            "/api/v1/categories", "/api/v1/observatory"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "Cell" in spec["components"]["schemas"]
    assert client.get("/api/v1/swagger-ui").status_code == 404


def test_the_documentation_page(client):
    response = client.get("/api/v1/docs")

    page = text(response)
    assert response.status_code == 200 and "<script" not in page
    assert "GET /api/v1/solutions/{solution_id}/scorecard" in page and "Secret statistique" in page
    assert "/api/v1/openapi.json" in page and "Authorization: Bearer" in page


# The API against its own description -------------------------------------------------------------------

def test_the_api_conforms_to_its_openapi_description(app):
    """schemathesis on every operation: no 5xx, and every answer matches the description (status, content
    type, body schema); invalid parameters are refused. Random data, plus a real solution id and a published guide's slug
    (random ones are all unknown), plus an analyst's token (the unsuppressed view). Driven by hand with hypothesis: the
    schemathesis pytest loader (from_fixture) does not run under pytest 9."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    solution = solution_with_establishments(3)
    make_solution(archived=True)
    guide = published_guide(solution, versions=2)
    analyst = bearer(token_for("analyst"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        known = ({"solution_id": solution.id} if "{solution_id}" in operation.path
                 else {"slug": guide.slug} if "{slug}" in operation.path else None)
        strategies = [operation.as_strategy(), operation.as_strategy(path_parameters=known, headers=analyst)]
        if known:
            strategies.append(operation.as_strategy(path_parameters=known))
        if operation.path != "/api/v1/observatory":  # nothing to get wrong without parameters
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=st.one_of(strategies))
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        def check(case):
            # Each request in its own context, as in production (see IsolatedClient).
            contextvars.Context().run(case.call_and_validate)

        try:
            check()
        except Exception as error:
            error.add_note(f"operation: {operation.label}")
            raise
    assert len(labels) == 7


# Guides ------------------------------------------------------------------------------------------------

def published_guide(solution=None, category=None, versions: int = 1):
    """A guide on `solution` (or `category`) published `versions` times, the narrative edited in between."""
    from app.services import guides

    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution, category=category)
    for number in range(1, versions + 1):
        guides.update_sections(guide, {"change": {"narrative": f"Former les équipes (version {number})."}}, analyst)
        guides.publish(guide, analyst)
        db.session.expire(guide, ["versions"])  # publish() adds the version by id, not to the collection
    db.session.commit()
    return guide


def test_the_guide_list_is_empty_without_a_published_guide(client):
    from app.services import guides

    guides.create_guide(make_user("analyst"), solution=make_solution())  # a draft only
    db.session.commit()

    body = client.get("/api/v1/guides").get_json()

    assert body == {"items": [], "page": 1, "per_page": 20, "total": 0, "pages": 0}


def test_a_published_guide_with_its_two_versions(client):
    from datetime import datetime

    solution = solution_with_establishments(3, name="Lecteur de fractures")
    guide = published_guide(solution, versions=2)

    body = client.get("/api/v1/guides").get_json()

    assert body["total"] == 1
    item = body["items"][0]
    assert (item["id"], item["slug"], item["title"]) == (guide.id, guide.slug, guide.title)
    assert item["subject"] == {"type": "solution", "id": solution.id, "name": "Lecteur de fractures"}
    assert item["latest_version"] == 2 and [v["number"] for v in item["versions"]] == [1, 2]
    first = item["versions"][0]
    assert first["title"] == guide.title and first["report_count"] == 3
    assert datetime.fromisoformat(first["published_at"]).tzinfo is not None
    assert first["links"]["html"] == f"http://retex.test/guides/{guide.slug}/versions/1"
    assert item["links"] == {"self": f"http://retex.test/api/v1/guides/{guide.slug}",
                             "html": f"http://retex.test/guides/{guide.slug}"}
    assert "sections" not in item


def test_guide_links_point_to_the_public_url_whatever_the_host(app, client):
    """The answer is kept for every reader (page cache): a Host header must not end up in anyone's links."""
    app.config["TRUSTED_HOSTS"] = app.config["SERVER_NAME"] = None  # as if any host reached the app
    guide = published_guide(solution_with_establishments(3))

    forged = client.get("/api/v1/guides", headers={"Host": "evil.example"}).get_json()
    honest = client.get("/api/v1/guides", headers={"Host": "retex.test"}).get_json()

    for body in (forged, honest):
        assert body["items"][0]["links"] == {"self": f"http://retex.test/api/v1/guides/{guide.slug}",
                                             "html": f"http://retex.test/guides/{guide.slug}"}
        assert body["items"][0]["versions"][0]["links"]["pdf"] == f"http://retex.test/guides/{guide.slug}/versions/1.pdf"


def test_each_version_links_to_its_pdf(client):
    guide = published_guide(solution_with_establishments(3))

    version = client.get("/api/v1/guides").get_json()["items"][0]["versions"][0]
    pdf = client.get(version["links"]["pdf"].removeprefix("http://retex.test"))

    assert version["links"]["pdf"] == f"http://retex.test/guides/{guide.slug}/versions/1.pdf"
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_guides_filter_by_category(client):
    imaging, triage = make_category(slug="imagerie"), make_category(slug="regulation")
    on_solution = published_guide(make_solution(imaging, name="Détecteur de fractures"))
    on_category = published_guide(category=triage)
    db.session.commit()

    def slugs(query: str) -> list[str]:
        return [item["slug"] for item in client.get(f"/api/v1/guides?{query}").get_json()["items"]]

    assert slugs("category=imagerie") == [on_solution.slug]
    assert slugs("category=regulation") == [on_category.slug]
    assert slugs("category=inconnue") == []
    assert sorted(slugs("")) == sorted([on_solution.slug, on_category.slug])
    assert client.get("/api/v1/guides?category=Pas%20un%20slug").status_code == 400
    category_item = client.get("/api/v1/guides?category=regulation").get_json()["items"][0]
    assert category_item["subject"] == {"type": "category", "id": triage.id, "name": triage.name_fr}


def test_a_guide_with_the_sections_of_its_latest_version(client):
    from app.services import guides

    solution = solution_with_establishments(2)  # under the minimum: every figure is suppressed
    guide = published_guide(solution, versions=2)
    analyst = make_user("analyst")
    guides.update_sections(guide, {"benefits": {"visible": False}}, analyst)
    guides.publish(guide, analyst)
    db.session.commit()

    body = client.get(f"/api/v1/guides/{guide.slug}").get_json()

    assert body["latest_version"] == 3 and len(body["versions"]) == 3
    keys = [section["key"] for section in body["sections"]]
    assert "benefits" not in keys and keys[:2] == ["identity", "uses"]
    evidence = next(section for section in body["sections"] if section["key"] == "evidence")
    assert evidence["title"] and evidence["number"] == 3
    usefulness = next(figure for figure in evidence["figures"] if figure["key"] == "rating_usefulness")
    assert usefulness["kind"] == "mean" and usefulness["scale"] == " sur 5"
    assert usefulness["cell"] == {"value": None, "n": None, "ci": None, "suppressed": True, "low_n": True}
    assert len(evidence["sentences"]) == len(evidence["figures"])
    assert set(evidence) == {"key", "number", "title", "figures", "sentences"}


def test_unknown_or_unpublished_guides_are_404_in_json(client):
    from app.services import guides

    draft = guides.create_guide(make_user("analyst"), solution=make_solution())
    db.session.commit()

    for url in ("/api/v1/guides/pas-de-guide", f"/api/v1/guides/{draft.slug}", "/api/v1/guides/%C3%A9t%C3%A9",
                "/api/v1/guides/a%00b", "/api/v1/guides/" + "a" * 300):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["code"] == "not_found"
    assert "Guide introuvable" in client.get("/api/v1/guides/pas-de-guide").get_json()["message"]


def test_the_guides_are_in_the_openapi_description(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert {"/api/v1/guides", "/api/v1/guides/{slug}"} <= set(spec["paths"])
    assert {"Guide", "GuideDetail", "GuidePage", "GuideSection"} <= set(spec["components"]["schemas"])
