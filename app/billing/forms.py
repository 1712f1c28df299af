"""Billing forms: bare POSTs with a CSRF token (Stripe's pages collect everything else)."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.forms import Form


class CheckoutForm(Form):
    """ "Become a member": starts a Stripe Checkout Session, optionally with sponsored seats
    added to the same yearly subscription ("pay it forward")."""

    seats = SelectField(
        "Also sponsor seats for people who cannot pay (optional)",
        choices=[SelectChoice("0", "No, just my membership")]
        + [SelectChoice(str(n), f"{n} more a year") for n in range(1, 6)],
        default="0",
        validators=[Optional()],
    )


class PortalForm(Form):
    """ "Manage billing": opens a Stripe Billing Portal session."""
