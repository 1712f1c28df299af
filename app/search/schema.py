"""The search index: what the models can't declare, one function per database.

The index holds one row per post that readers may read the words of: its thread's
title (for a thread's first post) and its text. Triggers on ``posts`` and ``threads``
keep it in step inside the very statement that writes a post, so every write, by any
path (the services, a bulk ``UPDATE``, a cascade from a deleted group or account), is
in the index when it commits and gone from it when it rolls back. A post that is
hidden, deleted or held for a moderator leaves the index (or never enters it); shown
again, or approved, it comes back.

- SQLite: an FTS5 table ``post_search`` (its rowid is the post's id; columns ``title``
  and ``body``), tokenised by ``unicode61`` without folding accents (PostgreSQL's
  ``simple`` configuration doesn't either, so both find the same words).
- PostgreSQL: a table ``post_search`` (``post_id``, ``document tsvector``) with a GIN
  index; the title weighs ``A`` and the text ``D``, which ``ts_rank`` uses for "best
  match". A table rather than an expression index on ``posts``, because a thread's
  first post is found by its thread's title too, and an index can't read another table.

``create_all`` runs this (a metadata ``after_create`` listener) when it creates
``posts``, so tests and live test servers have the index; a migration runs the same
statements: ``statements(dialect)``. Every statement is safe to run again; they fill the
index from the posts already there.
"""

from __future__ import annotations

from sqlalchemy import Connection, event

from app.db import Base

TABLE = "post_search"

_SQLITE_FILL = """INSERT INTO post_search (rowid, title, body)
    SELECT posts.id, CASE WHEN posts.is_opener THEN threads.title ELSE '' END, posts.body
    FROM posts JOIN threads ON threads.id = posts.thread_id
    WHERE posts.hidden_at IS NULL AND posts.deleted_at IS NULL AND posts.held_at IS NULL
    AND posts.id NOT IN (SELECT rowid FROM post_search)"""

_SQLITE = [
    # Its own copy of the words (not external content): rows exist only for readable
    # posts, and highlight() counts matches from them.
    "CREATE VIRTUAL TABLE IF NOT EXISTS post_search USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')",
    """CREATE TRIGGER IF NOT EXISTS post_search_post_inserted AFTER INSERT ON posts
    WHEN NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL
    BEGIN
        INSERT INTO post_search (rowid, title, body)
        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body
        FROM threads WHERE threads.id = NEW.thread_id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS post_search_post_updated
    AFTER UPDATE OF body, hidden_at, deleted_at, held_at, is_opener, thread_id ON posts
    BEGIN
        DELETE FROM post_search WHERE rowid = OLD.id;
        INSERT INTO post_search (rowid, title, body)
        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body
        FROM threads
        WHERE threads.id = NEW.thread_id
            AND NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL;
    END""",
    """CREATE TRIGGER IF NOT EXISTS post_search_post_deleted AFTER DELETE ON posts
    BEGIN
        DELETE FROM post_search WHERE rowid = OLD.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS post_search_title_changed AFTER UPDATE OF title ON threads
    WHEN OLD.title IS NOT NEW.title
    BEGIN
        UPDATE post_search SET title = NEW.title
        WHERE rowid IN (SELECT id FROM posts WHERE thread_id = NEW.id AND is_opener);
    END""",
    _SQLITE_FILL,
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS post_search_title_changed",
    "DROP TRIGGER IF EXISTS post_search_post_deleted",
    "DROP TRIGGER IF EXISTS post_search_post_updated",
    "DROP TRIGGER IF EXISTS post_search_post_inserted",
    "DROP TABLE IF EXISTS post_search",
]

_POSTGRESQL_FILL = """INSERT INTO post_search (post_id, document)
    SELECT posts.id,
        post_search_document(CASE WHEN posts.is_opener THEN threads.title END, posts.body)
    FROM posts JOIN threads ON threads.id = posts.thread_id
    WHERE posts.hidden_at IS NULL AND posts.deleted_at IS NULL AND posts.held_at IS NULL
    ON CONFLICT (post_id) DO NOTHING"""
_POSTGRESQL_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_post_search_document ON post_search"
    " USING gin (document) WITH (fastupdate = off)"
)

_POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS post_search (
        post_id integer NOT NULL,
        document tsvector NOT NULL,
        CONSTRAINT pk_post_search PRIMARY KEY (post_id),
        CONSTRAINT fk_post_search_post_id_posts FOREIGN KEY (post_id)
            REFERENCES posts (id) ON DELETE CASCADE
    )""",
    # Words are runs of letters and digits, as in SQLite and on the search page: ASCII
    # punctuation becomes space first, or the parser would read "<b>" as a tag (and drop
    # it) and "example.org" or "a/b" as one word that "example" or "a" never finds.
    """CREATE OR REPLACE FUNCTION post_search_words(content text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsvector('simple'::regconfig, translate(
            coalesce(content, ''),
            '!"#&''()*+,-./:;<=>?@[\\]^_`{|}~',
            '                              '))
    $$""",
    # What a post is found by: its thread's title (first posts only) above its text.
    """CREATE OR REPLACE FUNCTION post_search_document(title text, body text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(post_search_words(title), 'A') || setweight(post_search_words(body), 'D')
    $$""",
    """CREATE OR REPLACE FUNCTION post_search_sync_post() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL AND NEW.held_at IS NULL THEN
            INSERT INTO post_search (post_id, document)
            SELECT NEW.id, post_search_document(
                CASE WHEN NEW.is_opener THEN threads.title END, NEW.body)
            FROM threads WHERE threads.id = NEW.thread_id
            ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;
        ELSE
            DELETE FROM post_search WHERE post_id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE OR REPLACE FUNCTION post_search_sync_title() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE post_search SET document = post_search_document(NEW.title, posts.body)
        FROM posts
        WHERE posts.thread_id = NEW.id AND posts.is_opener AND post_search.post_id = posts.id;
        RETURN NULL;
    END
    $$""",
    # Deleted posts leave through the foreign key's cascade.
    "DROP TRIGGER IF EXISTS post_search_sync_post ON posts",
    """CREATE TRIGGER post_search_sync_post
    AFTER INSERT OR UPDATE OF body, hidden_at, deleted_at, held_at, is_opener, thread_id ON posts
    FOR EACH ROW EXECUTE FUNCTION post_search_sync_post()""",
    "DROP TRIGGER IF EXISTS post_search_sync_title ON threads",
    """CREATE TRIGGER post_search_sync_title AFTER UPDATE OF title ON threads
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION post_search_sync_title()""",
    _POSTGRESQL_FILL,
    # Built after the posts are in, which is far quicker than entry by entry. Without
    # fastupdate, entries go straight into the index rather than a pending list every
    # search would have to read through (up to 4 MB of it) until a vacuum.
    _POSTGRESQL_INDEX,
]

_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS post_search_sync_title ON threads",
    "DROP TRIGGER IF EXISTS post_search_sync_post ON posts",
    "DROP TABLE IF EXISTS post_search",
    "DROP FUNCTION IF EXISTS post_search_sync_title()",
    "DROP FUNCTION IF EXISTS post_search_sync_post()",
    "DROP FUNCTION IF EXISTS post_search_document(text, text)",
    "DROP FUNCTION IF EXISTS post_search_words(text)",
]

_STATEMENTS = {"sqlite": (_SQLITE, _SQLITE_DROP), "postgresql": (_POSTGRESQL, _POSTGRESQL_DROP)}


def statements(dialect: str) -> list[str]:
    """The SQL that creates the index on ``dialect`` (``sqlite`` or ``postgresql``) and
    fills it from the posts there: what ``create_all`` and the migration both run."""
    return list(_STATEMENTS[dialect][0])


def drop_statements(dialect: str) -> list[str]:
    """The SQL that removes the index and its triggers (a migration's downgrade)."""
    return list(_STATEMENTS[dialect][1])


def create_index(connection: Connection) -> None:
    """Create the index on ``connection``'s database (safe to run again)."""
    for statement in statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def drop_index(connection: Connection) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def rebuild_index(connection: Connection) -> int:
    """Empty the index and fill it again from the posts; returns how many posts it holds.

    The triggers keep the index right; this is for an index that was lost or damaged.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DELETE FROM post_search")
        connection.exec_driver_sql(_SQLITE_FILL)
    else:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_post_search_document")
        connection.exec_driver_sql("TRUNCATE post_search")
        connection.exec_driver_sql(_POSTGRESQL_FILL)
        connection.exec_driver_sql(_POSTGRESQL_INDEX)
    return connection.exec_driver_sql("SELECT count(*) FROM post_search").scalar_one()


@event.listens_for(Base.metadata, "after_create")
def _after_create(_metadata, connection: Connection, tables=(), **_kw) -> None:
    if any(table.name == "posts" for table in tables):
        create_index(connection)


@event.listens_for(Base.metadata, "before_drop")
def _before_drop(_metadata, connection: Connection, tables=(), **_kw) -> None:
    if any(table.name == "posts" for table in tables):
        drop_index(connection)
