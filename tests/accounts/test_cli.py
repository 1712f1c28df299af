"""``flask users create-admin``: bootstrapping an operator."""

from __future__ import annotations

import re

from app.accounts import services
from tests.accounts.support import reload
from tests.helpers import make_account


def test_operator_creates_a_new_admin_with_a_printed_password(app, runner, client, session):
    result = runner.invoke(args=["users", "create-admin", "Operator@Example.org"])
    assert result.exit_code == 0, result.output
    match = re.search(
        r"Created admin @(\S+) <operator@example.org> with password: (\S+)", result.output
    )
    assert match
    handle, password = match.groups()
    account = services.get_account_by_email("operator@example.org")
    assert account.handle == handle == "operator"
    assert account.is_admin
    assert account.is_verified
    response = client.post("/login", data={"identifier": handle, "password": password})
    assert response.status_code == 303


def test_existing_account_is_promoted_and_keeps_its_password(runner, session):
    account = make_account("ada")
    before = account.password_hash
    result = runner.invoke(args=["users", "create-admin", "ADA@example.org"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "@ada <ada@example.org> is now an admin."
    account = reload(account)
    assert account.is_admin
    assert account.password_hash == before


def test_new_admin_may_be_given_a_handle(app, runner):
    result = runner.invoke(args=["users", "create-admin", "op@example.org", "--handle", "keeper"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert services.get_account_by_handle("keeper").email == "op@example.org"


def test_reserved_or_taken_local_parts_get_a_free_handle(runner, session):
    make_account("sam", email="someone@example.org")
    for email in ("admin@example.org", "sam@example.org", "x@example.org"):
        assert runner.invoke(args=["users", "create-admin", email]).exit_code == 0
    handles = {
        services.get_account_by_email(e).handle
        for e in ("admin@example.org", "sam@example.org", "x@example.org")
    }
    assert handles == {"admin-op", "sam2", "x-op"}


def test_create_admin_with_a_bad_handle_fails_and_creates_nothing(runner, session):
    result = runner.invoke(args=["users", "create-admin", "op@example.org", "--handle", "no way"])
    assert result.exit_code == 1
    assert "Handles are 3 to 30 characters" in result.output
    assert services.get_account_by_email("op@example.org") is None


def test_accounts_are_not_admins_by_default(session):
    assert make_account("ada").is_admin is False
