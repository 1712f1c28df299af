"""Security headers for every response, aiming at the Mozilla Observatory's maximum."""

from __future__ import annotations

from flask import Flask, Response, current_app

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
# Passkeys may be used by our own pages only (the second step of signing in).
PERMISSIONS_POLICY += ", publickey-credentials-get=(self)"


def content_security_policy(form_action: list[str]) -> str:
    """Nothing from other origins; forms may also go to Stripe's hosted pages."""
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'", *form_action],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Flask) -> None:
    app.config.setdefault("CSP_FORM_ACTION", [])
    app.after_request(_add_security_headers)


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(
        current_app.config["CSP_FORM_ACTION"]
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["HSTS"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains; preload"
    if "Cache-Control" not in headers and response.mimetype == "text/html":
        # Pages can show private things; never let a shared cache keep them.
        headers["Cache-Control"] = "no-store"
    return response
