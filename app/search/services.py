"""Search: the posts a viewer may read that hold the words they typed.

Which posts a viewer may read is not decided here: ``readable_posts`` (in
``app.groups.permissions``) is, as for every list. The index (``app.search.schema``)
holds readable posts only, kept in step by triggers; this module asks it, in one
query whatever the number of results, and marks the words found.

Two orders, both keyset-paginated: newest first, and best match first. The best
match is a score that depends on the post and the query alone (a thread's title
counts ten times its text), never on the rest of the index, so a page's cursor still
points at the same place when other posts arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from sqlalchemy import Integer, String, cast, func, literal_column, not_, select
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, TSVECTOR
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql import column, table

from app.accounts.models import Account
from app.db import db
from app.groups.models import Group, Post, Thread
from app.groups.permissions import readable_posts
from app.groups.services import cursor_at, with_author
from app.pagination import PAGE_SIZE, Page, after_key, decode_cursor, page_of
from app.search.highlight import Pieces, mark, plain_text, snippet
from app.search.query import SearchQuery, Term, parse_query, tsquery_prefix
from app.search.schema import TABLE

ORDERS = ("new", "best")
TITLE_WEIGHT = 10.0

_FTS5 = table(TABLE, column("rowid", Integer), column("title", String), column("body", String))
_TSVECTORS = table(TABLE, column("post_id", Integer), column("document", TSVECTOR))


@dataclass(frozen=True)
class Hit:
    """One post found: its thread's title (None when the thread was removed) and some of
    its text, each cut into pieces marked found or not."""

    post: Post
    score: float
    title: Pieces | None
    snippet: Pieces

    @property
    def cursor(self) -> str | None:
        """Where in its thread the post's page begins (``groups.show_thread``'s ``after``)."""
        return cursor_at(self.post)


def _sqlite_match(query: SearchQuery):
    fts = literal_column(TABLE)

    def found(index: int, text_column):
        # highlight() puts one mark before and one after every match in the column.
        return func.length(func.highlight(fts, index, "[", "]")) - func.length(text_column)

    score = (TITLE_WEIGHT * found(0, _FTS5.c.title) + found(1, _FTS5.c.body)) / 2.0
    condition = fts.op("MATCH", is_comparison=True)(query.fts5())
    return _FTS5, _FTS5.c.rowid, [condition], score


def _tsquery(terms: tuple[Term, ...], joiner: str):
    simple = literal_column("'simple'::regconfig")
    parts = [
        func.to_tsquery(simple, tsquery_prefix(term))
        if term.prefix
        else func.phraseto_tsquery(simple, " ".join(term.words))
        for term in terms
    ]
    return reduce(lambda left, right: left.op(joiner)(right), parts)


def _postgresql_match(query: SearchQuery):
    document = _TSVECTORS.c.document
    wanted = _tsquery(query.wanted, "&&")
    conditions = [document.op("@@", is_comparison=True)(wanted)]
    if query.unwanted:
        conditions.append(
            not_(document.op("@@", is_comparison=True)(_tsquery(query.unwanted, "||")))
        )
    # ts_rank's default weights count text (D, 0.1) a tenth of a title (A, 1.0).
    # As double precision: ts_rank's real would come back to Python rounded to its
    # shortest spelling, and a cursor holding that would not equal the row's own score.
    score = cast(func.ts_rank(document, wanted), DOUBLE_PRECISION)
    return _TSVECTORS, _TSVECTORS.c.post_id, conditions, score


def search_posts(
    viewer: Account | None,
    text: str | None,
    *,
    group: Group | None = None,
    order: str = "new",
    cursor: str | None = None,
) -> tuple[SearchQuery, Page[Hit]] | None:
    """The posts ``viewer`` may read whose thread title or text hold ``text``'s words,
    in ``group`` or in every group, newest first (``order="new"``) or best match first
    (``"best"``), a page at a time; None when nothing was typed.

    Raises ``SearchError`` for a query with nothing to look for (or too much), and
    ``InvalidCursor`` for a cursor this search did not make.
    """
    query = parse_query(text)
    if query is None:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        index, key, conditions, score = _postgresql_match(query)
    else:
        index, key, conditions, score = _sqlite_match(query)
    if order == "best":
        columns, kinds = (score, Post.created_at, Post.id), (float, datetime, int)
    else:
        columns, kinds = (Post.created_at, Post.id), (datetime, int)
    statement = (
        select(Post, score.label("score"))
        .join(index, key == Post.id)
        .join(Post.thread)
        .join(Thread.group)
        .options(contains_eager(Post.thread).contains_eager(Thread.group))
        .options(with_author(Post.author))
        .where(*conditions, readable_posts(viewer))
    )
    if group is not None:
        statement = statement.where(Post.group_id == group.id)
    values = decode_cursor(cursor, kinds)
    if values is not None:
        statement = statement.where(after_key(columns, values, descending=True))
    rows = db.session.execute(
        statement.order_by(*(column.desc() for column in columns)).limit(PAGE_SIZE + 1)
    ).all()
    if order == "best":
        page = page_of(rows, lambda row: (row.score, row.Post.created_at, row.Post.id))
    else:
        page = page_of(rows, lambda row: (row.Post.created_at, row.Post.id))
    hits = [_hit(row.Post, row.score, query) for row in page.items]
    return query, Page(hits, page.next_cursor)


def _hit(post: Post, score: float, query: SearchQuery) -> Hit:
    thread = post.thread
    return Hit(
        post=post,
        score=score,
        title=None if thread.removed else mark(thread.title, query),
        snippet=snippet(plain_text(post.body_html), query),
    )
