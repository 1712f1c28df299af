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


class PrivateLoginManager(LoginManager):
    """Flask-Login without its session identifier.

    Flask-Login would put a hash of the client's address and user agent in the
    session cookie; with session protection off it serves no purpose, so the
    session carries nothing about the client.
    """

    def __init__(self) -> None:
        super().__init__()
        self._session_identifier_generator = lambda: None


csrf = CSRFProtect()
login_manager = PrivateLoginManager()
limiter = Limiter(key_func=client_key, default_limits=[])
