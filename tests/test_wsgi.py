"""The production entry point: the patient-data model is loaded before the workers fork, and no worker
uses a database connection of the master."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import backend

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import json, os, sys
import sqlalchemy as sa
from app import wsgi
from app.extensions import db
from app.services import privacy

loaded = privacy._engine is not None
with wsgi.app.app_context():
    postgres = db.engine.dialect.name == "postgresql"
    who = "SELECT pg_backend_pid()" if postgres else "SELECT 1"
    master = db.session.scalar(sa.text(who))  # a pooled connection, as a preloading master may keep
    db.session.remove()
reader, writer = os.pipe()
pid = os.fork()
if pid == 0:  # the worker
    with wsgi.app.app_context():
        found = privacy.scan("Appeler le 06 12 34 56 78 pour le Dr Jean Dupont.")
        child = db.session.scalar(sa.text(who))
        db.session.remove()
    os.write(writer, json.dumps({"child": child, "kinds": sorted({f.type for f in found})}).encode())
    os._exit(0)
os.close(writer)
answer = json.loads(os.read(reader, 4096))
_, status = os.waitpid(pid, 0)
with wsgi.app.app_context():
    again = db.session.scalar(sa.text(who))  # the master's connection still works after the worker's exit
print(json.dumps({"loaded": loaded, "master": master, "again": again, "status": status, **answer}))
"""


def test_the_model_is_loaded_before_the_fork_and_workers_open_their_own_connections(database_url):
    env = {**os.environ, "RETEX_ENV": "production", "SECRET_KEY": "wsgi-test", "DATABASE_URL": database_url,
           "PUBLIC_URL": "https://retex.example.org", "MAIL_SUPPRESS_SEND": "1",
           "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["loaded"] is True
    assert seen["status"] == 0
    assert "PHONE" in seen["kinds"] and "PERSON" in seen["kinds"], seen
    assert seen["again"] == seen["master"]
    if database_url.startswith("postgresql"):
        assert seen["child"] != seen["master"], "the worker reused the master's connection"


# The answer's headers do not depend on the database: the SQLite pass runs it.
@pytest.mark.skipif(backend() != "sqlite", reason="no database in its subject: the SQLite pass runs it")
def test_gunicorn_does_not_name_its_software(database_url, tmp_path):
    """`gunicorn app.wsgi:app` (production) writes `Server: gunicorn` in every answer unless told otherwise."""
    import http.client

    from tests.live_server import Server

    server = Server(database_url, tmp_path / "gunicorn.log", redis_url="memory://").start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        headers = response.getheaders()
        connection.close()
    finally:
        server.stop()
    assert response.status == 200
    assert [value for name, value in headers if name.lower() == "server"] == ["Retex IA"]
    assert not any(word in value for _, value in headers for word in ("gunicorn", "Werkzeug", "Python"))


@pytest.mark.skipif(backend() != "sqlite", reason="no database in its subject: the SQLite pass runs it")
def test_every_gunicorn_worker_listens_for_the_releases(database_url, tmp_path):
    """Each worker takes a release's visitors' pages into its memory when the release is announced
    (app.page_refresh): it must be subscribed from the start, before any request."""
    import time

    import redis
    from flask import Flask

    from app import shared_pages
    from tests.live_server import REDIS_URL, WORKERS, Server

    probe = Flask("app", root_path=str(ROOT / "app"))  # the workers' channel: their database, this code
    probe.config["SQLALCHEMY_DATABASE_URI"] = database_url
    with probe.app_context():
        channel = shared_pages._channel()
    client = redis.Redis.from_url(REDIS_URL)
    server = Server(database_url, tmp_path / "gunicorn.log").start()
    try:
        deadline = time.monotonic() + 30
        while client.pubsub_numsub(channel)[0][1] < WORKERS and time.monotonic() < deadline:
            time.sleep(0.1)
        listening = client.pubsub_numsub(channel)[0][1]
    finally:
        server.stop()
        client.close()
    assert listening == WORKERS
