"""The search page: reached from the header and each group, a GET form that sets no
cookie, words highlighted and everything escaped, any typed text answered without a 500,
keyset pages that neither skip nor repeat, and a fixed number of queries."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import db
from app.groups import services as groups
from app.groups.permissions import access_to
from app.pagination import PAGE_SIZE
from app.search.query import SearchError
from app.search.services import search_posts
from tests.groups.test_lists import _queries
from tests.helpers import make_group, make_member, make_reply, make_thread
from tests.test_security import set_cookies

THREAD_LINK = re.compile(r'<a href="/groups/[a-z-]+/threads/(\d+)">')


def _results(html: str) -> str:
    """The part of a search page below the form (the form repeats the query)."""
    return html.split("<h2>Posts found</h2>", 1)[1].split("</main>", 1)[0]


def _threads(group, author, count: int, title, body):
    access = access_to(group, author)
    made = [groups.start_thread(access, title(n), body(n)) for n in range(count)]
    db.session.commit()
    return made


@pytest.fixture
def bea(session):
    return make_member("bea")


def test_search_is_linked_from_the_header_and_from_each_group(client, bea):
    make_group(bea)
    assert '<a href="/search">Search</a>' in client.get("/").get_data(as_text=True)
    group_page = client.get("/groups/gardens").get_data(as_text=True)
    assert '<a href="/search?group=gardens">Search this group</a>' in group_page
    html = client.get("/search?group=gardens").get_data(as_text=True)
    assert "<h1>Search in Gardens</h1>" in html
    assert re.search(
        r'<input checked id="group-0" name="group" type="radio" value="gardens">', html
    )


def test_a_signed_out_reader_searches_without_a_cookie_or_a_token(client, bea):
    make_thread(make_group(bea), bea, "Seeds to sow in March", "Which seeds now?")
    response = client.get("/search?q=seeds+march")
    assert response.status_code == 200
    assert set_cookies(response) == []
    html = response.get_data(as_text=True)
    assert "csrf_token" not in html
    assert '<form method="get" action="/search" role="search"' in html
    assert "<mark>Seeds</mark> to sow in <mark>March</mark>" in _results(html)


def test_the_empty_form_searches_nothing(client, bea):
    for path in ("/search", "/search?q=", "/search?q=+++"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Posts found" not in response.get_data(as_text=True)


HOSTILE_BODY = (
    '<script>alert("boo")</script> <img src=x onerror=alert(1)> **bold** '
    "[link](javascript:alert(1)) \"quoted\" 'single' &amp; ünïcödé 🙂 \u202eevil"
)


def test_found_words_are_marked_and_everything_else_is_escaped(client, bea):
    make_thread(make_group(bea), bea, '<b>Bold</b> "alert" & co', HOSTILE_BODY)
    html = _results(client.get("/search?q=alert").get_data(as_text=True))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "onerror=" not in html.replace("onerror=<mark>", "")
    assert "&lt;b&gt;Bold&lt;/b&gt; &#34;<mark>alert</mark>&#34; &amp; co" in html
    assert "&lt;script&gt;<mark>alert</mark>(&#34;boo&#34;)&lt;/script&gt;" in html
    for words, marked in [
        ("bold", "<mark>bold</mark>"),
        ("ünïcödé", "<mark>ünïcödé</mark>"),
        ('"quoted single"', "&#34;<mark>quoted</mark>&#34; &#39;<mark>single</mark>&#39;"),
        ("link", "<mark>link</mark>"),
    ]:
        html = _results(client.get("/search", query_string={"q": words}).get_data(as_text=True))
        assert marked in html, words
    hostile_query = '"><script>alert(1)</script>'
    html = client.get("/search", query_string={"q": hostile_query}).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"""',
        'seeds "unbalanced',
        "seeds AND",
        "AND OR NOT",
        "seeds NEAR(march, 2)",
        "NEAR(",
        "(((seeds",
        "seeds)))",
        "*",
        "seeds*",
        "s*",
        "-",
        "--seeds",
        "seeds -",
        "title:seeds",
        "{title body}: seeds",
        "^seeds",
        "seeds + march",
        "'; DROP TABLE posts; --",
        "\\",
        "%_%",
        "!!seeds & | <-> :*",
        "🌱🌱",
        "\u202eseeds",
        "种子",
    ],
)
def test_any_typed_text_is_read_as_words(client, bea, typed):
    make_thread(make_group(bea), bea, "Seeds to sow in March", "Which seeds now?")
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code in {200, 400}, typed
    html = response.get_data(as_text=True)
    if response.status_code == 400:
        assert 'class="error"' in html
    else:
        assert "Posts found" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("seeds " * 50, "Keep your search to 200 characters."),
        ("x" * 100_000, "Keep your search to 200 characters."),
        ("!!! ??? ***", "Type a word to look for: letters or digits."),
        ("-seeds -march", "Say what to look for, not only what to leave out."),
        ("a b c d e f g h i j k", "Search for 10 words or phrases at most."),
    ],
)
def test_a_search_with_nothing_to_look_for_gets_a_clear_message(client, bea, typed, message):
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    typed=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
    | st.lists(
        st.sampled_from(['"', "*", "-", "(", ")", "AND", "NEAR", "seeds", ":", "^", " "])
    ).map("".join)
)
def test_whatever_is_typed_the_search_answers_or_says_why(session, typed):
    try:
        result = search_posts(None, typed)
    except SearchError as error:
        assert error.field == "q" and error.message
    else:
        assert result is None or result[1].items == [] or result[1].items


