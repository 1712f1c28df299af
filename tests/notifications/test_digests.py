"""The daily digest: what it holds, and that a day's digest goes out once."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import utcnow
from app.notifications import digests
from app.notifications import services as notifications
from app.notifications.models import NotificationDigest
from tests.helpers import add_to_group, make_member, make_reply, make_thread
from tests.notifications.support import count, neighbours, notifications_of, write


def _end_of_day(moment: datetime) -> datetime:
    """The last moment of ``moment``'s UTC day."""
    return moment.replace(hour=23, minute=59, second=59, microsecond=999_999)


def _day(group, ana, bob):
    """bob replies in ana's thread and mentions her elsewhere (both for the digest), and
    writes to her (mailed at once)."""
    thread = make_thread(group, ana, "Seeds")
    make_reply(thread, bob, "Beans")
    make_thread(group, bob, "Soil", "What do you think, @ana?")
    write(bob, "ana", "Hi")


def test_a_digest_holds_what_was_not_mailed_and_goes_out_once_a_day(session, mail):
    group, ana, bob = neighbours()
    _day(group, ana, bob)
    assert [m["Subject"] for m in mail] == ["Bob (@bob) sent you a message"]
    mail.clear()

    now = utcnow()
    assert digests.send_digests(now) == 1
    (digest,) = mail
    assert digest["To"] == "ana@example.org"
    assert digest["Subject"] == "Your day on Kindred: 2 notifications"
    body = digest.get_content()
    assert "Bob (@bob) replied in “Seeds”" in body
    assert "Bob (@bob) mentioned you in “Soil”" in body
    assert "sent you a message" not in body, "already mailed at once"
    assert "/unsubscribe/" in digest["List-Unsubscribe"]
    assert "To stop the daily digest, open http://kindred.test/unsubscribe/" in body

    # Idempotent: the same day again, even with something new, sends nothing more. "Later
    # that day" is the day's last moment, so the test holds whatever the hour it runs at.
    make_reply(make_thread(group, ana, "Later"), bob, "More")
    assert digests.send_digests(_end_of_day(now)) == 0
    assert len(mail) == 1 and count(NotificationDigest) == 1
    # The next day, only what is new.
    tomorrow = now + timedelta(days=1)
    assert digests.send_digests(tomorrow) == 1
    assert "Later" in mail[-1].get_content() and "Seeds" not in mail[-1].get_content()
    make_reply(make_thread(group, ana, "Evening"), bob, "Also")
    assert digests.send_digests(_end_of_day(tomorrow)) == 0


def test_read_notifications_and_kinds_never_mailed_stay_out_of_the_digest(session, mail):
    group, ana, bob = neighbours()
    cai = make_member("cai")
    add_to_group(group, cai)
    _day(group, ana, bob)
    make_reply(make_thread(group, cai, "Cai's"), bob, "Hello cai")
    notifications.mark_all_read(ana)
    notifications.set_deliveries(cai, {"reply": "never"})
    session.commit()
    mail.clear()
    assert digests.send_digests() == 0
    assert mail == []
    assert count(NotificationDigest) == 0


def test_a_digest_names_at_most_fifty_and_says_how_many_more(session, mail, monkeypatch):
    group, ana, bob = neighbours()
    monkeypatch.setattr(digests.emails, "DIGEST_SHOWN_MAX", 2)
    for title in ("One", "Two", "Three"):
        make_reply(make_thread(group, ana, title), bob, "Yes")
    assert digests.send_digests() == 1
    body = mail[-1].get_content()
    assert "Three" in body and "Two" in body and "“One”" not in body
    assert "and 1 more: http://kindred.test/notifications" in body
    assert all(n.digest_id is not None for n in notifications_of(ana))


def test_the_cron_command_sends_the_digests_and_says_how_many(app, runner, session, mail):
    group, ana, bob = neighbours()
    _day(group, ana, bob)
    result = runner.invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1 digest."
    result = runner.invoke(args=["notifications", "send-digests"])
    assert result.output.strip() == "Sent 0 digests."


def test_the_cron_command_refuses_clearly_without_a_site_address(make_app):
    app = make_app(SITE_URL=None)
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code != 0
    assert "SITE_URL is not set" in result.output
