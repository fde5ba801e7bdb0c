"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL with RETEX_TEST_DB=postgresql.

Each session makes its own database, upgrades it to the head migration once, and drops it at the end;
every test starts from empty tables.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app, page_cache
from app.extensions import db, limiter

POSTGRES_ADMIN_URL = os.environ.get("RETEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_database() -> Iterator[str]:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        engine.dispose()
        message = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {error.__class__.__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"retex_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def backend() -> str:
    return "postgresql" if os.environ.get("RETEX_TEST_DB") == "postgresql" else "sqlite"


@pytest.fixture(scope="session")
def empty_database_url(tmp_path_factory) -> Iterator[str]:
    """A brand-new, empty database of the backend under test."""
    if backend() == "postgresql":
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'retex-test.db'}"


@pytest.fixture(scope="session")
def database_url(empty_database_url: str) -> str:
    """The session database, upgraded to the head migration (never create_all)."""
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return empty_database_url


def empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


class IsolatedClient(FlaskClient):
    """Each request runs as in production: in its own app context, with its own `g` and db session.

    The test itself keeps an app context open for its factories; without this, Flask would reuse it
    for every request and share cached state (the logged-in user, the session) between them.
    """

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            # A stream_with_context body pushes the request's contexts when first read and pops them when
            # done: the rest of it must be read and closed in that same context, as a server would.
            response.response = _ReadInContext(context, response.response)
        return response


class _ReadInContext:
    def __init__(self, context: contextvars.Context, iterable) -> None:
        self._context, self._iterable, self._iterator = context, iterable, iter(iterable)

    def __iter__(self):
        return self

    def __next__(self):
        return self._context.run(next, self._iterator)

    def close(self) -> None:
        if hasattr(self._iterable, "close"):
            self._context.run(self._iterable.close)


def _test_app(database_url: str):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "retex.test",
                                 "PUBLIC_URL": "http://retex.test"})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def shared_app(database_url: str):
    """One application for the tests of a session: building one (its routes, its API description) costs more
    than most tests. Each test gets it back with its configuration as it was and empty tables."""
    app = _test_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, database_url: str, shared_app):
    """The application, in an app context. A test marked `own_app` (one that adds routes, say) gets its own."""
    own = request.node.get_closest_marker("own_app") is not None
    app = _test_app(database_url) if own else shared_app
    config = app.config.copy()
    # The rate limiter is one object whose storage the last application built replaces (tests build their own,
    # production-like ones): the shared application gets its own in-memory storage back.
    limiter.init_app(app)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            empty_all_tables()
            page_cache.clear()  # the worker's kept pages belong to the data just removed
            limiter.reset()  # rate-limit counters start afresh, as in a new application
            if own:
                db.engine.dispose()
    app.config.clear()
    app.config.update(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def no_csrf(app):
    """Most tests post forms without the token; CSRF itself has its own test."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def mailbox(app):
    from app.extensions import mail

    with mail.record_messages() as outbox:
        yield outbox


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = "correct-horse-battery"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, no_csrf) -> AuthActions:
    return AuthActions(client)
