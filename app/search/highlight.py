"""The words a search found, marked in the text a reader sees.

Highlighting works on plain text and returns plain pieces, ``(text, found)``, that the
template escapes like any other text and wraps in ``<mark>``: nothing a member wrote
is ever passed to a page as HTML here, whatever it holds.
"""

from __future__ import annotations

from html.parser import HTMLParser

from app.search.query import WORD, SearchQuery

Pieces = list[tuple[str, bool]]
SNIPPET_LENGTH = 240
# How much text to show before the first word found.
LEAD = 60

# Block elements of rendered posts: their text is separated by a space, not run together.
_BREAKS = frozenset(
    {"br", "p", "li", "blockquote", "pre", "h3", "h4", "h5", "h6", "hr", "ul", "ol"}
)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, _attrs) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text a reader sees in a rendered post, on one line."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _is_found(word: str, query: SearchQuery) -> bool:
    word = word.lower()
    for term in query.wanted:
        if word in term.words:
            return True
        if term.prefix and word.startswith(term.words[-1]):
            return True
    return False


def mark(text: str, query: SearchQuery) -> Pieces:
    """``text`` cut into pieces, each word the query looks for a piece marked found."""
    pieces: Pieces = []
    done = 0
    for word in WORD.finditer(text):
        if _is_found(word.group(), query):
            if word.start() > done:
                pieces.append((text[done : word.start()], False))
            pieces.append((word.group(), True))
            done = word.end()
    if done < len(text):
        pieces.append((text[done:], False))
    return pieces


def snippet(text: str, query: SearchQuery, length: int = SNIPPET_LENGTH) -> Pieces:
    """About ``length`` characters of ``text`` around the first word found, marked."""
    first = next(
        (word.start() for word in WORD.finditer(text) if _is_found(word.group(), query)), 0
    )
    start = max(0, first - LEAD)
    if start:
        # Begin at a word, not inside one.
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else first
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start + length // 2, end)
        end = space if space != -1 else end
    pieces = mark(text[start:end], query)
    if start:
        pieces.insert(0, ("… ", False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces
