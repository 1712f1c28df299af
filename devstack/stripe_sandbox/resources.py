"""Create, update, delete and list behaviour of the sandbox's REST resources.

Every public method takes Stripe's parameters as a (nested) dict, exactly as the REST layer
decodes them, and returns a copy of the resulting Stripe object.
"""

from __future__ import annotations

import copy
from typing import Any

from . import shapes
from .errors import SandboxError, missing_param
from .params import as_bool, as_int, as_list, merge_metadata
from .store import Obj, Store

INTERVALS = ("day", "week", "month", "year")


def _require(params: Obj, name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise missing_param(name)
    return value


def _metadata(params: Obj, name: str = "metadata") -> dict[str, str]:
    return merge_metadata({}, params.get(name) or {})


class ResourcesMixin(Store):
    """Products, prices, customers, sessions, subscriptions, refunds and their listings."""

    # -- products and prices --------------------------------------------------------------

    def create_product(self, params: Obj) -> Obj:
        """``POST /v1/products``: needs ``name``; takes ``description`` and ``metadata``."""
        with self._mutation():
            obj = shapes.product(
                _require(params, "name"),
                self.now(),
                description=params.get("description"),
                metadata=_metadata(params),
            )
            self._data["products"][obj["id"]] = obj
            self._emit("product.created", obj)
            return copy.deepcopy(obj)

    def create_price(self, params: Obj) -> Obj:
        """``POST /v1/prices`` with ``product``, ``unit_amount``, ``currency``, ``recurring``.

        A ``lookup_key`` must be unique unless ``transfer_lookup_key`` moves it here.
        """
        with self._mutation():
            # Like Stripe: every required parameter is checked before anything is looked up.
            product_id = _require(params, "product")
            currency = str(_require(params, "currency")).lower()
            unit_amount = as_int(_require(params, "unit_amount"), "unit_amount")
            recurring = self._read_recurring(params.get("recurring"))
            self._get("products", product_id, "product")
            lookup_key = params.get("lookup_key") or None
            holder = self._price_with_lookup_key(lookup_key)
            if holder and not as_bool(params.get("transfer_lookup_key", False), "transfer"):
                raise SandboxError(
                    f"A price (`{holder['id']}`) already uses that lookup key.",
                    param="lookup_key",
                )
            obj = shapes.price(
                product_id,
                unit_amount,
                currency,
                self.now(),
                recurring=recurring,
                lookup_key=lookup_key,
                nickname=params.get("nickname"),
                metadata=_metadata(params),
            )
            if holder:
                holder["lookup_key"] = None
            self._data["prices"][obj["id"]] = obj
            self._emit("price.created", obj)
            return copy.deepcopy(obj)

    def _price_with_lookup_key(self, lookup_key: str | None) -> Obj | None:
        if lookup_key is None:
            return None
        return next(
            (p for p in self._data["prices"].values() if p["lookup_key"] == lookup_key), None
        )

    @staticmethod
    def _read_recurring(value: Any) -> Obj | None:
        if not value:
            return None
        interval = value.get("interval") if isinstance(value, dict) else None
        if interval in (None, ""):
            raise missing_param("recurring[interval]")
        if interval not in INTERVALS:
            raise SandboxError(
                "Invalid recurring[interval]: must be one of day, week, month, or year",
                param="recurring[interval]",
            )
        count = as_int(value.get("interval_count", 1), "recurring[interval_count]", minimum=1)
        return shapes.recurring(interval, count)

    def list_products(self, params: Obj) -> Obj:
        """``GET /v1/products``, optionally filtered by ``active``."""
        active = params.get("active")
        return self._list(
            "products",
            params,
            "/v1/products",
            lambda p: active is None or p["active"] == as_bool(active, "active"),
        )

    def list_prices(self, params: Obj) -> Obj:
        """``GET /v1/prices`` filtered by ``lookup_keys``, ``active``, ``product``, ``type``."""
        lookup_keys = as_list(params.get("lookup_keys"))
        active = params.get("active")
        wanted_active = None if active is None else as_bool(active, "active")

        def matches(price: Obj) -> bool:
            return (
                (not lookup_keys or price["lookup_key"] in lookup_keys)
                and (wanted_active is None or price["active"] == wanted_active)
                and params.get("product") in (None, price["product"])
                and params.get("type") in (None, price["type"])
            )

        return self._list("prices", params, "/v1/prices", matches)

    # -- customers ------------------------------------------------------------------------

    def create_customer(self, params: Obj) -> Obj:
        """``POST /v1/customers`` with optional ``email``, ``name`` and ``metadata``."""
        with self._mutation():
            return copy.deepcopy(self._new_customer(params))

    def _new_customer(self, params: Obj) -> Obj:
        obj = shapes.customer(
            self.now(),
            email=params.get("email") or None,
            name=params.get("name") or None,
            metadata=_metadata(params),
        )
        self._data["customers"][obj["id"]] = obj
        self._emit("customer.created", obj)
        return obj

    def update_customer(self, customer_id: str, params: Obj) -> Obj:
        """``POST /v1/customers/:id``: ``email``, ``name``, ``metadata``; emits ``updated``."""
        with self._mutation():
            obj = self._get("customers", customer_id)
            previous: Obj = {}
            for field in ("email", "name"):
                if field in params and params[field] != obj[field]:
                    previous[field] = obj[field]
                    obj[field] = params[field] or None
            if "metadata" in params:
                metadata = merge_metadata(obj["metadata"], params["metadata"])
                if metadata != obj["metadata"]:
                    previous["metadata"] = obj["metadata"]
                    obj["metadata"] = metadata
            if previous:
                self._emit("customer.updated", obj, previous)
            return copy.deepcopy(obj)

    def delete_customer(self, customer_id: str) -> Obj:
        """``DELETE /v1/customers/:id``: cancels live subscriptions, then emits ``deleted``."""
        with self._mutation():
            obj = self._get("customers", customer_id)
            for sub in list(self._data["subscriptions"].values()):
                if sub["customer"] == customer_id and sub["status"] != "canceled":
                    self._end_subscription(sub, reason="cancellation_requested")
            del self._data["customers"][customer_id]
            self._private["deleted_customers"][customer_id] = self.now()
            self._private["cards"].pop(customer_id, None)
            self._emit("customer.deleted", obj)
            return shapes.deleted_customer(customer_id)

    def list_customers(self, params: Obj) -> Obj:
        """``GET /v1/customers``, optionally filtered by exact ``email``."""
        email = params.get("email")
        return self._list(
            "customers", params, "/v1/customers", lambda c: email in (None, c["email"])
        )

    # -- checkout and portal sessions ---------------------------------------------------

    def create_checkout_session(self, params: Obj, base_url: str | None = None) -> Obj:
        """``POST /v1/checkout/sessions`` in ``subscription`` or ``payment`` mode.

        The session's ``url`` is this sandbox's hosted page at ``base_url``
        (default :attr:`public_url`); ``{CHECKOUT_SESSION_ID}`` in ``success_url`` is
        replaced by the new id.
        """
        with self._mutation():
            mode = _require(params, "mode")
            if mode not in ("subscription", "payment"):
                raise SandboxError(
                    "The sandbox supports mode `subscription` or `payment`.", param="mode"
                )
            success_url = _require(params, "success_url")
            if not as_list(params.get("line_items")):
                raise missing_param("line_items")
            customer_id = params.get("customer") or None
            if customer_id:
                self._get("customers", customer_id, "customer")
            lines = self._read_line_items(params.get("line_items"), mode)
            obj = shapes.checkout_session(
                self.now(),
                mode=mode,
                amount_total=sum(line["amount_total"] for line in lines),
                currency=lines[0]["currency"],
                customer_id=customer_id,
                customer_email=params.get("customer_email") or None,
                client_reference_id=params.get("client_reference_id") or None,
                success_url=success_url,
                cancel_url=params.get("cancel_url") or None,
                metadata=_metadata(params),
            )
            obj["success_url"] = obj["success_url"].replace("{CHECKOUT_SESSION_ID}", obj["id"])
            obj["url"] = f"{(base_url or self.public_url).rstrip('/')}/checkout/{obj['id']}"
            self._private["session_lines"][obj["id"]] = lines
            # Kept privately: applied to the subscription / PaymentIntent on completion.
            self._private["session_data"][obj["id"]] = {
                "subscription_metadata": _metadata(params.get("subscription_data") or {}),
                "payment_intent_metadata": _metadata(params.get("payment_intent_data") or {}),
            }
            self._data["checkout_sessions"][obj["id"]] = obj
            return copy.deepcopy(obj)

    def _read_line_items(self, value: Any, mode: str) -> list[Obj]:
        items = as_list(value)
        if not items:
            raise missing_param("line_items")
        lines = []
        for index, item in enumerate(items):
            param = f"line_items[{index}][price]"
            if not isinstance(item, dict) or not item.get("price"):
                raise missing_param(param)
            price = self._get("prices", item["price"], param)
            if (price["type"] == "recurring") != (mode == "subscription"):
                raise SandboxError(
                    f"Price `{price['id']}` is {price['type']}, which does not suit mode `{mode}`.",
                    param=param,
                )
            quantity = as_int(item.get("quantity", 1), f"line_items[{index}][quantity]", minimum=1)
            product = self._get("products", price["product"])
            lines.append(shapes.checkout_line_item(copy.deepcopy(price), quantity, product["name"]))
        return lines

    def list_checkout_line_items(self, session_id: str, params: Obj) -> Obj:
        """``GET /v1/checkout/sessions/:id/line_items``."""
        with self._lock:
            self._get("checkout_sessions", session_id)
            lines = copy.deepcopy(self._private["session_lines"].get(session_id, []))
        limit = min(as_int(params.get("limit", 10), "limit", minimum=1), 100)
        url = f"/v1/checkout/sessions/{session_id}/line_items"
        return shapes.list_object(lines[:limit], url, has_more=len(lines) > limit)

    def expire_checkout_session(self, session_id: str) -> Obj:
        """``POST /v1/checkout/sessions/:id/expire``: an open session becomes ``expired``."""
        with self._mutation():
            obj = self._get("checkout_sessions", session_id)
            if obj["status"] != "open":
                raise SandboxError(
                    f"Only open Checkout Sessions can be expired; this one is {obj['status']}."
                )
            self._expire_session(obj)
            return copy.deepcopy(obj)

    def _expire_session(self, obj: Obj) -> None:
        obj["status"] = "expired"
        self._emit("checkout.session.expired", obj)

    def list_checkout_sessions(self, params: Obj) -> Obj:
        """``GET /v1/checkout/sessions`` filtered by ``customer``, ``status``, ``subscription``."""

        def matches(session: Obj) -> bool:
            return all(
                params.get(field) in (None, session[field])
                for field in ("customer", "status", "subscription", "payment_intent")
            )

        return self._list("checkout_sessions", params, "/v1/checkout/sessions", matches)

    def create_portal_session(self, params: Obj, base_url: str | None = None) -> Obj:
        """``POST /v1/billing_portal/sessions``: ``customer`` and ``return_url``."""
        with self._mutation():
            customer_id = _require(params, "customer")
            self._get("customers", customer_id, "customer")
            obj = shapes.portal_session(customer_id, params.get("return_url"), self.now())
            obj["url"] = f"{(base_url or self.public_url).rstrip('/')}/portal/{obj['id']}"
            self._data["portal_sessions"][obj["id"]] = obj
            return copy.deepcopy(obj)

    # -- subscriptions --------------------------------------------------------------------

    def update_subscription(self, subscription_id: str, params: Obj) -> Obj:
        """``POST /v1/subscriptions/:id``: ``cancel_at_period_end``, ``cancel_at`` (a time,
        or ``""`` to clear it) and ``metadata``.

        Emits ``customer.subscription.updated`` with ``previous_attributes`` when anything
        changed.
        """
        with self._mutation():
            sub = self._get("subscriptions", subscription_id)
            cancelling = {"cancel_at_period_end", "cancel_at"} & set(params)
            if sub["status"] == "canceled" and cancelling:
                raise SandboxError(
                    "A canceled subscription can only update its cancellation_details "
                    "and metadata.",
                    param=sorted(cancelling)[0],
                )
            if len(cancelling) == 2:
                raise SandboxError(
                    "You may only specify one of these parameters: cancel_at, "
                    "cancel_at_period_end.",
                    param="cancel_at",
                )
            previous: Obj = {}
            if "cancel_at_period_end" in params:
                wanted = as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
                if wanted != sub["cancel_at_period_end"]:
                    previous.update(self._set_cancel_at_period_end(sub, wanted))
            if "cancel_at" in params:
                previous.update(self._set_cancel_at(sub, params["cancel_at"]))
            if "metadata" in params:
                metadata = merge_metadata(sub["metadata"], params["metadata"])
                if metadata != sub["metadata"]:
                    previous["metadata"] = sub["metadata"]
                    sub["metadata"] = metadata
            if previous:
                self._emit("customer.subscription.updated", sub, previous)
            return copy.deepcopy(sub)

    def _set_cancel_at_period_end(self, sub: Obj, wanted: bool) -> Obj:
        fields = ("cancel_at_period_end", "cancel_at", "canceled_at", "cancellation_details")
        previous = {field: copy.deepcopy(sub[field]) for field in fields}
        sub["cancel_at_period_end"] = wanted
        sub["cancel_at"] = self._period_end(sub) if wanted else None
        sub["canceled_at"] = self.now() if wanted else None
        sub["cancellation_details"] = {
            "comment": None,
            "feedback": None,
            "reason": "cancellation_requested" if wanted else None,
        }
        return previous

    def _set_cancel_at(self, sub: Obj, value: Any) -> Obj:
        fields = ("cancel_at_period_end", "cancel_at", "canceled_at", "cancellation_details")
        previous = {field: copy.deepcopy(sub[field]) for field in fields}
        if value == "":
            sub["cancel_at"] = sub["canceled_at"] = None
            sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}
        else:
            moment = as_int(value, "cancel_at")
            if moment <= self.now():
                raise SandboxError("cancel_at must be in the future.", param="cancel_at")
            sub["cancel_at"] = moment
            sub["canceled_at"] = self.now()
            sub["cancellation_details"] = {
                "comment": None,
                "feedback": None,
                "reason": "cancellation_requested",
            }
        sub["cancel_at_period_end"] = False
        return {key: value for key, value in previous.items() if sub[key] != value}

    @staticmethod
    def _period_end(sub: Obj) -> int:
        return min(item["current_period_end"] for item in sub["items"]["data"])

    def cancel_subscription(self, subscription_id: str) -> Obj:
        """``DELETE /v1/subscriptions/:id``: ends it now; emits ``...subscription.deleted``."""
        with self._mutation():
            sub = self._get("subscriptions", subscription_id)
            if sub["status"] == "canceled":
                raise SandboxError(
                    f"No such subscription: '{subscription_id}'; it is already canceled.",
                    status=404,
                    code="resource_missing",
                    param="id",
                )
            self._end_subscription(sub, reason="cancellation_requested")
            return copy.deepcopy(sub)

    def _end_subscription(self, sub: Obj, *, reason: str, ended_at: int | None = None) -> None:
        now = ended_at or self.now()
        sub["status"] = "canceled"
        sub["ended_at"] = now
        sub["canceled_at"] = sub["canceled_at"] or now
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": reason}
        self._emit("customer.subscription.deleted", sub)

    def list_subscriptions(self, params: Obj) -> Obj:
        """``GET /v1/subscriptions`` by ``customer``, ``price`` and ``status``.

        Like Stripe, canceled subscriptions are left out unless ``status`` is ``canceled`` or
        ``all``.
        """
        status = params.get("status")

        def matches(sub: Obj) -> bool:
            if status == "all":
                status_ok = True
            elif status:
                status_ok = sub["status"] == status
            else:
                status_ok = sub["status"] != "canceled"
            prices = {item["price"]["id"] for item in sub["items"]["data"]}
            return (
                status_ok
                and params.get("customer") in (None, sub["customer"])
                and (params.get("price") is None or params["price"] in prices)
            )

        return self._list("subscriptions", params, "/v1/subscriptions", matches)

    # -- invoices, payments and refunds ---------------------------------------------------

    def list_invoices(self, params: Obj) -> Obj:
        """``GET /v1/invoices`` filtered by ``customer``, ``subscription`` and ``status``."""

        def matches(invoice: Obj) -> bool:
            details = (invoice["parent"] or {}).get("subscription_details") or {}
            return (
                params.get("customer") in (None, invoice["customer"])
                and params.get("status") in (None, invoice["status"])
                and params.get("subscription") in (None, details.get("subscription"))
            )

        return self._list("invoices", params, "/v1/invoices", matches)

    def list_charges(self, params: Obj) -> Obj:
        """``GET /v1/charges`` filtered by ``customer`` and ``payment_intent``."""

        def matches(charge: Obj) -> bool:
            return params.get("customer") in (None, charge["customer"]) and params.get(
                "payment_intent"
            ) in (None, charge["payment_intent"])

        return self._list("charges", params, "/v1/charges", matches)

    def list_payment_intents(self, params: Obj) -> Obj:
        """``GET /v1/payment_intents`` filtered by ``customer``."""
        return self._list(
            "payment_intents",
            params,
            "/v1/payment_intents",
            lambda pi: params.get("customer") in (None, pi["customer"]),
        )

    def create_refund(self, params: Obj) -> Obj:
        """``POST /v1/refunds`` for a ``charge`` or ``payment_intent``.

        ``amount`` defaults to whatever is still unrefunded.  The charge gets ``refunded`` /
        ``amount_refunded``; emits ``charge.refunded`` then ``refund.created``.
        """
        with self._mutation():
            charge = self._charge_to_refund(params)
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining <= 0:
                raise SandboxError(
                    f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                    param="charge",
                )
            amount = as_int(params.get("amount", remaining), "amount", minimum=1)
            if amount > remaining:
                raise SandboxError(
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                    f"({remaining}).",
                    param="amount",
                    code="amount_too_large",
                )
            refund = shapes.refund(
                charge,
                amount,
                self.now(),
                reason=params.get("reason") or None,
                metadata=_metadata(params),
            )
            self._data["refunds"][refund["id"]] = refund
            previous = {
                "amount_refunded": charge["amount_refunded"],
                "refunded": charge["refunded"],
                "refunds": copy.deepcopy(charge["refunds"]),
            }
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
            self._emit("charge.refunded", charge, previous)
            self._emit("refund.created", refund)
            return copy.deepcopy(refund)

    def _charge_to_refund(self, params: Obj) -> Obj:
        if params.get("charge"):
            return self._get("charges", params["charge"], "charge")
        if not params.get("payment_intent"):
            raise SandboxError(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="charge",
            )
        pi = self._get("payment_intents", params["payment_intent"], "payment_intent")
        if not pi["latest_charge"]:
            raise SandboxError(
                f"PaymentIntent {pi['id']} has no successful charge to refund.",
                param="payment_intent",
            )
        return self._get("charges", pi["latest_charge"])

    def list_refunds(self, params: Obj) -> Obj:
        """``GET /v1/refunds`` filtered by ``charge`` and ``payment_intent``."""

        def matches(refund: Obj) -> bool:
            return params.get("charge") in (None, refund["charge"]) and params.get(
                "payment_intent"
            ) in (None, refund["payment_intent"])

        return self._list("refunds", params, "/v1/refunds", matches)

    # -- events ---------------------------------------------------------------------------

    def list_events(self, params: Obj) -> Obj:
        """``GET /v1/events`` filtered by ``type`` / ``types`` and ``created[gte|gt|lte|lt]``."""
        types = as_list(params.get("types")) or as_list(params.get("type"))
        created = params.get("created")
        bounds = created if isinstance(created, dict) else {}
        exact = None if isinstance(created, dict) or created is None else as_int(created, "created")

        def matches(event: Obj) -> bool:
            when = event["created"]
            return (
                (not types or event["type"] in types or _wildcard_match(event["type"], types))
                and (exact is None or when == exact)
                and ("gte" not in bounds or when >= as_int(bounds["gte"], "created[gte]"))
                and ("gt" not in bounds or when > as_int(bounds["gt"], "created[gt]"))
                and ("lte" not in bounds or when <= as_int(bounds["lte"], "created[lte]"))
                and ("lt" not in bounds or when < as_int(bounds["lt"], "created[lt]"))
            )

        return self._list("events", params, "/v1/events", matches)

    # -- disputes -------------------------------------------------------------------------

    def create_dispute(self, charge_id: str, reason: str = "fraudulent") -> Obj:
        """The card holder disputes ``charge_id`` with their bank: a ``needs_response``
        dispute with three weeks for evidence; emits ``charge.dispute.created``."""
        with self._mutation():
            charge = self._get("charges", charge_id, "charge")
            if charge["disputed"]:
                raise SandboxError(f"Charge {charge_id} is already disputed.", param="charge")
            obj = shapes.dispute(charge, reason, self.now(), due_by=self.now() + 21 * 24 * 3600)
            charge["disputed"] = True
            self._data["disputes"][obj["id"]] = obj
            self._emit("charge.dispute.created", obj)
            return copy.deepcopy(obj)

    def update_dispute(self, dispute_id: str, params: Obj) -> Obj:
        """``POST /v1/disputes/:id`` with ``evidence`` and ``metadata``.

        As in Stripe's test mode, evidence whose ``uncategorized_text`` is
        ``winning_evidence`` or ``losing_evidence`` decides the dispute at once; other
        evidence puts it under review.
        """
        with self._mutation():
            obj = self._get("disputes", dispute_id)
            self._refuse_closed(obj)
            previous: Obj = {}
            evidence = params.get("evidence")
            if evidence:
                if not isinstance(evidence, dict):
                    raise SandboxError("Invalid object", param="evidence")
                unknown = sorted(set(evidence) - set(shapes.EVIDENCE_FIELDS))
                if unknown:
                    raise SandboxError(
                        f"Received unknown parameter: evidence[{unknown[0]}]",
                        param=f"evidence[{unknown[0]}]",
                    )
                previous["evidence"] = copy.deepcopy(obj["evidence"])
                obj["evidence"].update({key: str(value) for key, value in evidence.items()})
                obj["evidence_details"]["has_evidence"] = True
                obj["evidence_details"]["submission_count"] += 1
            if "metadata" in params:
                previous["metadata"] = obj["metadata"]
                obj["metadata"] = merge_metadata(obj["metadata"], params["metadata"])
            if not previous:
                return copy.deepcopy(obj)
            verdict = {"winning_evidence": "won", "losing_evidence": "lost"}.get(
                (evidence or {}).get("uncategorized_text", "")
            )
            if evidence and obj["status"] in ("needs_response", "warning_needs_response"):
                previous["status"] = obj["status"]
                obj["status"] = obj["status"].replace("needs_response", "under_review")
            self._emit("charge.dispute.updated", obj, previous)
            if verdict:
                self._close_dispute(obj, verdict)
            return copy.deepcopy(obj)

    def close_dispute(self, dispute_id: str) -> Obj:
        """``POST /v1/disputes/:id/close``: accept the dispute; it is lost."""
        with self._mutation():
            obj = self._get("disputes", dispute_id)
            self._refuse_closed(obj)
            self._close_dispute(obj, "lost")
            return copy.deepcopy(obj)

    def decide_dispute(self, dispute_id: str, won: bool) -> Obj:
        """The bank decides the dispute (a sandbox control): ``won`` or ``lost``."""
        with self._mutation():
            obj = self._get("disputes", dispute_id)
            self._refuse_closed(obj)
            self._close_dispute(obj, "won" if won else "lost")
            return copy.deepcopy(obj)

    @staticmethod
    def _refuse_closed(obj: Obj) -> None:
        if obj["status"] in ("won", "lost", "warning_closed"):
            raise SandboxError(f"This dispute is already closed ({obj['status']}).")

    def _close_dispute(self, obj: Obj, status: str) -> None:
        previous = {"status": obj["status"]}
        obj["status"] = "warning_closed" if obj["status"].startswith("warning") else status
        self._emit("charge.dispute.closed", obj, previous)

    def list_disputes(self, params: Obj) -> Obj:
        """``GET /v1/disputes`` filtered by ``charge`` and ``payment_intent``."""

        def matches(obj: Obj) -> bool:
            return params.get("charge") in (None, obj["charge"]) and params.get(
                "payment_intent"
            ) in (None, obj["payment_intent"])

        return self._list("disputes", params, "/v1/disputes", matches)


def _wildcard_match(event_type: str, patterns: list[str]) -> bool:
    """Stripe accepts ``customer.subscription.*`` style type filters."""
    return any(p.endswith(".*") and event_type.startswith(p[:-1]) for p in patterns)
