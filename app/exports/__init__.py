"""Your data is yours: a member's export, a group's archive, and the record of both.

Account deletion lives in ``app.accounts.deletion``; what every feature keeps, exports
and deletes is declared in ``app.personal_data``.
"""

from flask import Blueprint, Flask

bp = Blueprint("exports", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    from app.exports import routes  # noqa: F401

    app.register_blueprint(bp)
