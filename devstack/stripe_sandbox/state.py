"""``SandboxState``: the whole sandbox as plain Python, usable with or without HTTP."""

from __future__ import annotations

from .billing import BillingMixin


class SandboxState(BillingMixin):
    """A stateful, thread-safe imitation of the parts of Stripe Kindred uses.

    ``SandboxState(data_path=None, deliver=None, auto_deliver=True, public_url=...,
    secret_key=SANDBOX_SECRET_KEY, failed_payment_action="cancel")``:

    * ``data_path`` -- JSON file loaded at start and rewritten after every mutation.
    * ``deliver(url, payload_bytes, headers) -> status`` -- webhook transport; the default
      POSTs with urllib.  Non-2xx or 0 (unreachable) keeps the delivery queued for retry.
    * ``auto_deliver`` -- deliver after each mutation; when False, events queue until
      :meth:`deliver_pending` and tests may also read :attr:`events` and deliver them
      themselves, in any order.
    * ``public_url`` -- base of hosted-page URLs when no HTTP request supplies one.
    * ``secret_key`` -- the one API key the REST API accepts; any other is a 401.
    * ``failed_payment_action`` -- Stripe's "Manage failed payments" setting: after the last
      retry fails, ``cancel`` the subscription, make it ``unpaid`` or leave it ``past_due``.

    Resource methods take Stripe's parameters as dicts (``create_customer({"email": ...})``)
    and return copies of Stripe objects; :meth:`retrieve` takes a collection name such as
    ``"subscriptions"``.  Time-travel: :meth:`now`, :meth:`advance`, :meth:`renew_now`,
    :meth:`fail_renewal`, :meth:`set_card_fails`, :meth:`set_card_needs_action`; disputes:
    :meth:`create_dispute`, :meth:`decide_dispute`; outages: :meth:`fail_requests`.
    """
