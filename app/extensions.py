"""Extension objects, created unbound and bound to each app in ``create_app``."""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_key() -> str:
    """Rate-limit key for the client: a keyed hash, so no address is kept even in memory."""
    address = request.remote_addr or "unknown"
    secret = current_app.config["SECRET_KEY"].encode()
    return (
        "client:" + hashlib.blake2b(address.encode(), key=secret[:64], digest_size=16).hexdigest()
    )


csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=client_key, default_limits=[])
