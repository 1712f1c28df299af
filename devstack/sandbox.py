"""``make run``'s payments: the local Stripe sandbox, started in-process when configured."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import BaseWSGIServer

from app.billing import services

SANDBOX_KEY_PREFIX = "sk_test_kindred"


def uses_local_sandbox(app: Flask) -> bool:
    """True when the API base is a loopback address and the key is the sandbox's, not Stripe's."""
    base = app.config.get("STRIPE_API_BASE")
    key = app.config.get("STRIPE_SECRET_KEY") or ""
    if not base or not key.startswith(SANDBOX_KEY_PREFIX):
        return False
    host = urlsplit(base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_local_sandbox(app: Flask) -> BaseWSGIServer | None:
    """Serve the sandbox on STRIPE_API_BASE's port, persisted in ``<instance>/stripe-sandbox.json``,
    delivering webhooks to this app (``DEV_SERVER_PORT``, default 5000), and make sure the
    membership Price exists.  Returns the server, or None when real Stripe is configured."""
    if not uses_local_sandbox(app):
        return None
    from devstack.stripe_sandbox import SandboxState, serve_in_thread

    parts = urlsplit(app.config["STRIPE_API_BASE"])
    state = SandboxState(
        data_path=Path(app.instance_path) / "stripe-sandbox.json",
        secret_key=app.config["STRIPE_SECRET_KEY"],
    )
    app_port = app.config.get("DEV_SERVER_PORT", 5000)
    state.add_webhook_endpoint(
        f"http://127.0.0.1:{app_port}/stripe/webhook", app.config["STRIPE_WEBHOOK_SECRET"]
    )
    server, _ = serve_in_thread(state, host=parts.hostname or "127.0.0.1", port=parts.port or 80)
    with app.app_context():
        services.membership_price(create=True)
    return server
