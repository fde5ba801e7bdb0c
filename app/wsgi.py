"""The production entry point: `gunicorn --preload app.wsgi:app`.

With `--preload`, the application and the patient-data model (spaCy's French model inside Presidio: seconds
to load, about a hundred megabytes) are built once in gunicorn's master process, before it forks the
workers. Every worker then starts ready and shares the model's memory, and no report waits for the model:
on a busy server, loading it during a worker's first submission took longer than gunicorn's worker
timeout. Without `--preload`, each worker loads it while it starts.

Connections are never shared across the fork: a worker drops the database connections it inherited
(without closing them, since they belong to the master) and opens its own. Each worker then listens for the
releases, to bring their visitors' pages into its memory before its first reader (app.page_refresh).
"""

from __future__ import annotations

import os

from app import create_app, page_refresh
from app.extensions import db
from app.security import SERVER_BANNER
from app.services import privacy


def _hide_gunicorn_banner() -> None:
    """gunicorn writes `Server: gunicorn` in every answer (and gives the app `SERVER_SOFTWARE`, with its version),
    from these module globals, read again for each answer: whatever the app sends, only they can change it."""
    import gunicorn
    from gunicorn.http import wsgi as gunicorn_wsgi

    for module in (gunicorn, gunicorn_wsgi):
        module.SERVER = module.SERVER_SOFTWARE = SERVER_BANNER
    os.environ["SERVER_SOFTWARE"] = SERVER_BANNER


_hide_gunicorn_banner()
# Production unless RETEX_ENV says otherwise: a server never falls back to development because of a file.
app = create_app(os.environ.get("RETEX_ENV") or "production")
privacy.warm_up()


_listening = {"pid": 0}


def _listen_here() -> None:
    """This worker's listener for the releases (app.page_refresh), once per process: started as the worker is
    forked from a preloaded master, else (without --preload) at the worker's first request."""
    if _listening["pid"] != os.getpid():
        _listening["pid"] = os.getpid()
        page_refresh.listen(app)


def _in_each_worker() -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    _listen_here()


os.register_at_fork(after_in_child=_in_each_worker)
app.before_request(_listen_here)
