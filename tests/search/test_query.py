"""Typed text is read as words: FTS5 and PostgreSQL only ever get quoted strings and
bound parameters, whatever a person types."""

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.search.query import SearchError, parse_query, tsquery_prefix

OPERATORS = ['"', "*", "-", "(", ")", "AND", "OR", "NOT", "NEAR", ":", "^", "{", "}", "+", " "]
TYPED = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
) | st.lists(st.sampled_from([*OPERATORS, "seeds", "a", "é"])).map("".join)


def test_words_phrases_prefixes_and_exclusions():
    query = parse_query('Seeds "sown in March" -frost garden* e-mail')
    assert [(t.words, t.prefix, t.excluded) for t in query.terms] == [
        (("seeds",), False, False),
        (("sown", "in", "march"), False, False),
        (("frost",), False, True),
        (("garden",), True, False),
        (("e", "mail"), False, False),
    ]
    assert query.fts5() == (
        '("Seeds" AND "sown in March" AND "garden" * AND "e-mail") NOT ("frost")'
    )
    assert tsquery_prefix(query.terms[3]) == "'garden':*"


def test_operators_are_words_or_nothing():
    query = parse_query('NEAR(seeds, 2) AND "unbalanced')
    assert [t.words for t in query.terms] == [("near", "seeds"), ("2",), ("and",), ("unbalanced",)]
    # One letter is too short to stand for every word that begins with it.
    assert not parse_query("s*").terms[0].prefix


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_nothing_typed_is_no_search(typed):
    assert parse_query(typed) is None


def _fts5():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    connection.execute("INSERT INTO t VALUES ('seeds', 'a é (seeds) NEAR AND')")
    return connection


@given(TYPED)
def test_fts5_accepts_whatever_is_typed(typed):
    try:
        query = parse_query(typed)
    except SearchError as error:
        assert error.field == "q"
        return
    if query is None:
        return
    # No syntax error, whatever the text: every term is a quoted string.
    _fts5().execute("SELECT rowid FROM t WHERE t MATCH ?", (query.fts5(),)).fetchall()
    for term in query.terms:
        if term.prefix:
            assert all(word.isalnum() for word in term.words)
