"""Shared caching of what signed-out readers read.

A signed-out view of a public page carries an ``ETag`` made of what the page shows (the
rows it lists, as loaded) and a short shared-cache lifetime, so a proxy's cache or a CDN
can absorb a crowd of readers; a request whose ``If-None-Match`` still holds that ETag is
answered 304 before any template is rendered. Everything else keeps ``Cache-Control:
no-store`` (``app.security``): a signed-in page is never kept by a shared cache.

The ETag names everything such a page is rendered from, so each app process also keeps
the bodies it rendered, by ETag (``PageCache``): a reader without a copy of an unchanged
page gets the same bytes again, read from the database as freshly as ever but not
rendered again. A page whose rows changed has a new ETag, so it is rendered anew.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

from app.db import utcnow
from app.times import relative


def init_app(app: Flask) -> None:
    # Registered after app.security, so this runs first and security keeps its Cache-Control.
    app.extensions["kindred_code_version"] = _code_version(app)
    app.extensions["kindred_page_cache"] = PageCache(app.config["PAGE_CACHE_BYTES"])
    app.after_request(_add_cache_headers)


class PageCache:
    """Rendered bodies of shared-cacheable pages by ETag, the least recently sent dropped
    first once they pass ``budget`` bytes. One per app process; thread-safe."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._bodies: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._bodies.get(etag)
            if found is not None:
                self._bodies.move_to_end(etag)
            return found

    def put(self, etag: str, body: bytes, content_type: str) -> None:
        if len(body) > self.budget // 4:  # one page never crowds out the rest
            return
        with self._lock:
            if etag in self._bodies:
                return
            self._bodies[etag] = (body, content_type)
            self.size += len(body)
            while self.size > self.budget:
                _etag, (dropped, _type) = self._bodies.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._bodies)


def _code_version(app: Flask) -> str:
    """A digest of the code, the templates and the settings pages show, so a deployment
    that changes how pages look changes every ETag; the same on every worker and every
    app server of one release."""
    digest = hashlib.blake2b(_source_digest(), digest_size=16)
    digest.update(repr((app.config["SITE_NAME"], app.config["PUBLIC_CACHE_SECONDS"])).encode())
    return digest.hexdigest()


@functools.cache
def _source_digest() -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.rglob("*")):
        if path.suffix in {".py", ".html"} and path.is_file():
            digest.update(path.read_bytes())
    return digest.digest()


def shared_cacheable() -> bool:
    """Whether this response may be kept by a shared cache: a GET by someone signed out,
    with no message waiting to be shown to them."""
    return (
        request.method in {"GET", "HEAD"}
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def not_modified(*shown: Any) -> Response | None:
    """For a shared-cacheable request, mark the page public with an ETag made of
    ``shown`` (the rows and values the page is rendered from) and return a 304 when the
    request already holds that ETag, or the body rendered before for it when this process
    has one; otherwise None, and the page is rendered (and kept)."""
    if not shared_cacheable():
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(current_app.extensions["kindred_code_version"].encode())
    digest.update(request.full_path.encode())
    # The page's times are said relative to this moment too (the start of the minute).
    request.kindred_now = now = utcnow().replace(second=0, microsecond=0)
    _digest_of(_shown(list(shown), now), digest)
    etag = digest.hexdigest()
    g.kindred_public_etag = etag
    if request.if_none_match.contains_weak(etag):
        return Response(status=304)
    kept = current_app.extensions["kindred_page_cache"].get(etag)
    if kept is not None:
        g.kindred_page_kept = True
        body, content_type = kept
        return Response(body, content_type=content_type)
    return None


def _shown(value: Any, now: datetime, depth: int = 0) -> Any:
    """The loaded values of ``value``: for a model row its loaded columns and, one level
    down, the rows it refers to that were loaded with it (a post's author); a tuple is a
    plain row, of values as they are. A list holds any of these. A moment is
    shown as words relative to ``now`` ("3 hours ago"), so those words are part of it too:
    the ETag changes when the page's words would."""
    if isinstance(value, list):
        if value and type(value[0]) is tuple:  # plain rows, kept as they are
            return value, [relative(v, now) for row in value for v in row if type(v) is datetime]
        return [_shown(item, now, depth) for item in value]
    if isinstance(value, tuple):  # a plain row
        return value, [relative(v, now) for v in value if type(v) is datetime]
    keys = _shown_keys(type(value))
    if keys is None:
        return value
    columns, relationships = keys
    loaded = value.__dict__  # what was loaded (the instance state's dict), without inspect()
    values = [loaded.get(key) for key in columns]
    values += [relative(moment, now) for moment in values if isinstance(moment, datetime)]
    if depth == 0:
        values += [(key, _shown(loaded[key], now, 1)) for key in relationships if key in loaded]
    return values


def _digest_of(shown: Any, digest: Any) -> None:
    """Feed ``shown`` to ``digest`` pickled, a third of the cost of ``repr`` (which escapes
    every string and spells out every moment). Equal bytes are always equal values; equal
    values give equal bytes on every process of one release, unless one object stood for
    two of them in one process and not in another, which costs only a page rendered anew."""
    digest.update(pickle.dumps(shown, protocol=5))


_KEYS: dict[type, tuple[tuple[str, ...], tuple[str, ...]] | None] = {}


def _shown_keys(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A model's column keys and its to-one relationships' keys (None: not a model)."""
    if cls not in _KEYS:
        mapper = getattr(cls, "__mapper__", None)
        _KEYS[cls] = mapper and (
            tuple(attribute.key for attribute in mapper.column_attrs),
            tuple(rel.key for rel in mapper.relationships if not rel.uselist),
        )
    return _KEYS[cls]


def _add_cache_headers(response: Response) -> Response:
    etag = g.get("kindred_public_etag")
    if etag is None or response.status_code not in {200, 304}:
        return response
    if (
        response.status_code == 200
        and not g.get("kindred_page_kept")
        and not response.is_streamed
        and response.mimetype == "text/html"
    ):
        current_app.extensions["kindred_page_cache"].put(
            etag, response.get_data(), response.content_type
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PUBLIC_CACHE_SECONDS']}"
    )
    return response
