"""What Kindred accepts as text and as ids, wherever they come from.

One rule for text (``text_problem``) holds for every form field (``app.forms.Form``),
every query-string value (``check_request_text``), every path part (``TextConverter``),
every cursor (``app.pagination``) and every value sent to the database (``app.db``):
no control characters other than tab and line breaks, no line breaks where one line is
expected, and nothing that was not valid text when it arrived: bytes that are not
UTF-8 (which werkzeug would pass on as literal ``%FF``), lone surrogates (which JSON
can carry) and U+FFFD. SQLite would store such text and PostgreSQL would refuse some
of it with an error; refusing it first makes both behave alike.

Ids are row ids: whole numbers from 1 to ``MAX_ID`` (PostgreSQL's ``integer``). An id
outside that range names no row, so it is not found (404) on every database, in a URL
(``IdConverter``) or a query string (``id_arg``) alike.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from flask import Flask, abort, g, request
from werkzeug.routing import BaseConverter, IntegerConverter, Map

MAX_ID = 2**31 - 1

# C0 and C1 control characters except tab, line feed and carriage return; lone
# surrogates; and U+FFFD, which is what undecodable bytes become.
_NOT_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd"
_LINE_BREAKS = "\n\r\u2028\u2029"
NOT_TEXT = re.compile(f"[{_NOT_TEXT}]")
NOT_ONE_LINE = re.compile(f"[{_NOT_TEXT}{_LINE_BREAKS}]")
UNREADABLE = "Part of this could not be read as text. Please type it again."


class BadInput(ValueError):
    """Input that is not text, or a link that is broken: a 400 page with ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` can't be accepted as text (one line unless ``multiline``), or None."""
    found = (NOT_TEXT if multiline else NOT_ONE_LINE).search(value)
    if found is None:
        return None
    character = found.group()
    if character in _LINE_BREAKS:
        return "Keep this to one line."
    if character == "\ufffd" or "\ud800" <= character <= "\udfff":
        return UNREADABLE
    return (
        f"Remove the invisible control character (U+{ord(character):04X}): "
        "it can't be part of text here."
    )


def is_text(value: str, *, multiline: bool = False) -> bool:
    return text_problem(value, multiline=multiline) is None


class TextConverter(BaseConverter):
    """A path part that is one line of text; anything else matches no page (404)."""

    regex = f"[^/{_NOT_TEXT}{_LINE_BREAKS}]+"


class IdConverter(IntegerConverter):
    """A row id in a URL (``<int:...>``); out of range, it matches no page (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value: str | None) -> int | None:
    """``value`` as a row id, or None if it is not one (any other text, or out of range)."""
    if value is None or not re.fullmatch(r"[0-9]{1,10}", value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def id_arg(name: str) -> int | None:
    """The row id in query-string argument ``name``; None when absent, 404 when it is
    anything but a row id (nothing can be found by it)."""
    value = request.args.get(name)
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        abort(404)
    return number


def unreadable_names(encoded: bytes) -> set[str] | None:
    """The names in a URL-encoded query or form whose name or value is not UTF-8 once
    percent-decoded; None when the whole of it is not even ASCII."""
    try:
        text = encoded.decode("ascii")
    except UnicodeDecodeError:
        return None
    names = set()
    for pair in text.split("&"):
        try:
            parse_qsl(pair, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            # Spelled as werkzeug spells it in request.form, invalid bytes left as %XX.
            names.add(unquote_plus(pair.partition("=")[0], errors="werkzeug.url_quote"))
    return names


def unreadable_fields() -> set[str] | None:
    """This request's form fields that were not valid text as sent (None: none of it was)."""
    return g.get("_unreadable_fields", set())


def check_request_text() -> None:
    """Refuse a query string with anything in it that is not one line of text, and note
    which form fields were not valid text as sent (``app.forms`` says so on each)."""
    values = request.args.items(multi=True)
    if unreadable_names(request.query_string) != set() or not all(
        is_text(key) and is_text(value) for key, value in values
    ):
        raise BadInput(
            "This address contains characters that can't be part of a link (an "
            "invisible control character, a line break, or bytes that are not text). "
            "Please check the link and try again."
        )
    if request.mimetype == "application/x-www-form-urlencoded":
        g._unreadable_fields = unreadable_names(request.get_data(cache=True))


def init_app(app: Flask) -> None:
    """Install the converters (before any blueprint adds its rules) and the text check."""
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request_text)
