"""Seats tests use billing's served Stripe sandbox."""

from tests.billing.conftest import catalog, sandbox  # noqa: F401