def test_results_come_newest_first_or_best_match_first(session, bea):
    group = make_group(bea)
    titled = make_thread(group, bea, "Pumpkin soup", "A recipe for autumn.")
    mentioned = make_thread(group, bea, "Dinner", "Pumpkin, pumpkin and more pumpkin.")
    _query, newest = search_posts(None, "pumpkin")
    assert [hit.post.thread_id for hit in newest.items] == [mentioned.id, titled.id]
    _query, best = search_posts(None, "pumpkin", order="best")
    assert [hit.post.thread_id for hit in best.items] == [titled.id, mentioned.id]


def _walk(client, path: str, between) -> list[int]:
    """Follow "More results", collecting the threads found; ``between`` runs between pages."""
    seen: list[int] = []
    while path:
        html = _results(client.get(path).get_data(as_text=True))
        seen += [int(found) for found in THREAD_LINK.findall(html)]
        match = re.search(r'<a href="([^"]+)">More results</a>', html)
        path = match.group(1).replace("&amp;", "&") if match else None
        if path:
            between()
    return seen


@pytest.mark.parametrize("order", ["new", "best"])
def test_result_pages_neither_skip_nor_repeat_while_new_posts_arrive(client, bea, order):
    group = make_group(bea)
    # Scores vary (the word in some titles, once to four times in the text) and tie often.
    old = _threads(
        group,
        bea,
        PAGE_SIZE * 2 + 5,
        lambda n: f"Pumpkin {n}" if n % 3 == 0 else f"Squash {n}",
        lambda n: "pumpkin " * (n % 4 + 1),
    )
    arrivals = iter(range(100))

    def new_posts_arrive():
        _threads(group, bea, 2, lambda n: f"Pumpkin new {next(arrivals)}", lambda n: "pumpkin")

    seen = _walk(client, f"/search?q=pumpkin&order={order}", new_posts_arrive)
    assert len(seen) == len(set(seen))
    assert {thread.id for thread in old} <= set(seen)


def test_a_found_reply_links_to_the_page_where_it_is(client, bea):
    thread = make_thread(make_group(bea), bea, "A long thread", "Let us talk.")
    replies = [make_reply(thread, bea, f"Reply number {n}") for n in range(PAGE_SIZE + 10)]
    replies[-3].body = "The needle in the haystack."
    groups.edit_post(access_to(thread.group, bea), replies[-3], "The needle in the haystack.")
    db.session.commit()
    html = _results(client.get("/search?q=needle").get_data(as_text=True))
    link = re.search(r'<a href="([^"]+)">Go to this reply', html).group(1).replace("&amp;", "&")
    assert link.endswith(f"#post-{replies[-3].id}")
    thread_page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert f'id="post-{replies[-3].id}"' in thread_page
    assert f'id="post-{replies[0].id}"' not in thread_page


def test_a_broken_cursor_is_a_clear_400(client, bea):
    response = client.get("/search?q=pumpkin&order=best&before=bm90LWEtY3Vyc29y")
    assert response.status_code == 400
    assert "This link is broken" in response.get_data(as_text=True)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_search_page_runs_the_same_queries_for_1_or_50_results(
    engine, client, auth, bea, signed_in
):
    one, many = make_group(bea, "one-item"), make_group(bea, "many-items")
    _threads(one, bea, 1, lambda n: "A lonely thread", lambda n: "Lonely words.")
    _threads(many, bea, PAGE_SIZE + 5, lambda n: f"Crowd {n}", lambda n: "A crowd of words.")
    if signed_in:
        auth.login("bea")
    for order in ("new", "best"):
        assert _queries(engine, client, f"/search?q=lonely&order={order}") == _queries(
            engine, client, f"/search?q=crowd&order={order}"
        )
        assert _queries(engine, client, f"/search?q=lonely&group=one-item&order={order}") == (
            _queries(engine, client, f"/search?q=crowd&group=many-items&order={order}")
        )
