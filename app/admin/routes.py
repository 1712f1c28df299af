"""Admin pages. Every one of them is behind ``app.admin.guard_admin_pages``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.services import get_account_by_handle
from app.admin import bp, forms, services
from app.forms import refuse
from app.groups import log, moderation


@bp.get("/accounts")
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
            if not refuse(error, form):
                return redirect(url_for("admin.list_accounts", q=account.handle), code=303)
        else:
            flash(f"Done: {title.lower()} @{account.handle}. It is in the site log.", "success")
            return redirect(url_for("admin.list_accounts", q=account.handle), code=303)
    return render_template(
        "admin/suspension.html", account=account, form=form, title=title
    ), 400 if form.errors else 200


@bp.route("/accounts/<handle>/suspend", methods=["GET", "POST"])
def suspend_account(handle: str):
    return _suspension(handle, "Suspend", services.suspend_account)


@bp.route("/accounts/<handle>/unsuspend", methods=["GET", "POST"])
def unsuspend_account(handle: str):
    return _suspension(handle, "Lift the suspension of", services.unsuspend_account)


@bp.get("/accounts/new")
def new_accounts():
    page = services.new_accounts(request.args.get("before"))
    return render_template(
        "admin/new_accounts.html",
        page=page,
        posts=services.first_posts(page.items),
        days=services.NEW_ACCOUNTS_DAYS,
    )


@bp.route("/accounts/<handle>/suspend-and-hide", methods=["GET", "POST"])
def suspend_spammer(handle: str):
    return _suspension(handle, "Suspend and hide every post of", services.suspend_spammer)


@bp.get("/log")
def site_log():
    page = log.log_page(None, request.args.get("before"))
    return render_template("admin/log.html", page=page)


@bp.get("/reports")
def all_reports():
    page = moderation.all_open_reports(current_user, request.args.get("after"))
    return render_template("admin/reports.html", page=page, show_group=True)
