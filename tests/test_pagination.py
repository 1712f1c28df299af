"""A cursor we did not make is a broken link: a 400 page that says so, on every list."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from app.pagination import InvalidCursor, decode_cursor, encode_cursor
from tests.accounts.support import page
from tests.helpers import add_to_group, make_account, make_group, make_member, make_thread


def _cursor(raw: str | bytes) -> str:
    raw = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json(*values) -> str:
    return _cursor(json.dumps(list(values)))


# Malformed as the sort key of a list in time order (a date, then an id).
MALFORMED_DATES = {
    "date overflowing into year 10000": _json("9999-12-31T23:59:59-23:59", 1),
    "date overflowing before year 1": _json("0001-01-01T00:00:00+23:59", 1),
    "naive date": _json("2030-01-01T00:00:00", 1),
}
# Malformed for any list (in time order, or by name then id).
MALFORMED = {
    "not base64": "!!!*",
    "not JSON": _cursor(b"\xff\xfe\x00"),
    "too long": "A" * 5000,
    "deeply nested JSON": _cursor("[" * 300 + "]" * 300),
    "id >= 2^31": _json("2030-01-01T00:00:00+00:00", 2**31),
    "id >= 2^63": _json("2030-01-01T00:00:00+00:00", 2**63),
    "id 0": _json("2030-01-01T00:00:00+00:00", 0),
    "negative id": _json("2030-01-01T00:00:00+00:00", -1),
    "boolean id": _json("2030-01-01T00:00:00+00:00", True),
    "float id": _json("2030-01-01T00:00:00+00:00", 1.0),
    "lone surrogate": _cursor('["\\ud800", 1]'),
    "NUL": _cursor('["a\\u0000", 1]'),
    "wrong order": _json(1, "2030-01-01T00:00:00+00:00"),
    "an object": _cursor('{"a": 1}'),
    "too few values": _json("2030-01-01T00:00:00+00:00"),
    "too many values": _json("2030-01-01T00:00:00+00:00", 1, 2),
}


@pytest.mark.parametrize("cursor", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("kinds", [(datetime, int), (str, int)], ids=["date", "text"])
def test_a_malformed_cursor_is_refused(cursor, kinds):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, kinds)


@pytest.mark.parametrize("cursor", MALFORMED_DATES.values(), ids=MALFORMED_DATES.keys())
def test_a_date_that_no_row_can_have_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, (datetime, int))


def test_a_cursor_we_made_reads_back_as_its_values():
    moment = datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 7), (datetime, int)) == [moment, 7]
    assert decode_cursor(encode_cursor("gardens \u202e", 2**31 - 1), (str, int)) == [
        "gardens \u202e",
        2**31 - 1,
    ]
    assert decode_cursor("", (str, int)) is None
    assert decode_cursor(None, (str, int)) is None


# Malformed as the sort key of a list by score (search's best match), then date and id.
MALFORMED_SCORES = {
    "NaN": _cursor('[NaN, "2030-01-01T00:00:00+00:00", 1]'),
    "infinity": _cursor('[Infinity, "2030-01-01T00:00:00+00:00", 1]'),
    "overflowing": _cursor('[1e400, "2030-01-01T00:00:00+00:00", 1]'),
    "too large an integer": _json(10**400, "2030-01-01T00:00:00+00:00", 1),
    "text": _json("0.5", "2030-01-01T00:00:00+00:00", 1),
    "boolean": _json(True, "2030-01-01T00:00:00+00:00", 1),
    "null": _json(None, "2030-01-01T00:00:00+00:00", 1),
}


@pytest.mark.parametrize("cursor", MALFORMED_SCORES.values(), ids=MALFORMED_SCORES.keys())
def test_a_score_that_is_not_a_finite_number_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, (float, datetime, int))


def test_a_score_reads_back_exactly():
    moment = datetime(2030, 1, 2, tzinfo=UTC)
    for score in (0.6079270839691162, 1e-20, 10.0, 0):
        cursor = encode_cursor(score, moment, 3)
        assert decode_cursor(cursor, (float, datetime, int)) == [score, moment, 3]


# Every paged list answers a broken link the same way --------------------------------

PAGED_LISTS = [
    ("anonymous", "/groups?before={}"),
    ("bea", "/groups/mine?before={}"),
    ("anonymous", "/groups/gardens?before={}"),
    ("anonymous", "/groups/gardens/unanswered?after={}"),
    ("bea", "/groups/gardens/members?after={}"),
    ("anonymous", "/groups/gardens/threads/{thread}?after={}"),
    ("bea", "/groups/gardens/reports?after={}"),
    ("anonymous", "/groups/gardens/log?before={}"),
    ("opal", "/admin/log?before={}"),
    ("opal", "/admin/reports?after={}"),
    ("bea", "/membership?before={}"),
    ("bea", "/messages?before={}"),
    ("bea", "/notifications?before={}"),
    ("bea", "/settings/blocked?before={}"),
    ("anonymous", "/search?q=question&before={}"),
]


# Lists by name, then id: a date is only a name to them.
NAMED_LISTS = [
    ("anonymous", "/groups?order=az&before={}"),
    ("opal", "/admin/accounts?after={}"),
    # By score, then date and id: too few values for it, whatever they are.
    ("anonymous", "/search?q=question&order=best&before={}"),
]


@pytest.mark.parametrize(
    ("who", "path", "malformed"),
    [(who, path, {**MALFORMED, **MALFORMED_DATES}) for who, path in PAGED_LISTS]
    + [(who, path, MALFORMED) for who, path in NAMED_LISTS],
    ids=[path for _, path in PAGED_LISTS + NAMED_LISTS],
)
def test_every_paged_list_says_a_broken_link_is_broken(client, auth, session, who, path, malformed):
    bea = make_member("bea")
    make_account("opal", admin=True)
    group = make_group(bea, "gardens")
    add_to_group(group, make_member("cai"))
    thread = make_thread(group, bea)
    if who != "anonymous":
        auth.login(who)
    for name, cursor in malformed.items():
        response = client.get(path.format(cursor, thread=thread.id))
        assert response.status_code == 400, name
        assert "This link is broken" in page(response), name
    first_page = client.get(path.format("", thread=thread.id))
    assert first_page.status_code == 200
