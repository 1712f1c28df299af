"""The Redis database the suite may use (db 3 on 127.0.0.1): skipped locally when down, a
failure in CI."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def require_redis() -> str:
    """REDIS_URL, once Redis answers there; otherwise skip (fail under CI=true)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and CI needs it")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL
