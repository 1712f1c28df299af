"""Billing forms: bare POSTs with a CSRF token (Stripe's pages collect everything else)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CheckoutForm(FlaskForm):
    """ "Become a member": starts a Stripe Checkout Session."""


class PortalForm(FlaskForm):
    """ "Manage billing": opens a Stripe Billing Portal session."""
