from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.services import get_account_by_handle
from app.admin import bp, forms, services
from app.db import db
from app.groups import log, moderation


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin or current_user.is_suspended:
            abort(403, "Only site admins can see this page.")
        return view(*args, **kwargs)

    return wrapped


@bp.get("/accounts")
@admin_required
def list_accounts():
    search = request.args.get("q", "")[:30]
    page = services.find_accounts(search, request.args.get("after"))
    return render_template("admin/accounts.html", page=page, search=search)


def _suspension(handle: str, title: str, action):
    account = get_account_by_handle(handle)
    if account is None:
        abort(404)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        try:
            action(current_user, account, form.reason.data)
        except services.AdminError as error:
            db.session.rollback()
            if error.field is None:
                flash(error.message, "error")
                return redirect(url_for("admin.list_accounts", q=account.handle), code=303)
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            flash(f"Done: {title.lower()} @{account.handle}. It is in the site log.", "success")
            return redirect(url_for("admin.list_accounts", q=account.handle), code=303)
    return render_template(
        "admin/suspension.html", account=account, form=form, title=title
    ), 400 if form.errors else 200


@bp.route("/accounts/<handle>/suspend", methods=["GET", "POST"])
@admin_required
def suspend_account(handle: str):
    return _suspension(handle, "Suspend", services.suspend_account)


@bp.route("/accounts/<handle>/unsuspend", methods=["GET", "POST"])
@admin_required
def unsuspend_account(handle: str):
    return _suspension(handle, "Lift the suspension of", services.unsuspend_account)


@bp.get("/log")
@admin_required
def site_log():
    page = log.log_page(None, request.args.get("before"))
    return render_template("admin/log.html", page=page)


@bp.get("/reports")
@admin_required
def all_reports():
    page = moderation.all_open_reports(current_user, request.args.get("after"))
    return render_template("admin/reports.html", page=page, show_group=True)
