"""Rendered read pages kept by the worker: same page as a fresh rendering, never stale, never shared wrongly."""

import re

import pytest
import sqlalchemy as sa

from app import page_cache
from app.extensions import db
from app.services import guides, page_generation
from app.services.facts import invalidate_statistics
from tests.factories import PASSWORD, make_establishment, make_report, make_solution, make_user, text
from tests.test_query_counts import count_queries


def publish_voices(solution, count: int) -> None:
    for _ in range(count):
        author = make_user("contributor", make_establishment())
        make_report(author, solution, "published")
    db.session.commit()


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


@pytest.fixture
def solution(app):
    page_cache.clear()
    item = make_solution(name="Alpha")
    db.session.commit()
    return item


def test_a_kept_page_is_the_fresh_page_and_costs_one_query(client, solution):
    publish_voices(solution, 3)
    urls = ["/catalogue", f"/catalogue/{solution.slug}", f"/statistics/solutions/{solution.id}",
            "/observatory", f"/statistics/categories/{solution.category.slug}"]
    for url in urls:
        first = client.get(url)
        with count_queries() as queries:
            second = client.get(url)
        assert first.status_code == second.status_code == 200
        assert without_tokens(second.get_data(as_text=True)) == without_tokens(first.get_data(as_text=True)), url
        assert len(queries) == 1, (url, queries)  # the generation's primary-key read


def test_a_publication_changes_the_kept_scorecard(client, solution):
    publish_voices(solution, 3)
    url = f"/statistics/solutions/{solution.id}"
    before = text(client.get(url))
    assert re.search(r"\b3\s*établissements", before)
    publish_voices(solution, 1)  # one establishment: visitors keep the current statistics release
    assert without_tokens(text(client.get(url))) == without_tokens(before)
    publish_voices(solution, 2)  # three since the release: a new one, and the kept page goes
    after = text(client.get(url))
    assert after != before
    assert re.search(r"\b6\s*établissements", after)


def test_visitors_never_get_an_analysts_page(client, auth, solution):
    publish_voices(solution, 2)  # below the secrecy threshold of 3 establishments
    url = f"/statistics/solutions/{solution.id}"
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    analyst_page = text(client.get(url))
    assert "Vue analyste" in analyst_page
    auth.logout()
    visitor_page = text(client.get(url))
    assert "Vue analyste" not in visitor_page
    assert "Effectif insuffisant" in visitor_page


def test_an_analyst_never_gets_a_visitors_page(client, auth, solution):
    publish_voices(solution, 2)
    url = f"/statistics/solutions/{solution.id}"
    assert "Vue analyste" not in text(client.get(url))  # kept for visitors
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    analyst_page = text(client.get(url))
    assert "Vue analyste" in analyst_page
    assert "Effectif insuffisant" not in analyst_page


def test_readers_of_one_audience_share_one_page_whoever_they_are(app, client, auth, solution):
    publish_voices(solution, 2)
    url = f"/statistics/solutions/{solution.id}"
    first, second = make_user("analyst"), make_user("analyst")
    contributor = make_user("contributor")
    db.session.commit()
    for user in (first, second):
        auth.login(user.email)
        assert "Vue analyste" in text(client.get(url))
        auth.logout()
    assert len(page_cache._pages) == 1
    auth.login(contributor.email)  # logged in, but not an analyst: the visitors' figures
    page = text(client.get(url))
    assert "Vue analyste" not in page and "Effectif insuffisant" in page
    assert len(page_cache._pages) == 2


def test_a_demoted_analyst_reads_the_visitors_page_after_logging_in_again(app, client, auth, solution):
    publish_voices(solution, 2)  # below the secrecy threshold: analysts and visitors see different figures
    url = f"/statistics/solutions/{solution.id}"
    analyst, admin = make_user("analyst"), make_user("admin")
    establishment = make_establishment()
    db.session.commit()
    auth.login(analyst.email)
    assert "Vue analyste" in text(client.get(url))

    administration = app.test_client()
    assert administration.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    demoted = administration.post(f"/admin/users/{analyst.id}", data={
        "role": "contributor", "status": "active", "finess": establishment.finess})
    assert demoted.status_code == 302
    # No publication in between: the page kept for analysts is still served to analysts (the admin is one).
    assert "Vue analyste" in text(administration.get(url))

    assert client.get(url).status_code == 200  # the role change ended the session
    auth.login(analyst.email)
    page = text(client.get(url))
    assert "Vue analyste" not in page
    assert "Effectif insuffisant" in page
    assert "Vue analyste" not in text(client.get(f"/catalogue/{solution.slug}"))


