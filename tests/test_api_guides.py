"""The guides in the read API: list, versions, sections, links to the public URL, 404s, OpenAPI description."""

from __future__ import annotations

from app.extensions import db
from tests.api_helpers import published_guide, solution_with_establishments
from tests.factories import make_category, make_solution, make_user


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
