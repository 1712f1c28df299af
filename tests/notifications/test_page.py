"""The notifications page, the unread count in the header, and email preferences."""

from __future__ import annotations

import re

from app.notifications import services as notifications
from app.notifications.models import DEFAULT_DELIVERY, NotificationPreference
from app.pagination import PAGE_SIZE
from tests.groups.test_lists import _queries
from tests.helpers import add_to_group, make_member, make_reply, make_thread
from tests.notifications.support import count, neighbours, notifications_of, page, write


def _header(html: str) -> str:
    return html.split("</header>", 1)[0]


def test_the_header_counts_unread_notifications_without_javascript(client, auth, session):
    group, ana, bob = neighbours()
    auth.login("ana")
    assert "Notifications</a>" in _header(page(client.get("/")))
    thread = make_thread(group, ana, "Seeds")
    make_reply(thread, bob, "Beans")
    write(bob, "ana")
    header = _header(page(client.get("/")))
    assert (
        '>Notifications <span class="count">(2)</span>'
        '<span class="visually-hidden"> unread</span></a>' in header
    )
    assert "<script" not in header
    auth.logout()
    assert "Notifications" not in _header(page(client.get("/")))


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, auth, session):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Seeds")
    make_reply(thread, bob, "Beans")
    (told,) = notifications_of(ana)
    auth.login("ana")
    listing = page(client.get("/notifications"))
    assert "Bob (@bob) replied in “Seeds”" in listing and "unread" in listing
    assert notifications_of(ana)[0].read_at is None, "reading the list changes nothing"

    response = client.post(f"/notifications/{told.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == told.link
    assert notifications_of(ana)[0].read_at is not None
    assert '<span class="count">' not in _header(page(client.get("/")))

    auth.login("bob")
    assert client.post(f"/notifications/{told.id}/open").status_code == 404


def test_mark_all_as_read(client, auth, session):
    group, ana, bob = neighbours()
    write(bob, "ana")
    make_reply(make_thread(group, ana, "Seeds"), bob, "Beans")
    auth.login("ana")
    assert "Mark all as read" in page(client.get("/notifications"))
    assert client.post("/notifications/read").status_code == 303
    assert all(n.read_at for n in notifications_of(ana))
    assert notifications.unread_count(ana) == 0
    assert "Mark all as read" not in page(client.get("/notifications"))


def test_the_page_is_newest_first_in_keyset_pages_with_a_fixed_number_of_queries(
    engine, client, auth, session
):
    group, ana, _bob = neighbours()
    first = make_member("p000")
    add_to_group(group, first)
    write(first, "ana")
    auth.login("ana")
    few = _queries(engine, client, "/notifications")
    for number in range(1, PAGE_SIZE + 5):
        other = make_member(f"p{number:03d}")
        add_to_group(group, other)
        write(other, "ana")
    assert _queries(engine, client, "/notifications") == few
    shown = page(client.get("/notifications"))
    assert shown.index("@p053") < shown.index("@p052")
    assert "@p000" not in shown
    cursor = notifications.notifications_page(ana, None).next_cursor
    older = page(client.get(f"/notifications?before={cursor}"))
    assert "@p000" in older and "@p053" not in older
    assert client.get("/notifications?before=garbage").status_code == 400


def test_email_choices_have_gentle_defaults_and_can_be_changed(client, auth, session, mail):
    group, ana, bob = neighbours()
    assert DEFAULT_DELIVERY["message"] == "immediately"
    # Messages and moderation notices (which say how to appeal) are mailed at once.
    assert {kind for kind, choice in DEFAULT_DELIVERY.items() if choice != "digest"} == {
        "message",
        "moderation",
    }
    auth.login("ana")
    form = page(client.get("/settings/notifications"))
    assert re.search(r'value="immediately"[^>]*checked|checked[^>]*value="immediately"', form)
    assert count(NotificationPreference) == 0, "showing the page stores nothing"

    choices = dict(DEFAULT_DELIVERY, message="never", reply="immediately")
    assert client.post("/settings/notifications", data=choices).status_code == 303
    assert notifications.deliveries(ana) == choices
    response = client.post("/settings/notifications", data=dict(choices, mention="hourly"))
    assert response.status_code == 400 and "Not a valid choice" in page(response)
    assert notifications.deliveries(ana) == choices

    write(bob, "ana")
    assert mail == [], "messages are never emailed now"
    make_reply(make_thread(group, ana, "Seeds"), bob, "Beans")
    (sent,) = mail
    assert sent["Subject"] == "Bob (@bob) replied in “Seeds”"
    assert "/unsubscribe/" in sent["List-Unsubscribe"]


def test_unverified_addresses_get_no_mail(session, mail):
    _group, ana, bob = neighbours()
    ana.email_verified_at = None
    session.commit()
    write(bob, "ana")
    assert mail == [] and len(notifications_of(ana)) == 1


def test_the_header_shows_99_plus_past_99_unread(client, auth, session):
    _group, ana, _bob = neighbours()
    for number in range(notifications.UNREAD_SHOWN_MAX + 2):
        notifications.notify(ana, "membership", link="/membership", subject=f"Event {number}")
    session.commit()
    assert notifications.unread_count(ana) == notifications.UNREAD_SHOWN_MAX + 1
    auth.login("ana")
    assert '<span class="count">(99+)</span>' in _header(page(client.get("/")))
