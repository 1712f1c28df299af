"""Search: find again what was said, in the posts one may read."""

from flask import Blueprint, Flask

from app.search import schema  # noqa: F401  (the index's DDL, on the metadata)

bp = Blueprint("search", __name__, template_folder="templates", url_prefix="/search")


def init_app(app: Flask) -> None:
    from app.search import cli, routes  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.search)
