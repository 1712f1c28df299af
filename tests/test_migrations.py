"""The migrations build exactly the schema the models declare, constraints included.

``alembic check`` (run by CI) compares tables, columns and indexes; it does not compare
CHECK constraints, so this test does, on the database the suite runs on.
"""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

import app.models  # noqa: F401  (every table)
from app import create_app
from app.cli import alembic_config
from app.db import Base, make_engine
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def migrated_url(tmp_path):
    """A new, empty database of the suite's kind, migrated to head."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        name = f"kindred_test_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    else:
        admin, name = None, None
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    yield url
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _checks(inspector, table: str) -> set[str]:
    return {check["name"] for check in inspector.get_check_constraints(table)}


def test_migrations_create_every_table_and_check_constraint_the_models_declare(migrated_url):
    engine = make_engine(migrated_url)
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) - {"alembic_version"} >= set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        declared = {
            constraint.name
            for constraint in table.constraints
            if constraint.__class__.__name__ == "CheckConstraint"
        }
        assert _checks(inspector, table.name) >= declared, table.name
    engine.dispose()


def test_the_migration_check_would_notice_a_missing_constraint(migrated_url):
    engine = make_engine(migrated_url)
    assert "ck_groups_visibility" in _checks(inspect(engine), "groups")
    assert "ck_groups_nonexistent" not in _checks(inspect(engine), "groups")
    engine.dispose()
