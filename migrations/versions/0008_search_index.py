"""The search index: FTS5 on SQLite, a tsvector table with a GIN index on PostgreSQL,
kept by triggers and filled from the posts already there

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00

The statements are those of ``app/search/schema.py`` when this was written, copied in
as text so the migration never imports the app. Every one is safe to run again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS post_search USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_inserted AFTER INSERT ON posts\n    WHEN NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL\n    BEGIN\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads WHERE threads.id = NEW.thread_id;\n    END",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_updated\n    AFTER UPDATE OF body, hidden_at, deleted_at, is_opener, thread_id ON posts\n    BEGIN\n        DELETE FROM post_search WHERE rowid = OLD.id;\n        INSERT INTO post_search (rowid, title, body)\n        SELECT NEW.id, CASE WHEN NEW.is_opener THEN threads.title ELSE '' END, NEW.body\n        FROM threads\n        WHERE threads.id = NEW.thread_id AND NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL;\n    END",
        "CREATE TRIGGER IF NOT EXISTS post_search_post_deleted AFTER DELETE ON posts\n    BEGIN\n        DELETE FROM post_search WHERE rowid = OLD.id;\n    END",
        "CREATE TRIGGER IF NOT EXISTS post_search_title_changed AFTER UPDATE OF title ON threads\n    WHEN OLD.title IS NOT NEW.title\n    BEGIN\n        UPDATE post_search SET title = NEW.title\n        WHERE rowid IN (SELECT id FROM posts WHERE thread_id = NEW.id AND is_opener);\n    END",
        "INSERT INTO post_search (rowid, title, body)\n    SELECT posts.id, CASE WHEN posts.is_opener THEN threads.title ELSE '' END, posts.body\n    FROM posts JOIN threads ON threads.id = posts.thread_id\n    WHERE posts.hidden_at IS NULL AND posts.deleted_at IS NULL\n    AND posts.id NOT IN (SELECT rowid FROM post_search)",
    ],
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS post_search (\n        post_id integer NOT NULL,\n        document tsvector NOT NULL,\n        CONSTRAINT pk_post_search PRIMARY KEY (post_id),\n        CONSTRAINT fk_post_search_post_id_posts FOREIGN KEY (post_id)\n            REFERENCES posts (id) ON DELETE CASCADE\n    )",
        "CREATE OR REPLACE FUNCTION post_search_words(content text)\n    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n        SELECT to_tsvector('simple'::regconfig, translate(\n            coalesce(content, ''),\n            '!\"#&''()*+,-./:;<=>?@[\\]^_`{|}~',\n            '                              '))\n    $$",
        "CREATE OR REPLACE FUNCTION post_search_document(title text, body text)\n    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n        SELECT setweight(post_search_words(title), 'A') || setweight(post_search_words(body), 'D')\n    $$",
        "CREATE OR REPLACE FUNCTION post_search_sync_post() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF NEW.hidden_at IS NULL AND NEW.deleted_at IS NULL THEN\n            INSERT INTO post_search (post_id, document)\n            SELECT NEW.id, post_search_document(\n                CASE WHEN NEW.is_opener THEN threads.title END, NEW.body)\n            FROM threads WHERE threads.id = NEW.thread_id\n            ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;\n        ELSE\n            DELETE FROM post_search WHERE post_id = NEW.id;\n        END IF;\n        RETURN NULL;\n    END\n    $$",
        "CREATE OR REPLACE FUNCTION post_search_sync_title() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        UPDATE post_search SET document = post_search_document(NEW.title, posts.body)\n        FROM posts\n        WHERE posts.thread_id = NEW.id AND posts.is_opener AND post_search.post_id = posts.id;\n        RETURN NULL;\n    END\n    $$",
        "DROP TRIGGER IF EXISTS post_search_sync_post ON posts",
        "CREATE TRIGGER post_search_sync_post\n    AFTER INSERT OR UPDATE OF body, hidden_at, deleted_at, is_opener, thread_id ON posts\n    FOR EACH ROW EXECUTE FUNCTION post_search_sync_post()",
        "DROP TRIGGER IF EXISTS post_search_sync_title ON threads",
        "CREATE TRIGGER post_search_sync_title AFTER UPDATE OF title ON threads\n    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)\n    EXECUTE FUNCTION post_search_sync_title()",
        "INSERT INTO post_search (post_id, document)\n    SELECT posts.id,\n        post_search_document(CASE WHEN posts.is_opener THEN threads.title END, posts.body)\n    FROM posts JOIN threads ON threads.id = posts.thread_id\n    WHERE posts.hidden_at IS NULL AND posts.deleted_at IS NULL\n    ON CONFLICT (post_id) DO NOTHING",
        "CREATE INDEX IF NOT EXISTS ix_post_search_document ON post_search USING gin (document) WITH (fastupdate = off)",
    ],
}

DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS post_search_title_changed",
        "DROP TRIGGER IF EXISTS post_search_post_deleted",
        "DROP TRIGGER IF EXISTS post_search_post_updated",
        "DROP TRIGGER IF EXISTS post_search_post_inserted",
        "DROP TABLE IF EXISTS post_search",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS post_search_sync_title ON threads",
        "DROP TRIGGER IF EXISTS post_search_sync_post ON posts",
        "DROP TABLE IF EXISTS post_search",
        "DROP FUNCTION IF EXISTS post_search_sync_title()",
        "DROP FUNCTION IF EXISTS post_search_sync_post()",
        "DROP FUNCTION IF EXISTS post_search_document(text, text)",
        "DROP FUNCTION IF EXISTS post_search_words(text)",
    ],
}


def upgrade() -> None:
    for statement in CREATE[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP[op.get_bind().dialect.name]:
        op.execute(statement)
