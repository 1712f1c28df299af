"""Members replying at the same moment, on real connections of their own: every reply is
acknowledged and stored, on SQLite (one writer at a time, the others wait their turn) and
on PostgreSQL alike. No one gets an error page for writing while someone else writes.
"""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, Post
from tests.committing import committing_app
from tests.helpers import DEFAULT_PASSWORD, add_to_group, make_group, make_member, make_thread

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
