"""``@handle`` in Markdown: which words are mentions, and how they are linked."""

from __future__ import annotations

import pytest

from app.markdown import render_markdown
from app.notifications.mentions import MENTIONS_MAX, render_with_mentions
from tests.helpers import make_account


def _known(*handles):
    asked = []

    def resolve(keys):
        asked.append(keys)
        return {handle.lower(): handle for handle in handles if handle.lower() in keys}

    return resolve, asked


@pytest.mark.parametrize(
    ("source", "linked"),
    [
        ("Thanks @Bob!", True),
        ("(@bob)", True),
        ("- @bob, see above", True),
        ("# @bob", True),
        ("write to bob@example.org", False),
        ("`@bob` in code", False),
        ("    @bob in a code block", False),
        ("[a link about @bob](https://example.org)", False),
        ("@bob_the_builder is someone else", False),
        ("@@bob", False),
        ("/path/@bob", False),
    ],
)
def test_which_words_are_mentions(source, linked):
    resolve, _asked = _known("Bob")
    html = str(render_markdown(source, mentions=resolve))
    assert ('href="/u/Bob"' in html) is linked, html


def test_only_known_handles_become_links_and_the_lookup_is_asked_once():
    resolve, asked = _known("ana")
    html = str(render_markdown("@ana and @nobody and @ANA", mentions=resolve))
    assert html.count('href="/u/ana"') == 2
    assert "@nobody" in html and "/u/nobody" not in html
    assert asked == [{"ana", "nobody"}]
    assert render_markdown("@ana") == render_markdown("@ana", mentions=None)


def test_text_without_a_mention_asks_nothing():
    resolve, asked = _known("ana")
    render_markdown("no mentions, just an email a@b.org", mentions=resolve)
    assert asked == []


def test_mentions_of_existing_accounts_are_found_in_one_lookup_and_bounded(session):
    ana = make_account("ana")
    html, found = render_with_mentions("Hi @ana, @ghost")
    assert found == [ana] and 'href="/u/ana"' in html
    handles = " ".join(f"@user{n:03d}" for n in range(MENTIONS_MAX + 10))
    for n in range(MENTIONS_MAX + 10):
        make_account(f"user{n:03d}")
    _html, found = render_with_mentions(handles)
    assert len(found) == MENTIONS_MAX
