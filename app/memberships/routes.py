from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.billing import forms as billing_forms
from app.billing import services as billing
from app.db import utcnow
from app.forms import refuse
from app.input import id_arg
from app.memberships import bp, forms, services


@bp.get("/membership")
@login_required
def status():
    return render_template(
        "memberships/status.html",
        status=services.membership_status(current_user),
        invoices=billing.billing_history(current_user, request.args.get("before")),
        has_billing=billing.has_paid(current_user),
        price=billing.price_label(),
        checkout_form=billing_forms.CheckoutForm(formdata=None),
        portal_form=billing_forms.PortalForm(formdata=None),
    )


# Complimentary memberships, for admins: under /admin, so behind app.admin's one guard.


def _admin_page(form: forms.GrantComplimentaryForm, status: int = 200):
    grants, next_cursor = services.complimentary_page(id_arg("before"))
    return render_template(
        "memberships/admin.html",
        form=form,
        grants=grants,
        next_cursor=next_cursor,
        end_form=forms.EndComplimentaryForm(formdata=None),
        now=utcnow(),
    ), status


@bp.get("/admin/memberships")
def list_complimentary():
    return _admin_page(forms.GrantComplimentaryForm(formdata=None))


@bp.post("/admin/memberships")
def grant_complimentary():
    form = forms.GrantComplimentaryForm()
    if form.validate_on_submit():
        try:
            grant = services.grant_complimentary_to(
                form.handle.data, current_user, form.reason.data, form.ends_on.data
            )
        except services.MembershipError as error:
            refuse(error, form)
        else:
            flash(f"@{grant.account.handle} now has a complimentary membership.", "success")
            return redirect(url_for("memberships.list_complimentary"), code=303)
    return _admin_page(form, 400)


@bp.post("/admin/memberships/<int:grant_id>/end")
def end_complimentary(grant_id: int):
    if not forms.EndComplimentaryForm().validate_on_submit():
        abort(400)
    try:
        grant = services.end_complimentary(grant_id)
    except services.MembershipError as error:
        refuse(error)
    else:
        flash(f"The complimentary membership of @{grant.account.handle} has ended.", "success")
    return redirect(url_for("memberships.list_complimentary"), code=303)
