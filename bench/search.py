"""Time search over a million posts on PostgreSQL (and a smaller SQLite), and show the plan.

    .venv/bin/python -m bench.search [--posts 1000000] [--sqlite-posts 100000] [--rounds 25]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a throwaway PostgreSQL database (``kindred_bench_search_test_<pid>``, dropped at
the end) and fills it by COPY: 500 groups (most public, some for members, some private),
threads of ten posts each, each post 30 words drawn from a 20,000-word vocabulary with a
long tail, as people write. The posts go in with the index's trigger off and the index
is then filled by the migration's own statements, as on an existing site (SQLite's posts
go in one by one through the triggers). Then it times ``search_posts`` (the query,
loading the results and marking the words) for two-word queries, newest first and best
match first, as a signed-out reader and as a member of 20 groups, and prints the
medians, how many posts match, and the plan of the two-word query in both orders
(``EXPLAIN ANALYZE``), which should read the GIN index ``ix_post_search_document``.
The same on a smaller SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.db import Base, db
from app.groups.models import GroupMember
from app.search import schema
from app.search.services import search_posts
from tests.helpers import make_member

VOCABULARY = 20_000
WORDS_PER_POST = 30
POSTS_PER_THREAD = 10
GROUPS = 500
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["an", "el", "is", "or", "um"]
# Word ranks (0 is the commonest): two fairly common words, two middling, two rare.
QUERIES = {"common words": (40, 60), "middling words": (400, 700), "rare words": (5000, 9000)}


def vocabulary() -> list[str]:
    rng = random.Random(15)
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words, key=lambda word: (len(word), word))


@contextmanager
def throwaway_postgres(admin_url: str):
    """A new database on the server at ``admin_url``, dropped afterwards."""
    name = f"kindred_bench_search_test_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _groups() -> list[dict]:
    def visibility(n: int) -> str:
        return "private" if n % 10 == 0 else "members" if n % 10 == 1 else "public"

    return [
        {"slug": f"group-{n}", "name": f"Group {n}", "visibility": visibility(n)}
        for n in range(1, GROUPS + 1)
    ]


def _content(posts: int, words: list[str]):
    """(threads, posts) as rows: a title of 5 words, posts of 30, with a long tail (the
    word of rank ``N * random()^3``), ten posts a thread, newest thread last."""
    rng = random.Random(15)

    def text_of(count: int) -> str:
        return " ".join(words[int(VOCABULARY * rng.random() ** 3)] for _ in range(count))

    start = datetime(2028, 1, 1, tzinfo=UTC)
    threads = [
        (n, 1 + n % GROUPS, text_of(5), start + timedelta(minutes=10 * n))
        for n in range(1, posts // POSTS_PER_THREAD + 1)
    ]

    def post_rows():
        for thread_id, group_id, _title, at in threads:
            for k in range(POSTS_PER_THREAD):
                body = text_of(WORDS_PER_POST)
                yield thread_id, group_id, k == 0, body, f"<p>{body}</p>", at + timedelta(minutes=k)

    return threads, post_rows()


_GROUP_INSERT = text(
    "INSERT INTO groups (slug, name, sort_name, purpose, description, visibility, join_policy,"
    " created_at) VALUES (:slug, :name, :slug, 'Talk.', '', :visibility, 'open', :at)"
)


def seed_postgres(posts: int, words: list[str]) -> None:
    """Groups, then threads and posts by COPY, the index's trigger off; then the index is
    filled and its GIN index built by the migration's own statements."""
    author = make_member("author")
    session = db.session
    now = datetime.now(UTC)
    session.execute(_GROUP_INSERT, [{**group, "at": now} for group in _groups()])
    threads, post_rows = _content(posts, words)
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(
        "COPY threads (id, group_id, author_id, title, created_at, last_activity_at,"
        " reply_count, removed) FROM STDIN"
    ) as copy:
        for thread_id, group_id, title, at in threads:
            copy.write_row((thread_id, group_id, author.id, title, at, at, 9, False))
    session.execute(text("SELECT setval('threads_id_seq', (SELECT max(id) FROM threads))"))
    session.execute(text("ALTER TABLE posts DISABLE TRIGGER post_search_sync_post"))
    with cursor.copy(
        "COPY posts (thread_id, group_id, author_id, is_opener, body, body_html, created_at)"
        " FROM STDIN"
    ) as copy:
        for thread_id, group_id, opener, body, html, at in post_rows:
            copy.write_row((thread_id, group_id, author.id, opener, body, html, at))
    session.execute(text("ALTER TABLE posts ENABLE TRIGGER post_search_sync_post"))
    # As a migration does on an existing site: fill the index, then build its GIN index.
    schema.rebuild_index(session.connection())
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def seed_sqlite(posts: int, words: list[str]) -> None:
    """The same content, each post through the index's triggers, as on a small site."""
    author = make_member("author")
    session = db.session
    now = datetime.now(UTC)
    session.execute(_GROUP_INSERT, [{**group, "at": now} for group in _groups()])
    threads, post_rows = _content(posts, words)
    session.execute(
        text(
            "INSERT INTO threads (id, group_id, author_id, title, created_at, last_activity_at,"
            " reply_count, removed) VALUES (:id, :group, :author, :title, :at, :at, 9, 0)"
        ),
        [
            {"id": n, "group": group, "author": author.id, "title": title, "at": at}
            for n, group, title, at in threads
        ],
    )
    session.execute(
        text(
            "INSERT INTO posts (thread_id, group_id, author_id, is_opener, body, body_html,"
            " created_at) VALUES (:thread, :group, :author, :opener, :body, :html, :at)"
        ),
        [
            {
                "thread": thread_id,
                "group": group_id,
                "author": author.id,
                "opener": opener,
                "body": body,
                "html": html,
                "at": at,
            }
            for thread_id, group_id, opener, body, html, at in post_rows
        ],
    )
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def reader():
    account = make_member("reader")
    for group_id in range(2, 42, 2):
        db.session.add(GroupMember(group_id=group_id, account_id=account.id))
    db.session.commit()
    return account


