"""The fixtures of tests/test_hostile_*.py: the site they post to, one scan per text, the total printed after the last."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tests.hostile_helpers import CHECKED
from tests.hostile_payloads import CATEGORIES, PAYLOADS


@pytest.fixture(scope="module", autouse=True)
def print_total(request):
    """The total covers every hostile-input module of the run: it is printed once, after the last of them."""
    yield
    modules = [getattr(item, "module", None) for item in request.session.items
               if "print_total" in getattr(item, "fixturenames", ())]
    if modules and modules[-1] is not request.module:
        return  # another hostile-input module runs after this one
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        total = sum(len(checks) for checks in CHECKED.values())
        print(f"\n[hostile input] total: {total} payload × field × output checks, {len(PAYLOADS)} payloads "
              f"in {len(CATEGORIES)} categories ({', '.join(CATEGORIES)})")


@pytest.fixture(autouse=True)
def scan_once_per_text(monkeypatch):
    """The real patient-data scanner, run once per distinct text: it is deterministic, and pages scan the same
    answers again and again (each step, the summary, the submission)."""
    from app.services import privacy

    real, seen = privacy.scan, {}

    def scan(text: str, *, not_names: Iterable[str] = ()) -> list:
        key = (text, tuple(not_names))
        if key not in seen:
            seen[key] = real(text, not_names=key[1])
        return list(seen[key])

    monkeypatch.setattr(privacy, "scan", scan)


@pytest.fixture(name="site")
def fixture_site(app, no_csrf):
    app.config["ITEMS_PER_PAGE"] = 200  # every list on one page
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    app.config["REGISTER_RATE_LIMIT"] = "100000 per hour"  # one visitor registers every payload
    return app
