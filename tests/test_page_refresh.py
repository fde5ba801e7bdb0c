"""Visitors' pages made stale by a publication or a release: served once from the previous rendering while the
worker renders them again, never for analysts, never after anything but statistics changed, never for long."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import page_cache, page_refresh
from app.extensions import db
from app.models import PageGeneration
from app.services import page_generation
from tests.factories import make_establishment, make_report, make_solution, make_user, text


@pytest.fixture
def solution(app):
    page_cache.clear()
    item = make_solution(name="Alpha")
    db.session.commit()
    return item


@pytest.fixture
def authors(solution):
    """Contributors of six establishments, registered before any page is read (a new establishment is a change
    to the catalogue, which no stale page outlives)."""
    people = [make_user("contributor", make_establishment()) for _ in range(6)]
    db.session.commit()
    return people


def publish_voices(solution, authors, count: int) -> None:
    for author in authors[:count]:
        make_report(author, solution, "published")
    del authors[:count]
    db.session.commit()


@pytest.fixture
def stale_window(app):
    app.config["PAGE_STALE_SECONDS"] = 30
    yield
    assert page_refresh.wait(), "a page was still being rendered again at the end of the test"


def establishments(page: str) -> set[int]:
    """The counts of establishments a page states (one of them is the secrecy threshold's, 3)."""
    return {int(n) for n in re.findall(r"\b(\d+)\s*établissements", page)}


def address(key: tuple) -> str:
    """A kept page's address from its key: (endpoint, path, query arguments, language, audience)."""
    return key[1] + ("?" + "&".join(f"{name}={value}" for name, value in key[2]) if key[2] else "")


def test_after_a_release_a_visitor_reads_the_previous_page_once_then_the_new_one(client, solution, authors, stale_window):
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    assert 6 not in establishments(text(client.get(url)))
    publish_voices(solution, authors, 3)  # a new release: 6 establishments
    served = client.get(url)
    assert served.status_code == 200
    assert 6 not in establishments(text(served))  # the previous release, rendered before it
    assert page_refresh.wait()
    assert 6 in establishments(text(client.get(url)))
    # What the worker rendered again is what the request would have rendered.
    page_cache.clear()
    assert 6 in establishments(text(client.get(url)))


def test_every_visitors_page_kept_before_a_release_is_rendered_again(client, solution, authors, stale_window,
                                                                      monkeypatch):
    publish_voices(solution, authors, 3)
    urls = ["/catalogue", f"/catalogue/{solution.slug}", f"/statistics/solutions/{solution.id}",
            "/observatory", f"/statistics/categories/{solution.category.slug}",
            f"/statistics/solutions/{solution.id}?segment=type:chu", f"/statistics/compare?solutions={solution.id}"]
    first = {url: client.get(url).get_data(as_text=True) for url in urls}
    publish_voices(solution, authors, 3)
    scheduled = []
    schedule = page_refresh.schedule
    monkeypatch.setattr(page_refresh, "schedule", lambda key, *rest: (scheduled.append(address(key)), schedule(key, *rest)))
    for url in urls:
        assert client.get(url).status_code == 200
    assert scheduled == urls  # each served from the previous rendering, and rendered again
    assert page_refresh.wait()
    generation = page_generation.current_generation()
    kept = {address(key) for key, (kept_generation, _, _) in page_cache._pages.items() if kept_generation == generation}
    assert set(urls) <= kept
    assert 6 in establishments(text(client.get(f"/statistics/solutions/{solution.id}")))
    assert first  # the pages were rendered before the release


def test_an_analyst_never_reads_a_stale_page(client, auth, solution, authors, stale_window):
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    assert 4 not in establishments(text(client.get(url)))
    publish_voices(solution, authors, 1)  # analysts see it at once; visitors at the next release
    assert 4 in establishments(text(client.get(url)))


def test_a_catalogue_change_is_never_served_stale(client, solution, authors, stale_window):
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    assert "Alpha" in text(client.get(url))
    publish_voices(solution, authors, 3)  # statistics only: the window opens
    solution.name = "Bêta"  # then the catalogue: it closes
    db.session.commit()
    page = text(client.get(url))
    assert "Bêta" in page and "Alpha" not in page
    assert 6 in establishments(page)


def test_no_stale_page_once_the_window_has_passed(client, solution, authors, stale_window):
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    assert 6 not in establishments(text(client.get(url)))
    publish_voices(solution, authors, 3)
    db.session.execute(sa.update(PageGeneration).values(statistics_changed_at=datetime.now(UTC) - timedelta(hours=1)))
    db.session.commit()
    assert 6 in establishments(text(client.get(url)))


def test_without_a_window_every_stale_page_is_rendered_in_the_request(app, client, solution, authors):
    assert app.config["PAGE_STALE_SECONDS"] == 0
    publish_voices(solution, authors, 3)
    url = f"/statistics/solutions/{solution.id}"
    assert 6 not in establishments(text(client.get(url)))
    publish_voices(solution, authors, 3)
    assert 6 in establishments(text(client.get(url)))


def test_statistics_changes_in_a_row_keep_where_the_refreshable_generations_start(app, stale_window):
    page_generation.bump()
    db.session.commit()
    start = page_generation.current_state()
    assert start.refreshable_from is None
    page_generation.bump(statistics_only=True)
    page_generation.bump(statistics_only=True)
    db.session.commit()
    state = page_generation.current_state()
    assert state.value == start.value + 2
    assert state.refreshable_from == start.value
    assert state.refreshable(start.value, 30) and state.refreshable(start.value + 1, 30)
    assert not state.refreshable(state.value, 30)  # the current generation is not stale
    assert not state.refreshable(start.value - 1, 30)  # rendered before the last other change
    assert not state.refreshable(start.value, 0)
    page_generation.bump()
    db.session.commit()
    assert page_generation.current_state().refreshable_from is None


def test_readers_with_an_account_never_read_a_stale_page(client, auth, solution, authors, stale_window, monkeypatch):
    """Their audience is not the anonymous visitor's, which the pages are rendered again as."""
    publish_voices(solution, authors, 3)
    moderator = make_user("moderator")
    db.session.commit()
    auth.login(moderator.email)
    urls = ["/catalogue", f"/catalogue/{solution.slug}", f"/statistics/solutions/{solution.id}"]
    for url in urls:
        client.get(url)
    publish_voices(solution, authors, 3)
    scheduled = []
    monkeypatch.setattr(page_refresh, "schedule", lambda key, *rest: scheduled.append(key))
    for url in urls:
        assert client.get(url).status_code == 200
    assert scheduled == []
    assert 6 in establishments(text(client.get(urls[2])))
