"""The one error a rule raises when it says no.

Every feature's services raise ``DomainError`` (or a subclass named for the feature)
with a message a person can act on and, when it belongs to one form field, that
field's name.  Routes turn it into a message one way (see ``app.forms.refuse``).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
