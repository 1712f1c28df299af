"""Times as people read them: relative words, the exact time on hover, the reader's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g

from app.times import exact, is_zone, relative, when
from tests.helpers import make_account

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_recent_moments_are_said_in_words():
    assert relative(NOW - timedelta(seconds=20), NOW) == "just now"
    assert relative(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert relative(NOW - timedelta(minutes=42), NOW) == "42 minutes ago"
    assert relative(NOW - timedelta(hours=3, minutes=5), NOW) == "3 hours ago"
    assert relative(NOW - timedelta(hours=20), NOW) == "yesterday"
    assert relative(NOW - timedelta(days=4), NOW) == "4 days ago"
    assert relative(NOW - timedelta(days=20), NOW) == "12 November"
    assert relative(datetime(2025, 3, 2, tzinfo=UTC), NOW) == "2 March 2025"


def test_yesterday_is_the_calendar_day_in_the_readers_zone():
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    early = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    assert relative(late, early) == "1 hour ago"
    # 14 hours before 04:00 UTC on 2 December: the day before in UTC, the same day
    # (1 December, 09:00 and 23:00) in New York.
    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert relative(moment, now, "UTC") == "yesterday"
    assert relative(moment, now, "America/New_York") == "14 hours ago"


def test_moments_to_come_are_said_in_words_too():
    assert relative(NOW + timedelta(hours=3), NOW) == "in 3 hours"
    assert relative(NOW + timedelta(days=1, hours=2), NOW) == "tomorrow"
    assert relative(NOW + timedelta(days=3), NOW) == "in 3 days"


def test_the_exact_time_names_its_zone():
    assert exact(NOW) == "2 December 2026, 15:00 UTC"
    assert exact(NOW, "Europe/Berlin") == "2 December 2026, 16:00 Europe/Berlin"
    assert exact(NOW, "Not/A_Zone") == "2 December 2026, 15:00 UTC"


def test_zone_names_are_checked_against_zoneinfo():
    assert is_zone("UTC") and is_zone("Europe/Berlin") and is_zone("America/New_York")
    assert not is_zone("Mars/Olympus") and not is_zone("") and not is_zone(None)


def test_the_filter_writes_a_time_element_in_the_signed_in_readers_zone(app, session):
    moment = NOW - timedelta(hours=3)
    with app.test_request_context("/"):
        html = str(when(moment, NOW))
    assert html == (
        '<time datetime="2026-12-02T12:00:00+00:00" title="2 December 2026, 12:00 UTC">'
        "3 hours ago</time>"
    )
    reader = make_account("ann")
    reader.time_zone = "Asia/Tokyo"
    with app.test_request_context("/"):
        g._login_user = reader  # Flask-Login's signed-in account for this request.
        html = str(when(moment, NOW))
    assert 'title="2 December 2026, 21:00 Asia/Tokyo"' in html
    assert 'datetime="2026-12-02T12:00:00+00:00"' in html


def test_thread_pages_and_lists_show_relative_times(client, auth, session):
    from tests.helpers import make_group, make_member, make_thread

    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    for path in ("/groups/gardens", f"/groups/gardens/threads/{thread.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "just now</time>" in page, path
        assert ' UTC">' in page, path
