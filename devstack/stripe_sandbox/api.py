"""The REST API under ``/v1``: form-encoded requests in, Stripe-shaped JSON out.

Events produced by a request are delivered after its response has been sent, so a webhook
handler that calls straight back into the API never waits on the request that caused it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from .errors import SandboxError, authentication_failed, outage
from .params import parse_params
from .shapes import new_id
from .state import SandboxState

api = Blueprint("sandbox_api", __name__, url_prefix="/v1")

Handler = Callable[..., dict[str, Any]]

# URL prefix -> collection, for the plain "retrieve by id" routes.
RETRIEVABLE = {
    "/products": "products",
    "/prices": "prices",
    "/customers": "customers",
    "/checkout/sessions": "checkout_sessions",
    "/subscriptions": "subscriptions",
    "/invoices": "invoices",
    "/payment_intents": "payment_intents",
    "/charges": "charges",
    "/refunds": "refunds",
    "/disputes": "disputes",
    "/events": "events",
}


def sandbox_state() -> SandboxState:
    """The state the running sandbox app serves."""
    return current_app.extensions["stripe_sandbox"]


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """Pretty JSON, as Stripe sends it."""
    return Response(json.dumps(body, indent=2), status=status, mimetype="application/json")


def _authenticate(state: SandboxState) -> None:
    """Only this sandbox's secret key gets in, as only your account's keys get into Stripe."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or key != state.secret_key:
        raise authentication_failed(key if scheme == "Bearer" else "")


def _dispatch(handler: Handler, url_args: dict[str, str]) -> Response:
    state = sandbox_state()
    request_id = new_id("req", 14)
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
    idempotency_key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    scope = f"{request.headers.get('Authorization', '')}|{idempotency_key}"
    fingerprint = json.dumps([request.method, request.path, sorted(pairs)])
    try:
        _authenticate(state)
        if (status := state.take_outage()) is not None:
            raise outage(status)
        if idempotency_key:
            replay = state.idempotent_response(scope, fingerprint)
            if replay is not None:
                response = Response(replay[1], status=replay[0], mimetype="application/json")
                response.headers["Idempotent-Replayed"] = "true"
                response.headers["Request-Id"] = request_id
                return response
        params = parse_params(pairs)
        with state.deferred_delivery(), state.request_context(request_id, idempotency_key):
            result = handler(state, params, **url_args)
        if result.get("object") != "list" and params.get("expand"):
            result = state.expand(result, params["expand"])
        response = json_response(result)
        if idempotency_key:
            # Only completed requests are stored; failed validation may be retried freely.
            state.remember_response(scope, fingerprint, 200, response.get_data())
    except SandboxError as error:
        response = json_response(error.to_dict(), error.status)
    response.headers["Request-Id"] = request_id
    if state.auto_deliver:
        response.call_on_close(state.deliver_pending)
    return response


def route(rule: str, methods: list[str], handler: Handler) -> None:
    """Register ``handler(state, params, **url_args) -> object`` under ``/v1``."""
    endpoint = f"{methods[0]} {rule}"

    def view(**url_args: str) -> Response:
        return _dispatch(handler, url_args)

    api.add_url_rule(rule, endpoint, view, methods=methods)


def _retriever(collection: str) -> Handler:
    def retrieve(state: SandboxState, params: dict, object_id: str) -> dict:
        return state.retrieve(collection, object_id)

    return retrieve


for _prefix, _collection in RETRIEVABLE.items():
    route(f"{_prefix}/<object_id>", ["GET"], _retriever(_collection))

route("/products", ["POST"], lambda s, p: s.create_product(p))
route("/products", ["GET"], lambda s, p: s.list_products(p))
route("/prices", ["POST"], lambda s, p: s.create_price(p))
route("/prices", ["GET"], lambda s, p: s.list_prices(p))
route("/customers", ["POST"], lambda s, p: s.create_customer(p))
route("/customers", ["GET"], lambda s, p: s.list_customers(p))
route("/customers/<object_id>", ["POST"], lambda s, p, object_id: s.update_customer(object_id, p))
route("/customers/<object_id>", ["DELETE"], lambda s, p, object_id: s.delete_customer(object_id))
route(
    "/checkout/sessions",
    ["POST"],
    lambda s, p: s.create_checkout_session(p, base_url=request.host_url),
)
route("/checkout/sessions", ["GET"], lambda s, p: s.list_checkout_sessions(p))
route(
    "/checkout/sessions/<object_id>/line_items",
    ["GET"],
    lambda s, p, object_id: s.list_checkout_line_items(object_id, p),
)
route(
    "/checkout/sessions/<object_id>/expire",
    ["POST"],
    lambda s, p, object_id: s.expire_checkout_session(object_id),
)
route("/subscriptions", ["GET"], lambda s, p: s.list_subscriptions(p))
route(
    "/subscriptions/<object_id>",
    ["POST"],
    lambda s, p, object_id: s.update_subscription(object_id, p),
)
route(
    "/subscriptions/<object_id>",
    ["DELETE"],
    lambda s, p, object_id: s.cancel_subscription(object_id),
)
route("/invoices", ["GET"], lambda s, p: s.list_invoices(p))
route("/payment_intents", ["GET"], lambda s, p: s.list_payment_intents(p))
route("/charges", ["GET"], lambda s, p: s.list_charges(p))
route("/refunds", ["POST"], lambda s, p: s.create_refund(p))
route("/refunds", ["GET"], lambda s, p: s.list_refunds(p))
route(
    "/billing_portal/sessions",
    ["POST"],
    lambda s, p: s.create_portal_session(p, base_url=request.host_url),
)
route("/disputes", ["GET"], lambda s, p: s.list_disputes(p))
route("/disputes/<object_id>", ["POST"], lambda s, p, object_id: s.update_dispute(object_id, p))
route(
    "/disputes/<object_id>/close",
    ["POST"],
    lambda s, p, object_id: s.close_dispute(object_id),
)
route("/events", ["GET"], lambda s, p: s.list_events(p))


def unknown_route(error: Exception) -> Response:
    """Stripe's answer for a URL or method the API does not have."""
    message = f"Unrecognized request URL ({request.method}: {request.path})."
    return json_response(SandboxError(message, status=404).to_dict(), 404)
