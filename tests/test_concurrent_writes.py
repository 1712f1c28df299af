"""Members replying at the same moment, on real connections of their own: every reply is
acknowledged and stored, on SQLite (one writer at a time, the others wait their turn) and
on PostgreSQL alike. No one gets an error page for writing while someone else writes.
"""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select, update

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, Post, Thread
from app.reading import services as reading
from app.reading.models import ReadPosition
from tests.committing import committing_app
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_group,
    make_member,
    make_reply,
    make_thread,
)

HANDLE = "cwriter"
SLUG = "busy-room"
WRITERS = 6
REPLIES = 5


def _remove_what_it_made() -> None:
    db.session.execute(delete(Group).where(Group.slug == SLUG))
    db.session.execute(delete(Account).where(Account.handle.like(f"{HANDLE}%")))


def test_members_replying_at_once_all_get_their_replies_stored(engine, tmp_path):
    with committing_app(engine, tmp_path, _remove_what_it_made) as (app, _sandbox):
        with app.app_context():
            writers = [make_member(f"{HANDLE}{n}") for n in range(WRITERS)]
            group = make_group(writers[0], SLUG)
            for writer in writers[1:]:
                add_to_group(group, writer)
            thread_id = make_thread(group, writers[0]).id
            db.session.commit()
        clients = []
        for n in range(WRITERS):
            client = app.test_client()
            signed_in = client.post(
                "/login", data={"identifier": f"{HANDLE}{n}", "password": DEFAULT_PASSWORD}
            )
            assert signed_in.status_code == 303
            clients.append(client)
        statuses: list[int] = []
        start = threading.Barrier(WRITERS)

        def write(number: int) -> None:
            start.wait()
            for reply in range(REPLIES):
                response = clients[number].post(
                    f"/groups/{SLUG}/threads/{thread_id}/replies",
                    data={"body": f"Reply {number}-{reply}"},
                )
                statuses.append(response.status_code)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [303] * (WRITERS * REPLIES)
        with app.app_context():
            stored = db.session.scalar(
                select(func.count(Post.id)).where(
                    Post.thread_id == thread_id, Post.body.like("Reply %-%")
                )
            )
        assert stored == WRITERS * REPLIES


READER = "creader"


def test_a_page_view_that_loses_the_write_lock_still_shows_the_page(engine, tmp_path, monkeypatch):
    """On SQLite a page view reads first and moves the reader's place after; if someone
    else commits in between, its transaction can no longer write. The page is shown all the
    same, the place stays, and the next view moves it (PostgreSQL just moves it)."""

    def remove_what_it_made() -> None:
        db.session.execute(delete(Group).where(Group.slug == SLUG))
        db.session.execute(delete(Account).where(Account.handle.like(f"{READER}%")))

    with committing_app(engine, tmp_path, remove_what_it_made) as (app, _sandbox):
        with app.app_context():
            reader, writer = make_member(READER), make_member(f"{READER}w")
            group = make_group(writer, SLUG)
            add_to_group(group, reader)
            thread = make_thread(group, writer, "Busy", "The first post")
            thread_id = thread.id
            first_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id))
            db.session.commit()
        client = app.test_client()
        signed_in = client.post("/login", data={"identifier": READER, "password": DEFAULT_PASSWORD})
        assert signed_in.status_code == 303
        page = f"/groups/{SLUG}/threads/{thread_id}"
        kept = reading.position_for
        races = []

        def someone_writes_meanwhile(account, thread):
            position = kept(account, thread)
            races.append(account.id)
            with app.extensions["kindred_db"].engine.begin() as other:
                other.execute(
                    update(Account)
                    .where(Account.handle == f"{READER}w")
                    .values(display_name=f"Writer {len(races)}")
                )
            return position

        def view(*, raced: bool, shows: str) -> None:
            monkeypatch.setattr(
                reading, "position_for", someone_writes_meanwhile if raced else kept
            )
            shown = client.get(page)
            assert shown.status_code == 200
            assert shows in shown.get_data(as_text=True)

        sqlite = engine.dialect.name == "sqlite"
        # The first view, raced, would write the first position.
        view(raced=True, shows="The first post")
        assert _place(app, thread_id) == (None if sqlite else first_id)
        view(raced=False, shows="The first post")
        assert _place(app, thread_id) == first_id
        with app.app_context():
            latest_id = make_reply(db.session.get(Thread, thread_id), writer, "News").id
            db.session.commit()
        # A later one, raced, would move it.
        view(raced=True, shows="News")
        assert _place(app, thread_id) == (first_id if sqlite else latest_id)
        view(raced=False, shows="News")
        assert _place(app, thread_id) == latest_id
        assert len(races) == 2


def _place(app, thread_id: int) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(ReadPosition.last_read_post_id).where(ReadPosition.thread_id == thread_id)
        )
