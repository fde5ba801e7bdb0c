"""The read API /api/v1: catalogue, statistics under secrecy, analysts' tokens, JSON errors, OpenAPI."""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.extensions import db
from app.services import api_tokens
from tests.api_helpers import bearer, published_guide, solution_with_establishments, token_for
from tests.factories import make_category, make_solution, make_user, text

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

