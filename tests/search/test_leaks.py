"""Search never leaks: for every viewer, visibility and state of a post, the search page
shows exactly the posts (and titles) that viewer may read, in every group and in each.

The table is ``tests.groups.readable_world``: a private group's posts never appear to
outsiders, a hidden or deleted post never appears to anyone (moderators included), a
removed thread's title never appears. Runs on the suite's database (SQLite, or
PostgreSQL in CI).
"""

import re

import pytest

from tests.groups.readable_world import (
    STATES,
    TITLES,
    VIEWERS,
    VISIBILITIES,
    build_world,
    handle,
    marker,
    title_marker,
)
from tests.helpers import DEFAULT_PASSWORD

MARKERS = re.compile(r"zz[a-z]+")


def _expected(viewer: str, visibilities=VISIBILITIES) -> set[str]:
    readable = VIEWERS[viewer] & set(visibilities)
    words = {marker(v, state) for v in readable for state, read in STATES.items() if read}
    # A found post shows its thread's title, unless the thread was removed.
    words |= {title_marker(v, "opener") for v in readable}
    return words


def _found(client, query: str) -> set[str]:
    """The markers on the results part of the page (the search box repeats the query)."""
    response = client.get(query)
    assert response.status_code == 200, query
    html = response.get_data(as_text=True)
    results = html.split("<h2>Posts found</h2>", 1)[1].split("</main>", 1)[0]
    results = re.sub(r'<p class="muted">Nothing you can read.*?</p>', "", results, flags=re.S)
    return set(MARKERS.findall(results))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_search_shows_each_viewer_exactly_what_they_may_read(client, session, viewer):
    build_world()
    if viewer != "visitor":
        response = client.post(
            "/login", data={"identifier": handle(viewer), "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 303
    everything = {marker(v, s) for v in VISIBILITIES for s in STATES} | {
        title_marker(v, t) for v in VISIBILITIES for t in TITLES
    }
    for order in ("new", "best"):
        # "zz*" finds every marker; the search box itself holds no marker.
        assert _found(client, f"/search?q=zz*&order={order}") == _expected(viewer)
    # Searched by one of its words, each post appears only where it may.
    for word in sorted(everything):
        shown = _found(client, f"/search?q={word}")
        assert (word in shown) == (word in _expected(viewer)), word
    for visibility in VISIBILITIES:
        path = f"/search?q=zz*&group=club-{visibility}"
        if visibility in VIEWERS[viewer]:
            assert _found(client, path) == _expected(viewer, [visibility])
        else:
            response = client.get(path)
            # Signed out, a group for members asks to log in; a private group isn't there.
            assert response.status_code in {302, 404}
            assert not MARKERS.findall(response.get_data(as_text=True))
