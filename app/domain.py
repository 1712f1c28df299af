"""The one error a rule raises when it says no.

Every feature's services raise ``DomainError`` (or a subclass named for the feature)
with a message a person can act on and, when it belongs to one form field, that
field's name.  Routes turn it into a message one way, ``app.forms.refuse``, which also
rolls back whatever the service changed before it said no; one that no route catches
becomes an error page with its message (``app.errors``), rolled back all the same.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    """The person's role or standing does not allow this (a 403, not a form message)."""
