"""Extension objects, created unbound and bound to each app in ``create_app``."""

from __future__ import annotations

import hashlib
import ipaddress

from flask import current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_network(address: str | None) -> str:
    """What one client is for rate limits: its IPv4 address, or its IPv6 /64 network (one
    household or server is given a whole /64, so an address within it costs nothing)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_key() -> str:
    """Rate-limit key for the client: a keyed hash, so no address is kept even in memory."""
    network = client_network(request.remote_addr)
    secret = current_app.config["SECRET_KEY"].encode()
    return (
        "client:" + hashlib.blake2b(network.encode(), key=secret[:64], digest_size=16).hexdigest()
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


@limiter.request_filter
def _reading() -> bool:
    """Reading is never limited: every limit guards a form sent (``methods=["POST"]``)."""
    return request.method in {"GET", "HEAD"}
