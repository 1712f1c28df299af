"""Times as people read them: "3 hours ago", "yesterday", inside ``<time datetime>`` with
the exact time, in the reader's own time zone, on hover (``title``).

One filter, ``when``, for every page and list that shows a moment. Times are kept in UTC;
only the words change with the reader's zone (a profile setting, UTC by default).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask import Flask, has_request_context, request
from flask_login import current_user
from markupsafe import Markup, escape

from app.db import utcnow

DEFAULT_ZONE = "UTC"


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this system knows."""
    return frozenset(available_timezones()) | {DEFAULT_ZONE}


def is_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


@cache
def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name if is_zone(name) else DEFAULT_ZONE)


def viewer_zone() -> str:
    """The signed-in reader's time zone name, else UTC (read once per request: a page
    says many times)."""
    in_request = has_request_context()
    zone = getattr(request, "kindred_zone", None) if in_request else None
    if zone is None:
        user = current_user
        zone = (user.time_zone or DEFAULT_ZONE) if user and user.is_authenticated else DEFAULT_ZONE
        if in_request:
            request.kindred_zone = zone
    return zone


def _plural(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


@lru_cache(maxsize=4096)  # a page says its times relative to the same minute
def relative(moment: datetime, now: datetime, zone: str = DEFAULT_ZONE) -> str:
    """``moment`` said relative to ``now``: "just now", "5 minutes ago", "3 hours ago",
    "yesterday" (the calendar day before, in ``zone``, once at least 12 hours have
    passed), "4 days ago", then the date
    ("2 March", with the year when it is not this year's); moments to come likewise
    ("in 3 hours", "tomorrow")."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    tz = _zone(zone)
    local, today = moment.astimezone(tz), now.astimezone(tz)
    ago = now - moment
    if ago < -timedelta(minutes=1):
        return _ahead(local, today, -ago)
    if ago < timedelta(minutes=1):
        return "just now"
    if ago < timedelta(hours=1):
        return f"{_plural(ago.seconds // 60, 'minute')} ago"
    days = (today.date() - local.date()).days
    # Within half a day, hours read better than "yesterday" just after midnight.
    if days == 0 or ago < timedelta(hours=12):
        return f"{_plural(ago.seconds // 3600, 'hour')} ago"
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    if local.year == today.year:
        return f"{local.day} {local:%B}"
    return f"{local.day} {local:%B %Y}"


def _ahead(local: datetime, today: datetime, ahead: timedelta) -> str:
    """A moment still to come: "in 5 minutes", "in 3 hours", "tomorrow", "in 4 days"."""
    if ahead < timedelta(hours=1):
        return f"in {_plural(ahead.seconds // 60, 'minute')}"
    days = (local.date() - today.date()).days
    if days == 0:
        return f"in {_plural(ahead.seconds // 3600, 'hour')}"
    if days == 1:
        return "tomorrow"
    if days < 7:
        return f"in {days} days"
    if local.year == today.year:
        return f"{local.day} {local:%B}"
    return f"{local.day} {local:%B %Y}"


def exact(moment: datetime, zone: str = DEFAULT_ZONE) -> str:
    """``moment`` to the minute in ``zone``, naming the zone: "2 December 2026, 14:05 UTC"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_zone(zone))
    return f"{local.day} {local:%B %Y, %H:%M} {zone if is_zone(zone) else DEFAULT_ZONE}"


def page_now() -> datetime:
    """The moment this page's times are said relative to: one for the whole page, the
    one its ETag counted the words from (``app.caching``), else the start of this minute
    (the words change by the minute at most)."""
    now = getattr(request, "kindred_now", None) if has_request_context() else None
    return now or this_minute()


def this_minute() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


def when(moment: datetime | None, now: datetime | None = None) -> Markup:
    """The ``when`` filter: ``<time datetime="…" title="exact">relative</time>``."""
    if moment is None:
        return Markup("")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = viewer_zone()
    # Each part escaped, then joined (Markup.format's formatter is several times slower,
    # and a thread page says fifty times).
    stamp = escape(moment.astimezone(UTC).isoformat())
    title = escape(exact(moment, zone))
    words = escape(relative(moment, now or page_now(), zone))
    return Markup(f'<time datetime="{stamp}" title="{title}">{words}</time>')  # noqa: S704


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
