"""Pages shared by every worker through Redis: a worker that never rendered a page serves the one another worker
rendered under the current generation; after a release the visitors' pages are rendered again outside any
request; nothing of an analyst's audience is rendered for visitors; a Redis that fails costs only speed."""

import os
import re

import pytest
import sqlalchemy as sa
from flask import template_rendered

from app import page_cache, page_refresh, shared_pages
from app.extensions import db
from app.services import page_generation
from tests.factories import make_establishment, make_report, make_solution, make_user, text

REDIS_URL = os.environ.get("RETEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def shared(app):
    app.config["SHARED_PAGES_URL"] = REDIS_URL
    shared_pages._state["paused_until"] = 0.0
    try:
        shared_pages.clear()
    except Exception:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Redis is not running here")
    page_cache.clear()
    yield
    shared_pages.clear()
    shared_pages._state["paused_until"] = 0.0


@pytest.fixture
def solution(app):
    item = make_solution(name="Alpha")
    db.session.commit()
    return item


@pytest.fixture
def authors(solution):
    people = [make_user("contributor", make_establishment()) for _ in range(6)]
    db.session.commit()
    return people


def publish_voices(solution, authors, count: int) -> None:
    for author in authors[:count]:
        make_report(author, solution, "published")
    del authors[:count]
    db.session.commit()


@pytest.fixture
def rendered(app):
    """The templates rendered by the requests of the test: a page served from a kept copy renders only the
    layout around it."""
    names: list[str] = []

    def record(sender, template, context, **extra):  # noqa: ARG001
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def main(response) -> str:
    """A page's own part: the layout around it holds what is personal (a CSRF token signed with the time)."""
    return re.search(r'<main id="content".*</main>', text(response), re.S)[0]


def establishments(page: str) -> set[int]:
    return {int(n) for n in re.findall(r"\b(\d+)\s*établissements", page)}


def test_a_worker_that_never_rendered_a_page_serves_the_shared_one(client, shared, solution, authors, rendered):
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    first = main(client.get(url))
    assert "stats/scorecard.html" in rendered
    page_cache.clear()  # another worker: nothing of its own
    rendered.clear()
    assert main(client.get(url)) == first
    assert rendered == ["_cached_page.html"]


def test_after_a_release_the_visitors_pages_are_rendered_before_anyone_asks(client, shared, solution, authors,
                                                                            rendered):
    publish_voices(solution, authors, 3)
    # Pages with a query string too: a segment view and a comparison (the request made again must have the
    # reader's query string, byte for byte, to be found under the reader's key).
    urls = [f"/statistics/solutions/{solution.id}", "/observatory", "/catalogue",
            f"/statistics/solutions/{solution.id}?segment=type:chu", f"/statistics/compare?solutions={solution.id}"]
    for url in urls:
        assert client.get(url).status_code == 200
    assert 6 not in establishments(text(client.get(urls[0])))
    publish_voices(solution, authors, 3)  # a release (made inline by the tests' configuration), then the pages
    page_cache.clear()  # a worker that kept nothing
    rendered.clear()
    fresh = {url: main(client.get(url)) for url in urls}
    assert rendered == ["_cached_page.html"] * len(urls), "a page was rendered in a visitor's request"
    assert 6 in establishments(fresh[urls[0]])
    # What was rendered in advance is what the request would have rendered.
    shared_pages.clear()
    page_cache.clear()
    assert {url: main(client.get(url)) for url in urls} == fresh


def test_only_the_visitors_pages_are_listed_for_rendering_again(client, auth, shared, solution, authors):
    publish_voices(solution, authors, 3)
    make_user("analyst", email="analyste@example.test")
    db.session.commit()
    auth.login("analyste@example.test")
    assert client.get("/observatory").status_code == 200
    assert shared_pages.recipes(10) == []  # an analyst's page is shared between analysts, never rendered as such
    auth.logout()
    assert client.get("/observatory").status_code == 200
    assert [recipe["path"] for recipe in shared_pages.recipes(10)] == ["/observatory"]


def test_an_analysts_page_is_never_served_to_a_visitor(client, auth, shared, solution, authors):
    publish_voices(solution, authors, 2)  # under the minimum: hidden from visitors, shown to analysts
    url = f"/statistics/solutions/{solution.id}"
    make_user("analyst", email="analyste@example.test")
    db.session.commit()
    auth.login("analyste@example.test")
    analyst_page = text(client.get(url))
    auth.logout()
    page_cache.clear()
    visitor_page = text(client.get(url))
    assert visitor_page != analyst_page
    assert "Se connecter" in visitor_page


def test_a_later_rendering_is_never_replaced_by_an_earlier_one(app, shared):
    key = ("endpoint", "/path", (), "fr", (False,))
    shared_pages.put(key, 7, {"blocks": {"title": "seven", "content": ""}})
    shared_pages.put(key, 6, {"blocks": {"title": "six", "content": ""}})
    assert shared_pages.get(key)[0] == 7
    shared_pages.put(key, 8, {"blocks": {"title": "eight", "content": ""}})
    assert shared_pages.get(key)[1]["blocks"]["title"] == "eight"


def test_a_redis_that_fails_costs_only_speed(app, client, solution, authors, caplog):
    app.config["SHARED_PAGES_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    shared_pages._state["paused_until"] = 0.0
    try:
        publish_voices(solution, authors, 3)
        url = f"/statistics/solutions/{solution.id}"
        assert client.get(url).status_code == 200
        page_cache.clear()
        assert client.get(url).status_code == 200
        assert "Shared pages unavailable" in caplog.text
        assert page_refresh.prerender() == 0
    finally:
        shared_pages._state["paused_until"] = 0.0


def test_a_stored_guide_pdf_outlives_a_release_but_not_a_guide_change(client, shared, monkeypatch):
    from app.models import GuideVersion, Solution
    from app.services import guide_pdf, guides
    from tests.test_guides import publish_reports

    analyst = make_user("analyst")
    publish_reports(make_solution(name="Radiolys"), 4)
    guide = guides.create_guide(analyst, solution=db.session.scalars(sa.select(Solution)).one())
    version = guides.publish(guide, analyst)
    db.session.commit()
    made = []
    original = guide_pdf.pdf_for
    monkeypatch.setattr(guide_pdf, "pdf_for", lambda v: (made.append(v.id), original(v))[1])
    url = f"/guides/{guide.slug}/versions/{version.number}.pdf"
    assert client.get(url).status_code == 200
    page_generation.bump(statistics_only=True)
    db.session.commit()
    page_cache.clear()
    assert client.get(url).status_code == 200
    assert len(made) == 1  # the figures changed, not the document: served as kept
    page_generation.bump()  # anything else (a guide edited, say)
    db.session.commit()
    assert client.get(url).status_code == 200
    assert len(made) == 2
    assert db.session.get(GuideVersion, version.id) is not None


def visitor_pages(client, solution) -> list[str]:
    urls = [f"/statistics/solutions/{solution.id}", "/observatory", "/catalogue",
            f"/statistics/compare?solutions={solution.id}"]
    for url in urls:
        assert client.get(url).status_code == 200
    return urls


def test_a_worker_warmed_after_a_release_serves_its_pages_from_its_own_memory(app, client, shared, solution,
                                                                            authors, rendered):
    publish_voices(solution, authors, 3)
    urls = visitor_pages(client, solution)
    publish_voices(solution, authors, 3)  # a release, its pages rendered again in the store
    page_cache.clear()  # a worker that kept nothing
    assert page_refresh.warm(app) == len(urls)
    app.config["SHARED_PAGES_URL"] = None  # from now on, only what the worker keeps
    rendered.clear()
    pages = {url: main(client.get(url)) for url in urls}
    # Nothing but the layout around the kept blocks (itself kept since the warm-up rendered it).
    assert set(rendered) <= {"_cached_page.html"}, "a page was rendered in a visitor's request"
    assert 6 in establishments(pages[urls[0]])  # the release's figures, not the previous ones


def test_the_warm_up_renders_nothing_and_heeds_only_the_current_generation(app, client, shared, solution, authors,
                                                                          rendered):
    publish_voices(solution, authors, 3)
    urls = visitor_pages(client, solution)
    announced = page_generation.current_state().value
    page_generation.bump()  # a change after the announcement (a guide edited, say): the store's copies are old
    db.session.commit()
    page_cache.clear()
    rendered.clear()
    assert page_refresh.warm(app, announced) == 0  # an announcement overtaken by a later change
    assert page_refresh.warm(app) == len(urls)  # read as a visitor would, from the store only
    assert [name for name in rendered if name != "_cached_page.html"] == [], "the warm-up rendered a page"
    assert page_cache._pages == {}  # nothing current in the store: nothing kept, left to the first readers


def test_a_release_is_announced_and_a_listening_worker_warms_at_once(app, client, shared, solution, authors):
    import threading
    import time

    import redis

    publish_voices(solution, authors, 3)
    urls = visitor_pages(client, solution)
    listener = redis.Redis.from_url(REDIS_URL)
    watch = listener.pubsub(ignore_subscribe_messages=True)
    watch.subscribe(shared_pages._channel())
    stop = threading.Event()
    thread = None
    try:
        publish_voices(solution, authors, 3)  # a release: its pages rendered again in the store, then announced
        generation = page_generation.current_state().value
        heard = []
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:  # the subscription's own confirmation comes first
            message = watch.get_message(timeout=1)
            if message is not None:
                heard.append(int(message["data"]))
        assert heard == [generation]

        page_cache.clear()  # a worker that kept nothing, listening
        thread = page_refresh.listen(app, stop)
        deadline = time.monotonic() + 10
        while listener.pubsub_numsub(shared_pages._channel())[0][1] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        shared_pages.announce(generation)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with page_cache._lock:
                kept = [entry[0] for entry in page_cache._pages.values()]
            if kept.count(generation) >= len(urls):
                break
            time.sleep(0.05)
        assert kept.count(generation) >= len(urls)
    finally:
        stop.set()
        if thread is not None:
            thread.join(5)
        watch.close()
        listener.close()
    assert thread is not None and not thread.is_alive()
