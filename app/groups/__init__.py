"""Groups, threads, replies and moderation in the open."""

from flask import Blueprint, Flask

bp = Blueprint("groups", __name__, template_folder="templates", url_prefix="/groups")


def init_app(app: Flask) -> None:
    from app.groups import links, routes  # noqa: F401

    app.register_blueprint(bp)
    links.init_app(app)
