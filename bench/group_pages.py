"""Time the group pages on a big group, and count their queries.

    .venv/bin/python -m bench.group_pages [--threads 5000] [--replies 2000] [--rounds 20]

Builds a throwaway SQLite database with one busy public group (many threads, one
long thread) and a few hundred other groups, then requests each list page, first
and deep pages alike, and prints the median time and the number of SQL statements.
Keyset pagination should keep deep pages as fast as the first.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.db import Base, db, utcnow
from app.groups.models import Group, GroupMember, Post, Thread
from app.markdown import render_markdown
from tests.helpers import make_member


def seed(threads: int, replies: int) -> int:
    """Create the data with bulk inserts; return the long thread's id."""
    host = make_member("host")
    group = Group(
        slug="busy", name="Busy", sort_name="busy", purpose="Lots of talk.",
        visibility="public", join_policy="open", created_by_id=host.id,
    )  # fmt: skip
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, account_id=host.id, role="host"))
    for n in range(300):
        db.session.add(
            Group(slug=f"other-{n}", name=f"Other {n}", sort_name=f"other {n}",
                  purpose="Elsewhere.", visibility="public", join_policy="open")
        )  # fmt: skip
    html = str(render_markdown("A *short* post."))
    rows = [
        Thread(group_id=group.id, author_id=host.id, title=f"Thread {n}", answered_at=None)
        for n in range(threads)
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(
        Post(thread_id=row.id, group_id=group.id, author_id=host.id, is_opener=True,
             body="A *short* post.", body_html=html)
        for row in rows
    )  # fmt: skip
    long = rows[0]
    db.session.add_all(
        Post(thread_id=long.id, group_id=group.id, author_id=host.id, body=f"Reply {n}",
             body_html=html, created_at=utcnow())
        for n in range(replies)
    )  # fmt: skip
    long.reply_count = replies
    db.session.commit()
    return long.id


def deepest(client, path: str) -> str:
    """Follow "Older"/"Later" links to the last page of a list."""
    while True:
        html = client.get(path).get_data(as_text=True)
        match = re.search(r'<a href="([^"]+)">(?:Older|Later)</a>', html)
        if not match:
            return path
        path = match.group(1).replace("&amp;", "&")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=5000)
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        flask_app = create_app({"DATABASE_URL": url})
        with flask_app.app_context():
            Base.metadata.create_all(db.engine)
            long_id = seed(options.threads, options.replies)
            engine = db.engine
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        client = flask_app.test_client()
        pages = {
            "directory": "/groups",
            "directory A-Z, last page": deepest(client, "/groups?order=az"),
            "group": "/groups/busy",
            "group, last page": deepest(client, "/groups/busy"),
            "unanswered, last page": deepest(client, "/groups/busy/unanswered"),
            "long thread": f"/groups/busy/threads/{long_id}",
            "long thread, last page": deepest(client, f"/groups/busy/threads/{long_id}"),
        }
        print(f"{'page':28} {'median ms':>10} {'queries':>8}")
        for name, path in pages.items():
            timings = []
            for _ in range(options.rounds):
                statements.clear()
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                timings.append((time.perf_counter() - started) * 1000)
            print(f"{name:28} {statistics.median(timings):10.1f} {len(statements):8}")


if __name__ == "__main__":
    main()
