"""The base of every form in Kindred, and the one way routes turn a refusal into a message.

Every form subclasses ``Form`` so that rules about what people may type hold in one
place for every field of every feature: no field accepts text that is not text
(``app.input.text_problem``), and only text areas accept line breaks.
"""

from __future__ import annotations

from flask import abort, flash
from flask_wtf import FlaskForm
from wtforms import Field, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from app.db import db
from app.domain import DomainError, NotPermitted
from app.input import UNREADABLE, text_problem, unreadable_fields


def plain_text(form: FlaskForm, field: Field) -> None:
    """Refuse what was typed into ``field`` if it is not text; stop its other checks.

    Checks the text the form will use (after the field's filters, which may drop what
    they don't want), or what was sent when the field turns it into something else (a
    date, a number, a choice), and whether it was valid UTF-8 as sent.
    """
    unreadable = unreadable_fields()
    if unreadable is None or field.name in unreadable:
        raise StopValidation(UNREADABLE)
    multiline = isinstance(field, TextAreaField)
    if isinstance(field.data, str | None) and not field.process_errors:
        values = [field.data]
    else:
        values = field.raw_data or []
    for value in values:
        if isinstance(value, str) and (problem := text_problem(value, multiline=multiline)):
            raise StopValidation(problem)


class WholeNumberBetween:
    """An integer field's value lies in ``low``..``high``, compared as integers (wtforms'
    ``NumberRange`` turns the number into a float first, which overflows on a huge one)."""

    def __init__(self, low: int, high: int, message: str) -> None:
        self.low, self.high, self.message = low, high, message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not isinstance(field.data, int) or not self.low <= field.data <= self.high:
            raise ValidationError(self.message)


class Form(FlaskForm):
    """A CSRF-protected form; every Kindred form derives from it."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            # First, so no other check (or a service) ever sees text that is not text.
            field.validators = [plain_text, *field.validators]
            return field


def refuse(error: DomainError, form: Form | None = None) -> bool:
    """Undo the request's unit of work, then tell the person why.

    Whatever the service changed before it said no is rolled back, so the request can
    go on to redirect (and commit) without keeping half of it. A ``NotPermitted`` error
    is a 403 page; otherwise the message goes on its field of ``form`` (returns True:
    re-render the form) or is flashed (returns False: redirect).
    """
    db.session.rollback()
    if isinstance(error, NotPermitted):
        abort(403, error.message)
    field = form[error.field] if form is not None and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return True
    flash(error.message, "error")
    return False
