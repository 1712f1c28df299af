from __future__ import annotations

import stripe
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.billing import bp, forms, services, webhooks
from app.memberships.services import current_membership

PROVIDER_DOWN = (
    "We could not reach our payment provider just now, so nothing has changed. "
    "Please try again in a minute."
)


@bp.post("/membership/checkout")
@login_required
def create_checkout():
    if not forms.CheckoutForm().validate_on_submit():
        flash("That form had expired. Please try again.", "error")
        return redirect(url_for("memberships.status"), code=303)
    try:
        checkout_url = services.start_checkout(
            current_user,
            success_url=url_for("billing.welcome", _external=True),
            cancel_url=url_for("billing.checkout_cancelled", _external=True),
        )
    except services.BillingError as error:
        flash(error.message, "error")
        return redirect(url_for("memberships.status"), code=303)
    except stripe.StripeError:
        current_app.logger.exception("Stripe refused to start a checkout")
        flash(PROVIDER_DOWN, "error")
        return redirect(url_for("memberships.status"), code=303)
    return redirect(checkout_url, code=303)


@bp.get("/membership/welcome")
@login_required
def welcome():
    membership = current_membership(current_user)
    session_id = request.args.get("session_id", "")
    if membership is None and session_id:
        try:
            services.confirm_checkout(current_user, session_id)
        except stripe.StripeError:
            current_app.logger.exception("Could not confirm a checkout session")
        membership = current_membership(current_user)
    return render_template("billing/welcome.html", membership=membership)


@bp.get("/membership/cancelled")
@login_required
def checkout_cancelled():
    return render_template("billing/cancelled.html", form=forms.CheckoutForm())


@bp.post("/membership/billing-portal")
@login_required
def open_portal():
    if not forms.PortalForm().validate_on_submit():
        flash("That form had expired. Please try again.", "error")
        return redirect(url_for("memberships.status"), code=303)
    try:
        portal_url = services.billing_portal_url(
            current_user, return_url=url_for("memberships.status", _external=True)
        )
    except services.BillingError as error:
        flash(error.message, "error")
        return redirect(url_for("memberships.status"), code=303)
    except stripe.StripeError:
        current_app.logger.exception("Stripe refused to open the billing portal")
        flash(PROVIDER_DOWN, "error")
        return redirect(url_for("memberships.status"), code=303)
    return redirect(portal_url, code=303)


@bp.post("/stripe/webhook")
def receive_webhook():
    try:
        event = webhooks.verify(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            current_app.config["STRIPE_WEBHOOK_SECRET"] or "",
        )
    except webhooks.InvalidWebhook:
        return {"error": "invalid signature"}, 400
    applied = webhooks.handle_event(event)
    return {"received": True, "duplicate": not applied}
