"""Keyset pagination: a page of items and an opaque cursor for the next one.

A cursor is the sort key of the last item shown, so links stay stable while new
items arrive and no query ever uses OFFSET.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, or_

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kinds: Sequence[type]) -> list[Any] | None:
    """The values in ``cursor`` converted to ``kinds``, or None if absent or malformed."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            return None
        values = []
        for value, kind in zip(raw, kinds, strict=True):
            if kind is datetime:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    return None
                values.append(parsed)
            elif (kind is int and isinstance(value, int) and not isinstance(value, bool)) or (
                kind is str and isinstance(value, str)
            ):
                values.append(value)
            else:
                return None
        return values
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def after_key(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> ColumnElement:
    """Rows strictly past ``values`` in (columns...) order, without a tuple comparison."""
    first, *rest = columns
    value, *rest_values = values
    beyond = first < value if descending else first > value
    if not rest:
        return beyond
    return or_(beyond, and_(first == value, after_key(rest, rest_values, descending)))


def page_of(rows: list[T], key) -> Page[T]:
    """Cut one extra fetched row off ``rows`` and make the cursor from the last kept one."""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        return Page(rows, encode_cursor(*key(rows[-1])))
    return Page(rows, None)
