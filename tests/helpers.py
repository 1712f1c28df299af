"""Small helpers that make test data. Each commits, as a finished request would."""

from __future__ import annotations

import re
from datetime import datetime

from app.accounts import services as accounts
from app.accounts.models import Account
from app.db import db, utcnow
from app.memberships import services as memberships

DEFAULT_PASSWORD = "correct horse battery staple"


def make_account(
    handle: str = "ada",
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    *,
    verified: bool = True,
    admin: bool = False,
    display_name: str | None = None,
) -> Account:
    """An account that can log in (verified unless told otherwise). Needs an app context."""
    account = accounts.register_account(
        email or f"{handle.lower()}@example.org", handle, password, display_name
    )
    if verified:
        account.email_verified_at = utcnow()
    account.is_admin = admin
    db.session.commit()
    return account


def make_member(handle: str = "ada", ends_at: datetime | None = None, **kwargs) -> Account:
    """An account with a complimentary membership: a member with no payment involved."""
    account = make_account(handle, **kwargs)
    memberships.grant_complimentary(account, None, "test member", ends_at=ends_at)
    db.session.commit()
    return account


def links_in(message) -> list[str]:
    """Every http(s) link in a sent message's body."""
    return re.findall(r"https?://\S+", message.get_content())


def csrf_token(client, path: str) -> str:
    """Fetch a page and return the CSRF token from its first form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sandbox_time(state) -> datetime:
    """The Stripe sandbox's clock (it moves on when a test advances it) as a UTC datetime."""
    from datetime import UTC

    return datetime.fromtimestamp(state.now(), UTC)


def checkout_session_id(checkout_url: str) -> str:
    """The Checkout Session id at the end of a sandbox hosted-page URL."""
    return checkout_url.rstrip("/").rsplit("/", 1)[-1]


def make_paid_member(state, handle: str = "ada", *, deliver: bool = True, **kwargs) -> Account:
    """An account that paid for a yearly membership in the Stripe sandbox ``state`` (served,
    with the app's STRIPE_API_BASE pointing at it).  Webhooks are delivered unless told not
    to.  Needs an app context and the catalog synced (``billing.membership_price``)."""
    from app.billing import services as billing
    from devstack.stripe_sandbox.cards import read_card

    account = make_account(handle, **kwargs)
    billing.membership_price(create=True)
    url = billing.start_checkout(
        account, "http://kindred.test/membership/welcome", "http://kindred.test/membership"
    )
    db.session.commit()
    state.complete_checkout(
        checkout_session_id(url), read_card("4242424242424242", "12 / 34", "123")
    )
    if deliver:
        state.deliver_pending()
    return account


def make_group(
    host: Account,
    slug: str = "gardens",
    *,
    name: str | None = None,
    visibility: str = "public",
    join_policy: str = "open",
    purpose: str = "Growing things in small spaces.",
):
    """A group started by ``host`` (who must be a member), committed."""
    from app.groups import services as groups

    group = groups.create_group(
        host, name or slug.replace("-", " ").title(), slug, purpose, "", visibility, join_policy
    )
    db.session.commit()
    return group


def add_to_group(group, account: Account, role: str = "member"):
    """Put ``account`` straight into ``group`` with ``role``, committed."""
    from app.groups.models import GroupMember

    member = GroupMember(group_id=group.id, account_id=account.id, role=role)
    db.session.add(member)
    db.session.commit()
    return member


def make_thread(group, author: Account, title: str = "A question", body: str = "What now?"):
    """A thread by ``author`` (a writing member of ``group``), committed."""
    from app.groups import services as groups
    from app.groups.permissions import access_to

    thread = groups.start_thread(access_to(group, author), title, body)
    db.session.commit()
    return thread


def make_reply(thread, author: Account, body: str = "An answer."):
    """A reply by ``author`` in ``thread``, committed."""
    from app.groups import services as groups
    from app.groups.permissions import access_to

    post = groups.reply(access_to(thread.group, author), thread, body)
    db.session.commit()
    return post
