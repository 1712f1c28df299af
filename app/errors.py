"""Friendly error pages that never show internals and never need the database.

Every error answer first rolls the request's unit of work back (so nothing half-done
is kept and a broken session can't break the page), then renders the page from what
is already known: the navigation is drawn from the account Flask-Login has loaded, if
any, without asking the database again. If even that fails, a plain page is sent;
the security headers are added to every answer alike (``app.security``).
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import inspect
from werkzeug.exceptions import HTTPException, InternalServerError

from app.db import db
from app.domain import DomainError, NotPermitted
from app.extensions import limiter
from app.input import BadInput

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Nothing was changed. Please go back, reload the page and try again.",
    ),
    403: (
        "You can't do that here",
        "This is for other people: a group's hosts or members, or the site's admins.",
    ),
    404: ("Page not found", "There is nothing at this address, or it is not visible to you."),
    405: (
        "That action isn't available",
        "Nothing was changed. Please use the links and buttons on the page.",
    ),
    413: ("That was too large", "Nothing was saved. Please shorten it, or send it in parts."),
    429: ("Too many attempts", "Please wait a little and try again."),
    500: ("Something went wrong on our side", "We have not lost anything you wrote. Try again."),
}
# Werkzeug's stock descriptions are technical; only ones we wrote are shown, for these.
SHOWN_DESCRIPTIONS = {400, 403, 404}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BadInput, _bad_input)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, detail: str | None = None, retry_after: int | None = None):
    """The error page for ``code``, after rolling the unit of work back."""
    title, default_detail = MESSAGES.get(code) or MESSAGES[400 if code < 500 else 500]
    detail = detail or default_detail
    viewer = _viewer()
    db.discard()
    try:
        template = current_app.jinja_env.get_template("errors/error.html")
        # Rendered without the context processors: Flask-Login's would load the
        # account through the database, which may be what just failed.
        html = template.render(
            code=code, title=title, detail=detail, retry_after=retry_after, viewer=viewer
        )
    except Exception:
        current_app.logger.exception("The error page could not be rendered")
        html = _plain_page(title, detail)
    return html, code


def _viewer() -> dict[str, bool]:
    """Who the navigation is for, from what is loaded already (never a query)."""
    account = g.get("_login_user")
    if account is None:
        # Not loaded yet: the session cookie says whether someone is signed in.
        return {"signed_in": "_user_id" in session, "is_admin": False}
    if not account.is_authenticated:
        return {"signed_in": False, "is_admin": False}
    state = inspect(account, raiseerr=False)
    loaded = state.dict if state is not None else {}
    return {"signed_in": True, "is_admin": bool(loaded.get("is_admin"))}


def _plain_page(title: str, detail: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f'<p>{escape(detail)}</p><p><a href="/">Go to the home page</a></p></main></body></html>'
    )


def _csrf_error(error: CSRFError):
    return render_error(
        400,
        "This form had expired or did not come from this site, so nothing was changed. "
        "Please go back, reload the page and try again.",
    )


def _bad_input(error: BadInput):
    return render_error(400, error.message)


def _domain_error(error: DomainError):
    """A refusal no route turned into a message: its message, on an error page."""
    return render_error(403 if isinstance(error, NotPermitted) else 400, error.message)


def _http_error(error: HTTPException):
    if error.code == 429:
        return _too_many_requests()
    code = error.code or 500
    detail = error.description if code in SHOWN_DESCRIPTIONS and _custom(error) else None
    response = render_error(code, detail)
    if code == 405 and error.get_response().headers.get("Allow"):
        return (*response, {"Allow": error.get_response().headers["Allow"]})
    return response


def _custom(error: HTTPException) -> bool:
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
    propagate = current_app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = current_app.testing or current_app.debug
    if propagate:
        raise error
    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(InternalServerError.code)
