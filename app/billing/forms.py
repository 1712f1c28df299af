"""Billing forms: bare POSTs with a CSRF token (Stripe's pages collect everything else)."""

from __future__ import annotations

from app.forms import Form


class CheckoutForm(Form):
    """ "Become a member": starts a Stripe Checkout Session."""


class PortalForm(Form):
    """ "Manage billing": opens a Stripe Billing Portal session."""
