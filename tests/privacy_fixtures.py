"""The fixture of both patient-data guard modules (tests/test_privacy*.py): the engine, loaded once per module."""

from __future__ import annotations

import pytest

from app.services import privacy


@pytest.fixture(scope="module", autouse=True, name="engine")
def fixture_engine():
    privacy.warm_up()
    return privacy.get_engine()
