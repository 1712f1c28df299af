"""Accounts: sign-up, verification, sign-in (two-factor too), sessions, passwords, profile."""

from __future__ import annotations

from flask import Blueprint, Flask, g, session

bp = Blueprint("accounts", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.accounts import avatars, cli, routes, session_routes, two_factor_routes  # noqa: F401
    from app.extensions import login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    # The session cookie is the only cookie; nothing about the client is stored in it.
    login_manager.session_protection = None
    # The cookie names a session (a row of account_sessions), not the account itself.
    login_manager.id_attribute = "session_token"
    login_manager.user_loader(_load_signed_in_account)
    app.before_request(_forget_cached_user)
    app.register_blueprint(bp)
    app.cli.add_command(cli.users)
    app.add_template_global(avatars.avatar_url)
    app.add_template_global(avatars.profile_url)
    app.add_template_global(avatars.byline)


def _load_signed_in_account(token: str):
    """The account whose session the cookie names; a cookie naming a session that has
    ended (signed out, expired) signs nobody in and is emptied."""
    from app.accounts.sessions import resume_session

    account = resume_session(token)
    if account is None:
        for key in ("_user_id", "_fresh", "_id", "_permanent"):
            session.pop(key, None)
    return account


def _forget_cached_user() -> None:
    """Decide who is signed in from this request's own cookie.

    Flask-Login caches the user on ``g``; requests that share an app context
    (as tests do) must not inherit the previous request's user.
    """
    g.pop("_login_user", None)
