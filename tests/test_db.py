"""The database layer: UTC timestamps and one commit per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from app.accounts import services
from app.accounts.models import Account
from app.db import Base, UTCDateTime, db, utcnow
from app.memberships.models import ComplimentaryMembership
from tests.helpers import DEFAULT_PASSWORD, make_account


def test_timestamps_come_back_timezone_aware_in_utc(session):
    account = make_account("ada")
    session.expire_all()
    created = session.scalar(select(Account.created_at).where(Account.id == account.id))
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert abs(created - utcnow()) < timedelta(minutes=1)


def test_timestamps_in_other_zones_are_stored_as_the_same_instant(session):
    account = make_account("ada")
    tokyo = datetime(2030, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    account.suspended_at = tokyo
    session.commit()
    session.expire_all()
    stored = session.get(Account, account.id).suspended_at
    assert stored == tokyo
    assert stored.tzinfo == UTC
    assert stored.hour == 0


def test_naive_datetimes_are_refused(session):
    account = make_account("ada")
    account.suspended_at = datetime(2030, 1, 2, 9, 30)
    with pytest.raises(StatementError, match="naive datetimes are not stored"):
        session.flush()
    session.rollback()


def test_the_column_type_treats_naive_database_values_as_utc():
    column_type = UTCDateTime()
    naive = datetime(2030, 1, 2, 9, 30)
    assert column_type.process_result_value(naive, None) == naive.replace(tzinfo=UTC)
    assert column_type.process_result_value(None, None) is None
    assert column_type.process_bind_param(None, None) is None


def test_every_timestamp_column_is_timezone_aware():
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if column.type.python_type is datetime:
                assert isinstance(column.type, UTCDateTime), f"{table.name}.{column.name}"


def test_constraints_follow_the_naming_convention():
    accounts = Base.metadata.tables["accounts"]
    names = {constraint.name for constraint in accounts.constraints}
    assert {"pk_accounts", "uq_accounts_email", "uq_accounts_handle_key"} <= names


def test_the_database_enforces_foreign_keys(session):
    session.add(ComplimentaryMembership(account_id=987654, reason="nobody"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.fixture
def unit_of_work_app(make_app):
    """An app with routes that change the database and then answer with a given status."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.post("/test/register/<handle>/<int:status>")
    def register(handle: str, status: int):
        services.register_account(f"{handle}@example.org", handle, DEFAULT_PASSWORD)
        if status >= 400:
            abort(status)
        return "", status

    @app.post("/test/register-and-crash/<handle>")
    def register_and_crash(handle: str):
        services.register_account(f"{handle}@example.org", handle, DEFAULT_PASSWORD)
        raise RuntimeError("the request failed after changing the database")

    return app


def stored_handles(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Account.handle)))


@pytest.mark.parametrize("status", [200, 201, 303])
def test_a_successful_request_commits_its_changes(unit_of_work_app, status):
    response = unit_of_work_app.test_client().post(f"/test/register/ada/{status}")
    assert response.status_code == status
    assert stored_handles(unit_of_work_app) == {"ada"}


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500])
def test_an_error_response_rolls_its_changes_back(unit_of_work_app, status):
    response = unit_of_work_app.test_client().post(f"/test/register/ada/{status}")
    assert response.status_code == status
    assert stored_handles(unit_of_work_app) == set()


def test_an_unexpected_error_rolls_its_changes_back(unit_of_work_app):
    client = unit_of_work_app.test_client()
    client.post("/test/register/ada/200")
    assert client.post("/test/register-and-crash/bea").status_code == 500
    assert stored_handles(unit_of_work_app) == {"ada"}


# The database refuses a status it does not know ---------------------------------------


@pytest.fixture
def one_of_each_group_row(session):
    """A group with a member, a thread, a reply, a report, a join request, an invitation."""
    from app.groups import moderation
    from app.groups import services as groups
    from app.groups.permissions import access_to
    from tests.helpers import make_group, make_member, make_reply, make_thread

    bea = make_member("bea")
    dan = make_account("dan")
    group = make_group(bea, "gardens", join_policy="request")
    reply = make_reply(make_thread(group, bea), bea)
    groups.request_to_join(access_to(group, dan), "")
    groups.invite(access_to(group, bea), "dan")
    moderation.report_post(access_to(group, dan), reply, "spam", "")
    session.commit()


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [
        ("groups", "visibility", "secret"),
        ("groups", "join_policy", "anyone"),
        ("group_members", "role", "owner"),
        ("group_join_requests", "status", "maybe"),
        ("group_invitations", "status", "lost"),
        ("reports", "reason", "boring"),
        ("threads", "reply_count", -1),
    ],
)
def test_the_database_refuses_a_value_outside_its_column_s_list(
    session, one_of_each_group_row, table, column, bad
):
    from sqlalchemy import func, update

    target = Base.metadata.tables[table]
    assert session.scalar(select(func.count()).select_from(target)) > 0
    with pytest.raises(IntegrityError):
        session.execute(update(target).values({column: bad}))
    session.rollback()
    assert f"ck_{table}_{column}" in {constraint.name for constraint in target.constraints}
