"""The sandbox's in-memory store: locking, clock, lookups, events, delivery and persistence.

Business behaviour lives in :mod:`.resources` and :mod:`.billing`; this module only provides
the machinery they share.  Every mutation runs inside :meth:`Store._mutation`, which holds
the one lock, saves the store afterwards and then -- with the lock released, because a
webhook receiver may call straight back into the API -- delivers the events it produced.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import shapes
from .errors import SandboxError, resource_missing
from .params import as_int, as_list
from .webhooks import http_deliver, signed_headers

Obj = dict[str, Any]
Deliver = Callable[[str, bytes, dict[str, str]], int]

# collection name -> (object name used in error messages, id prefix)
COLLECTIONS: dict[str, tuple[str, str]] = {
    "products": ("product", "prod_"),
    "prices": ("price", "price_"),
    "customers": ("customer", "cus_"),
    "checkout_sessions": ("checkout.session", "cs_test_"),
    "subscriptions": ("subscription", "sub_"),
    "invoices": ("invoice", "in_"),
    "payment_intents": ("payment_intent", "pi_"),
    "charges": ("charge", "ch_"),
    "refunds": ("refund", "re_"),
    "portal_sessions": ("billing_portal.session", "bps_"),
    "disputes": ("dispute", "dp_"),
    "events": ("event", "evt_"),
}

# The sandbox's secret key unless told another: the one Kindred's development and test
# configurations use.
SANDBOX_SECRET_KEY = "sk_test_kindred_sandbox"  # noqa: S105 - a fake key for a fake Stripe

# What Stripe's "Manage failed payments" setting does after the last retry fails.
FAILED_PAYMENT_ACTIONS = ("cancel", "unpaid", "past_due")

# Data Stripe keeps but never shows in objects (saved cards, session line items, ...).
PRIVATE_SECTIONS = (
    "cards",
    "session_lines",
    "session_data",
    "invoice_payments",
    "invoice_payment_intent",
    "dunning_started",
    "deleted_customers",
)


class Store:
    """Thread-safe storage of Stripe objects plus the sandbox clock and webhook outbox."""

    def __init__(
        self,
        *,
        data_path: str | os.PathLike[str] | None = None,
        deliver: Deliver | None = None,
        auto_deliver: bool = True,
        public_url: str = "http://127.0.0.1:12111",
        secret_key: str = SANDBOX_SECRET_KEY,
        failed_payment_action: str = "cancel",
    ) -> None:
        if failed_payment_action not in FAILED_PAYMENT_ACTIONS:
            raise ValueError(f"failed_payment_action must be one of {FAILED_PAYMENT_ACTIONS}")
        self.public_url = public_url.rstrip("/")
        self.secret_key = secret_key
        self.failed_payment_action = failed_payment_action
        self.auto_deliver = auto_deliver
        self._deliver = deliver or http_deliver
        self._data_path = Path(data_path) if data_path else None
        self._lock = threading.RLock()
        self._delivery_lock = threading.RLock()
        self._local = threading.local()
        self._depth = 0
        self._endpoints: list[Obj] = []
        self._in_flight: set[str] = set()
        self._idempotency: dict[str, tuple[str, int, bytes]] = {}
        self._outages: list[int] = []
        self._reset()
        if self._data_path and self._data_path.exists():
            self._load()

    def _reset(self) -> None:
        self._data: dict[str, dict[str, Obj]] = {name: {} for name in COLLECTIONS}
        self._private: dict[str, Any] = {name: {} for name in PRIVATE_SECTIONS}
        self._outbox: list[Obj] = []
        self._clock_offset = 0.0
        self._last_event_created = 0
        self._invoice_sequence = 0

    # -- clock ----------------------------------------------------------------------------

    def now(self) -> int:
        """The sandbox clock in unix seconds: real time plus everything ``advance`` added."""
        return int(time.time() + self._clock_offset)

    def _set_clock(self, timestamp: int) -> None:
        # Never move backwards: events' ``created`` must not decrease.
        if timestamp > self.now():
            self._clock_offset = timestamp - time.time()

    # -- mutations, requests and delivery -------------------------------------------------

    @contextmanager
    def _mutation(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                outermost = self._depth == 0
                if outermost:
                    self._save()
        if outermost and self.auto_deliver and not getattr(self._local, "deferred", False):
            self.deliver_pending()

    @contextmanager
    def deferred_delivery(self) -> Iterator[None]:
        """Hold this thread's deliveries until the block ends; the caller delivers later.

        The REST layer uses this so events go out after the HTTP response has been sent.
        """
        previous = getattr(self._local, "deferred", False)
        self._local.deferred = True
        try:
            yield
        finally:
            self._local.deferred = previous

    @contextmanager
    def request_context(self, request_id: str, idempotency_key: str | None) -> Iterator[None]:
        """Attribute events emitted in this block to an API request, as Stripe does."""
        self._local.request = {"id": request_id, "idempotency_key": idempotency_key}
        try:
            yield
        finally:
            self._local.request = None

    def add_webhook_endpoint(self, url: str, secret: str) -> None:
        """Deliver every later event to ``url``, signed with ``secret`` (replaces same URL)."""
        with self._lock:
            self._endpoints = [e for e in self._endpoints if e["url"] != url]
            self._endpoints.append({"url": url, "secret": secret})

    def pending_deliveries(self) -> list[Obj]:
        """Deliveries not yet acknowledged with a 2xx: ``event_id``, ``url``, ``attempts``..."""
        with self._lock:
            return [copy.deepcopy(entry) for entry in self._outbox]

    def deliver_pending(self) -> int:
        """Send queued deliveries in event order; returns how many were acknowledged.

        Failed ones stay queued for the next call.  Runs without the store lock while a
        request is on the wire, so receivers may call back into the sandbox.
        """
        acknowledged = 0
        with self._delivery_lock:
            tried: set[str] = set()
            while (claimed := self._claim_delivery(tried)) is not None:
                entry, payload = claimed
                headers = signed_headers(payload, entry["secret"])
                try:
                    status = self._deliver(entry["url"], payload, headers)
                except OSError:
                    status = 0
                acknowledged += self._record_delivery(entry, status)
        return acknowledged

    def _claim_delivery(self, tried: set[str]) -> tuple[Obj, bytes] | None:
        with self._lock:
            for entry in self._outbox:
                if entry["id"] not in tried and entry["id"] not in self._in_flight:
                    tried.add(entry["id"])
                    self._in_flight.add(entry["id"])
                    event = self._data["events"][entry["event_id"]]
                    return entry, json.dumps(event, indent=2).encode("utf-8")
        return None

    def _record_delivery(self, entry: Obj, status: int) -> int:
        with self._lock:
            self._in_flight.discard(entry["id"])
            entry["attempts"] += 1
            entry["last_status"] = status
            ok = 200 <= status < 300
            if ok:
                self._outbox.remove(entry)
                event = self._data["events"][entry["event_id"]]
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
            self._save()
            return int(ok)

    # -- events ---------------------------------------------------------------------------

    @property
    def events(self) -> list[Obj]:
        """Every event so far, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(list(self._data["events"].values()))

    def _emit(self, event_type: str, obj: Obj, previous_attributes: Obj | None = None) -> Obj:
        created = max(self.now(), self._last_event_created)
        self._last_event_created = created
        request = getattr(self._local, "request", None) or {"id": None, "idempotency_key": None}
        event = shapes.event(
            event_type,
            copy.deepcopy(obj),
            created,
            previous_attributes=copy.deepcopy(previous_attributes),
            pending_webhooks=len(self._endpoints),
            request=dict(request),
        )
        self._data["events"][event["id"]] = event
        for endpoint in self._endpoints:
            self._outbox.append(
                {
                    "id": shapes.new_id("whdel"),
                    "event_id": event["id"],
                    "type": event_type,
                    "url": endpoint["url"],
                    "secret": endpoint["secret"],
                    "attempts": 0,
                    "last_status": None,
                }
            )
        return event

    # -- lookups --------------------------------------------------------------------------

    def _get(self, collection: str, object_id: str, param: str = "id") -> Obj:
        """The stored (live, mutable) object; callers must hold the lock."""
        found = self._data[collection].get(object_id)
        if found is None:
            raise resource_missing(COLLECTIONS[collection][0], str(object_id), param)
        return found

    def retrieve(self, collection: str, object_id: str, expand: Any = None) -> Obj:
        """A copy of one object with ``expand`` paths (e.g. ``latest_invoice.payments``)."""
        with self._lock:
            if collection == "customers" and object_id in self._private["deleted_customers"]:
                return shapes.deleted_customer(object_id)
            found = copy.deepcopy(self._get(collection, object_id))
            return self._expand(found, as_list(expand))

    def expand(self, obj: Obj, expand: Any) -> Obj:
        """Expand ``obj`` (a copy the caller owns) along Stripe ``expand`` paths."""
        with self._lock:
            return self._expand(obj, as_list(expand))

    def _find_by_id(self, object_id: str) -> Obj | None:
        if object_id in self._private["deleted_customers"]:
            return shapes.deleted_customer(object_id)
        for collection, (_, prefix) in COLLECTIONS.items():
            if object_id.startswith(prefix):
                found = self._data[collection].get(object_id)
                return copy.deepcopy(found) if found is not None else None
        return None

    def _expand(self, obj: Obj, paths: list[str]) -> Obj:
        for path in paths:
            self._expand_path(obj, path.split("."), path)
        return obj

    def _expand_path(self, node: Any, parts: list[str], path: str) -> None:
        if isinstance(node, list):
            for element in node:
                self._expand_path(element, parts, path)
            return
        if not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        includable = self._includable(node, head)
        if includable is not None:
            node[head] = includable
        elif head not in node:
            raise SandboxError(f"This property cannot be expanded ({path}).", param="expand")
        value = node[head]
        if isinstance(value, str):
            resolved = self._find_by_id(value)
            if resolved is not None:
                node[head] = value = resolved
        if rest:
            self._expand_path(value, rest, path)

    def _includable(self, node: Obj, field: str) -> Obj | None:
        """Fields Stripe only includes when expanded, e.g. a session's ``line_items``."""
        kind, object_id = node.get("object"), node.get("id")
        if kind == "checkout.session" and field == "line_items":
            lines = self._private["session_lines"].get(object_id, [])
            url = f"/v1/checkout/sessions/{object_id}/line_items"
            return shapes.list_object(copy.deepcopy(lines), url)
        if kind == "invoice" and field == "payments":
            payments = self._private["invoice_payments"].get(object_id, [])
            url = f"/v1/invoice_payments?invoice={object_id}"
            return shapes.list_object(copy.deepcopy(payments), url)
        return None

    def _list(
        self,
        collection: str,
        params: Obj,
        url: str,
        predicate: Callable[[Obj], bool] = lambda obj: True,
    ) -> Obj:
        """A Stripe list page, newest first, honouring ``limit`` and ``starting_after``."""
        limit = min(as_int(params.get("limit", 10), "limit", minimum=1), 100)
        with self._lock:
            matches = [o for o in reversed(self._data[collection].values()) if predicate(o)]
            after = params.get("starting_after")
            if after:
                ids = [obj["id"] for obj in matches]
                if after not in ids:
                    raise resource_missing(COLLECTIONS[collection][0], after, "starting_after")
                matches = matches[ids.index(after) + 1 :]
            page = shapes.list_object(
                copy.deepcopy(matches[:limit]), url, has_more=len(matches) > limit
            )
            return self._expand(page, as_list(params.get("expand")))

    # -- outages --------------------------------------------------------------------------

    def fail_requests(self, status: int, count: int = 1) -> None:
        """Answer the next ``count`` API requests with ``status`` (429: too many requests;
        500, 502, 503: Stripe's own trouble) instead of handling them."""
        if status != 429 and not 500 <= status <= 599:
            raise SandboxError("Outages are a 429 or a 5xx status.", param="status")
        with self._lock:
            self._outages.extend([status] * as_int(count, "count", minimum=1))

    def take_outage(self) -> int | None:
        """The status the next API request must fail with, if an outage is queued."""
        with self._lock:
            return self._outages.pop(0) if self._outages else None

    # -- idempotency ----------------------------------------------------------------------

    def idempotent_response(self, key: str, fingerprint: str) -> tuple[int, bytes] | None:
        """The stored response for a repeated ``Idempotency-Key``, if any.

        Reusing a key with different parameters is an ``idempotency_error``, as on Stripe.
        """
        with self._lock:
            stored = self._idempotency.get(key)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise SandboxError(
                "Keys for idempotent requests can only be used with the same parameters "
                "they were first used with.",
                type="idempotency_error",
            )
        return stored[1], stored[2]

    def remember_response(self, key: str, fingerprint: str, status: int, body: bytes) -> None:
        """Store a response so a retry with the same ``Idempotency-Key`` replays it."""
        with self._lock:
            self._idempotency.setdefault(key, (fingerprint, status, body))

    # -- persistence ----------------------------------------------------------------------

    def _save(self) -> None:
        if self._data_path is None:
            return
        snapshot = {
            "version": 1,
            "clock_offset": self._clock_offset,
            "last_event_created": self._last_event_created,
            "invoice_sequence": self._invoice_sequence,
            "data": self._data,
            "private": self._private,
            "outbox": self._outbox,
        }
        self._data_path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves a half-written store behind.
        fd, tmp = tempfile.mkstemp(dir=self._data_path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(snapshot, handle)
        os.replace(tmp, self._data_path)

    def _load(self) -> None:
        assert self._data_path is not None
        snapshot = json.loads(self._data_path.read_text(encoding="utf-8"))
        self._clock_offset = snapshot["clock_offset"]
        self._last_event_created = snapshot["last_event_created"]
        self._invoice_sequence = snapshot["invoice_sequence"]
        self._data.update(snapshot["data"])
        self._private.update(snapshot["private"])
        self._outbox = snapshot["outbox"]
