"""Public pages that belong to no feature: home, about, privacy."""

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.pages import routes  # noqa: F401

    app.register_blueprint(bp)
