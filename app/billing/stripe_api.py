"""The one place Kindred talks to Stripe: a ``stripe.StripeClient`` per app, built from config.

Module globals (``stripe.api_key``) are never used, so several apps (and tests, each with
its own sandbox) do not interfere.  Every answer is turned into plain dicts and lists.
"""

from __future__ import annotations

from typing import Any

import stripe
from flask import Flask, current_app


def client(app: Flask | None = None) -> stripe.StripeClient:
    """The app's Stripe client, built on first use from the app's current config."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    key = (config["STRIPE_SECRET_KEY"], config["STRIPE_API_BASE"])
    cached = app.extensions.get("kindred_stripe")
    if cached is None or cached[0] != key:
        options: dict[str, Any] = {"max_network_retries": config["STRIPE_MAX_NETWORK_RETRIES"]}
        if config["STRIPE_API_BASE"]:
            options["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
        cached = (key, stripe.StripeClient(config["STRIPE_SECRET_KEY"], **options))
        app.extensions["kindred_stripe"] = cached
    return cached[1]


def plain(obj: Any) -> Any:
    """A Stripe object as plain dicts and lists (a dict passes through unchanged)."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return obj


def is_busy(error: stripe.StripeError) -> bool:
    """True when Stripe answered "not now": too many requests (429) or its own failure (5xx).
    Worth trying again later; nothing is wrong with the request."""
    status = error.http_status or 0
    return isinstance(error, stripe.RateLimitError) or status == 429 or status >= 500


def is_unreachable(error: stripe.StripeError) -> bool:
    """True when Stripe could not answer (network) or does not know the object (404)."""
    return isinstance(error, stripe.APIConnectionError) or (
        isinstance(error, stripe.InvalidRequestError) and error.http_status == 404
    )
