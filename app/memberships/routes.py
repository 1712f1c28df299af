from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.billing import forms as billing_forms
from app.billing import services as billing
from app.db import utcnow
from app.memberships import bp, forms, services


@bp.get("/membership")
@login_required
def status():
    return render_template(
        "memberships/status.html",
        status=services.membership_status(current_user),
        invoices=billing.billing_history(current_user, request.args.get("before")),
        has_billing=billing.customer_for(current_user) is not None,
        price=billing.price_label(),
        checkout_form=billing_forms.CheckoutForm(formdata=None),
        portal_form=billing_forms.PortalForm(formdata=None),
    )


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


def _admin_page(form: forms.GrantComplimentaryForm, status: int = 200):
    before = request.args.get("before", type=int)
    grants, next_cursor = services.complimentary_page(before)
    return render_template(
        "memberships/admin.html",
        form=form,
        grants=grants,
        next_cursor=next_cursor,
        end_form=forms.EndComplimentaryForm(formdata=None),
        now=utcnow(),
    ), status


@bp.get("/admin/memberships")
@login_required
def list_complimentary():
    _require_admin()
    return _admin_page(forms.GrantComplimentaryForm(formdata=None))


@bp.post("/admin/memberships")
@login_required
def grant_complimentary():
    _require_admin()
    form = forms.GrantComplimentaryForm()
    if form.validate_on_submit():
        try:
            grant = services.grant_complimentary_to(
                form.handle.data, current_user, form.reason.data, form.ends_on.data
            )
        except services.MembershipError as error:
            field = getattr(form, error.field)
            field.errors = [*field.errors, error.message]
        else:
            flash(f"@{grant.account.handle} now has a complimentary membership.", "success")
            return redirect(url_for("memberships.list_complimentary"), code=303)
    return _admin_page(form, 400)


@bp.post("/admin/memberships/<int:grant_id>/end")
@login_required
def end_complimentary(grant_id: int):
    _require_admin()
    if not forms.EndComplimentaryForm().validate_on_submit():
        abort(400)
    try:
        grant = services.end_complimentary(grant_id)
    except services.MembershipError as error:
        flash(error.message, "error")
    else:
        flash(f"The complimentary membership of @{grant.account.handle} has ended.", "success")
    return redirect(url_for("memberships.list_complimentary"), code=303)
