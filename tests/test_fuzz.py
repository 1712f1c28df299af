"""Hostile input on every route, as a visitor, a member and an admin: never a 500.

Routes come from ``app.url_map`` and form fields from every subclass of
``app.forms.Form``, so what is added later is walked without touching this file. Each
route is first asked for normally by each role (in a savepoint, rolled back after),
which says which roles reach it and which query-string arguments it reads; then every
hostile value is sent once through each of its channels (path parts, the query
arguments it reads, the form body), in turn by the roles that reach it:

- 100 kB strings, NUL and other control characters, line breaks, lone surrogates and
  invalid UTF-8, right-to-left overrides, zero-width joiners, huge and negative
  numbers, and cursors that are malformed in every way we know of.

Every answer must be below 500 and carry the full security headers. Each request runs
in a savepoint compared with a snapshot of every table: a refusal (400 and up) and
every GET change no row at all (but the reader's own read position, which opening a
thread page moves forward), and nothing any request stores holds text that is not
text (the rules in ``app.input``) or one of the oversized values. A request that is
accepted may change rows: right-to-left overrides, joiners and digits are text a
person may write, and some actions (leaving a group) take no input at all.

It runs on whatever database the suite runs on (SQLite, or PostgreSQL in CI).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import pytest
from flask import Request
from sqlalchemy import event, select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Rule
from wtforms.fields.core import UnboundField

from app.db import Base, db
from app.forms import Form
from app.groups import moderation
from app.groups import services as groups
from app.groups.models import JoinRequest
from app.groups.permissions import access_to
from app.input import NOT_TEXT
from app.memberships.models import ComplimentaryMembership
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)
from tests.test_security import assert_security_headers

ROLES = ("anonymous", "member", "admin")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
HUGE = "x" * 100_000

# Hostile text, as the bytes a client sends (so invalid UTF-8 can be sent too).
HOSTILE_TEXT: dict[str, bytes] = {
    "100 kB": HUGE.encode(),
    "NUL": b"a\x00b",
    "bell": b"\x07",
    "escape sequence": b"\x1b[31mred",
    "C1 control": "a\x85b".encode(),
    "line break": b"two\nlines",
    "lone surrogate": b"a\xed\xa0\x80b",
    "invalid UTF-8": b"\xff\xfe\xfd",
    "RTL override": "\u202egnp.exe".encode(),
    "zero-width joiners": "a\u200d\u200db\u200b".encode(),
    "emoji sequence": "\U0001f469\u200d\U0001f469\u200d\U0001f467".encode(),
    "negative number": b"-1",
    "int32 + 1": b"2147483648",
    "int64 + 1": b"9223372036854775808",
    "huge number": b"9" * 400,
}
HOSTILE_IDS: dict[str, bytes] = {
    "zero": b"0",
    "int32 + 1": b"2147483648",
    "int64 + 1": b"9223372036854775808",
    "huge number": b"9" * 400,
    "negative": b"-1",
    "exponent": b"1e3",
    "Arabic-Indic digit": "\u0663".encode(),
    "NUL": b"1\x00",
    "lone surrogate": b"1\xed\xa0\x80",
}


def _cursor(raw: bytes | str) -> bytes:
    raw = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _json_cursor(*values) -> bytes:
    return _cursor(json.dumps(list(values)))


HOSTILE_CURSORS: dict[str, bytes] = {
    "date overflowing into year 10000": _json_cursor("9999-12-31T23:59:59-23:59", 1),
    "date overflowing before year 1": _json_cursor("0001-01-01T00:00:00+23:59", 1),
    "naive date": _json_cursor("2030-01-01T00:00:00", 1),
    "id >= 2^31": _json_cursor("2030-01-01T00:00:00+00:00", 2**31),
    "id >= 2^63": _json_cursor("2030-01-01T00:00:00+00:00", 2**63),
    "negative id": _json_cursor("2030-01-01T00:00:00+00:00", -1),
    "deep JSON": _cursor("[" * 300 + "]" * 300),
    "very deep JSON": _cursor("[" * 50_000 + "]" * 50_000),
    "lone surrogate": _cursor('["\\ud800", 1]'),
    "NUL": _cursor('["a\\u0000", 1]'),
    "wrong types": _json_cursor(1.5, "x"),
    "booleans": _json_cursor(True, False),
    "an object": _cursor('{"a": 1}'),
    "too many keys": _json_cursor("a", 1, 2),
    "not base64": b"!!!*",
    "not JSON": _cursor(b"\xff\xfe\x00"),
}


@dataclass(frozen=True)
class Probe:
    """One request: a path, a query string and a form body, all already encoded."""

    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    what: str = ""


@dataclass
class Seed:
    """The rows every request starts from, and the path values that name them."""

    path_values: dict[str, str]
    cookies: dict[str, str | None] = field(default_factory=dict)


class _RecordingArgs(ImmutableMultiDict):
    """A request's arguments that remember which names the app asked for (in ``read``,
    emptied before each request the walk sends)."""

    read: set[str] = set()

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


class _RecordingRequest(Request):
    parameter_storage_class = _RecordingArgs


def _form_field_names() -> list[str]:
    """Every field name of every form in the app (the forms' modules are imported)."""
    names: set[str] = set()
    pending = list(Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        names.update(
            name
            for name in dir(form_class)
            if isinstance(getattr(form_class, name, None), UnboundField)
        )
    return sorted(names)


def _encode_body(names: list[str], value: bytes) -> bytes:
    return "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name in names).encode()


def _path(rule: Rule, values: dict[str, str]) -> str:
    def part(match: re.Match) -> str:
        return values[match.group(1)]

    return re.sub(r"<(?:[^<>:]+:)?(\w+)>", part, rule.rule)


def _valid_parts(rule: Rule, seed: Seed) -> dict[str, str]:
    parts = {}
    for name in rule.arguments:
        if name in seed.path_values:
            parts[name] = seed.path_values[name]
        elif isinstance(rule._converters[name], IntegerConverter):
            parts[name] = "1"
        else:
            parts[name] = "dummy"
    return parts


def _hostile_paths(rule: Rule, method: str, seed: Seed) -> Iterator[Probe]:
    valid = _valid_parts(rule, seed)
    for name in sorted(rule.arguments):
        is_id = isinstance(rule._converters[name], IntegerConverter)
        for label, value in (HOSTILE_IDS if is_id else HOSTILE_TEXT).items():
            parts = {**valid, name: quote(value, safe="")}
            yield Probe(method, _path(rule, parts), what=f"path <{name}> = {label}")


def _hostile_queries(path: str, method: str, read: set[str]) -> Iterator[Probe]:
    values = {**HOSTILE_TEXT, **{f"cursor: {k}": v for k, v in HOSTILE_CURSORS.items()}}
    values.update({f"id: {k}": v for k, v in HOSTILE_IDS.items()})
    for name in sorted(read):
        for label, value in values.items():
            query = f"{quote_plus(name)}={quote_plus(value)}"
            yield Probe(method, path, query=query, what=f"?{name} = {label}")


def _hostile_bodies(path: str, field_names: list[str]) -> Iterator[Probe]:
    for label, value in HOSTILE_TEXT.items():
        yield Probe("POST", path, body=_encode_body(field_names, value), what=f"form = {label}")
    raw = b"&".join(name.encode() + b"=\xff\xfe\x00\xed\xa0\x80" for name in field_names)
    yield Probe("POST", path, body=raw, what="form = raw bytes, not URL-encoded")


def _seed(app) -> Seed:
    with app.app_context():
        opal = make_member("opal", admin=True)
        bea = make_member("bea")
        cai = make_member("cai")
        dan = make_account("dan")
        make_account("eve")
        gardens = make_group(bea, "gardens", join_policy="request")
        circle = make_group(bea, "circle", visibility="private", join_policy="invite")
        add_to_group(gardens, cai, "moderator")
        thread = make_thread(gardens, bea, "Seeds", "Which seeds?")
        reply = make_reply(thread, cai, "Beans.")
        groups.edit_post(access_to(gardens, cai), reply, "Beans, surely.")
        report = moderation.report_post(access_to(gardens, bea), reply, "spam", "")
        groups.request_to_join(access_to(gardens, dan), "Let me in")
        groups.invite(access_to(circle, bea), "dan")
        moderation.ban(access_to(gardens, bea), "eve", "Spam")
        db.session.commit()
        request_id = db.session.scalar(select(JoinRequest.id))
        grant_id = db.session.scalar(
            select(ComplimentaryMembership.id).where(ComplimentaryMembership.account_id == cai.id)
        )
        path_values = {
            "slug": "gardens",
            "thread_id": str(thread.id),
            "post_id": str(reply.id),
            "request_id": str(request_id),
            "report_id": str(report.id),
            "grant_id": str(grant_id),
            "handle": "cai",
            "token": "not-a-token",
            "answer": "accept",
            "filename": "kindred.css",
        }
        assert opal.is_admin
    seed = Seed(path_values, {"anonymous": None})
    for role, handle in (("member", "bea"), ("admin", "opal")):
        client = app.test_client()
        response = client.post("/login", data={"identifier": handle, "password": DEFAULT_PASSWORD})
        assert response.status_code == 303, f"{handle} could not log in"
        seed.cookies[role] = client.get_cookie("kindred_session").value
    return seed


def _snapshot(connection) -> dict[str, list]:
    return {
        table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
        for table in Base.metadata.sorted_tables
    }


def _stored_problems(after: dict[str, list]) -> list[str]:
    problems = []
    for table, rows in after.items():
        for row in rows:
            for value in row:
                if isinstance(value, str) and (NOT_TEXT.search(value) or HUGE in value):
                    problems.append(f"{table} stores {value[:60]!r}")
    return problems


# The one row a page a person reads may write: how far they have read the thread.
READ_BY_GET = "read_positions"


def _changes(before: dict[str, list], after: dict[str, list], reading: bool = False) -> list[str]:
    """What changed between two snapshots; with ``reading``, leaving out the read
    positions a GET of a thread page moves forward for its reader."""
    changes = []
    for table, rows in after.items():
        if reading and table == READ_BY_GET:
            continue
        if rows != before[table]:
            old, new = set(before[table]), set(rows)
            changes.append(f"{table}: gone {sorted(old - new)[:2]}, now {sorted(new - old)[:2]}")
    return changes


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Walker:
    """Sends probes inside savepoints and collects every way they went wrong."""

    def __init__(self, app, seed: Seed) -> None:
        self.app = app
        self.seed = seed
        self.connection = app.extensions["kindred_db"].sessionmaker.kw["bind"]
        self.before = _snapshot(self.connection)
        self.errors = _Errors()
        app.logger.addHandler(self.errors)
        self.problems: list[str] = []
        self.sent = 0
        self.writes = 0
        event.listen(self.connection.engine, "before_cursor_execute", self._count_writes)

    def close(self) -> None:
        event.remove(self.connection.engine, "before_cursor_execute", self._count_writes)
        self.app.logger.removeHandler(self.errors)

    def _count_writes(self, _connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.writes += 1

    def send(self, probe: Probe, role: str) -> tuple[int, str | None]:
        """Send ``probe`` as ``role``; its status and where it redirects to."""
        client = self.app.test_client()
        if self.seed.cookies[role]:
            client.set_cookie("kindred_session", self.seed.cookies[role])
        _RecordingArgs.read = set()
        self.errors.records.clear()
        self.writes = 0
        savepoint = self.connection.begin_nested()
        try:
            options = {"query_string": probe.query}
            if probe.body is not None:
                options.update(data=probe.body, content_type="application/x-www-form-urlencoded")
            with client.open(probe.path, method=probe.method, **options) as response:
                answer = response.status_code, response.headers.get("Location")
                # Rows change only by INSERT, UPDATE or DELETE: without one, nothing did.
                after = _snapshot(self.connection) if self.writes else self.before
                self._check(probe, role, response, after)
        except Exception as error:  # the server would send no page at all
            self.problems.append(f"{self._where(probe, role)}: no answer, {error!r:.300}")
            answer = 500, None
        finally:
            savepoint.rollback()
        self.sent += 1
        return answer

    @staticmethod
    def _where(probe: Probe, role: str) -> str:
        return f"{role} {probe.method} {probe.path[:80]}?{probe.query[:60]} ({probe.what})"

    def _check(self, probe: Probe, role: str, response, after) -> None:
        where = self._where(probe, role)
        if response.status_code >= 500:
            causes = [record.getMessage() for record in self.errors.records]
            causes += [str(record.exc_info[1]) for record in self.errors.records if record.exc_info]
            self.problems.append(f"{where}: {response.status_code} {causes[-1:]}")
        try:
            assert_security_headers(response, self.app)
        except AssertionError as error:
            self.problems.append(f"{where}: security headers missing ({error})")
        if after is self.before:
            return
        if response.status_code >= 400:
            self.problems += [
                f"{where} changed {change}" for change in _changes(self.before, after)
            ]
        elif probe.method == "GET":
            self.problems += [
                f"{where} changed {change}" for change in _changes(self.before, after, reading=True)
            ]
        self.problems += [f"{where}: {problem}" for problem in _stored_problems(after)]


def _reaches(status: int, location: str | None) -> bool:
    """Whether a role gets past login and permission checks to the route's own work."""
    if status in {401, 403, 404, 405}:
        return False
    return not (status in {301, 302} and (location or "").startswith("/login"))


@pytest.fixture
def fuzz_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    for name in list(app.config):
        if name.endswith(("_LIMIT_PER_CLIENT", "_LIMIT_PER_ACCOUNT")):
            app.config[name] = "100000 per minute"
    app.request_class = _RecordingRequest
    return app


@pytest.fixture
def walker(fuzz_app):
    walker = Walker(fuzz_app, _seed(fuzz_app))
    yield walker
    walker.close()


def test_no_hostile_request_gets_a_500_or_changes_what_it_must_not(fuzz_app, walker):
    seed = walker.seed
    assert _stored_problems(walker.before) == []
    field_names = _form_field_names()
    assert {"body", "handle", "reason", "email", "ends_on"} <= set(field_names)
    turn = 0
    reached: set[tuple[str, str]] = set()

    def rotate(probes: Iterator[Probe], roles: list[str]) -> None:
        nonlocal turn
        for probe in probes:
            walker.send(probe, roles[turn % len(roles)])
            turn += 1

    rules = sorted(fuzz_app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
    for rule in rules:
        methods = sorted(rule.methods - SKIPPED_METHODS)
        path = _path(rule, _valid_parts(rule, seed))
        reach: dict[str, list[str]] = {}
        read: set[str] = set()
        for method in methods:
            reach[method] = []
            for role in ROLES:
                plain = Probe(method, path, body=b"" if method == "POST" else None, what="plain")
                status, location = walker.send(plain, role)
                if method == "GET":
                    read |= _RecordingArgs.read
                if _reaches(status, location):
                    reach[method].append(role)
                    reached.add((role, rule.endpoint))
        everyone = list(ROLES)
        if rule.arguments:
            method = "GET" if "GET" in methods else methods[0]
            rotate(_hostile_paths(rule, method, seed), reach[method] or everyone)
        if "GET" in methods and read:
            rotate(_hostile_queries(path, "GET", read), reach["GET"] or everyone)
        if "POST" in methods:
            rotate(_hostile_bodies(path, field_names), reach["POST"] or everyone)

    assert walker.sent > 1000, "the walk sent far fewer requests than the routes call for"
    assert {
        ("member", "groups.create_reply"),
        ("member", "groups.decide_request"),
        ("admin", "admin.suspend_account"),
        ("admin", "memberships.grant_complimentary"),
        ("anonymous", "accounts.signup"),
    } <= reached, "the member and the admin are signed in and reach their pages"
    assert walker.problems == [], (
        f"{len(walker.problems)} of {walker.sent} hostile requests went wrong:\n"
        + "\n".join(walker.problems[:40])
    )
