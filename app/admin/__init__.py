"""Site administration: suspending accounts site-wide, the site log, every report queue.

One guard covers every page under ``/admin``, whichever blueprint serves it (the
complimentary memberships at ``/admin/memberships`` live in ``memberships``): a visitor
is sent to log in, and anyone but a site admin who is not suspended gets a 403. With
ADMIN_REQUIRE_TWO_FACTOR, an admin without two-factor sign-in is sent to set it up first.
"""

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
ADMIN_PREFIX = "/admin"


def is_admin_path(rule: str) -> bool:
    return rule == ADMIN_PREFIX or rule.startswith(ADMIN_PREFIX + "/")


def guard_admin_pages():
    """Before any view under ``/admin``: only site admins who are not suspended."""
    rule = request.url_rule
    if rule is None or not is_admin_path(rule.rule) or request.method in EXEMPT_METHODS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin or current_user.is_suspended:
        abort(403, "Only site admins can see this page.")
    if current_app.config["ADMIN_REQUIRE_TWO_FACTOR"]:
        from app.accounts import two_factor

        if not two_factor.is_on(current_user):
            flash("Admin pages need two-factor sign-in. Please set it up first.", "info")
            return redirect(url_for("accounts.two_factor_settings"), code=303)
    return None


def init_app(app: Flask) -> None:
    from app.admin import routes  # noqa: F401

    app.register_blueprint(bp)
    app.before_request(guard_admin_pages)
