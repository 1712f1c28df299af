"""Accounts: sign-up, verification, sign-in, passwords, email, profile."""

from flask import Blueprint, Flask

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
    app.register_blueprint(bp)
    app.cli.add_command(cli.users)
