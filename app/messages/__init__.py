"""Direct messages: one-to-one conversations, and reporting a message to site admins."""

from flask import Blueprint, Flask

bp = Blueprint("messages", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.messages import routes  # noqa: F401

    app.register_blueprint(bp)
