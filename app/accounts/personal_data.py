"""What accounts keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from app.accounts.models import AccountSession, Passkey, RecoveryCode, TotpSecret
from app.db import db
from app.exports.archive import ExportContext, json_document, render_stream, stream_records
from app.personal_data import Deletion, Feature, Section, Table, register


def _account(ctx: ExportContext) -> dict:
    account = ctx.account
    return {
        "handle": account.handle,
        "display_name": account.display_name,
        "bio": account.bio,
        "time_zone": account.time_zone,
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


# -- signing in: sessions and second factors ------------------------------------------------


def _sessions(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(AccountSession.created_at, AccountSession.last_used_on, AccountSession.device_name)
        .where(AccountSession.account_id == ctx.account.id)
        .order_by(AccountSession.created_at, AccountSession.id)
    )
    yield from stream_records(query)


def _sign_in(ctx: ExportContext) -> dict:
    account_id = ctx.account.id
    app = db.session.execute(
        select(TotpSecret.created_at, TotpSecret.confirmed_at).where(
            TotpSecret.account_id == account_id
        )
    ).first()
    codes = db.session.execute(
        select(RecoveryCode.created_at, RecoveryCode.used_at)
        .where(RecoveryCode.account_id == account_id)
        .order_by(RecoveryCode.id)
    ).all()
    keys = db.session.execute(
        select(Passkey.name, Passkey.created_at, Passkey.last_used_on)
        .where(Passkey.account_id == account_id)
        .order_by(Passkey.id)
    ).all()
    return {
        "authenticator_app": dict(app._mapping) if app else None,
        "recovery_codes": [dict(row._mapping) for row in codes],
        "passkeys": [dict(row._mapping) for row in keys],
    }


def write_sign_in(ctx: ExportContext) -> Iterator[str]:
    return json_document("sign-in.json", _sign_in(ctx), {"sessions": _sessions(ctx)})


def sign_in_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/sign_in.html", sign_in=_sign_in(ctx), sessions=_sessions(ctx)
    )


WHY_SECRETS_STAY = (
    "The secret itself is left out: a copy of it in a file would be a copy of your second factor."
)

SIGN_IN_TABLES = (
    Table(
        "account_sessions",
        title="Where you are signed in",
        holds="One row for each sign-in: when it started, the day it was last used, "
        "the device name you typed if you did, and a digest of the random token your "
        "session cookie carries. Never an address or a browser's description.",
        why="So you can see where you are signed in and sign any of it out at once.",
        kept="Until you sign that session out, change your password, or leave it "
        "unused for 30 days (SESSION_IDLE_DAYS).",
        export="sign-in.json",
        on_delete="Removed: every session ends.",
        references={"account_id": Deletion.REMOVED},
    ),
    Table(
        "totp_secrets",
        title="Your authenticator app",
        holds="The secret your authenticator app shares with us, when you set it up, "
        "and the last code step used (so a code never works twice).",
        why="To check the codes your app shows when you sign in.",
        kept="Until you switch two-factor sign-in off or delete your account.",
        export="sign-in.json",
        on_delete="Removed.",
        references={"account_id": Deletion.REMOVED},
    ),
    Table(
        "recovery_codes",
        title="Recovery codes",
        holds="A digest of each of your ten recovery codes (never the codes), when "
        "they were made and when each was used.",
        why="So you can sign in when your phone is lost.",
        kept="Until you make new ones, switch two-factor off or delete your account.",
        export="sign-in.json",
        on_delete="Removed.",
        references={"account_id": Deletion.REMOVED},
    ),
    Table(
        "passkeys",
        title="Passkeys",
        holds="Each passkey's name, its public key and credential number (nothing "
        "that can sign in anywhere), when it was added and last used.",
        why="To check a passkey when you sign in with it.",
        kept="Until you remove it, switch two-factor off or delete your account.",
        export="sign-in.json",
        on_delete="Removed.",
        references={"account_id": Deletion.REMOVED},
    ),
)
SIGN_IN_SECTION = Section(
    "sign-in.json",
    "Signing in",
    "Your sessions (when each started and was last used, and the device name you "
    "gave it), and your second factors: when your authenticator app was set up, "
    "when each recovery code was made and used, and your passkeys' names and "
    "dates. " + WHY_SECRETS_STAY + " So are the codes' digests, the passkeys' "
    "keys and the sessions' tokens: they would only help someone pretend to be "
    "you.",
    write_sign_in,
    sign_in_html,
)


register(
    Feature(
        name="accounts",
        tables=(
            Table(
                "accounts",
                title="Your account",
                holds="Your email address, handle, optional display name and bio, your time "
                "zone, when you "
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
            *SIGN_IN_TABLES,
        ),
        sections=(
            Section(
                "account.json",
                "Account and profile",
                "Your account: email address, handle, display name, bio, time zone, when you "
                "signed up "
                "and confirmed your address, and any suspension. Your password hash is left "
                "out: it would only help someone pretend to be you.",
                write_account,
                account_html,
            ),
            SIGN_IN_SECTION,
        ),
    )
)
