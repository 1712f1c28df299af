"""Errors raised by the sandbox, shaped like Stripe's API error objects."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A Stripe-style API error; the HTTP layer renders it as ``{"error": {...}}``."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.decline_code = decline_code

    def to_dict(self) -> dict[str, Any]:
        """Return the body Stripe would send for this error."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        for key in ("param", "code", "decline_code"):
            value = getattr(self, key)
            if value is not None:
                error[key] = value
        return {"error": error}


def resource_missing(kind: str, object_id: str, param: str = "id") -> SandboxError:
    """The 404 Stripe returns for an unknown id, e.g. ``No such customer: 'cus_x'``."""
    return SandboxError(
        f"No such {kind}: '{object_id}'", status=404, param=param, code="resource_missing"
    )


def missing_param(param: str) -> SandboxError:
    """The 400 Stripe returns when a required parameter is absent."""
    return SandboxError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def card_declined() -> SandboxError:
    """The 402 Stripe returns for the generic-decline test card."""
    return SandboxError(
        "Your card was declined.",
        status=402,
        type="card_error",
        code="card_declined",
        decline_code="generic_decline",
    )


def authentication_failed(key: str) -> SandboxError:
    """The 401 Stripe returns for a secret key it does not know (shown masked)."""
    if not key:
        return SandboxError(
            "You did not provide an API key. Send your secret key in the Authorization "
            "header, using Bearer auth (Authorization: Bearer sk_test_...).",
            status=401,
            type="authentication_error",
        )
    shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key[:4] + "****"
    return SandboxError(
        f"Invalid API Key provided: {shown}", status=401, type="authentication_error"
    )


def outage(status: int) -> SandboxError:
    """What Stripe answers when it is overwhelmed (429) or in trouble itself (5xx)."""
    if status == 429:
        return SandboxError(
            "Too many requests hit the API too quickly. Please retry with exponential backoff.",
            status=429,
            code="rate_limit",
        )
    return SandboxError(
        "An unexpected error occurred on Stripe's side. Please retry your request.",
        status=status,
        type="api_error",
    )
