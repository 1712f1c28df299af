"""One unit of work per request, whole or not at all.

A service that changes rows and then says no (raises a ``DomainError``) leaves nothing
behind, whether the route turns the refusal into a flashed message and a redirect (a
303, which commits), a message on a form field, or does not catch it at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Account
from app.admin import services as admin
from app.db import db
from app.domain import DomainError
from app.groups import services as groups
from app.memberships import services as memberships
from app.memberships.models import ComplimentaryMembership
from tests.accounts.support import page
from tests.helpers import make_account, make_group, make_member

HALF_DONE = "half-done"


def _write_then_raise(error: DomainError):
    """A stand-in service: it changes a row (and flushes), then refuses."""

    def service(*_args, **_kwargs):
        bystander = db.session.scalar(select(Account).where(Account.handle == "dan"))
        bystander.display_name = HALF_DONE
        db.session.flush()
        raise error

    return service


@pytest.fixture
def people(session):
    make_account("opal", admin=True)
    bea = make_member("bea")
    make_member("cai")
    make_account("dan")
    make_group(bea, "gardens")
    grant = session.scalar(select(ComplimentaryMembership).order_by(ComplimentaryMembership.id))
    return {"grant": grant.id}


CASES = [
    # (who, module, service, error, path, form data, status)
    (
        "bea",
        accounts,
        "confirm_email_change",
        accounts.InvalidToken("This link has expired."),
        "/settings/email/some-token",
        {},
        303,
    ),
    (
        "bea",
        accounts,
        "update_profile",
        accounts.AccountError("A refusal this route does not expect."),
        "/settings/profile",
        {"display_name": "Bea", "bio": ""},
        400,
    ),
    (
        "bea",
        accounts,
        "change_password",
        accounts.AccountError("Not like that.", "new_password"),
        "/settings/password",
        {"current_password": "x", "new_password": "y"},
        400,
    ),
    (
        "opal",
        memberships,
        "end_complimentary",
        memberships.MembershipError("Already over."),
        "/admin/memberships/{grant}/end",
        {},
        303,
    ),
    (
        "opal",
        memberships,
        "grant_complimentary_to",
        memberships.MembershipError("No such handle.", "handle"),
        "/admin/memberships",
        {"handle": "dan", "reason": "Staff"},
        400,
    ),
    (
        "opal",
        admin,
        "suspend_account",
        admin.AdminError("Already suspended."),
        "/admin/accounts/cai/suspend",
        {"reason": "Spam"},
        303,
    ),
    ("cai", groups, "join_group", groups.GroupError("Not now."), "/groups/gardens/join", {}, 303),
    ("cai", groups, "join_group", groups.Forbidden("Banned."), "/groups/gardens/join", {}, 403),
    (
        "cai",
        groups,
        "join_group",
        DomainError("A refusal no route expected."),
        "/groups/gardens/join",
        {},
        400,
    ),
]


@pytest.mark.parametrize(
    ("who", "module", "name", "error", "path", "data", "status"),
    CASES,
    ids=[f"{case[2]}: {type(case[3]).__name__} -> {case[6]}" for case in CASES],
)
def test_a_service_that_writes_and_then_refuses_leaves_nothing_behind(
    client, auth, session, people, monkeypatch, who, module, name, error, path, data, status
):
    monkeypatch.setattr(module, name, _write_then_raise(error))
    auth.login(who)
    response = client.post(path.format(**people), data=data)
    assert response.status_code == status
    session.expire_all()
    assert session.scalar(select(Account.display_name).where(Account.handle == "dan")) is None
    if status == 303:
        assert error.message in page(client.get(response.headers["Location"]))
    else:
        assert error.message in page(response)
