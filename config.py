"""Kindred's configuration: every value comes from the environment.

`create_app()` picks a class by ``KINDRED_CONFIG`` (``production`` unless told
otherwise, so a forgotten variable fails closed rather than open).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KINDRED_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigurationError(RuntimeError):
    """A setting that Kindred cannot start with; its message is one line an operator can act on."""


# Values from the environment that could not be read, reported together when the app starts
# (an exception while this module loads would be a traceback, not a message).
_UNREADABLE: list[str] = []


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        _UNREADABLE.append(f"{name} must be a whole number, not {value!r}")
        return default


class Config:
    # Which stack this is: development registers `flask dev` and the demo, nothing else does.
    ENVIRONMENT = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL")
    # A PostgreSQL read replica (optional): signed-out GETs, which only read, are served
    # from it; everyone signed in reads and writes the primary, so an author always sees
    # their own writes.
    DATABASE_READ_URL = os.environ.get("DATABASE_READ_URL") or None
    # PostgreSQL connections kept per app process (one per thread is enough for sync
    # workers), and how long (seconds) one may lie idle before it is pinged on checkout.
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 5)
    DATABASE_PING_AFTER_IDLE = _env_int("DATABASE_PING_AFTER_IDLE", 10)
    # Signed-out views of public pages may be kept this many seconds by shared caches (a
    # proxy's cache, a CDN), and are answered with 304 when their ETag still matches.
    PUBLIC_CACHE_SECONDS = _env_int("PUBLIC_CACHE_SECONDS", 60)
    # Each app process keeps the rendered bodies of those views, by ETag, up to this many
    # bytes (0: none): a page whose rows are unchanged is sent again without rendering.
    PAGE_CACHE_BYTES = _env_int("PAGE_CACHE_BYTES", 16 * 1024 * 1024)
    INSTANCE_DIR = str(INSTANCE_DIR)

    # One cookie: the session. "Remember me" makes it persistent instead of
    # adding a second cookie.
    SESSION_COOKIE_NAME = "kindred_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    MAX_CONTENT_LENGTH = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session does
    HSTS = False
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    # Links in mail expire after these many seconds.
    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 48
    RESET_TOKEN_MAX_AGE = 60 * 60

    # Argon2id, the library's recommended defaults unless overridden for tests.
    PASSWORD_HASH_PARAMS: dict[str, int] = {}

    # memory:// counts in each process on its own: gunicorn.conf.py refuses it with several
    # workers. redis://host:6379/0 shares the counts across workers and machines.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # A client is a keyed hash of its address (IPv6: of its /64 network). Failed sign-ins are
    # counted per client, per account from one client, and per account from every client; the
    # last holds only clients that have themselves failed at that account within its window,
    # so guessing from many places is bounded and the person, from their own place, gets in.
    # (Accounts are named by email or handle, else the text tried.) Signup and reset count per
    # client and per email address.
    LOGIN_LIMIT_PER_CLIENT = "30 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "100 per day"
    SIGNUP_LIMIT_PER_CLIENT = "10 per hour"
    SIGNUP_LIMIT_PER_ACCOUNT = "10 per hour"
    RESET_LIMIT_PER_CLIENT = "10 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    # The second step of signing in (a code or a passkey, after the right password) is counted
    # the same three ways as the password, with smaller numbers: only someone who knows the
    # password gets there.
    TWO_FACTOR_LIMIT_PER_CLIENT = "20 per 15 minutes"
    TWO_FACTOR_LIMIT_PER_ACCOUNT_AND_CLIENT = "5 per 15 minutes"
    TWO_FACTOR_LIMIT_PER_ACCOUNT = "20 per day"

    # Signing in: how long the second step may wait after the password (seconds), and how many
    # days a session may lie unused before it ends (its cookie then signs nobody in).
    TWO_FACTOR_LOGIN_MAX_AGE = 10 * 60
    SESSION_IDLE_DAYS = _env_int("SESSION_IDLE_DAYS", 30)
    # Site admins must switch two-factor sign-in on before any admin page opens.
    ADMIN_REQUIRE_TWO_FACTOR = _env_bool("ADMIN_REQUIRE_TWO_FACTOR", True)
    # Passkeys belong to a site's domain name; unset means the host the request came to.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or None

    # Sign-up: a hidden field people leave empty, and a minimum time (seconds) between showing
    # the form and sending it; a form shown longer ago than SIGNUP_FORM_MAX_AGE is refreshed.
    SIGNUP_MIN_SECONDS = _env_int("SIGNUP_MIN_SECONDS", 3)
    SIGNUP_FORM_MAX_AGE = 24 * 60 * 60

    # New accounts, whatever pays for their membership: for their first NEW_ACCOUNT_DAYS days
    # (0 switches the limits off) they may start so many threads and write so many replies in
    # any 24 hours, put so many links and mentions in a post, and not start direct messages;
    # the limits lift early once NEW_ACCOUNT_TRUSTED_AFTER other people replied in their threads.
    NEW_ACCOUNT_DAYS = _env_int("NEW_ACCOUNT_DAYS", 3)
    NEW_ACCOUNT_THREADS_PER_DAY = _env_int("NEW_ACCOUNT_THREADS_PER_DAY", 3)
    NEW_ACCOUNT_REPLIES_PER_DAY = _env_int("NEW_ACCOUNT_REPLIES_PER_DAY", 10)
    NEW_ACCOUNT_LINKS_PER_POST = _env_int("NEW_ACCOUNT_LINKS_PER_POST", 2)
    NEW_ACCOUNT_MENTIONS_PER_POST = _env_int("NEW_ACCOUNT_MENTIONS_PER_POST", 3)
    NEW_ACCOUNT_TRUSTED_AFTER = _env_int("NEW_ACCOUNT_TRUSTED_AFTER", 3)

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Kindred <hello@kindred.localhost>")
    # Mail is written to the outgoing_mail table with the change that causes it and delivered
    # after the commit by the job worker; a failed delivery is tried again after
    # MAIL_RETRY_DELAY seconds, doubling up to MAIL_RETRY_MAX_DELAY, until the server takes it.
    MAIL_RETRY_DELAY = _env_int("MAIL_RETRY_DELAY", 30)
    MAIL_RETRY_MAX_DELAY = _env_int("MAIL_RETRY_MAX_DELAY", 3600)
    # Sent (and permanently refused) messages are deleted this many days later.
    MAIL_RETENTION_DAYS = _env_int("MAIL_RETENTION_DAYS", 7)
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)

    # The job queue (Huey): sqlite:///path (one machine), redis://host:6379/1 (several), or
    # memory:// (run each job at once, in the process that queues it: tests only).
    JOBS_URL = os.environ.get("JOBS_URL") or f"sqlite:///{Path(INSTANCE_DIR) / 'jobs.sqlite3'}"

    SITE_NAME = os.environ.get("SITE_NAME", "Kindred")
    # Where the site is, for links in mail sent outside a request (digests, renewal reminders,
    # reconcile); mail sent while answering a request links to that request's address.
    SITE_URL = os.environ.get("SITE_URL")

    # Downloads of one's data and of group archives, per account, in any 24 hours.
    EXPORTS_PER_DAY = _env_int("EXPORTS_PER_DAY", 10)

    # Payments. Without STRIPE_SECRET_KEY the local sandbox is used (see README).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    STRIPE_MAX_NETWORK_RETRIES = _env_int("STRIPE_MAX_NETWORK_RETRIES", 2)
    MEMBERSHIP_PRICE_CENTS = _env_int("MEMBERSHIP_PRICE_CENTS", 2500)
    MEMBERSHIP_CURRENCY = os.environ.get("MEMBERSHIP_CURRENCY", "usd").lower()
    # A past_due membership keeps covering this many days after the payment first failed.
    MEMBERSHIP_GRACE_DAYS = _env_int("MEMBERSHIP_GRACE_DAYS", 14)
    # `flask billing send-renewal-reminders` announces a yearly charge this many days ahead.
    RENEWAL_REMINDER_DAYS = _env_int("RENEWAL_REMINDER_DAYS", 14)
    # Sponsored seats: "auto" grants a free seat at once (else a first-come waitlist);
    # "review" puts every application in the admins' queue.
    SEAT_POLICY = os.environ.get("SEAT_POLICY", "auto").lower()

    @classmethod
    def check(cls) -> None:
        """Raise ConfigurationError, in one line, for settings Kindred cannot start with."""
        if _UNREADABLE:
            raise ConfigurationError("Kindred cannot start: " + "; ".join(_UNREADABLE) + ".")
        if cls.DATABASE_READ_URL and not cls.DATABASE_READ_URL.startswith("postgresql"):
            raise ConfigurationError(
                "DATABASE_READ_URL names a PostgreSQL read replica "
                "(postgresql+psycopg://...), not another kind of database"
            )


class DevelopmentConfig(Config):
    ENVIRONMENT = "development"
    DEBUG = False
    ADMIN_REQUIRE_TWO_FACTOR = _env_bool("ADMIN_REQUIRE_TWO_FACTOR", False)
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    DATABASE_URL = Config.DATABASE_URL or f"sqlite:///{INSTANCE_DIR / 'kindred.sqlite3'}"
    SANDBOX_PORT = _env_int("STRIPE_SANDBOX_PORT", 12111)
    SITE_URL = Config.SITE_URL or "http://127.0.0.1:5000"
    STRIPE_API_BASE = Config.STRIPE_API_BASE or (
        None if Config.STRIPE_SECRET_KEY else f"http://127.0.0.1:{SANDBOX_PORT}"
    )
    STRIPE_WEBHOOK_SECRET = Config.STRIPE_WEBHOOK_SECRET or (
        None if Config.STRIPE_SECRET_KEY else "whsec_kindred_sandbox"
    )
    STRIPE_SECRET_KEY = Config.STRIPE_SECRET_KEY or "sk_test_kindred_sandbox"


class TestConfig(Config):
    ENVIRONMENT = "test"
    TESTING = True
    # Tests post forms directly; tests/test_security.py turns CSRF back on to prove it.
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"  # noqa: S105
    DATABASE_URL = "sqlite://"
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None  # tests never reach a real mail server unless one says so
    JOBS_URL = "memory://"
    SITE_URL = "http://kindred.test"
    # The sandbox's own key, which it checks like Stripe checks yours.
    STRIPE_SECRET_KEY = "sk_test_kindred_sandbox"  # noqa: S105
    STRIPE_WEBHOOK_SECRET = "whsec_kindred_tests"  # noqa: S105
    STRIPE_API_BASE = "http://127.0.0.1:9"  # tests that talk to Stripe start a sandbox
    STRIPE_MAX_NETWORK_RETRIES = 0
    MEMBERSHIP_PRICE_CENTS = 2500
    MEMBERSHIP_CURRENCY = "usd"
    MEMBERSHIP_GRACE_DAYS = 14
    RENEWAL_REMINDER_DAYS = 14
    ADMIN_REQUIRE_TWO_FACTOR = False  # a test that needs it turns it on
    SIGNUP_MIN_SECONDS = 0  # tests that need it set it, and write the form's time themselves
    NEW_ACCOUNT_DAYS = 0  # every test account is new: tests of the limits switch them on


class ProductionConfig(Config):
    SESSION_COOKIE_NAME = "__Host-kindred"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the secrets a real deployment needs."""
        super().check()
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not getattr(cls, name)]
        if missing:
            raise ConfigurationError(
                "Kindred refuses to start in production without: "
                + ", ".join(missing)
                + " (set them in the environment, or KINDRED_CONFIG=development for a local run)"
            )
        if cls.JOBS_URL.startswith("memory:"):
            raise ConfigurationError(
                "Kindred refuses JOBS_URL=memory:// in production: mail would not be retried "
                "(use sqlite:///path on one machine or redis://host:6379/1)"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def selected_config() -> type[Config]:
    """The class ``KINDRED_CONFIG`` names (production by default), checked.

    Raises ConfigurationError with a one-line message; every entry point (``wsgi.py`` for
    gunicorn and ``flask``, ``gunicorn.conf.py``) prints that line instead of a traceback.
    """
    name = os.environ.get("KINDRED_CONFIG", "production")
    if name not in CONFIGS:
        raise ConfigurationError(
            f"KINDRED_CONFIG must be one of {', '.join(sorted(CONFIGS))}, not {name!r}"
        )
    config_class = CONFIGS[name]
    config_class.check()
    return config_class
