"""Site administration: suspending accounts site-wide, the site log, every report queue."""

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


def init_app(app: Flask) -> None:
    from app.admin import routes  # noqa: F401

    app.register_blueprint(bp)
