"""Nobody can tell a sponsored member from a paying one: every page others see (profile,
group page, thread, member list, directory) renders the same for both."""

from __future__ import annotations

import re

import pytest

from app.db import db
from app.memberships.services import current_membership
from app.seats import services as seats
from tests.helpers import make_account, make_group, make_member, make_paid_member, make_thread


def normalised(html: str, handle: str) -> str:
    """The page with the member's handle and every number (ids, dates, times) blanked."""
    html = html.replace(handle, "HANDLE").replace(handle.title(), "HANDLE")
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    # The initials avatar is drawn from the name, which differs by construction.
    html = re.sub(r"/avatars/\d+/[^/\"]+\.svg", "/avatars/AVATAR.svg", html)
    return re.sub(r"\d+", "0", html)


def pages_about(client, handle: str) -> dict[str, str]:
    slug = f"{handle}-garden"
    thread_path = client.get(f"/groups/{slug}").get_data(as_text=True)
    thread = re.search(rf'href="(/groups/{slug}/threads/\d+)"', thread_path).group(1)
    paths = {
        "profile": f"/u/{handle}",
        "group": f"/groups/{slug}",
        "thread": thread,
        "members": f"/groups/{slug}/members",
    }
    return {name: client.get(path).get_data(as_text=True) for name, path in paths.items()}


@pytest.mark.parametrize("viewer", [None, "vic"])
def test_a_sponsored_and_a_paying_member_look_the_same_to_everyone(
    client, auth, session, sandbox, viewer
):
    paying = make_paid_member(sandbox, "ada")
    seats.adjust_pool(1, "a seat")
    sponsored = make_account("bea")
    seats.apply_for_seat(sponsored)
    db.session.commit()
    assert current_membership(paying).kind == "paid"
    assert current_membership(sponsored).kind == "sponsored"
    for member in (paying, sponsored):
        group = make_group(member, f"{member.handle}-garden", name="A garden")
        make_thread(group, member, "Tomatoes", "When do I plant them?")
    if viewer:
        make_member(viewer)
        auth.login(f"{viewer}@example.org")

    ada, bea = pages_about(client, "ada"), pages_about(client, "bea")
    for name in ada:
        main = bea[name].split("<main", 1)[-1].split("</main>", 1)[0]
        assert "sponsor" not in main.lower(), name
        assert normalised(ada[name], "ada") == normalised(bea[name], "bea"), name
    directory = client.get("/groups").get_data(as_text=True).lower()
    assert "sponsor" not in directory.split("<main", 1)[1].split("</main>", 1)[0]
