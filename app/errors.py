"""Friendly error pages that never show internals."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import limiter

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("You can't do that here", "Your account does not have permission for this."),
    404: ("Page not found", "There is nothing at this address, or it is not visible to you."),
    405: ("That action isn't available", "This page does not accept that kind of request."),
    413: ("That was too large", "Please send something smaller."),
    429: ("Too many attempts", "Please wait a little and try again."),
    500: ("Something went wrong on our side", "We have not lost anything you wrote. Try again."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, detail: str | None = None, retry_after: int | None = None):
    title, default_detail = MESSAGES.get(code) or MESSAGES[400 if code < 500 else 500]
    html = render_template(
        "errors/error.html",
        code=code,
        title=title,
        detail=detail or default_detail,
        retry_after=retry_after,
    )
    return html, code


def _csrf_error(error: CSRFError):
    return render_error(
        400,
        "This form had expired or did not come from this site, so nothing was changed. "
        "Please go back, reload the page and try again.",
    )


def _http_error(error: HTTPException):
    if error.code == 429:
        return _too_many_requests()
    code = error.code or 500
    detail = error.description if code in {403, 404} and _custom(error) else None
    response = render_error(code, detail)
    if code == 405 and error.get_response().headers.get("Allow"):
        return (*response, {"Allow": error.get_response().headers["Allow"]})
    return response


def _custom(error: HTTPException) -> bool:
    # Werkzeug's stock descriptions are technical; only show ones we wrote.
    return error.description != type(error).description


def _too_many_requests():
    limit = limiter.current_limit
    wait = 60
    if limit is not None:
        # Whole seconds, truncated, as Flask-Limiter's Retry-After header counts them.
        wait = max(1, int(limit.reset_at - time.time()))
    minutes = math.ceil(wait / 60)
    detail = (
        f"Too many attempts. Please wait {wait} seconds before trying again."
        if wait < 120
        else f"Too many attempts. Please wait about {minutes} minutes before trying again."
    )
    html, code = render_error(429, detail, retry_after=wait)
    return html, code, {"Retry-After": str(wait)}


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    from flask import current_app

    propagate = current_app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = current_app.testing or current_app.debug
    if propagate:
        raise error
    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(InternalServerError.code)
