"""Security headers on every answer, and pages that run nothing inline without this request's nonce."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import nodes

from app import create_app
from app.extensions import db
from app.models import LoginLock
from app.models._types import utcnow
from app.services import accounts, guides
from tests.factories import (
    PASSWORD,
    complete_answers,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)

ROOT = Path(__file__).resolve().parent.parent
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HTML_POLICY = re.compile(
    r"^default-src 'self'; script-src 'self' 'nonce-(?P<nonce>[A-Za-z0-9_-]{20,})'; "
    r"style-src 'self' 'nonce-(?P=nonce)'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    r"frame-ancestors 'none'; form-action 'self'$")


def nonce_of(response) -> str:
    match = HTML_POLICY.match(response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group("nonce")


def assert_common_headers(response) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Content-Security-Policy" in response.headers
    assert "Strict-Transport-Security" not in response.headers  # testing is not production


class InlineCodeFinder(HTMLParser):
    """What a nonce-based policy would block, or what would need 'unsafe-inline'."""

    def __init__(self, nonce: str) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "style"):
            self.scripts += tag == "script"
            if values.get("nonce") != self.nonce:
                self.problems.append(f"<{tag}> without this request's nonce: {values}")
            if tag == "script" and values.get("src") and not values["src"].startswith("/"):
                self.problems.append(f"script from another origin: {values['src']}")
        if tag == "link" and values.get("rel") == "stylesheet" and not (values.get("href") or "").startswith("/"):
            self.problems.append(f"stylesheet from another origin: {values.get('href')}")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value}")
            elif name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def assert_no_inline_code(response) -> int:
    finder = InlineCodeFinder(nonce_of(response))
    finder.feed(response.get_data(as_text=True))
    assert not finder.problems, "\n".join(finder.problems)
    return finder.scripts


# Headers ---------------------------------------------------------------------------------------------

def test_html_pages_get_the_nonce_policy_and_the_other_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert_common_headers(response)
    nonce_of(response)


def test_the_nonce_changes_with_every_request(client):
    nonces = {nonce_of(client.get("/catalogue")) for _ in range(3)}
    assert len(nonces) == 3


def test_json_answers_load_nothing(client):
    for url in ("/api/v1/solutions", "/api/v1/openapi.json", "/healthz", "/api/v1/solutions/999999"):
        response = client.get(url)
        assert response.mimetype == "application/json", url
        assert_common_headers(response)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'"), url
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_static_files_get_the_headers(client):
    for url in ("/static/css/app.css", "/static/js/draft.js", "/static/favicon.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_common_headers(response)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        response.close()


def test_the_pdf_guide_is_not_framed_and_not_sniffed(client):
    analyst = make_user("analyst")
    solution = make_solution()
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    db.session.commit()
    response = client.get(f"/guides/{guide.slug}/versions/1.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert_common_headers(response)
    # The browser's PDF viewer must keep working: no object-src or sandbox on the document itself.
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


@pytest.mark.own_app
def test_error_pages_get_the_headers(app, client):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    for url, status in (("/no-such-page", 404), ("/boom-for-test", 500)):
        response = client.get(url)
        assert response.status_code == status, url
        assert_common_headers(response)
        assert_no_inline_code(response)
    api_missing = client.get("/api/v1/no-such-thing")
    assert api_missing.status_code == 404
    assert_common_headers(api_missing)


@pytest.fixture
def production(database_url):
    """The production configuration, on the test database."""
    from tests.conftest import empty_all_tables

    production = create_app("production", {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url,
                                           "PUBLIC_URL": "https://retex.test", "SERVER_NAME": "retex.test",
                                           "WTF_CSRF_ENABLED": False})
    with production.app_context():
        try:
            yield production
        finally:
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_hsts_only_in_production(production):
    response = production.test_client().get("/static/css/app.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response.close()


def test_cookies_are_httponly_lax_and_secure_in_production(production):
    assert create_app("testing").config["SESSION_COOKIE_SAMESITE"] == "Lax"
    for name in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert production.config[f"{name}_SECURE"] is True
        assert production.config[f"{name}_HTTPONLY"] is True
        assert production.config[f"{name}_SAMESITE"] == "Lax"
    user = make_user()
    db.session.commit()
    response = production.test_client().post("/login", data={"email": user.email, "password": PASSWORD,
                                                             "remember": "y"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


# Pages: nothing inline without the nonce -------------------------------------------------------------

@pytest.fixture
def world(app):
    """Enough published data for the scorecard, the observatory and a guide to show their figures."""
    solution = make_solution(name="Radiolys")
    for index in range(5):
        establishment = make_establishment(region="11")
        make_report(make_user("contributor", establishment), solution, "published",
                    complete_answers(rating_usefulness=str(index + 1)))
    home = make_establishment()
    contributor = make_user("contributor", home)
    draft = make_report(contributor, solution)
    submitted = make_report(make_user("contributor", home), solution, "submitted")
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, solution=solution)
    guides.publish(guide, analyst)
    locked = make_user("contributor", home)
    db.session.add(LoginLock(email_digest=accounts.email_digest(locked.email), address="203.0.113.7", failures=10,
                             locked_at=utcnow()))
    admin, moderator = make_user("admin"), make_user("moderator")
    db.session.commit()
    return {"solution": solution, "contributor": contributor, "draft": draft, "submitted": submitted,
            "analyst": analyst, "guide": guide, "admin": admin, "moderator": moderator, "locked": locked}


def pages_of(world) -> dict[str, list[str]]:
    solution, guide = world["solution"], world["guide"]
    draft, submitted = world["draft"], world["submitted"]
    return {
        "visitor": ["/", "/login", "/register", "/password/forgot", "/catalogue", f"/catalogue/{solution.slug}",
                    f"/statistics/solutions/{solution.id}", "/observatory",
                    f"/statistics/categories/{solution.category.slug}", "/guides", f"/guides/{guide.slug}",
                    f"/guides/{guide.slug}/versions/1", "/api/v1/docs", "/no-such-page"],
        "contributor": ["/reports/", "/reports/new", *[f"/reports/{draft.id}/step/{n}" for n in range(1, 7)],
                        f"/reports/{draft.id}/summary", f"/reports/{draft.id}", "/account",
                        f"/statistics/solutions/{solution.id}"],
        "moderator": ["/moderation/", f"/moderation/revisions/{submitted.working_revision_id}"],
        "analyst": ["/guides/manage", f"/guides/manage/{guide.id}", f"/guides/manage/{guide.id}/evidence",
                    "/exports/", "/account/api-tokens", "/observatory"],
        "admin": ["/admin/", "/admin/users", f"/admin/users/{world['locked'].id}", "/admin/establishments",
                  "/admin/establishments/new", "/admin/solutions", f"/admin/solutions/{solution.id}"],
    }


def test_no_page_runs_inline_code_without_the_nonce(app, world, no_csrf):
    checked, scripts = 0, 0
    for role, urls in pages_of(world).items():
        client = app.test_client()
        if role != "visitor":
            assert client.post("/login", data={"email": world[role].email,
                                               "password": PASSWORD}).status_code == 302
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (role, url, response.status_code)
            assert response.mimetype == "text/html"
            assert_common_headers(response)
            scripts += assert_no_inline_code(response)
            checked += 1
    assert scripts >= 6  # the questionnaire's steps load draft.js, with the nonce
    print(f"\nsecurity headers: {checked} pages scanned, {scripts} script tags, all with the nonce")


def test_a_page_kept_by_the_page_cache_gets_the_nonce_of_each_request(app, world):
    url = f"/statistics/solutions/{world['solution'].id}"
    client = app.test_client()
    first, second = client.get(url), client.get(url)
    assert first.get_data(as_text=True).count("<svg") == second.get_data(as_text=True).count("<svg") > 0
    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        assert_no_inline_code(response)
        assert nonce_of(first if response is second else second) not in response.get_data(as_text=True)


# Templates: the nonce is never written into a block the page cache keeps -----------------------------

def _calls_to_csp_nonce(node) -> bool:
    return any(isinstance(call.node, nodes.Name) and call.node.name == "csp_nonce" for call in node.find_all(nodes.Call))


def test_the_nonce_is_written_only_outside_the_cached_blocks(app):
    from app.page_cache import BLOCKS

    cached_templates = set(re.findall(r'render_page\(\s*"([^"]+)"', "\n".join(
        path.read_text() for path in (ROOT / "app").rglob("*.py"))))
    assert cached_templates, "no template rendered through the page cache found"
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        tree = app.jinja_env.parse(path.read_text())
        for block in tree.find_all(nodes.Block):
            if block.name in BLOCKS and _calls_to_csp_nonce(block):
                offenders.append(f"{name}: csp_nonce() inside block {block.name}")
            if name in cached_templates and block.name not in BLOCKS:
                offenders.append(f"{name}: block {block.name} is lost when the page comes from the page cache")
    assert not offenders, "\n".join(offenders)


def test_the_pdf_template_is_only_given_to_weasyprint():
    users = [path.relative_to(ROOT).as_posix() for path in (ROOT / "app").rglob("*.py")
             if "guides/pdf.html" in path.read_text()]
    assert users == ["app/services/guide_pdf.py"]


def test_templates_and_scripts_hold_no_inline_code():
    pattern = re.compile(r"<style|style=|\son[a-z]+=|javascript:|<script(?![^>]*\bnonce=)", re.IGNORECASE)
    offenders = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static").rglob("*.js")]:
        name = path.relative_to(ROOT).as_posix()
        if name == "templates/guides/pdf.html":
            continue  # WeasyPrint's template, never served to a browser (app.services.guide_pdf)
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(re.sub(r"\b(font|fill|stroke)-style=", "", line)):
                offenders.append(f"{name}:{number}: {line.strip()[:120]}")
    assert not offenders, "\n".join(offenders)


# The server's banner ------------------------------------------------------------------------------------

def test_the_development_server_does_not_name_its_software(app):
    """`flask run` serves with Werkzeug, which names itself and Python's version in a Server header."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("GET", "/static/css/app.css")
        response = connection.getresponse()
        response.read()
        headers = response.getheaders()
        connection.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert response.status == 200
    assert [value for name, value in headers if name.lower() == "server"] == ["Retex IA"]
    assert not any(word in value for _, value in headers for word in ("Werkzeug", "Python", "gunicorn"))
