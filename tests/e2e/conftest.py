"""Browser tests: the demo data served by a live server, driven by Debian's Chromium through Playwright.

Run with `pytest tests/e2e`. Screenshots of every visited page go to $RETEX_SCREENSHOTS, or to a
temporary folder whose path is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo-retex-ia"  # noqa: S105 (published demo password)


_SCREENSHOTS: list[Path] = []


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The app picks its language from Accept-Language: the journeys are in French.
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


# A 390 px phone (the width of the common iPhones), touch and mobile layout, twice as dense as a desktop screen.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone_page(browser, browser_context_args):
    """A page in a browser context of its own with a phone's viewport, in French like the other journeys."""
    context = browser.new_context(**{**browser_context_args, **PHONE})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An application on its own SQLite file, upgraded with the migrations and filled with the demo data."""
    from flask_migrate import upgrade

    from app.demo.loader import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'retex-e2e.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Base URL of the live application, served from a thread of the test process."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="retex-e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Overrides pytest-playwright's fallback `base_url` (an instance-method fixture that pytest 9
    deprecates, which pytest.ini turns into an error); new contexts resolve relative URLs against it."""
    return live_server


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("RETEX_SCREENSHOTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    _SCREENSHOTS.append(path)
    return path


@pytest.fixture
def check_page(request, screenshot_dir):
    """check_page(page, name): full-page screenshot, then axe; fails on any accessibility violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    prefix = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    counter = {"n": 0}

    def check(page, name: str) -> None:
        page.wait_for_load_state("load")
        counter["n"] += 1
        page.screenshot(path=str(screenshot_dir / f"{prefix}-{counter['n']:02d}-{name}.png"), full_page=True)
        results = axe.run(page)
        assert results.violations_count == 0, (
            f"axe: {results.violations_count} violation(s) on {name} ({page.url}):\n{results.generate_report()}")

    return check


@pytest.fixture
def login(live_server):
    """login(page, email, password=DEMO_PASSWORD): fill the login form and submit it."""

    def do_login(page, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("load")

    return do_login


def pytest_terminal_summary(terminalreporter, config) -> None:  # noqa: ARG001
    for path in _SCREENSHOTS:
        terminalreporter.write_line(f"e2e screenshots: {path}")
