"""The suite's own safety: it never drops a database that is not for tests."""

import pytest

from tests.conftest import refuse_unless_for_tests


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/kindred",
        "postgresql+psycopg://postgres@127.0.0.1:5432/production",
        "postgresql+psycopg://test@db.example/kindred",
        "sqlite:////srv/kindred/instance/kindred.sqlite3",
        "sqlite:////srv/test/kindred.sqlite3",
    ],
)
def test_a_database_whose_name_does_not_say_test_is_refused(url):
    with pytest.raises(pytest.UsageError, match="only run on a database whose name contains"):
        refuse_unless_for_tests(url)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////tmp/kindred_test.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:5432/kindred_test",
        "postgresql+psycopg://postgres@127.0.0.1:5432/kindred_ci_test_123",
        "postgresql+psycopg://postgres@127.0.0.1:5432/TEST_kindred",
    ],
)
def test_a_database_named_for_tests_is_used(url):
    refuse_unless_for_tests(url)
