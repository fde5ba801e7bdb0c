"""Configuration classes; every value that differs between deployments comes from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


# Written by `make run` (its `db` step, under RETEX_ENV=development): this checkout is a developer's. The `flask`
# commands then default to the development configuration, as the Makefile's do, unless a production variable is set.
DEVELOPMENT_MARKER = INSTANCE_DIR / "development"
PRODUCTION_VARIABLES = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL")


def default_environment() -> str:
    """RETEX_ENV when set. Otherwise development only where `make run` left its marker and no production variable is
    set (a server's configuration is never switched by a file of the checkout), else production, which refuses to
    start without its settings. The production entry point (app.wsgi) does not read the marker at all."""
    name = os.environ.get("RETEX_ENV")
    if name:
        return name
    if DEVELOPMENT_MARKER.is_file() and not any(os.environ.get(variable) for variable in PRODUCTION_VARIABLES):
        return "development"
    return "production"


def _development_secret_key() -> str:
    """A key kept under instance/ so that development sessions survive a restart."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ENV_NAME = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # The address people reach the site at (scheme, host, optional path). Every link that leaves a request (a
    # mail, the API's links) is built from it: the request's Host header is chosen by whoever sends it.
    PUBLIC_URL: str | None = os.environ.get("PUBLIC_URL")
    # Host names accepted besides PUBLIC_URL's (comma-separated); a request for any other host is refused (400).
    # Flask's TRUSTED_HOSTS is derived from both at start-up (trusted_hosts below).
    EXTRA_TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")
    LOCAL_HOSTS: tuple[str, ...] = ()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'retex.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A read replica of DATABASE_URL for the exports and the API's reads (app.extensions.RoutingSession).
    REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL")

    # Languages: French is the source language, English the translation.
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # The largest honest form (a guide's eleven narratives) stays well below; beyond, a French 413 page.
    MAX_CONTENT_LENGTH = 1024 * 1024  # bytes
    # The national FINESS extract uploaded by an administrator (app.admin.finess_import); larger: the command line.
    FINESS_UPLOAD_MAX_MB = int(os.environ.get("FINESS_UPLOAD_MAX_MB", "100"))

    # A questionnaire may stay open for hours: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None

    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login ends after this long without a request, and this long after it began, whatever the activity
    # (app.auth.timeouts). The questionnaire's autosave is a request: typing keeps the login alive.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    # "Rester connecté sur ce poste" cannot outlive the absolute limit either.
    REMEMBER_COOKIE_DURATION = timedelta(hours=SESSION_ABSOLUTE_HOURS)
    # Consecutive failed logins with one e-mail from one client address that lock that pair, and for how long (0:
    # until a password reset or an administrator unlocks it). The per-address rate limits below still apply.
    ACCOUNT_LOCK_THRESHOLD = int(os.environ.get("ACCOUNT_LOCK_THRESHOLD", "10"))
    ACCOUNT_LOCK_MINUTES = int(os.environ.get("ACCOUNT_LOCK_MINUTES", "30"))
    # Strict-Transport-Security (app.security): only where the site is served over HTTPS.
    HSTS_ENABLED = False

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins: per address and account, and per address whatever the account (password spraying).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "60 per minute")
    # Registrations answered (each mails the approvers, or the owner of an address that has an account): per
    # address, and per e-mail typed whatever the address.
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    REGISTER_EMAIL_RATE_LIMIT = os.environ.get("REGISTER_EMAIL_RATE_LIMIT", "3 per hour")
    # Messages to peers sent per account (app.peers): a form shown again with its errors does not count.
    PEER_MESSAGE_RATE_LIMIT = os.environ.get("PEER_MESSAGE_RATE_LIMIT", "20 per hour;60 per day")
    # Requests per token or address on /api/v1 (default: app.api.DEFAULT_RATE_LIMIT).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT") or None
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Retex IA <no-reply@retex-ia.test>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds, for each step of a connection
    # When true, messages are written to the application log instead of being sent.
    MAIL_SUPPRESS_SEND = _env_bool("MAIL_SUPPRESS_SEND", True)

    # National identities (OpenID Connect, app.auth.oidc): each provider is offered on the login page only when its
    # issuer URL (as its discovery document names it), client id and client secret are all set.
    PROCONNECT_ISSUER = os.environ.get("PROCONNECT_ISSUER")
    PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID")
    PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET")
    PROSANTECONNECT_ISSUER = os.environ.get("PROSANTECONNECT_ISSUER")
    PROSANTECONNECT_CLIENT_ID = os.environ.get("PROSANTECONNECT_CLIENT_ID")
    PROSANTECONNECT_CLIENT_SECRET = os.environ.get("PROSANTECONNECT_CLIENT_SECRET")
    OIDC_HTTP_TIMEOUT = float(os.environ.get("OIDC_HTTP_TIMEOUT", "10"))  # seconds, for each call to a provider

    PASSWORD_MIN_LENGTH = 12
    PASSWORD_RESET_MAX_AGE = 3600  # seconds
    INVITATION_MAX_AGE = 7 * 24 * 3600  # seconds
    EMAIL_CHANGE_MAX_AGE = 24 * 3600  # seconds: the link that confirms a new e-mail address

    ITEMS_PER_PAGE = 20
    # Rendered read pages kept by each worker until the next publication (app.services.page_cache); 0: none.
    PAGE_CACHE_SIZE = int(os.environ.get("PAGE_CACHE_SIZE", "256"))
    PAGE_CACHE_BYTES = int(os.environ.get("PAGE_CACHE_MB", "64")) * 1024 * 1024  # per worker
    # Within this many seconds of a publication or a release, a visitor asking for a page it made stale gets the
    # previous rendering while the worker renders it again (app.page_refresh); 0: always rendered in the request.
    PAGE_STALE_SECONDS = float(os.environ.get("PAGE_STALE_SECONDS", "30"))
    # Pages shared by every worker and server (app.shared_pages), in Redis; empty: each worker keeps its own.
    SHARED_PAGES_URL = os.environ.get("SHARED_PAGES_URL", os.environ.get("REDIS_URL", "")) or None
    # After a release, how many of the visitors' most recently rendered pages are rendered again at once.
    PRERENDER_PAGES = int(os.environ.get("PRERENDER_PAGES", "300"))
    # Shows the "fictional data" banner on every page.
    DEMO_BANNER = _env_bool("DEMO_BANNER", True)
    DEMO_DATA_ALLOWED = True
    # Fictional published reports added by `flask demo load`.
    DEMO_REPORTS = int(os.environ.get("DEMO_REPORTS", "3000"))
    # A statistic is shown to readers outside the analysts only when it rests on this many establishments.
    MIN_ESTABLISHMENTS = int(os.environ.get("MIN_ESTABLISHMENTS", "3"))
    # Statistics releases are made after the commit that makes them due, in a thread of their own; the
    # tests make them at once, in the committing thread, so that what they read next is settled.
    RELEASES_INLINE = _env_bool("RELEASES_INLINE", False)
    # Then the analysts' figures that the publication dropped are computed again in the same job.
    WARM_ANALYST_VIEWS = _env_bool("WARM_ANALYST_VIEWS", True)
    # Background jobs (app.services.jobs): mail, releases, guide PDFs, rescans on a Redis queue run by `flask jobs
    # worker`; periodic ones enqueued by `flask jobs scheduler`. JOBS_MODE "queue": on Redis when it answers, else in
    # a thread of the enqueuing process with a warning; "inline": at once in the caller (the tests).
    JOBS_MODE = os.environ.get("JOBS_MODE", "queue")
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "retex")
    # A failed job is tried again after each of these delays (seconds), then kept this many days for the
    # administrators' page of failed jobs.
    JOBS_RETRY_INTERVALS = tuple(int(s) for s in os.environ.get("JOBS_RETRY_INTERVALS", "60,300,1800").split(","))
    JOBS_FAILED_KEEP_DAYS = int(os.environ.get("JOBS_FAILED_KEEP_DAYS", "30"))
    JOBS_TIMEOUT = int(os.environ.get("JOBS_TIMEOUT", "1800"))  # seconds a job may run
    # A job whose worker stopped beating for this long (killed, machine lost) is run again (seconds).
    JOBS_ABANDONED_AFTER = int(os.environ.get("JOBS_ABANDONED_AFTER", "90"))
    # A guide version's PDF is made by a job after its publication (else at its first reading).
    GUIDE_PDF_AFTER_PUBLICATION = _env_bool("GUIDE_PDF_AFTER_PUBLICATION", True)
    # Periodic jobs: (dotted path of a function taking no argument, cron schedule "m h dom mon dow" in UTC, or a
    # number of seconds). Others add their own entries here; `flask jobs scheduler` enqueues them.
    PERIODIC_JOBS: tuple[tuple[str, str | int], ...] = (
        ("app.services.report_privacy.nightly_rescan", "30 2 * * *"),
        # Follow-up reminders six and twelve months after a publication (each sent once), every morning.
        ("app.services.reminders.send_due_reminders", "0 7 * * *"),
        # The weekly digest of what people follow, on Monday mornings.
        ("app.services.notices.send_weekly_digests", "0 6 * * 1"),
    )
    # Demo and test accounts live under the reserved .test domain, which address validation refuses.
    ALLOW_TEST_EMAIL_DOMAINS = False

    @classmethod
    def init_app(cls, app) -> None:
        """Settings that depend on others, once the overrides are applied (subclasses check theirs first)."""
        check_public_url(app.config["PUBLIC_URL"])
        if app.config.get("TRUSTED_HOSTS") is None:
            app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config, cls.LOCAL_HOSTS)


