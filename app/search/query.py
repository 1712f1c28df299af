"""What a person typed into the search box, read as words, never as a query language.

The rules, as the search page states them: every word must appear; words in double
quotes must appear together, in that order; a word ending in ``*`` also finds words
that begin with it; a word starting with ``-`` leaves out posts that contain it.
Everything else a person may type (``AND``, ``NEAR``, parentheses, ``:``, ``^``,
unbalanced quotes, punctuation) is text: searched for as words where it holds any,
ignored where it holds none. A query is refused, with a message, only when it holds no
word to look for or is too long.

The parsed ``SearchQuery`` is then written out for each database by code that never
passes typed text through as syntax: FTS5 gets every term as a double-quoted string
(its only escape: ``"`` doubled), PostgreSQL gets every term as a bound parameter of
``phraseto_tsquery``, and prefixes only as letters and digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain import DomainError

QUERY_MAX = 200
TERMS_MAX = 10
PREFIX_MIN = 2

# What both databases' tokenisers count as a word: a run of letters and digits.
WORD = re.compile(r"[^\W_]+")
_TERMS = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')


class SearchError(DomainError):
    """The search box holds nothing to search for, or too much."""


@dataclass(frozen=True)
class Term:
    """One word or quoted phrase: the text as typed and the words in it."""

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def wanted(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    @property
    def unwanted(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.excluded)

    def fts5(self) -> str:
        """The query in FTS5's syntax, every term a quoted string."""
        wanted = " AND ".join(_fts5_term(term) for term in self.wanted)
        if not self.unwanted:
            return wanted
        unwanted = " OR ".join(_fts5_term(term) for term in self.unwanted)
        return f"({wanted}) NOT ({unwanted})"


def _fts5_term(term: Term) -> str:
    if term.prefix:
        return '"' + " ".join(term.words) + '" *'
    return '"' + term.text.replace('"', '""') + '"'


def tsquery_prefix(term: Term) -> str:
    """A prefix term in ``to_tsquery`` syntax: its words (letters and digits only, so
    nothing in them is syntax) followed one by one, the last one as a prefix."""
    return " <-> ".join(f"'{word}'" for word in term.words) + ":*"


def parse_query(text: str | None) -> SearchQuery | None:
    """The terms in ``text``, or None when nothing was typed.

    Raises ``SearchError`` (on the field ``q``) when ``text`` is too long, holds too many
    terms, or holds no word to look for (only punctuation, only excluded words).
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > QUERY_MAX:
        raise SearchError(f"Keep your search to {QUERY_MAX} characters.", "q")
    terms = []
    for match in _TERMS.finditer(text):
        excluded, phrase, bare = match.group(1) == "-", match.group(2), match.group(3)
        raw = phrase if phrase is not None else bare
        prefix = phrase is None and raw.endswith("*")
        words = tuple(WORD.findall(raw.lower()))
        if not words:
            continue
        if prefix and len(words[-1]) < PREFIX_MIN:
            prefix = False
        terms.append(Term(raw.rstrip("*") if prefix else raw, words, prefix, excluded))
    if len(terms) > TERMS_MAX:
        raise SearchError(f"Search for {TERMS_MAX} words or phrases at most.", "q")
    query = SearchQuery(tuple(terms))
    if not query.wanted:
        if query.unwanted:
            raise SearchError("Say what to look for, not only what to leave out.", "q")
        raise SearchError("Type a word to look for: letters or digits.", "q")
    return query
