"""What the export registry and account deletion will call for notifications."""

from __future__ import annotations

from sqlalchemy import select

from app.notifications import digests
from app.notifications import services as notifications
from app.notifications.models import (
    Notification,
    NotificationDigest,
    NotificationPreference,
    ThreadWatch,
)
from tests.helpers import make_reply, make_thread
from tests.notifications.support import count, neighbours, notifications_of, write


def test_the_export_has_what_one_received_chose_and_watched(session, monkeypatch):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Seeds")
    make_reply(thread, bob, "Beans")
    write(bob, "ana")
    notifications.set_watch(ana, thread.id, "muted")
    notifications.set_deliveries(ana, {"reply": "never"})
    session.commit()
    monkeypatch.setattr(notifications, "EXPORT_BATCH", 1)

    received = list(notifications.notifications_for_export(ana))
    assert [(r["kind"], r["text"]) for r in received] == [
        ("reply", "@bob replied in “Seeds”"),
        ("message", "@bob sent you a message"),
    ]
    assert received[0]["read_at"] is None and received[0]["link"].startswith("/groups/")
    assert list(notifications.notifications_for_export(bob)) == [], "never the actor's"
    assert notifications.preferences_for_export(ana)["reply"] == "never"
    assert list(notifications.watches_for_export(ana)) == [
        {"thread": thread.id, "title": "Seeds", "state": "muted"}
    ]
    assert list(notifications.watches_for_export(bob)) == [
        {"thread": thread.id, "title": "Seeds", "state": "watching"}
    ]


def test_deleting_an_account_removes_what_it_received_and_leaves_what_it_caused_anonymous(
    session,
):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Seeds")
    make_reply(thread, bob, "Beans")
    make_reply(thread, ana, "Thanks")
    notifications.set_deliveries(bob, {"reply": "digest"})
    session.commit()
    digests.send_digests()
    assert count(NotificationDigest) == 2

    notifications.erase_for_deletion(bob)
    session.delete(bob)
    session.commit()
    assert [n.recipient_id for n in session.scalars(select(Notification))] == [ana.id]
    (left,) = notifications_of(ana)
    assert left.actor_id is None
    assert left.text == "A deleted member replied in “Seeds”"
    for model in (NotificationPreference, ThreadWatch, NotificationDigest):
        assert all(row.account_id != bob.id for row in session.scalars(select(model)))
