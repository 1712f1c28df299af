"""Archives: a ZIP written while it downloads, from the sections features declare.

A member's export and a group's archive are built the same way: a ``manifest.json`` and
a ``README.txt`` first (so the download starts at once), then each declared section's
file, then the offline ``index.html`` that every section contributes a part to. Sections
yield text as they read it (server-side cursors, see ``stream_rows``), zipstream-ng
deflates it chunk by chunk, and nothing holds the whole archive, or a whole file, in
memory. The format is versioned and documented in ``docs/export-format.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zipfile import ZIP_DEFLATED

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import Select
from zipstream import ZipStream

from app import personal_data
from app.db import db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import Account
    from app.groups.models import Group

FORMAT = "kindred-export"
VERSION = 1
GROUP_FORMAT = "kindred-group-archive"
# Rows read from the database per round trip; the cursor stays open between them.
BATCH = 500
# Text handed to the compressor at once: large enough to keep the overhead small.
CHUNK = 64 * 1024
# Deflate quickly: text shrinks well even at the fastest level, and time to download matters.
COMPRESS_LEVEL = 1
SHARED_WITH_NOBODY = "Nobody outside Kindred."
SHARED_WITH = (
    "Only Stripe, our payment processor, and only if you paid for a membership: your email "
    "address and your account number, to bill you and send receipts. Nobody else, ever."
)
OFFLINE_CSS = (Path(__file__).parent / "offline.css").read_text()


class Links:
    """Absolute links to Kindred's pages, built from the URL map once per archive.

    ``url_for`` costs microseconds per call; an archive of 20,000 posts needs several
    links per post, so each pattern is built once around markers and split where they
    stand, and links are then put together with f-strings.
    """

    _SLUG = "kindred-slug-marker"
    _THREAD = "987654321"
    _HANDLE = "kindred-handle-marker"

    def __init__(self) -> None:
        thread = url_for(
            "groups.show_thread", slug=self._SLUG, thread_id=int(self._THREAD), _external=True
        )
        self._thread_start, rest = thread.split(self._SLUG)
        self._thread_middle, self._thread_end = rest.split(self._THREAD)
        profile = url_for("accounts.profile", handle=self._HANDLE, _external=True)
        self._profile_start, self._profile_end = profile.split(self._HANDLE)
        group = url_for("groups.show_group", slug=self._SLUG, _external=True)
        self._group_start, self._group_end = group.split(self._SLUG)
        self.site = url_for("pages.home", _external=True)

    def thread(self, slug: str, thread_id: int) -> str:
        return f"{self._thread_start}{slug}{self._thread_middle}{thread_id}{self._thread_end}"

    def post(self, slug: str, thread_id: int, post_id: int) -> str:
        return f"{self.thread(slug, thread_id)}#post-{post_id}"

    def profile(self, handle: str | None) -> str | None:
        return f"{self._profile_start}{handle}{self._profile_end}" if handle else None

    def group(self, slug: str) -> str:
        return f"{self._group_start}{slug}{self._group_end}"


@dataclass
class ExportContext:
    """What a section writes about: one account (an export) or one group (an archive)."""

    links: Links
    now: datetime
    account: Account | None = None
    group: Group | None = None


# -- text helpers ---------------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_encoder = json.JSONEncoder(default=_default, ensure_ascii=False, indent=None)


def dumps(value: Any) -> str:
    return _encoder.encode(value)


def json_document(
    file: str, fields: Mapping[str, Any], lists: Mapping[str, Iterable[Any]] | None = None, *,
    kind: str = FORMAT,
) -> Iterator[str]:  # fmt: skip
    """A JSON object: the format header, ``fields``, then each of ``lists`` item by item."""
    yield dumps({"format": kind, "version": VERSION, "file": file, **fields})[:-1]
    for name, items in (lists or {}).items():
        yield f", {dumps(name)}: ["
        separator = "\n"
        for item in items:
            yield separator + dumps(item)
            separator = ",\n"
        yield "\n]"
    yield "}\n"


def chunked(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join small pieces of text into UTF-8 chunks of about ``CHUNK`` bytes."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def stream_rows(query: Select) -> Iterator[Any]:
    """Rows of ``query`` read through a server-side cursor, ``BATCH`` at a time.

    One statement however many rows there are, and never more than a batch in memory.
    Nothing runs until the first row is asked for; rows are handed on a batch at a time
    (``chain`` walks each batch without a Python call per row).
    """
    return chain.from_iterable(_batches(query))


def stream_records(query: Select) -> Iterator[dict[str, Any]]:
    """``stream_rows``, each row as a dict of its columns (what a JSON file writes)."""
    return (dict(row._mapping) for row in stream_rows(query))


def _batches(query: Select) -> Iterator[list[Any]]:
    # Core rows, not ORM ones: much cheaper per row, and nothing in the identity map.
    result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
    yield from result.partitions()


def time_html(moment: datetime) -> str:
    """A UTC time as HTML for the offline copy."""
    iso = moment.isoformat()
    return f'<time datetime="{iso}">{iso[:10]} {iso[11:16]} UTC</time>'


def when(moment: datetime | None) -> Markup:
    """``time_html`` for templates (a function: a Jinja macro costs ten times more)."""
    return Markup(time_html(moment)) if moment is not None else Markup("—")  # noqa: S704


def render_stream(template: str, **context: Any) -> Iterator[str]:
    """A template rendered piece by piece, so loops over ``stream_rows`` stay streamed."""
    return current_app.jinja_env.get_template(template).generate(when=when, **context)


# -- the archive ----------------------------------------------------------------------------


def _manifest_entries(sections: list[personal_data.Section], kind: str) -> list[dict[str, Any]]:
    """What each file holds and, in a member's export, for each kind of record in it: why
    Kindred keeps it, for how long, and who else receives it."""
    made_from = personal_data.export_files() if kind == FORMAT else {}
    entries = []
    for section in sections:
        tables = made_from[section.file][1] if section.file in made_from else []
        entries.append(
            {
                "file": section.file,
                "title": section.title,
                "holds": section.holds,
                "restates": section.restates,
                "records": []
                if section.restates
                else [
                    {
                        "kind": table.title,
                        "why": table.why,
                        "kept": table.kept,
                        "shared_with": table.shared_with or SHARED_WITH_NOBODY,
                    }
                    for table in tables
                ],
            }
        )
    entries.append(
        {
            "file": "index.html",
            "title": "Offline copy",
            "holds": "The files above as one page to read in any browser, offline: plain "
            "HTML and CSS, no scripts, nothing loaded from anywhere.",
            "restates": None,
            "records": [],
        }
    )
    return entries


def _manifest(ctx: ExportContext, kind: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    if ctx.account is not None:
        handle = ctx.account.handle
        about = {"account": {"handle": handle, "profile": ctx.links.profile(handle)}}
    else:
        about = {"group": {"slug": ctx.group.slug, "name": ctx.group.name}}
    return {
        "format": kind,
        "version": VERSION,
        "file": "manifest.json",
        "site": ctx.links.site,
        "generated_at": ctx.now,
        **about,
        "shared_with": SHARED_WITH,
        "files": entries,
    }


def _readme(ctx: ExportContext, entries: list[dict[str, Any]]) -> str:
    if ctx.account is not None:
        opening = (
            f"Everything Kindred keeps about @{ctx.account.handle}, as it was on "
            f"{ctx.now:%Y-%m-%d %H:%M} UTC. Other people appear in it only by their handle."
        )
    else:
        opening = (
            f"The archive of the group {ctx.group.name} ({ctx.links.group(ctx.group.slug)}), "
            f"as it was on {ctx.now:%Y-%m-%d %H:%M} UTC: its threads, its posts, who is in "
            "it (by handle) and its moderation log."
        )
    lines = [
        opening,
        "",
        "Open index.html in a browser to read it offline. manifest.json lists the files;",
        "the JSON files follow Kindred's documented schema (docs/export-format.md in its",
        f"source, format version {VERSION}); outbox.json is ActivityStreams 2.0.",
        "",
        textwrap.fill("Who else ever received any of it: " + SHARED_WITH, 88),
    ]
    for entry in entries:
        lines += ["", f"{entry['file']}: {entry['title']}", textwrap.fill(entry["holds"], 88)]
        if entry["restates"]:
            lines.append(f"It restates {entry['restates']} in another format.")
        for record in entry["records"]:
            lines.append(f"- {record['kind']}")
            for label, key in (("Why", "why"), ("For how long", "kept")):
                lines.append(textwrap.fill(f"{label}: {record[key]}", 88, initial_indent="  ",
                                           subsequent_indent="  "))  # fmt: skip
    return "\n".join(lines) + "\n"


def style_hash() -> str:
    digest = hashlib.sha256(OFFLINE_CSS.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def _offline_index(ctx: ExportContext, sections: list[personal_data.Section]) -> Iterator[str]:
    parts = [section for section in sections if section.html is not None]
    yield from render_stream(
        "exports/offline/head.html",
        ctx=ctx,
        parts=parts,
        css=Markup(OFFLINE_CSS),  # noqa: S704  (our own stylesheet, read from the package)
        style_hash=style_hash(),
    )
    for section in parts:
        yield from section.html(ctx)
    yield from render_stream("exports/offline/foot.html", ctx=ctx)


def build(ctx: ExportContext, sections: list[personal_data.Section], kind: str) -> Iterator[bytes]:
    """The archive's bytes, produced as they are read from the database."""
    entries = _manifest_entries(sections, kind)
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=COMPRESS_LEVEL)
    stream.add(dumps(_manifest(ctx, kind, entries)).encode(), "manifest.json")
    stream.add(_readme(ctx, entries).encode(), "README.txt")
    for section in sections:
        stream.add(chunked(section.write(ctx)), section.file)
    stream.add(chunked(_offline_index(ctx, sections)), "index.html")
    yield from stream


def account_archive(account: Account) -> Iterator[bytes]:
    """Everything about ``account`` that Kindred keeps, as a ZIP stream."""
    ctx = ExportContext(links=Links(), now=utcnow(), account=account)
    return build(ctx, personal_data.sections(), FORMAT)


def group_archive(group: Group) -> Iterator[bytes]:
    """A group's threads, posts, member handles and moderation log, as a ZIP stream."""
    ctx = ExportContext(links=Links(), now=utcnow(), group=group)
    return build(ctx, personal_data.group_sections(), GROUP_FORMAT)
