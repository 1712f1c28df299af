"""The sandbox's test cards and the card-form validation of the hosted checkout page."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SandboxError, card_declined

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
FAILS_LATER = "4000000000000341"
NEEDS_ACTION_LATER = "4000002760003184"
DISPUTED = "4000000000000259"

TEST_CARDS = (
    (SUCCEEDS, "Succeeds, and later renewals succeed too."),
    (DECLINED, "Is declined at checkout (“Your card was declined.”)."),
    (FAILS_LATER, "Succeeds at checkout, but every later renewal fails."),
    (
        NEEDS_ACTION_LATER,
        "Succeeds at checkout; every renewal waits for you to confirm it (3-D Secure).",
    ),
    (DISPUTED, "Succeeds, then the card holder disputes the payment as fraudulent."),
)


@dataclass(frozen=True)
class Card:
    """A validated test card as entered on the hosted checkout page."""

    number: str
    exp_month: int
    exp_year: int

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fails_later(self) -> bool:
        return self.number == FAILS_LATER

    @property
    def needs_action_later(self) -> bool:
        return self.number == NEEDS_ACTION_LATER

    @property
    def disputed(self) -> bool:
        return self.number == DISPUTED


def format_number(number: str) -> str:
    """Group a card number in fours for display."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def read_card(number: str, expiry: str, cvc: str) -> Card:
    """Validate the checkout form's card fields.

    Raises a 400 ``SandboxError`` with a message fit to show the payer for malformed input or
    a card that is not one of the listed test cards, and the 402 card error for the
    decline test card.
    """
    digits = "".join(number.split())
    if not digits:
        raise SandboxError("Enter a card number.", param="card_number")
    if digits not in {card for card, _ in TEST_CARDS}:
        raise SandboxError(
            "That card number is not one of the sandbox's test cards listed on this page.",
            param="card_number",
            code="invalid_number",
        )
    month, year = _read_expiry(expiry)
    if not (cvc.strip().isdigit() and len(cvc.strip()) in (3, 4)):
        raise SandboxError("Enter the 3 or 4 digit security code (CVC).", param="cvc")
    if digits == DECLINED:
        raise card_declined()
    return Card(number=digits, exp_month=month, exp_year=year)


def _read_expiry(expiry: str) -> tuple[int, int]:
    month_text, _, year_text = "".join(expiry.split()).partition("/")
    if not (month_text.isdigit() and year_text.isdigit() and len(year_text) in (2, 4)):
        raise SandboxError("Enter the expiry date as MM / YY.", param="expiry")
    month, year = int(month_text), int(year_text)
    if not 1 <= month <= 12:
        raise SandboxError("The expiry month must be between 01 and 12.", param="expiry")
    return month, year + 2000 if year < 100 else year
