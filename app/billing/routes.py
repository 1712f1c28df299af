from __future__ import annotations

from collections.abc import Callable

import stripe
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.billing import bp, forms, services, stripe_api, webhooks
from app.memberships.services import current_membership

PROVIDER_DOWN = (
    "We could not reach our payment provider just now, so nothing has changed. "
    "Please try again in a minute."
)


def _to_stripe(make_url: Callable[[], str], what: str):
    """Redirect to the Stripe-hosted page ``make_url`` creates, or back with a message."""
    try:
        url = make_url()
    except services.BillingError as error:
        flash(error.message, "error")
    except stripe.StripeError:
        current_app.logger.exception("Stripe refused to %s", what)
        flash(PROVIDER_DOWN, "error")
    else:
        return redirect(url, code=303)
    return redirect(url_for("memberships.status"), code=303)


def _form_expired():
    flash("That form had expired. Please try again.", "error")
    return redirect(url_for("memberships.status"), code=303)


@bp.post("/membership/checkout")
@login_required
def create_checkout():
    form = forms.CheckoutForm()
    if not form.validate_on_submit():
        return _form_expired()
    return _to_stripe(
        lambda: services.start_checkout(
            current_user,
            success_url=url_for("billing.welcome", _external=True),
            cancel_url=url_for("billing.checkout_cancelled", _external=True),
            seats=int(form.seats.data or 0),
        ),
        "start a checkout",
    )


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
        return _form_expired()
    return _to_stripe(
        lambda: services.billing_portal_url(
            current_user, return_url=url_for("memberships.status", _external=True)
        ),
        "open the billing portal",
    )


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
    try:
        applied = webhooks.handle_event(event)
    except stripe.StripeError as error:
        if not (stripe_api.is_busy(error) or isinstance(error, stripe.APIConnectionError)):
            raise
        # Nothing is kept (the response is an error, so the request rolls back): Stripe
        # delivers the event again later.
        current_app.logger.warning("Stripe busy during %s; asked for a retry", event["id"])
        return {"error": "Stripe is busy; please retry"}, 503, {"Retry-After": "60"}
    return {"received": True, "duplicate": not applied}
