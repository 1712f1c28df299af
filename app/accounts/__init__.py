"""Accounts: sign-up, verification, sign-in, passwords, email, profile."""

from flask import Blueprint, Flask, g

bp = Blueprint("accounts", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.accounts import cli, routes  # noqa: F401
    from app.accounts.services import get_account_by_login_id
    from app.extensions import login_manager

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    # The session cookie is the only cookie; nothing about the client is stored in it.
    login_manager.session_protection = None
    login_manager.user_loader(get_account_by_login_id)
    app.before_request(_forget_cached_user)
    app.register_blueprint(bp)
    app.cli.add_command(cli.users)


def _forget_cached_user() -> None:
    """Decide who is signed in from this request's own cookie.

    Flask-Login caches the user on ``g``; requests that share an app context
    (as tests do) must not inherit the previous request's user.
    """
    g.pop("_login_user", None)
