"""A small demo community for `make run`: a few accounts, groups and conversations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Account
from app.db import db, utcnow
from app.memberships import services as memberships
from devstack.demo_groups import load_demo_groups


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
    DemoPerson("cai", None, "paper-harbor-tide", member=True),
    DemoPerson("dev", "Dev the gardener", "copper-fern-window", member=True),
    DemoPerson("eve", "Eve", "silver-orchard-rain", member=False),
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
        account.is_admin = person.admin
        if person.member:
            memberships.grant_complimentary(account, None, "Demo community member")
        created[person.handle] = account
    load_demo_groups(created)
    return created


def describe_demo() -> str:
    lines = ["Demo accounts (log in with the handle or email, and the password beside it):"]
    for person in PEOPLE:
        role = "admin, member" if person.admin else ("member" if person.member else "not a member")
        lines.append(
            f"  @{person.handle:<4} {person.email:<28} password: {person.password}  ({role})"
        )
    lines.append("Test card for the local Stripe sandbox: 4242 4242 4242 4242, any expiry and CVC.")
    return "\n".join(lines)
