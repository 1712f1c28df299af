"""What accounts keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from app.exports.archive import ExportContext, json_document, render_stream
from app.personal_data import Feature, Section, Table, register


def _account(ctx: ExportContext) -> dict:
    account = ctx.account
    return {
        "handle": account.handle,
        "display_name": account.display_name,
        "bio": account.bio,
        "email": account.email,
        "email_verified_at": account.email_verified_at,
        "created_at": account.created_at,
        "profile": ctx.links.profile(account.handle),
        "is_admin": account.is_admin,
        "suspended_at": account.suspended_at,
        "suspension_reason": account.suspension_reason,
    }


def write_account(ctx: ExportContext) -> Iterator[str]:
    return json_document("account.json", {"account": _account(ctx)})


def account_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream("exports/offline/account.html", account=_account(ctx))


register(
    Feature(
        name="accounts",
        tables=(
            Table(
                "accounts",
                title="Your account",
                holds="Your email address, handle, optional display name and bio, when you "
                "signed up and confirmed your address, a hash of your password (never the "
                "password itself), and whether you are a site admin or suspended, and why.",
                why="To know who you are when you sign in, to mail you the links you ask "
                "for, and to show your handle and name beside what you write.",
                kept="Until you delete your account.",
                export="account.json",
                on_delete="Removed: your email address, handle, name, bio and password hash "
                "are gone, and every session signed in as you ends. You can sign up again "
                "with the same address.",
                shared_with="Stripe receives your email address and your account number "
                "when you pay for a membership, to send you receipts.",
            ),
        ),
        sections=(
            Section(
                "account.json",
                "Account and profile",
                "Your account: email address, handle, display name, bio, when you signed up "
                "and confirmed your address, and any suspension. Your password hash and the "
                "secret your session cookie names are left out: they would only help "
                "someone pretend to be you.",
                write_account,
                account_html,
            ),
        ),
    )
)
