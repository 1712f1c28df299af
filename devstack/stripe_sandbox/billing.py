"""Money movement and time: completing Checkout, invoicing, renewals and dunning.

Renewals follow Stripe's shape in miniature: at the end of a period the subscription moves
to the next period and a ``subscription_cycle`` invoice is charged to the customer's saved
card.  If that fails the subscription goes ``past_due`` and the invoice is retried
:data:`RETRY_DAYS` after the first failure; when the last retry fails, what happens is
Stripe's "Manage failed payments" setting (``failed_payment_action``): the invoice becomes
``uncollectible`` and the subscription is canceled (``cancel``, the default), the
subscription becomes ``unpaid``, or it is left ``past_due``.

A card that needs the holder to confirm off-session payments (3-D Secure) leaves a renewal
invoice open, emits ``invoice.payment_action_required`` and is not retried: the holder
confirms it on the invoice's hosted page (:meth:`BillingMixin.confirm_invoice_payment`).
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Callable
from datetime import UTC, datetime

from . import shapes
from .cards import Card
from .errors import SandboxError
from .resources import ResourcesMixin
from .store import Obj

DAY = 24 * 3600
RETRY_DAYS = (3, 5, 7)
DECLINE_MESSAGE = "Your card was declined."


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """``timestamp`` moved ``count`` intervals on, keeping the day of month where possible."""
    if interval == "day":
        return timestamp + count * DAY
    if interval == "week":
        return timestamp + count * 7 * DAY
    start = datetime.fromtimestamp(timestamp, UTC)
    months = count * (12 if interval == "year" else 1)
    year, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month_index + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


class BillingMixin(ResourcesMixin):
    """Checkout completion, invoice payment, the clock and the subscription lifecycle."""

    # -- checkout -------------------------------------------------------------------------

    def complete_checkout(self, session_id: str, card: Card) -> Obj:
        """Pay an open Checkout Session with a validated test ``card``.

        Creates the customer if needed, saves the card on it, and in subscription mode
        creates an active subscription with a paid ``subscription_create`` invoice; in payment
        mode a succeeded PaymentIntent and Charge.  Emits the events Stripe would, ending
        with ``checkout.session.completed``.  Returns the completed session.
        """
        with self._mutation():
            session = self._get("checkout_sessions", session_id)
            if session["status"] != "open":
                raise SandboxError(f"This Checkout Session is {session['status']}, not open.")
            customer = self._checkout_customer(session)
            self._private["cards"][customer["id"]] = {
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "fails": False,
                "needs_action": False,
                "disputed": card.disputed,
            }
            extra = self._private["session_data"].get(session_id, {})
            if session["mode"] == "subscription":
                sub = self._start_subscription(session, customer, extra)
                session["subscription"] = sub["id"]
                session["invoice"] = sub["latest_invoice"]
            else:
                pi = self._charge_once(session, customer, extra)
                session["payment_intent"] = pi["id"]
            # The "later" cards pay today (the payer is here to confirm); only the charges
            # after checkout decline or wait for confirmation.
            self._private["cards"][customer["id"]]["fails"] = card.fails_later
            self._private["cards"][customer["id"]]["needs_action"] = card.needs_action_later
            session["customer"] = customer["id"]
            session["customer_details"] = shapes.customer_details(
                customer["email"], customer["name"]
            )
            session["status"] = "complete"
            session["payment_status"] = "paid"
            self._emit("checkout.session.completed", session)
            return copy.deepcopy(session)

    def _checkout_customer(self, session: Obj) -> Obj:
        if session["customer"]:
            return self._get("customers", session["customer"], "customer")
        return self._new_customer({"email": session["customer_email"]})

    def _start_subscription(self, session: Obj, customer: Obj, extra: Obj) -> Obj:
        now = self.now()
        items = []
        for line in self._private["session_lines"][session["id"]]:
            price = line["price"]
            recurring = price["recurring"]
            end = add_interval(now, recurring["interval"], recurring["interval_count"])
            items.append(
                shapes.subscription_item(copy.deepcopy(price), line["quantity"], now, now, end)
            )
        sub = shapes.subscription(
            customer["id"],
            session["currency"],
            now,
            metadata=dict(extra.get("subscription_metadata", {})),
            items=items,
        )
        self._data["subscriptions"][sub["id"]] = sub
        invoice = self._draft_invoice(sub, customer, "subscription_create")
        sub["latest_invoice"] = invoice["id"]
        self._emit("customer.subscription.created", sub)
        self._emit("invoice.created", invoice)
        self._finalize_invoice(invoice)
        self._attempt_invoice_payment(invoice)
        return sub

    def _charge_once(self, session: Obj, customer: Obj, extra: Obj) -> Obj:
        pi = shapes.payment_intent(
            session["amount_total"],
            session["currency"],
            customer["id"],
            self.now(),
            description=None,
            metadata=dict(extra.get("payment_intent_metadata", {})),
        )
        self._data["payment_intents"][pi["id"]] = pi
        charge = self._succeed_payment(pi, customer)
        self._emit("charge.succeeded", charge)
        self._emit("payment_intent.succeeded", pi)
        self._dispute_if_card_says_so(charge)
        return pi

    # -- invoices and payments ------------------------------------------------------------

    def _draft_invoice(self, sub: Obj, customer: Obj, billing_reason: str) -> Obj:
        lines = []
        for item in sub["items"]["data"]:
            product = self._data["products"].get(item["price"]["product"], {})
            description = f"{item['quantity']} x {product.get('name', 'Subscription')}"
            lines.append(shapes.invoice_line(item, sub["id"], description))
        first = sub["items"]["data"][0]
        invoice = shapes.invoice(
            customer,
            sub,
            self.now(),
            billing_reason=billing_reason,
            lines=lines,
            period_start=first["current_period_start"],
            period_end=first["current_period_end"],
        )
        self._data["invoices"][invoice["id"]] = invoice
        return invoice

    def _finalize_invoice(self, invoice: Obj) -> None:
        self._invoice_sequence += 1
        invoice["number"] = f"SBX-{self._invoice_sequence:04d}"
        invoice["hosted_invoice_url"] = f"{self.public_url}/invoice/{invoice['id']}"
        invoice["status"] = "open"
        invoice["effective_at"] = self.now()
        invoice["status_transitions"]["finalized_at"] = self.now()
        self._emit("invoice.finalized", invoice)

    def _attempt_invoice_payment(self, invoice: Obj, *, confirmed: bool = False) -> bool:
        """Charge the customer's saved card for ``invoice``; True if it was paid.

        ``confirmed``: the holder is present and has confirmed the payment (3-D Secure).
        """
        customer = self._data["customers"].get(invoice["customer"])
        card = self._private["cards"].get(invoice["customer"])
        pi = self._invoice_payment_intent(invoice)
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if customer is None or card is None or card["fails"]:
            self._fail_invoice_payment(invoice, pi)
            return False
        if card.get("needs_action") and not confirmed:
            self._await_confirmation(invoice, pi)
            return False
        charge = self._succeed_payment(pi, customer)
        now = self.now()
        invoice["amount_paid"] = invoice["amount_due"]
        invoice["amount_remaining"] = 0
        invoice["status"] = "paid"
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = now
        payment = shapes.invoice_payment(invoice, pi["id"], now)
        self._private["invoice_payments"].setdefault(invoice["id"], []).append(payment)
        self._emit("invoice.paid", invoice)
        self._emit("invoice.payment_succeeded", invoice)
        self._emit("charge.succeeded", charge)
        self._emit("payment_intent.succeeded", pi)
        self._dispute_if_card_says_so(charge)
        return True

    def _await_confirmation(self, invoice: Obj, pi: Obj) -> None:
        self._private["dunning_started"].setdefault(invoice["id"], self.now())
        invoice["next_payment_attempt"] = None
        pi["status"] = "requires_action"
        pi["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": None},
        }
        pi["last_payment_error"] = None
        self._emit("invoice.payment_action_required", invoice)
        self._emit("payment_intent.requires_action", pi)

    def _dispute_if_card_says_so(self, charge: Obj) -> None:
        card = self._private["cards"].get(charge["customer"]) or {}
        if card.get("disputed"):
            self.create_dispute(charge["id"], "fraudulent")

    def confirm_invoice_payment(self, invoice_id: str) -> Obj:
        """The holder confirms an open invoice's payment on its hosted page: it is paid
        with the saved card, and a past_due subscription is active again."""
        with self._mutation():
            invoice = self._get("invoices", invoice_id)
            if invoice["status"] != "open":
                raise SandboxError(f"This invoice is {invoice['status']}, not open.")
            self._settle(invoice, confirmed=True)
            return copy.deepcopy(invoice)

    def _invoice_payment_intent(self, invoice: Obj) -> Obj:
        pi_id = self._private["invoice_payment_intent"].get(invoice["id"])
        if pi_id:
            return self._data["payment_intents"][pi_id]
        reason = invoice["billing_reason"]
        pi = shapes.payment_intent(
            invoice["amount_due"],
            invoice["currency"],
            invoice["customer"],
            self.now(),
            description="Subscription creation"
            if reason == "subscription_create"
            else "Subscription update",
            metadata={},
        )
        self._data["payment_intents"][pi["id"]] = pi
        self._private["invoice_payment_intent"][invoice["id"]] = pi["id"]
        return pi

    def _succeed_payment(self, pi: Obj, customer: Obj) -> Obj:
        card = self._private["cards"][customer["id"]]
        pi["payment_method"] = pi["payment_method"] or shapes.new_id("pm")
        charge = shapes.charge(pi, card, customer["email"], self.now())
        self._data["charges"][charge["id"]] = charge
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
        pi["latest_charge"] = charge["id"]
        pi["last_payment_error"] = None
        pi["next_action"] = None
        return charge

    def _fail_invoice_payment(self, invoice: Obj, pi: Obj) -> None:
        first_failure = self._private["dunning_started"].setdefault(invoice["id"], self.now())
        attempt = invoice["attempt_count"]
        invoice["next_payment_attempt"] = (
            first_failure + RETRY_DAYS[attempt - 1] * DAY if attempt <= len(RETRY_DAYS) else None
        )
        pi["status"] = "requires_payment_method"
        pi["last_payment_error"] = shapes.card_error(DECLINE_MESSAGE)
        self._emit("invoice.payment_failed", invoice)
        self._emit("payment_intent.payment_failed", pi)

    # -- the clock and the subscription lifecycle ----------------------------------------

    def set_card_fails(self, customer_id: str, fails: bool = True) -> None:
        """Make the customer's saved card decline (or stop declining) from now on."""
        with self._mutation():
            self._saved_card(customer_id)["fails"] = bool(fails)

    def set_card_needs_action(self, customer_id: str, needs_action: bool = True) -> None:
        """Make the customer's saved card ask the holder to confirm every later charge
        (3-D Secure), or stop asking."""
        with self._mutation():
            self._saved_card(customer_id)["needs_action"] = bool(needs_action)

    def invoice_payment_intent_id(self, invoice_id: str) -> str | None:
        """The PaymentIntent the sandbox charges ``invoice_id`` through, once it has one."""
        with self._lock:
            return self._private["invoice_payment_intent"].get(invoice_id)

    def saved_card_last4(self, customer_id: str) -> str | None:
        with self._lock:
            return (self._private["cards"].get(customer_id) or {}).get("last4")

    def _saved_card(self, customer_id: str) -> Obj:
        self._get("customers", customer_id, "customer")
        return self._private["cards"].setdefault(
            customer_id,
            {"last4": "4242", "exp_month": 12, "exp_year": 2034, "fails": False},
        )

    def advance(self, seconds: float) -> int:
        """Move the sandbox clock forward and process everything that fell due, in order.

        Period ends cancel or renew subscriptions, retries charge open invoices and open
        Checkout Sessions expire, each at its own time so events carry that time.  Returns
        the new clock value.
        """
        if seconds < 0:
            raise SandboxError("The sandbox clock only moves forward.", param="seconds")
        with self._mutation():
            target = int(self.now() + seconds)
            while (due := self._next_due(target)) is not None:
                when, action = due
                self._set_clock(when)
                action()
            self._set_clock(target)
            return self.now()

    def renew_now(self, subscription_id: str) -> Obj:
        """Advance the clock exactly to the subscription's period end and process it."""
        with self._mutation():
            sub = self._get("subscriptions", subscription_id)
            if sub["status"] == "canceled":
                raise SandboxError("A canceled subscription does not renew.")
            self.advance(max(0, self._period_end(sub) - self.now()))
            return copy.deepcopy(self._data["subscriptions"][subscription_id])

    def fail_renewal(self, subscription_id: str) -> Obj:
        """Make the subscriber's card fail, then advance to the subscription's period end."""
        with self._mutation():
            sub = self._get("subscriptions", subscription_id)
            self.set_card_fails(sub["customer"], True)
            return self.renew_now(subscription_id)

    def _next_due(self, target: int) -> tuple[int, Callable[[], None]] | None:
        """The earliest piece of work due at or before ``target``."""
        candidates: list[tuple[int, Callable[[], None]]] = []
        for sub in self._data["subscriptions"].values():
            if sub["status"] not in ("active", "past_due", "unpaid"):
                continue
            if sub["cancel_at"] and not sub["cancel_at_period_end"]:
                candidates.append((sub["cancel_at"], lambda s=sub: self._cancel_at_reached(s)))
            if sub["status"] != "unpaid":
                candidates.append((self._period_end(sub), lambda s=sub: self._period_ended(s)))
        for invoice in self._data["invoices"].values():
            if invoice["status"] == "open" and invoice["next_payment_attempt"]:
                candidates.append(
                    (invoice["next_payment_attempt"], lambda i=invoice: self._retry_invoice(i))
                )
        for session in self._data["checkout_sessions"].values():
            if session["status"] == "open":
                candidates.append(
                    (session["expires_at"], lambda s=session: self._expire_session(s))
                )
        due = [candidate for candidate in candidates if candidate[0] <= target]
        return min(due, key=lambda candidate: candidate[0]) if due else None

    def _cancel_at_reached(self, sub: Obj) -> None:
        self._end_subscription(sub, reason="cancellation_requested", ended_at=sub["cancel_at"])

    def _period_ended(self, sub: Obj) -> None:
        if sub["cancel_at_period_end"]:
            self._end_subscription(
                sub, reason="cancellation_requested", ended_at=self._period_end(sub)
            )
            return
        previous = {
            "items": copy.deepcopy(sub["items"]),
            "latest_invoice": sub["latest_invoice"],
        }
        for item in sub["items"]["data"]:
            recurring = item["price"]["recurring"]
            start = item["current_period_end"]
            item["current_period_start"] = start
            item["current_period_end"] = add_interval(
                start, recurring["interval"], recurring["interval_count"]
            )
        customer = self._data["customers"][sub["customer"]]
        invoice = self._draft_invoice(sub, customer, "subscription_cycle")
        sub["latest_invoice"] = invoice["id"]
        self._emit("invoice.created", invoice)
        self._finalize_invoice(invoice)
        if not self._attempt_invoice_payment(invoice) and sub["status"] != "past_due":
            previous["status"] = sub["status"]
            sub["status"] = "past_due"
        self._emit("customer.subscription.updated", sub, previous)

    def _retry_invoice(self, invoice: Obj) -> None:
        self._settle(invoice, confirmed=False)

    def _settle(self, invoice: Obj, *, confirmed: bool) -> None:
        sub_id = invoice["parent"]["subscription_details"]["subscription"]
        sub = self._data["subscriptions"][sub_id]
        if self._attempt_invoice_payment(invoice, confirmed=confirmed):
            if sub["status"] in ("past_due", "unpaid"):
                previous = {"status": sub["status"]}
                sub["status"] = "active"
                self._emit("customer.subscription.updated", sub, previous)
            return
        if invoice["next_payment_attempt"] is None and invoice["status"] == "open":
            self._retries_exhausted(invoice, sub)

    def _retries_exhausted(self, invoice: Obj, sub: Obj) -> None:
        if sub["status"] != "past_due" or self.failed_payment_action == "past_due":
            return
        if self.failed_payment_action == "unpaid":
            sub["status"] = "unpaid"
            self._emit("customer.subscription.updated", sub, {"status": "past_due"})
            return
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = self.now()
        self._emit("invoice.marked_uncollectible", invoice)
        self._end_subscription(sub, reason="payment_failed")
