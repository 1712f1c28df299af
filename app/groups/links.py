"""Links that a page repeats for each of its posts, built once per page.

A thread page links every post to quoting, editing, reporting and moderating it: about
four ``url_for`` calls a post, a fifth of what rendering the page costs signed in. The
URL is built once with a mark where the post's id goes, and each post's link is that URL
with its id in the mark's place, so the routes stay the one source of every path.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, url_for

# An id no row will have, to mark where a post's id goes in a URL.
_MARK = 918273645546372819


def each_post(endpoint: str, key: str = "post_id", **values: object) -> Callable[[int], str]:
    """``url_for(endpoint, **values)`` with ``key`` set to each post's id, as a function
    of that id."""
    # The last place the mark is: a slug before it may hold the same digits.
    head, _mark, tail = url_for(endpoint, **{key: _MARK}, **values).rpartition(str(_MARK))
    return lambda post_id: f"{head}{int(post_id)}{tail}"


def init_app(app: Flask) -> None:
    app.add_template_global(each_post, "each_post_link")
