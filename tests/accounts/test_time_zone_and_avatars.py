"""A person's time zone (a profile setting, UTC by default) and the initials avatar Kindred
draws for each author."""

from __future__ import annotations

import re

from app.accounts import avatars
from app.accounts import services as account_services
from app.domain import DomainError
from tests.accounts.support import page, reload
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def test_times_are_in_utc_until_the_person_chooses_a_zone(client, auth, session):
    account = make_account("ada")
    assert reload(account).time_zone == "UTC"
    auth.login()
    settings = page(client.get("/settings"))
    assert 'name="time_zone"' in settings and 'value="UTC"' in settings

    response = client.post(
        "/settings/profile", data={"display_name": "", "bio": "", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 303
    assert reload(account).time_zone == "Europe/Berlin"
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    thread_page = page(client.get(f"/groups/gardens/threads/{thread.id}"))
    assert re.search(r'title="[^"]+ Europe/Berlin">just now</time>', thread_page)


def test_an_unknown_time_zone_is_refused_with_a_clear_message_and_nothing_changes(
    client, auth, session
):
    account = make_account("ada", display_name="Ada")
    auth.login()
    response = client.post(
        "/settings/profile",
        data={"display_name": "Someone else", "bio": "", "time_zone": "Mars/Olympus_Mons"},
    )
    assert response.status_code == 400
    assert "That is not a time zone we know. Use a name like Europe/Berlin" in page(response)
    assert 'value="Mars/Olympus_Mons"' in page(response)  # what was typed stays
    account = reload(account)
    assert (account.display_name, account.time_zone) == ("Ada", "UTC")


def test_the_service_refuses_an_unknown_zone_too(app, session):
    account = make_account("ada")
    try:
        account_services.update_profile(account, "A", None, time_zone="Nowhere/Land")
    except DomainError as error:
        assert error.field == "time_zone"
    else:
        raise AssertionError("an unknown zone was accepted")
    assert account.time_zone == "UTC" and account.display_name is None


def test_initials_come_from_the_name_people_see():
    assert avatars.initials("Ada Lovelace") == "AL"
    assert avatars.initials("ada") == "A"
    assert avatars.initials("jean-luc picard") == "JL"
    assert avatars.initials("Ана Петрова") == "АП"
    assert avatars.initials("!!!") == "?"


def test_the_avatar_is_an_svg_kindred_draws_and_caches_for_good(client, session):
    response = client.get("/avatars/3/AL.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and ">AL</text>" in svg and "href" not in svg
    for bad in (
        "/avatars/0/AL.svg",
        "/avatars/9/AL.svg",
        "/avatars/1/ALX.svg",
        "/avatars/1/al.svg",
    ):
        assert client.get(bad).status_code == 404, bad
    assert client.get("/avatars/1/%3Cb%3E.svg").status_code == 404


def test_posts_show_the_authors_avatar_name_and_handle(client, auth, session):
    bea = make_member("bea", display_name="Bea Brown")
    thread = make_thread(make_group(bea), bea)
    make_account("ann")
    auth.login("ann")
    html = page(client.get(f"/groups/gardens/threads/{thread.id}"))
    url = f"/avatars/{avatars.shade_of(bea)}/BB.svg"
    assert f'<img class="avatar" src="{url}" alt=""' in html
    assert '<strong>Bea Brown</strong></a> <span class="handle">@bea</span>' in html
    assert not re.search(r'<img[^>]+src="(https?:)?//', html)
    assert client.get(url).status_code == 200


def test_each_author_on_a_page_has_their_own_byline(client, auth, session):
    """Bylines are built once per author per request: two authors, each replying twice,
    keep their own; a name is escaped; without a display name the handle is the name."""
    bea = make_member("bea", display_name="Bea <b>Brown</b>")
    group = make_group(bea)
    thread = make_thread(group, bea)
    cai = make_member("cai")
    add_to_group(group, cai)
    for author in (cai, bea, cai):
        make_reply(thread, author)
    make_account("ann")
    auth.login("ann")
    html = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    bylines = re.findall(
        r'<span class="author">.*?</a>(?: <span class="handle">[^<]*</span>)?</span>', html
    )
    bea_line = (
        f'<span class="author"><img class="avatar" src="/avatars/{avatars.shade_of(bea)}/BB.svg"'
        ' alt="" width="32" height="32"> <a href="/u/bea"><strong>Bea &lt;b&gt;Brown&lt;/b&gt;'
        '</strong></a> <span class="handle">@bea</span></span>'
    )
    cai_line = (
        f'<span class="author"><img class="avatar" src="/avatars/{avatars.shade_of(cai)}/C.svg"'
        ' alt="" width="32" height="32"> <a href="/u/cai"><strong>cai</strong></a></span>'
    )
    assert bylines == [bea_line, cai_line, bea_line, cai_line]
