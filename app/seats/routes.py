from __future__ import annotations

import stripe
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.billing.routes import PROVIDER_DOWN
from app.billing.services import customer_for, price_label
from app.forms import refuse
from app.memberships.services import current_membership
from app.seats import bp, forms, services, transparency


def _status_page(form: forms.ApplyForm, status: int = 200):
    application = services.latest_application(current_user)
    place = (
        services.waitlist_place(application)
        if application is not None and application.status == "waiting"
        else None
    )
    return render_template(
        "seats/status.html",
        form=form,
        withdraw_form=forms.WithdrawForm(formdata=None),
        application=application,
        place=place,
        membership=current_membership(current_user),
        available=services.available_seats(),
        policy=services.policy(),
    ), status


@bp.get("/seats")
@login_required
def status():
    return _status_page(forms.ApplyForm(formdata=None))


@bp.post("/seats/apply")
@login_required
def apply():
    form = forms.ApplyForm()
    if form.validate_on_submit():
        try:
            application = services.apply_for_seat(current_user, form.note.data or "")
        except services.SeatError as error:
            if not refuse(error, form):
                return redirect(url_for("seats.status"), code=303)
        else:
            if application.status == "granted":
                flash("A sponsored seat is yours: welcome, you are a member now.", "success")
            else:
                flash("You have asked for a seat. We will tell you when it is yours.", "success")
            return redirect(url_for("seats.status"), code=303)
    return _status_page(form, 400)


@bp.post("/seats/withdraw")
@login_required
def withdraw():
    if not forms.WithdrawForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_application(current_user)
    except services.SeatError as error:
        refuse(error)
    else:
        flash("Your request for a seat is withdrawn.", "success")
    return redirect(url_for("seats.status"), code=303)


# -- sponsors ------------------------------------------------------------------------------


def _sponsor_page(form: forms.SponsorForm, status: int = 200):
    return render_template(
        "seats/sponsor.html",
        form=form,
        summaries=services.sponsor_summaries(current_user),
        gifts=services.gifts_of(current_user),
        gift_days=services.GIFT_DAYS,
        has_billing=customer_for(current_user) is not None,
        price=price_label(),
    ), status


@bp.get("/sponsor")
@login_required
def sponsor():
    if session_id := request.args.get("session_id", ""):
        # Back from Checkout: count a paid one now (its webhook may still be on its way).
        try:
            services.confirm_sponsorship(current_user, session_id)
        except stripe.StripeError:
            current_app.logger.exception("Could not confirm a sponsorship checkout")
    return _sponsor_page(forms.SponsorForm(formdata=None))


@bp.post("/sponsor/checkout")
@login_required
def create_sponsorship():
    form = forms.SponsorForm()
    if not form.validate_on_submit():
        return _sponsor_page(form, 400)
    try:
        url = services.start_sponsorship(
            current_user,
            seats=form.seats.data,
            kind=form.kind.data,
            public_name=form.public_name.data if form.show_name.data else None,
            success_url=url_for("seats.sponsor", _external=True),
            cancel_url=url_for("seats.sponsor", _external=True),
        )
    except services.SeatError as error:
        refuse(error, form)
        return _sponsor_page(form, 400)
    except stripe.StripeError:
        current_app.logger.exception("Stripe refused to start a sponsorship checkout")
        flash(PROVIDER_DOWN, "error")
        return redirect(url_for("seats.sponsor"), code=303)
    return redirect(url, code=303)


# -- gifts ---------------------------------------------------------------------------------


@bp.get("/gifts/<token>")
def gift(token: str):
    found = services.gift_by_token(token)
    if found is None:
        abort(404)
    return render_template(
        "seats/gift.html", gift=found, token=token, form=forms.ClaimGiftForm(formdata=None)
    )


@bp.post("/gifts/<token>/claim")
@login_required
def claim_gift(token: str):
    if not forms.ClaimGiftForm().validate_on_submit():
        abort(400)
    try:
        services.claim_gift(token, current_user)
    except services.SeatError as error:
        refuse(error)
        return redirect(url_for("seats.gift", token=token), code=303)
    flash("The gift is yours: welcome, you are a member now.", "success")
    return redirect(url_for("seats.status"), code=303)


# -- the open books ------------------------------------------------------------------------


@bp.get("/transparency")
def transparency_page():
    books = transparency.open_books()
    return render_template(
        "seats/transparency.html",
        books=books,
        chart=transparency.chart_svg(books.months),
        price=price_label(),
    )


# -- review (admins): under /admin, so behind app.admin's one guard -------------------------


def _queue_page(decline_form: forms.DeclineForm, status: int = 200):
    return render_template(
        "seats/review.html",
        queue=services.review_queue(),
        available=services.available_seats(),
        approve_form=forms.ApproveForm(formdata=None),
        decline_form=decline_form,
    ), status


@bp.get("/admin/seats")
def review_queue():
    return _queue_page(forms.DeclineForm(formdata=None))


@bp.post("/admin/seats/<int:application_id>/approve")
def approve(application_id: int):
    if not forms.ApproveForm().validate_on_submit():
        abort(400)
    try:
        services.approve_application(application_id, current_user)
    except services.SeatError as error:
        refuse(error)
    else:
        flash("The seat is granted.", "success")
    return redirect(url_for("seats.review_queue"), code=303)


@bp.post("/admin/seats/<int:application_id>/decline")
def decline(application_id: int):
    form = forms.DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline_application(application_id, current_user, form.reason.data)
        except services.SeatError as error:
            if refuse(error, form):
                return _queue_page(form, 400)
        else:
            flash("The request is declined; the applicant sees your reason.", "success")
        return redirect(url_for("seats.review_queue"), code=303)
    return _queue_page(form, 400)