def measure(words: list[str], rounds: int) -> None:
    viewers = {"signed out": None, "member of 20 groups": reader()}
    statements: list[tuple[str, object]] = []
    engine = db.engine
    capture = lambda _c, _cur, statement, parameters, *_a: statements.append(  # noqa: E731
        (statement, parameters)
    )
    print(f"{'query':34} {'viewer':20} {'order':5} {'median ms':>9} {'found':>8}")
    for label, (first, second) in QUERIES.items():
        query = f"{words[first]} {words[second]}"
        for viewer_label, viewer in viewers.items():
            for order in ("new", "best"):
                timings = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    search_posts(viewer, query, order=order)
                    timings.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                found = count_matches(query)
                print(
                    f"{label + ' (' + query + ')':34} {viewer_label:20} {order:5}"
                    f" {statistics.median(timings):9.1f} {found:8}"
                )
    first, second = QUERIES["middling words"]
    query = f"{words[first]} {words[second]}"
    event.listen(engine, "before_cursor_execute", capture)
    for order in ("new", "best"):
        search_posts(None, query, order=order)
    event.remove(engine, "before_cursor_execute", capture)
    connection = db.session.connection()
    for (statement, parameters), order in zip(statements, ("new", "best"), strict=True):
        print(f"\nPlan, middling words ({query}), order={order}, signed out:")
        if engine.dialect.name == "postgresql":
            explain = f"EXPLAIN (ANALYZE, BUFFERS) {statement}"
        else:
            explain = f"EXPLAIN QUERY PLAN {statement}"
        for row in connection.exec_driver_sql(explain, parameters):
            print("  " + str(row[-1]))
    db.session.rollback()


def count_matches(query: str) -> int:
    """How many posts hold both words, whoever may read them."""
    if db.engine.dialect.name == "postgresql":
        sql = (
            "SELECT count(*) FROM post_search"
            " WHERE document @@ plainto_tsquery('simple'::regconfig, :q)"
        )
    else:
        sql = "SELECT count(*) FROM post_search WHERE post_search MATCH :q"
    return db.session.execute(text(sql), {"q": query}).scalar_one()


def run(url: str, posts: int, rounds: int, words: list[str], seed) -> None:
    flask_app = create_app({"DATABASE_URL": url})
    with flask_app.app_context():
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        seed(posts, words)
        print(f"{posts:,} posts built in {time.perf_counter() - started:.0f} s")
        measure(words, rounds)
    flask_app.extensions["kindred_db"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--sqlite-posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a URL to a PostgreSQL server's maintenance database (the bench creates its own)",
    )
    options = parser.parse_args()
    words = vocabulary()

    print(f"== PostgreSQL, {options.posts:,} posts")
    with throwaway_postgres(options.postgres) as url:
        run(url, options.posts, options.rounds, words, seed_postgres)

    print(f"\n== SQLite, {options.sqlite_posts:,} posts")
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        run(url, options.sqlite_posts, options.rounds, words, seed_sqlite)


if __name__ == "__main__":
    main()
