"""Retex IA: experience reports on AI solutions in French health establishments."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, default_environment


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application. Without a name, RETEX_ENV decides; without it, development in a checkout set up by
    `make run` where no production variable is set (config.default_environment), else production."""
    name = config_name or default_environment()
    config_class = CONFIGS[name]
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "instance")),
    )
    from app.views_common import DatabaseIntConverter, TextRequest, refuse_nul_in_path, refuse_untrusted_host

    app.request_class = TextRequest
    # Before any route is added: every <int:…> of the app is then an id a database can hold (else a 404).
    app.url_map.converters["int"] = DatabaseIntConverter
    from app.session_cookie import SessionInterface

    # The session (and the CSRF token in it) outlives a closed browser, so that a long form keeps working.
    app.session_interface = SessionInterface()
    # First of all hooks: the others (rate limits, CSRF, login) must never see a request for a forged host.
    app.before_request(refuse_untrusted_host)
    app.before_request(refuse_nul_in_path)
    from app.admin.finess_import import allow_extract_upload

    # Before the CSRF check reads the body: the one upload allowed past MAX_CONTENT_LENGTH (administrators only).
    app.before_request(allow_extract_upload)
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config.get("SQLALCHEMY_DATABASE_URI"))
    if app.config.get("REPLICA_DATABASE_URL"):
        from app.extensions import REPLICA

        app.config["SQLALCHEMY_BINDS"] = {REPLICA: normalise_database_url(app.config["REPLICA_DATABASE_URL"])}
    config_class.init_app(app)
    if app.config.get("ALLOW_TEST_EMAIL_DOMAINS"):
        import email_validator

        email_validator.TEST_ENVIRONMENT = True
    os.makedirs(app.instance_path, exist_ok=True)

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_commands(app)
    from app import security

    security.init_app(app)
    return app


def normalise_database_url(url: str | None) -> str | None:
    """Accept the usual postgres:// spellings and use the psycopg 3 driver for them."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per page laid out, in the job worker's log


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """WAL lets readers work while a report is written; foreign keys are off by default in SQLite."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_extensions(app: Flask) -> None:
    from app import (
        models,  # noqa: F401  (models must be known to Migrate)
        page_refresh,
    )
    from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from app.services import publication_jobs  # its listeners make the releases after a commit

    rendering = ("Rendering the visitors' pages again", page_refresh.prerender)
    if rendering not in publication_jobs.AFTER_RELEASES:
        publication_jobs.AFTER_RELEASES.append(rendering)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    # The limiter checks before CSRF does, so that requests without a token are counted too.
    limiter.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])

    from app.api import init_api

    init_api(app)

    from app.services.accounts import load_user_from_session_id

    login_manager.init_app(app)
    login_manager.user_loader(load_user_from_session_id)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")


def select_locale() -> str:
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.catalogue import bp as catalogue_bp
    from app.main import bp as main_bp
    from app.moderation import bp as moderation_bp
    from app.reports import bp as reports_bp
    from app.team import bp as team_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(moderation_bp)
    from app.stats import bp as stats_bp

    app.register_blueprint(stats_bp)
    # Statistics blueprint (registered above this line)
    from app.guides import bp as guides_bp

    app.register_blueprint(guides_bp)
    from app.api import register_api

    register_api(app)
    # API blueprint (registered above this line)
    from app.exports import bp as exports_bp

    app.register_blueprint(exports_bp)
    # Exports blueprint (registered above this line)
    from app.peers import bp as peers_bp

    app.register_blueprint(peers_bp)
    from app.notices import bp as notices_bp
    from app.notices import follow_panel

    app.register_blueprint(notices_bp)
    app.jinja_env.globals["follow_panel"] = follow_panel
    # Notices blueprint (registered above this line)
    from app.alerts import bp as alerts_bp

    app.register_blueprint(alerts_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.main.errors import register

    register(app)


def register_template_context(app: Flask) -> None:
    from app import templating

    templating.register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
