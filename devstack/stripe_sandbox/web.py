"""Assembly of the sandbox's Flask app: REST API, hosted pages, controls and headers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response

from .api import api, unknown_route
from .control import control
from .pages import pages
from .state import SandboxState

_HERE = Path(__file__).parent

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
DEFAULT_CSP = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'"


def create_sandbox_app(state: SandboxState) -> Flask:
    """A Flask app serving ``state``: ``/v1`` REST, hosted pages and ``/_sandbox`` controls."""
    app = Flask(
        __name__,
        static_folder=str(_HERE / "static"),
        static_url_path="/_sandbox/static",
        template_folder=str(_HERE / "templates"),
    )
    app.extensions["stripe_sandbox"] = state
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_blueprint(pages)
    app.register_error_handler(404, unknown_route)
    app.register_error_handler(405, unknown_route)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        return response

    return app
