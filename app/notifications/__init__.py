"""Notifications: the notifications page, the unread count in the header, watching and
muting threads, email preferences, unsubscribe links and the daily digest."""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.extensions import csrf
    from app.notifications import cli, routes

    app.register_blueprint(bp)
    app.context_processor(routes.template_helpers)
    # The signed token in its address is what authorises an unsubscribe, so mail programs
    # can POST to it in one click (RFC 8058) with no session and no CSRF token.
    csrf.exempt(routes.unsubscribe)
    app.cli.add_command(cli.notifications)
