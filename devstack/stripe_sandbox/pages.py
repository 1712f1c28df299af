"""The hosted Checkout and Billing Portal pages, rendered on the server without JavaScript.

Posts here need no CSRF token: the sandbox is local test infrastructure holding only fake
cards.  Events are delivered before the redirect so the app usually knows the outcome by
the time the member lands back on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, make_response, redirect, render_template, request

from .api import sandbox_state
from .cards import TEST_CARDS, format_number, read_card
from .errors import SandboxError
from .state import SandboxState

pages = Blueprint("sandbox_pages", __name__)


def money(amount: int, currency: str) -> str:
    """``6000, "usd"`` -> ``$60.00``; other currencies keep their code."""
    value = f"{amount / 100:,.2f}"
    return f"${value}" if currency == "usd" else f"{value} {currency.upper()}"


def date(timestamp: int | None) -> str:
    """A unix timestamp as ``28 Oct 2026`` (UTC)."""
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%-d %b %Y")


def _page(html: str, status: int, *form_targets: str | None) -> Response:
    response = make_response(html, status)
    # The form may post here and then be redirected to the app, so the app's origin is
    # allowed as a form target too.
    origins = {_origin(url) for url in form_targets if url}
    form_action = " ".join(["'self'", *sorted(origins)])
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _not_found(what: str) -> Response:
    html = render_template("sandbox_message.html", title=f"{what} not found", message=None)
    return _page(html, 404)


# -- checkout --------------------------------------------------------------------------


def _render_checkout(state: SandboxState, session_id: str, error: str | None, status: int):
    session = state.retrieve("checkout_sessions", session_id, ["line_items"])
    lines = session["line_items"]["data"]
    html = render_template(
        "sandbox_checkout.html",
        session=session,
        lines=lines,
        total=money(session["amount_total"], session["currency"]),
        email=_checkout_email(state, session),
        recurring=lines[0]["price"]["recurring"],
        money=money,
        error=error,
        test_cards=[(format_number(number), note) for number, note in TEST_CARDS],
        form=request.form if request.method == "POST" else {},
    )
    return _page(html, status, session["success_url"])


def _checkout_email(state: SandboxState, session: dict) -> str | None:
    if session["customer"]:
        customer = state.retrieve("customers", session["customer"])
        return customer.get("email")
    return session["customer_email"]


@pages.get("/checkout/<session_id>")
def checkout(session_id: str) -> Response:
    """Show what is being bought and the card form (or the session's final state)."""
    try:
        return _render_checkout(sandbox_state(), session_id, None, 200)
    except SandboxError:
        return _not_found("Checkout session")


@pages.post("/checkout/<session_id>")
def pay(session_id: str) -> Response:
    """Pay with a test card; redirect to the app's success URL, or explain what went wrong."""
    state = sandbox_state()
    try:
        state.retrieve("checkout_sessions", session_id)
    except SandboxError:
        return _not_found("Checkout session")
    form = request.form
    try:
        card = read_card(form.get("card_number", ""), form.get("expiry", ""), form.get("cvc", ""))
        session = state.complete_checkout(session_id, card)
    except SandboxError as error:
        return _render_checkout(state, session_id, error.message, error.status)
    return redirect(session["success_url"], code=303)


# -- portal ----------------------------------------------------------------------------


@pages.get("/portal/<portal_id>")
def portal(portal_id: str) -> Response:
    """The customer's subscriptions (with cancel/resume) and invoices."""
    state = sandbox_state()
    try:
        portal_session = state.retrieve("portal_sessions", portal_id)
    except SandboxError:
        return _not_found("Billing portal session")
    customer_id = portal_session["customer"]
    customer = state.retrieve("customers", customer_id)
    subscriptions = state.list_subscriptions(
        {"customer": customer_id, "status": "all", "limit": 100}
    )["data"]
    invoices = state.list_invoices({"customer": customer_id, "limit": 100})["data"]
    products = {
        item["price"]["product"]: state.retrieve("products", item["price"]["product"])["name"]
        for sub in subscriptions
        for item in sub["items"]["data"]
    }
    html = render_template(
        "sandbox_portal.html",
        portal=portal_session,
        customer=customer,
        subscriptions=subscriptions,
        invoices=invoices,
        products=products,
        money=money,
        date=date,
        period_end=lambda sub: min(i["current_period_end"] for i in sub["items"]["data"]),
    )
    return _page(html, 200)


@pages.post("/portal/<portal_id>/subscriptions/<subscription_id>/<action>")
def portal_action(portal_id: str, subscription_id: str, action: str) -> Response:
    """``cancel`` sets cancel-at-period-end, ``resume`` clears it; then back to the portal."""
    state = sandbox_state()
    if action not in ("cancel", "resume"):
        return _not_found("Action")
    try:
        customer_id = state.retrieve("portal_sessions", portal_id)["customer"]
        subscription = state.retrieve("subscriptions", subscription_id)
    except SandboxError:
        return _not_found("Subscription")
    if subscription["customer"] != customer_id:
        return _not_found("Subscription")
    if action == "cancel":
        state.update_subscription(subscription_id, {"cancel_at_period_end": "true"})
    elif subscription["cancel_at_period_end"]:
        state.update_subscription(subscription_id, {"cancel_at_period_end": "false"})
    else:
        state.update_subscription(subscription_id, {"cancel_at": ""})
    return redirect(f"/portal/{portal_id}", code=303)


# -- hosted invoice page -----------------------------------------------------------------


def _render_invoice(state: SandboxState, invoice_id: str, error: str | None, status: int):
    invoice = state.retrieve("invoices", invoice_id, ["payments"])
    intent_id = state.invoice_payment_intent_id(invoice_id)
    intent = state.retrieve("payment_intents", intent_id) if intent_id else None
    html = render_template(
        "sandbox_invoice.html",
        invoice=invoice,
        account_name=invoice["account_name"],
        needs_confirmation=invoice["status"] == "open"
        and intent is not None
        and intent["status"] == "requires_action",
        last4=state.saved_card_last4(invoice["customer"]),
        money=money,
        date=date,
        error=error,
    )
    return _page(html, status)


@pages.get("/invoice/<invoice_id>")
def hosted_invoice(invoice_id: str) -> Response:
    """The invoice's hosted page: what it is for, and a confirm button when the bank asks
    the card holder to confirm the payment (3-D Secure)."""
    try:
        return _render_invoice(sandbox_state(), invoice_id, None, 200)
    except SandboxError:
        return _not_found("Invoice")


@pages.post("/invoice/<invoice_id>/confirm")
def confirm_invoice(invoice_id: str) -> Response:
    """Confirm the payment; back to the invoice page, which then shows it paid."""
    state = sandbox_state()
    try:
        state.retrieve("invoices", invoice_id)
    except SandboxError:
        return _not_found("Invoice")
    try:
        state.confirm_invoice_payment(invoice_id)
    except SandboxError as error:
        return _render_invoice(state, invoice_id, error.message, error.status)
    return redirect(f"/invoice/{invoice_id}", code=303)
