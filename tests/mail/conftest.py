from __future__ import annotations

import pytest

from tests.redis_db import require_redis


@pytest.fixture
def redis_url():
    return require_redis()