def _blocks(response) -> tuple[int, str, str]:
    """What the cache keeps of a page (its title and content), as rendered for one reader."""
    page = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    main = re.search(r'<main id="content"[^>]*>(.*?)</main>', page, re.S)[1]
    # The follow button is the reader's own, drawn by the layout outside the kept blocks (app.notices.panel); the
    # blank lines its template leaves mean nothing.
    main = re.sub(r"\s+", " ", re.sub(r'<div class="follow-panel">.*?</div>', "", main, flags=re.S))
    return response.status_code, title, without_tokens(main)


def test_every_kept_page_is_the_same_for_every_reader_of_its_audience(app, no_csrf, solution):
    """A page is shared by the readers whom its view's predicates cannot tell apart: rendered afresh for each of
    them, its blocks must be identical (nothing of the reader's own inside), on every view the cache serves."""
    app.config["PAGE_CACHE_SIZE"] = 0
    publish_voices(solution, 3)
    other = make_solution(category=solution.category)
    archived = make_solution(archived=True)
    publish_voices(other, 1)
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    shared = make_establishment()
    readers = [None, make_user("contributor", shared), make_user("referent", shared), make_user("contributor"),
               make_user("referent"), make_user("moderator"), analyst, make_user("analyst"), make_user("admin"),
               make_user("admin")]
    db.session.commit()
    clients = []
    for reader in readers:
        reader_client = app.test_client()
        if reader is not None:
            assert reader_client.post("/login", data={"email": reader.email, "password": PASSWORD}).status_code == 302
        clients.append((reader, reader_client))
    urls = ["/catalogue", f"/catalogue/{solution.slug}", f"/catalogue/{archived.slug}",
            f"/statistics/solutions/{solution.id}", f"/statistics/solutions/{archived.id}",
            f"/statistics/compare?solutions={solution.id}&solutions={other.id}",
            f"/statistics/categories/{solution.category.slug}", "/observatory",
            "/guides", f"/guides/{guide.slug}", f"/guides/{guide.slug}/versions/1"]
    adapter = app.url_map.bind("retex.test")
    covered = set()
    for url in urls:
        endpoint = adapter.match(url.split("?")[0])[0]
        audience = app.view_functions[endpoint].page_audience
        covered.add(endpoint)
        pages: dict[tuple, dict[str, tuple]] = {}
        for reader, reader_client in clients:
            who = reader.email if reader is not None else "visitor"
            pages.setdefault(page_cache.audience_of(reader, audience), {})[who] = _blocks(reader_client.get(url))
        for audience_pages in pages.values():
            assert len(set(audience_pages.values())) == 1, (url, sorted(audience_pages))
    kept = {endpoint for endpoint, view in app.view_functions.items() if hasattr(view, "page_audience")}
    assert covered == kept, f"kept pages this test does not read: {sorted(kept - covered)}"


def test_the_layout_is_rendered_for_each_reader(app, client, auth, solution):
    url = "/catalogue"
    visitor_page = client.get(url).get_data(as_text=True)
    assert "Se connecter" in visitor_page
    other = app.test_client()
    tokens = {re.search(r'name="csrf_token" value="([^"]+)"', c.get(url).get_data(as_text=True))[1]
              for c in (client, other)}
    assert len(tokens) == 2  # each session its own token, though the page is kept
    make_user("analyst", email="analyste@example.test")
    db.session.commit()
    auth.login("analyste@example.test")
    page = client.get(url).get_data(as_text=True)
    assert "Se déconnecter" in page and "Exports" in page


def test_a_language_has_its_own_page(client, no_csrf, solution):
    french = text(client.get("/observatory"))
    client.post("/langue", data={"lang": "en", "next": "/observatory"})
    english = text(client.get("/observatory"))
    assert "Observatoire" in french and "Observatoire" not in english
    assert "Observatory" in english


def test_catalogue_and_guide_edits_change_the_kept_pages(client, solution):
    publish_voices(solution, 3)
    assert "Alpha" in text(client.get("/catalogue"))
    solution.name = "Alpha Nouvelle"
    db.session.commit()
    assert "Alpha Nouvelle" in text(client.get("/catalogue"))

    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    url = f"/guides/{guide.slug}"
    assert client.get(url).status_code == 200
    assert "Former les équipes de nuit" not in text(client.get(url))
    guides.update_sections(guide, {"change": {"narrative": "Former les équipes de nuit."}}, analyst)
    guides.publish(guide, analyst)
    db.session.commit()
    assert "Former les équipes de nuit" in text(client.get(url))


def test_statistics_invalidated_in_bulk_make_pages_stale(client, solution):
    publish_voices(solution, 3)
    before = page_generation.current_generation()
    client.get("/observatory")
    invalidate_statistics(None)
    db.session.commit()
    assert page_generation.current_generation() != before


def test_the_generation_row_comes_back_after_the_tables_are_emptied(app, solution):
    db.session.execute(sa.text("DELETE FROM page_generation"))
    assert page_generation.current_generation() == 0
    page_generation.bump()
    db.session.commit()
    assert page_generation.current_generation() not in (0, 1)


def test_the_number_of_kept_pages_is_bounded(app, client, solution):
    app.config["PAGE_CACHE_SIZE"] = 3
    for page in range(1, 7):
        assert client.get(f"/catalogue?page={page}").status_code == 200
    assert len(page_cache._pages) == 3


def test_no_page_is_kept_when_the_cache_is_off(app, client, solution):
    app.config["PAGE_CACHE_SIZE"] = 0
    client.get("/catalogue")
    assert not page_cache._pages


def test_api_answers_are_kept_per_kind_of_reader(client, solution):
    from app.services import api_tokens

    publish_voices(solution, 2)  # below the threshold: visitors get suppressed cells
    analyst = make_user("analyst")
    _, token = api_tokens.create_token(analyst, "test")
    db.session.commit()
    url = f"/api/v1/solutions/{solution.id}/scorecard"
    visitor = client.get(url).get_json()
    with count_queries() as queries:
        again = client.get(url).get_json()
    assert again == visitor and len(queries) == 1
    assert visitor["sus"]["suppressed"] is True and visitor["sus"]["value"] is None
    seen = client.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()
    assert seen["sus"]["value"] is not None
    assert client.get(url).get_json()["sus"]["value"] is None
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    publish_voices(solution, 1)
    assert client.get(url).get_json()["sus"]["value"] is not None


def test_a_stored_guide_pdf_is_kept_with_its_headers_and_changes_nothing_else(client, solution, monkeypatch):
    from app.services import guide_pdf

    publish_voices(solution, 3)
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    rendered = []
    monkeypatch.setattr(guide_pdf, "render_pdf", lambda version: rendered.append(version.id) or b"%PDF-1.7 v1")
    generation = page_generation.current_generation()
    url = f"/guides/{guide.slug}/versions/1.pdf"

    first = client.get(url)
    assert first.status_code == 200 and first.data == b"%PDF-1.7 v1"
    # Storing the PDF at its first reading is no change to any page.
    assert page_generation.current_generation() == generation
    with count_queries() as queries:
        second = client.get(url)
    assert len(queries) == 1, queries
    assert second.data == first.data and second.mimetype == "application/pdf"
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert f'filename="{guide.slug}-v1.pdf"' in second.headers["Content-Disposition"]
    assert rendered == [guide.latest_version.id]

    # A new version is a new document; an unknown one is still a 404.
    guides.update_sections(guide, {"change": {"narrative": "Former les équipes de nuit."}}, analyst)
    guides.publish(guide, analyst)
    db.session.commit()
    assert client.get(f"/guides/{guide.slug}/versions/2.pdf").status_code == 200
    assert client.get(f"/guides/{guide.slug}/versions/9.pdf").status_code == 404


def test_an_oversized_answer_is_served_without_being_kept(client, solution, monkeypatch):
    from app.services import guide_pdf

    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    monkeypatch.setattr(page_cache, "MAX_KEPT_BODY", 10)
    monkeypatch.setattr(guide_pdf, "render_pdf", lambda version: b"%PDF-1.7 longer than ten bytes")
    assert client.get(f"/guides/{guide.slug}/versions/1.pdf").status_code == 200
    assert not page_cache._pages


def test_made_up_query_strings_keep_a_single_copy_of_a_pdf(client, solution, monkeypatch):
    from app.services import guide_pdf

    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    monkeypatch.setattr(guide_pdf, "render_pdf", lambda version: b"%PDF-1.7 " + b"x" * 1000)
    for number in range(20):
        assert client.get(f"/guides/{guide.slug}/versions/1.pdf?a={number}").status_code == 200
    assert len(page_cache._pages) == 1


def test_the_kept_pages_stay_within_their_size_in_bytes(app, client, solution):
    app.config["PAGE_CACHE_BYTES"] = 10_000
    for page in range(1, 12):
        assert client.get(f"/catalogue?page={page}").status_code == 200
    sizes = [entry[2] for entry in page_cache._pages.values()]
    assert sizes and sum(sizes) == page_cache._size["bytes"] <= 10_000
    assert len(sizes) < 11
