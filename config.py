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


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    # Which stack this is: development registers `flask dev` and the demo, nothing else does.
    ENVIRONMENT = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL")
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

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Per client (a keyed hash of its address) and per account (the account the email or
    # handle names, else the text tried; for signup and reset, the email address).
    LOGIN_LIMIT_PER_CLIENT = "30 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    SIGNUP_LIMIT_PER_CLIENT = "10 per hour"
    SIGNUP_LIMIT_PER_ACCOUNT = "10 per hour"
    RESET_LIMIT_PER_CLIENT = "10 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Kindred <hello@kindred.localhost>")

    SITE_NAME = os.environ.get("SITE_NAME", "Kindred")

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
    # The site's public address, for links in mail sent by commands (no request to ask).
    SITE_URL = os.environ.get("SITE_URL")


class DevelopmentConfig(Config):
    ENVIRONMENT = "development"
    DEBUG = False
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    DATABASE_URL = Config.DATABASE_URL or f"sqlite:///{INSTANCE_DIR / 'kindred.sqlite3'}"
    SANDBOX_PORT = _env_int("STRIPE_SANDBOX_PORT", 12111)
    STRIPE_API_BASE = Config.STRIPE_API_BASE or (
        None if Config.STRIPE_SECRET_KEY else f"http://127.0.0.1:{SANDBOX_PORT}"
    )
    STRIPE_WEBHOOK_SECRET = Config.STRIPE_WEBHOOK_SECRET or (
        None if Config.STRIPE_SECRET_KEY else "whsec_kindred_sandbox"
    )
    STRIPE_SECRET_KEY = Config.STRIPE_SECRET_KEY or "sk_test_kindred_sandbox"
    SITE_URL = Config.SITE_URL or "http://127.0.0.1:5000"


class TestConfig(Config):
    ENVIRONMENT = "test"
    TESTING = True
    # Tests post forms directly; tests/test_security.py turns CSRF back on to prove it.
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"  # noqa: S105
    DATABASE_URL = "sqlite://"
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    RATELIMIT_STORAGE_URI = "memory://"
    # The sandbox's own key, which it checks like Stripe checks yours.
    STRIPE_SECRET_KEY = "sk_test_kindred_sandbox"  # noqa: S105
    STRIPE_WEBHOOK_SECRET = "whsec_kindred_tests"  # noqa: S105
    STRIPE_API_BASE = "http://127.0.0.1:9"  # tests that talk to Stripe start a sandbox
    STRIPE_MAX_NETWORK_RETRIES = 0
    MEMBERSHIP_PRICE_CENTS = 2500
    MEMBERSHIP_CURRENCY = "usd"
    MEMBERSHIP_GRACE_DAYS = 14
    RENEWAL_REMINDER_DAYS = 14
    SITE_URL = "http://kindred.test"


class ProductionConfig(Config):
    SESSION_COOKIE_NAME = "__Host-kindred"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the secrets a real deployment needs."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not getattr(cls, name)]
        if missing:
            raise RuntimeError(
                "Kindred refuses to start in production without: " + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}
