"""Sponsored seats: sponsors fund memberships, anyone who needs one gets one (PRODUCT.md,
"Sponsored seats, precisely")."""

from flask import Blueprint, Flask

bp = Blueprint("seats", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.seats import cli, routes  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.seats)