def check_public_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_URL must be the site's absolute address, such as https://retex.example.org "
                           f"(got {url!r})")


def trusted_hosts(config, local_hosts: tuple[str, ...]) -> list[str]:
    """The host names requests may name: PUBLIC_URL's, SERVER_NAME's, the extra ones and the local ones."""
    hosts = [urlsplit(config["PUBLIC_URL"]).hostname]
    if config.get("SERVER_NAME"):
        hosts.append(urlsplit(f"//{config['SERVER_NAME']}").hostname)
    hosts += [*config.get("EXTRA_TRUSTED_HOSTS", ()), *local_hosts]
    return list(dict.fromkeys(host for host in hosts if host))


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    ALLOW_TEST_EMAIL_DOMAINS = True
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    LOCAL_HOSTS = ("localhost", "127.0.0.1")

    @classmethod
    def init_app(cls, app) -> None:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _development_secret_key()
        super().init_app(app)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105
    PUBLIC_URL = "http://localhost"
    # The test client's host, and the browser tests' server.
    LOCAL_HOSTS = ("localhost", "127.0.0.1")
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SUPPRESS_SEND = True
    PASSWORD_HASH_FAST = True
    ALLOW_TEST_EMAIL_DOMAINS = True
    DEMO_REPORTS = 300  # enough for every page to show figures, cheap enough for the suite
    RELEASES_INLINE = True
    WARM_ANALYST_VIEWS = False  # tests/test_stats.py turns it on where it is checked
    PAGE_STALE_SECONDS = 0  # tests/test_page_refresh.py turns it on where it is checked
    SHARED_PAGES_URL = None  # tests/test_shared_pages.py turns it on where it is checked
    # No provider unless a test starts one (tests/test_oidc.py): the environment's never leak in.
    PROCONNECT_ISSUER = PROCONNECT_CLIENT_ID = PROCONNECT_CLIENT_SECRET = None
    PROSANTECONNECT_ISSUER = PROSANTECONNECT_CLIENT_ID = PROSANTECONNECT_CLIENT_SECRET = None
    JOBS_MODE = "inline"  # tests/test_jobs_worker.py runs real workers
    GUIDE_PDF_AFTER_PUBLICATION = False  # the tests of the PDF make it at the first reading; test_jobs turns it on


class ProductionConfig(Config):
    ENV_NAME = "production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # type: ignore[assignment]
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", True)
    MAIL_SUPPRESS_SEND = _env_bool("MAIL_SUPPRESS_SEND", False)
    DEMO_BANNER = _env_bool("DEMO_BANNER", False)
    DEMO_DATA_ALLOWED = False
    # Last in, first out: a request takes the connection used last (by the pages' warm-up after a release,
    # app.page_refresh, say), whose server process is awake.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "pool_use_lifo": True}

    @classmethod
    def init_app(cls, app) -> None:
        missing = [name for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PUBLIC_URL")
                   if not app.config.get(name)]
        if missing:
            names = ", ".join("DATABASE_URL" if n == "SQLALCHEMY_DATABASE_URI" else n for n in missing)
            raise RuntimeError(f"Production configuration refuses to start without: {names}")
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
        super().init_app(app)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
