"""``flask billing send-renewal-reminders``: a yearly charge is announced before it happens,
once per period, with the amount, the date and where to change or cancel it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from app.billing import reminders as renewal
from app.billing.models import BillingCustomer
from tests.billing import events as ev
from tests.helpers import links_in, make_account

DAY = 24 * 3600
NOW = int(time.time())


@pytest.fixture
def ada(session):
    account = make_account("ada")
    session.add(BillingCustomer(account_id=account.id, stripe_customer_id="cus_ada"))
    session.commit()
    return account


def subscribed(client, ada, *, renews_in_days: float, price=None, **changes):
    """Ada's yearly subscription, renewing ``renews_in_days`` from now (Stripe unreachable,
    so the event's own object is stored)."""
    start = NOW - ev.YEAR + int(renews_in_days * DAY)
    obj = ev.subscription("sub_ada", "cus_ada", ada.id, start=start, **changes)
    if price is not None:
        obj["items"]["data"][0]["price"] = price
    assert ev.post_event(client, ev.event("customer.subscription.updated", obj, NOW)).status_code
    return obj


def reminders(mail):
    return [m for m in mail if "renews on" in m["Subject"]]


def test_a_yearly_charge_is_announced_with_amount_date_and_a_link(client, runner, mail, ada):
    subscribed(client, ada, renews_in_days=10, price={"unit_amount": 3000, "currency": "eur"})
    renews = datetime.fromtimestamp(NOW + 10 * DAY, UTC)

    result = runner.invoke(args=["billing", "send-renewal-reminders"])

    assert result.exit_code == 0
    day = renews.strftime("%-d %B %Y")
    assert result.stdout.splitlines() == [
        f"@ada: renews {renews.date().isoformat()} (€30), reminded",
        "Sent 1 renewal reminder.",
    ]
    [message] = reminders(mail)
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == f"Your Kindred membership renews on {day}"
    body = message.get_content()
    assert "That day Stripe will charge €30 to the card you saved with it." in body
    assert "or to cancel" in body
    assert links_in(message) == ["http://kindred.test/membership"]


def test_reminders_go_out_once_per_period(client, runner, mail, session, ada):
    obj = subscribed(client, ada, renews_in_days=10)
    runner.invoke(args=["billing", "send-renewal-reminders"])
    again = runner.invoke(args=["billing", "send-renewal-reminders"])
    assert again.stdout == "Sent 0 renewal reminders.\n"
    assert len(reminders(mail)) == 1

    # A year later the next renewal is announced again.
    renewed = dict(obj, items={"object": "list", "data": [dict(obj["items"]["data"][0])]})
    item = renewed["items"]["data"][0]
    item["current_period_start"] += ev.YEAR
    item["current_period_end"] += ev.YEAR
    ev.post_event(client, ev.event("customer.subscription.updated", renewed, NOW + 1))
    session.expire_all()
    a_year_on = datetime.fromtimestamp(NOW + ev.YEAR, UTC)
    assert [r.renews_on for r in renewal.send_renewal_reminders(a_year_on)] == [
        datetime.fromtimestamp(NOW + 10 * DAY + ev.YEAR, UTC)
    ]
    assert renewal.send_renewal_reminders(a_year_on) == []
    session.commit()  # mail goes out once its unit of work is committed
    assert len(reminders(mail)) == 2


@pytest.mark.parametrize(
    ("renews_in_days", "changes"),
    [
        (20, {}),
        (10, {"cancel_at_period_end": True, "canceled_at": NOW}),
        (10, {"status": "past_due"}),
        (-1, {}),
    ],
    ids=["too-far", "cancelled", "past-due", "already-passed"],
)
def test_no_reminder_when_nothing_is_about_to_be_charged(
    client, runner, mail, ada, renews_in_days, changes
):
    subscribed(client, ada, renews_in_days=renews_in_days, **changes)
    result = runner.invoke(args=["billing", "send-renewal-reminders"])
    assert result.stdout == "Sent 0 renewal reminders.\n"
    assert reminders(mail) == []


def test_the_reminder_window_is_configured(app, client, runner, mail, ada):
    app.config["RENEWAL_REMINDER_DAYS"] = 30
    subscribed(client, ada, renews_in_days=20)
    runner.invoke(args=["billing", "send-renewal-reminders"])
    assert len(reminders(mail)) == 1


def test_without_site_url_the_command_says_so_in_one_line(app, client, runner, mail, ada):
    app.config["SITE_URL"] = None
    subscribed(client, ada, renews_in_days=10)
    result = runner.invoke(args=["billing", "send-renewal-reminders"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: Set SITE_URL to the site's address (for example https://kindred.example) "
        "so mail sent by commands can link to it."
    ]
    assert reminders(mail) == []
