"""A small demo community for `make run`: a few accounts, groups and conversations, and
sponsored seats (a recurring sponsor, a sponsored member, seats left in the pool)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Account
from app.db import db, utcnow
from app.memberships import services as memberships
from devstack.demo_groups import load_demo_groups
from devstack.demo_seats import load_demo_seats


@dataclass(frozen=True)
class DemoPerson:
    handle: str
    display_name: str | None
    # Local demo only: well-known passwords so a newcomer can log in as anyone.
    password: str
    member: bool
    admin: bool = False

    @property
    def email(self) -> str:
        return f"{self.handle}@demo.kindred.localhost"


PEOPLE = (
    DemoPerson("ada", "Ada (operator)", "amber-lantern-river", member=True, admin=True),
    DemoPerson("bea", "Bea", "quiet-meadow-lamp", member=True),
    # cai's membership is a sponsored seat (devstack/demo_seats.py); nobody can tell.
    DemoPerson("cai", None, "paper-harbor-tide", member=False),
    DemoPerson("dev", "Dev the gardener", "copper-fern-window", member=True),
    DemoPerson("eve", "Eve", "silver-orchard-rain", member=False),
    # Sponsors 5 seats every year without being a member herself.
    DemoPerson("fay", "Fay (sponsor)", "amber-willow-kite", member=False),
)


def has_accounts() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Account)))


def load_demo_community() -> dict[str, Account]:
    """Create the demo accounts, memberships and groups. Call only on an empty database."""
    created: dict[str, Account] = {}
    for person in PEOPLE:
        account = accounts.register_account(
            person.email, person.handle, person.password, person.display_name
        )
        account.email_verified_at = utcnow()
        # An established community: past the new-account limits.
        account.created_at = utcnow() - timedelta(days=30)
        account.is_admin = person.admin
        if person.member:
            memberships.grant_complimentary(account, None, "Demo community member")
        created[person.handle] = account
    db.session.flush()
    load_demo_seats(created)
    load_demo_groups(created)
    return created


def describe_demo() -> str:
    """The demo accounts as the database has them now: a changed email, password, role or
    membership shows as it is, not as the demo first made it."""
    lines = ["Demo accounts (log in with the handle or email, and the password beside it):"]
    for person in PEOPLE:
        account = accounts.get_account_by_handle(person.handle)
        if account is None:
            lines.append(f"  @{person.handle:<4} no longer exists")
            continue
        password = (
            f"password: {person.password}"
            if _password_still_works(account, person.password)
            else "password: changed since the demo was loaded"
        )
        lines.append(f"  @{account.handle:<4} {account.email:<28} {password}  ({_state(account)})")
    lines.append("Test card for the local Stripe sandbox: 4242 4242 4242 4242, any expiry and CVC.")
    return "\n".join(lines)


def _password_still_works(account: Account, password: str) -> bool:
    try:
        accounts.authenticate(account.handle, password)
    except accounts.UnverifiedEmail:
        return True
    except accounts.AccountError:
        return False
    return True


def _state(account: Account) -> str:
    facts = []
    if account.is_admin:
        facts.append("admin")
    facts.append("member" if memberships.is_member(account) else "not a member")
    if not account.is_verified:
        facts.append("email not verified")
    if account.is_suspended:
        facts.append("suspended")
    return ", ".join(facts)
