"""``/_sandbox/...``: POST-only JSON controls for demos and browser tests.

Unlike the REST API these deliver the resulting webhooks before answering, so a test that
renews a subscription can check the app's reaction as soon as the call returns.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .api import json_response, sandbox_state
from .errors import SandboxError
from .params import as_bool

control = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


def _number(name: str) -> float:
    value = request.values.get(name, "0") or "0"
    try:
        return float(value)
    except ValueError:
        raise SandboxError(f"Invalid number: {value}", param=name) from None


@control.errorhandler(SandboxError)
def _error(error: SandboxError) -> Response:
    return json_response(error.to_dict(), error.status)


@control.post("/advance")
def advance() -> Response:
    """Move the clock by ``days``, ``hours`` and/or ``seconds``; returns the new ``now``."""
    seconds = _number("days") * 86400 + _number("hours") * 3600 + _number("seconds")
    return json_response({"now": sandbox_state().advance(seconds)})


@control.post("/subscriptions/<subscription_id>/renew")
def renew(subscription_id: str) -> Response:
    """Jump to the subscription's period end and renew (or end) it."""
    return json_response(sandbox_state().renew_now(subscription_id))


@control.post("/subscriptions/<subscription_id>/fail_renewal")
def fail_renewal(subscription_id: str) -> Response:
    """Make the subscriber's card fail, then jump to the period end."""
    return json_response(sandbox_state().fail_renewal(subscription_id))


@control.post("/customers/<customer_id>/card_fails")
def card_fails(customer_id: str) -> Response:
    """Set whether the customer's saved card declines (``fails=true|false``)."""
    fails = as_bool(request.values.get("fails", "true"), "fails")
    sandbox_state().set_card_fails(customer_id, fails)
    return json_response({"customer": customer_id, "card_fails": fails})


@control.post("/customers/<customer_id>/card_needs_action")
def card_needs_action(customer_id: str) -> Response:
    """Set whether the saved card asks the holder to confirm later charges
    (``needs_action=true|false``)."""
    needs_action = as_bool(request.values.get("needs_action", "true"), "needs_action")
    sandbox_state().set_card_needs_action(customer_id, needs_action)
    return json_response({"customer": customer_id, "card_needs_action": needs_action})


@control.post("/charges/<charge_id>/dispute")
def dispute(charge_id: str) -> Response:
    """The card holder disputes the charge (``reason``, default ``fraudulent``)."""
    return json_response(
        sandbox_state().create_dispute(charge_id, request.values.get("reason", "fraudulent"))
    )


@control.post("/disputes/<dispute_id>/decide")
def decide_dispute(dispute_id: str) -> Response:
    """The bank decides the dispute: ``outcome=won|lost``."""
    outcome = request.values.get("outcome", "")
    if outcome not in ("won", "lost"):
        raise SandboxError("outcome must be won or lost.", param="outcome")
    return json_response(sandbox_state().decide_dispute(dispute_id, outcome == "won"))


@control.post("/outage")
def outage() -> Response:
    """Answer the next ``count`` API requests (default 1) with ``status`` (429 or 5xx)."""
    status = int(_number("status") or 503)
    count = int(_number("count") or 1)
    sandbox_state().fail_requests(status, count)
    return json_response({"status": status, "count": count})


@control.post("/deliver")
def deliver() -> Response:
    """Retry queued webhook deliveries now."""
    state = sandbox_state()
    delivered = state.deliver_pending()
    return json_response({"delivered": delivered, "pending": len(state.pending_deliveries())})
