from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.models import Account
from app.accounts.routes import safe_next
from app.blocks import bp, forms, services
from app.forms import refuse


def template_helpers() -> dict:
    """``blocked_account_ids()``: whom the viewer blocked (one query per request, on first
    use), so group pages can collapse their posts without every route passing it."""

    def blocked_account_ids() -> set[int]:
        cached = request.environ.get("kindred.blocked_ids")
        if cached is None:
            viewer = current_user if current_user.is_authenticated else None
            cached = request.environ["kindred.blocked_ids"] = services.blocked_ids(viewer)
        return cached

    def has_blocked_account(account: Account) -> bool:
        return account.id in blocked_account_ids()

    return {
        "blocked_account_ids": blocked_account_ids,
        "has_blocked_account": has_blocked_account,
    }


def _blocked_page(form: forms.BlockForm, status: int = 200):
    return render_template(
        "blocks/blocked.html",
        form=form,
        page=services.blocks_page(current_user, request.args.get("before")),
    ), status


@bp.get("/settings/blocked")
@login_required
def blocked_accounts():
    return _blocked_page(forms.BlockForm(formdata=None))


@bp.post("/settings/blocked")
@login_required
def block_by_handle():
    form = forms.BlockForm()
    if form.validate_on_submit():
        try:
            account = services.block(current_user, form.handle.data)
        except services.BlockError as error:
            refuse(error, form)
        else:
            flash(f"You blocked @{account.handle}. They are not told.", "success")
            return redirect(url_for("blocks.blocked_accounts"), code=303)
    return _blocked_page(form, 400)


def _back(account: Account):
    """To the page the form was on (``next``, a path on this site), else the profile."""
    target = safe_next(request.form.get("next"))
    return redirect(target or url_for("accounts.profile", handle=account.handle), code=303)


@bp.post("/u/<handle>/block")
@login_required
def block_account(handle: str):
    try:
        account = services.block(current_user, handle)
    except services.BlockError as error:
        refuse(error)
        return redirect(url_for("blocks.blocked_accounts"), code=303)
    flash(f"You blocked @{account.handle}. They are not told.", "success")
    return _back(account)


@bp.post("/u/<handle>/unblock")
@login_required
def unblock_account(handle: str):
    try:
        account = services.unblock(current_user, handle)
    except services.BlockError as error:
        refuse(error)
        return redirect(url_for("blocks.blocked_accounts"), code=303)
    flash(f"You unblocked @{account.handle}.", "success")
    return _back(account)
