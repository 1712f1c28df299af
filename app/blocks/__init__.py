"""Blocking an account: it can no longer message or mention you, and its posts are
collapsed for you in groups. Blocking is silent: the blocked account is never told."""

from flask import Blueprint, Flask

bp = Blueprint("blocks", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.blocks import routes

    app.register_blueprint(bp)
    app.context_processor(routes.template_helpers)
