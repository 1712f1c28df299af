"""Keyset pagination: a page of items and an opaque cursor for the next one.

A cursor is the sort key of the last item shown, so links stay stable while new
items arrive and no query ever uses OFFSET. A cursor that is not one we could have
made (edited, truncated, forged) is a broken link: ``decode_cursor`` raises
``InvalidCursor``, which every list answers with a 400 page saying so (``app.errors``).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, or_

from app.input import MAX_ID, BadInput, is_text

T = TypeVar("T")
PAGE_SIZE = 50
# Far more than any cursor we make (two sort keys), little enough to decode cheaply.
CURSOR_MAX_LENGTH = 1000
STRING_KEY_MAX_LENGTH = 200


class InvalidCursor(BadInput):
    """A ``?before=``/``?after=`` value that is not a cursor we made."""

    def __init__(self) -> None:
        super().__init__(
            "This link is broken: the part that says where the list continues has been "
            "changed or cut short. Go back to the start of the list and page on from there."
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kinds: Sequence[type]) -> list[Any] | None:
    """The values in ``cursor`` converted to ``kinds``, or None if there is no cursor.

    Raises ``InvalidCursor`` unless every value is one a row could have: a timezone-aware
    datetime, a row id (``app.input.MAX_ID`` at most), one line of text or a finite
    number (a ``float`` kind: a score).
    """
    if not cursor:
        return None
    if len(cursor) > CURSOR_MAX_LENGTH:
        raise InvalidCursor
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, RecursionError) as error:
        raise InvalidCursor from error
    if not isinstance(raw, list) or len(raw) != len(kinds):
        raise InvalidCursor
    return [_cursor_value(value, kind) for value, kind in zip(raw, kinds, strict=True)]


def _cursor_value(value: Any, kind: type) -> Any:
    if kind is datetime and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                # Overflows for the first and last instants Python can represent.
                return parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
        raise InvalidCursor
    is_id = kind is int and type(value) is int and 1 <= value <= MAX_ID
    is_key = kind is str and isinstance(value, str) and len(value) <= STRING_KEY_MAX_LENGTH
    if is_id or (is_key and is_text(value)):
        return value
    if kind is float and type(value) in {int, float}:
        # A score (search relevance): any finite number a float can hold.
        try:
            number = float(value)
        except OverflowError:
            raise InvalidCursor from None
        if math.isfinite(number):
            return number
    raise InvalidCursor


def after_key(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> ColumnElement:
    """Rows strictly past ``values`` in (columns...) order, without a tuple comparison.

    The leading column's bound is also stated on its own, outside the OR, so PostgreSQL
    and SQLite both read it as an index range: a deep page starts where it should instead
    of filtering every row before it (or, on a group's list, mixing in a site-wide index).
    """
    if len(columns) > 1:
        bound = columns[0] <= values[0] if descending else columns[0] >= values[0]
        return and_(bound, _past(columns, values, descending))
    return _past(columns, values, descending)


def _past(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> ColumnElement:
    first, *rest = columns
    value, *rest_values = values
    beyond = first < value if descending else first > value
    if not rest:
        return beyond
    return or_(beyond, and_(first == value, _past(rest, rest_values, descending)))


def page_of(rows: list[T], key) -> Page[T]:
    """Cut one extra fetched row off ``rows`` and make the cursor from the last kept one."""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        return Page(rows, encode_cursor(*key(rows[-1])))
    return Page(rows, None)
