"""Signing and HTTP transport for webhook deliveries."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import stripe

DELIVERY_TIMEOUT_SECONDS = 10


def signed_headers(payload: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers for one delivery, signed exactly as Stripe signs them.

    The timestamp is real wall-clock time, not the sandbox clock, because receivers check it
    against their own clock (``stripe.Webhook.construct_event`` allows five minutes).
    """
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp or int(time.time())
    )
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": header,
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }


def http_deliver(url: str, payload: bytes, headers: dict[str, str]) -> int:
    """POST one event and return the HTTP status, or 0 if the endpoint could not be reached."""
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310 - endpoint URLs are configured by the operator
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
