"""The visitors' layout kept by each worker (app.page_layout): a kept page served in it is the page a full
rendering gives, and nothing personal is ever kept in it."""

import re

import pytest

from app import page_cache, page_layout
from app.extensions import db
from app.services import guides
from tests.factories import make_establishment, make_report, make_solution, make_user, text

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def same_page(response) -> str:
    """The page with its CSRF tokens set aside: a token is signed with the second it was made in."""
    html = response.get_data(as_text=True)
    assert TOKEN.search(html)
    return TOKEN.sub('name="csrf_token" value=""', html)


@pytest.fixture
def pages(app):
    page_cache.clear()
    solution = make_solution(name="Alpha")
    for _ in range(3):
        make_report(make_user("contributor", make_establishment()), solution, "published")
    db.session.commit()
    return solution


def full_rendering(client, url: str, monkeypatch, **kwargs):
    """The same request, its layout rendered from the template rather than filled in."""
    with monkeypatch.context() as patch:
        patch.setattr(page_layout, "_for_everyone", lambda: False)
        return client.get(url, **kwargs)


@pytest.mark.parametrize("url", ["/catalogue", "/catalogue?q=alp", "/catalogue/{slug}", "/observatory",
                                 "/statistics/solutions/{id}", "/statistics/solutions/{id}?segment=region",
                                 "/statistics/categories/{category}"])
def test_the_filled_in_layout_is_the_full_rendering(client, pages, monkeypatch, url):
    url = url.format(slug=pages.slug, id=pages.id, category=pages.category.slug)
    client.get(url)  # the page is kept, and so is the layout
    for language in ("fr", "en"):
        headers = {"Accept-Language": language}
        served = client.get(url, headers=headers)
        assert served.status_code == 200
        assert page_layout._layouts, "served from the visitors' layout"
        expected = full_rendering(client, url, monkeypatch, headers=headers)
        assert same_page(served) == same_page(expected), (url, language)


def test_a_guide_page_in_the_visitors_layout(client, pages, monkeypatch):
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=pages)
    guides.publish(guide, analyst)
    db.session.commit()
    url = f"/guides/{guide.slug}"
    client.get(url)
    served = client.get(url)
    assert served.status_code == 200 and guide.title in text(served)
    assert same_page(served) == same_page(full_rendering(client, url, monkeypatch))


def test_each_visitor_gets_their_own_token_and_it_works(app, pages):
    url = "/catalogue"
    first, second = app.test_client(), app.test_client()
    first.get(url)
    tokens = []
    for visitor in (first, second):
        page = visitor.get(url).get_data(as_text=True)
        found = TOKEN.findall(page)
        assert found and len(set(found)) == 1
        tokens.append(found[0])
        # The language switch of the page served from the kept layout accepts the token it carries.
        switched = visitor.post("/langue", data={"csrf_token": found[0], "lang": "en", "next": url})
        assert switched.status_code == 302
        assert 'lang="en"' in visitor.get(url).get_data(as_text=True)
    assert tokens[0] != tokens[1]


def test_the_address_and_the_language_key_the_layout(client, pages):
    client.get("/catalogue")
    page = client.get("/catalogue?q=alp").get_data(as_text=True)
    assert 'name="next" value="/catalogue?q=alp"' in page
    assert re.search(r'href="/catalogue" aria-current="page"', page)
    observatory = client.get("/observatory").get_data(as_text=True)
    assert 'name="next" value="/observatory"' in observatory
    assert not re.search(r'href="/catalogue" aria-current="page"', observatory)
    english = client.get("/catalogue", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="fr">' in page


def test_a_logged_in_reader_never_gets_the_visitors_layout(client, auth, pages):
    url = f"/statistics/solutions/{pages.id}"
    client.get(url)
    client.get(url)  # the visitors' layout is kept
    member = make_user("contributor", make_establishment())
    db.session.commit()
    auth.login(member.email)
    page = text(client.get(url))
    assert "Mon compte" in page and "Se déconnecter" in page
    assert "Se connecter" not in page.replace("Se connecter avec", "")
    auth.logout()
    assert "Mon compte" not in text(client.get(url))


def test_messages_waiting_in_the_session_are_shown_once(client, pages):
    url = "/catalogue"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Un message pour ce lecteur")]
    assert "Un message pour ce lecteur" in text(client.get(url))
    assert "Un message pour ce lecteur" not in text(client.get(url))
