"""Memberships: who may write, and why (paid, sponsored or complimentary)."""

from flask import Blueprint, Flask

bp = Blueprint("memberships", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.memberships import routes  # noqa: F401

    app.register_blueprint(bp)
