"""Who can read, post, moderate and manage, for every role and every visibility.

The roles: signed out; an account that is not a Kindred member; a Kindred member
who is not in the group; a group member; a moderator; a host; a site admin (not
in the group); and a host whose account is suspended.
"""

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.groups.models import Post
from tests.helpers import add_to_group, make_account, make_group, make_member, make_thread

ROLES = (
    "signed_out",
    "account",
    "member_elsewhere",
    "group_member",
    "moderator",
    "host",
    "admin",
    "suspended",
)

#: role -> (read, post, moderate, manage), per visibility.
EXPECTED = {
    "public": {
        "signed_out": (True, False, False, False),
        "account": (True, False, False, False),
        "member_elsewhere": (True, False, False, False),
        "group_member": (True, True, False, False),
        "moderator": (True, True, True, False),
        "host": (True, True, True, True),
        "admin": (True, False, True, False),
        "suspended": (True, False, False, False),
    },
    "members": {
        "signed_out": (False, False, False, False),
        "account": (True, False, False, False),
        "member_elsewhere": (True, False, False, False),
        "group_member": (True, True, False, False),
        "moderator": (True, True, True, False),
        "host": (True, True, True, True),
        "admin": (True, False, True, False),
        "suspended": (True, False, False, False),
    },
    "private": {
        "signed_out": (False, False, False, False),
        "account": (False, False, False, False),
        "member_elsewhere": (False, False, False, False),
        "group_member": (True, True, False, False),
        "moderator": (True, True, True, False),
        "host": (True, True, True, True),
        "admin": (True, False, True, False),
        "suspended": (True, False, False, False),
    },
}


def _arrange(visibility: str):
    founder = make_member("founder")
    group = make_group(founder, "club", visibility=visibility)
    thread = make_thread(group, founder, "Hello", "First words")
    make_account("as_account")
    make_member("as_member_elsewhere")
    add_to_group(group, make_member("as_group_member"))
    add_to_group(group, make_member("as_moderator"), "moderator")
    add_to_group(group, make_member("as_host"), "host")
    make_account("as_admin", admin=True)
    suspended = make_member("as_suspended")
    add_to_group(group, suspended, "host")
    suspended.suspended_at = utcnow()
    suspended.suspension_reason = "Testing"
    return thread


def _can_read(client, thread) -> bool:
    response = client.get(f"/groups/club/threads/{thread.id}")
    assert response.status_code in {200, 302, 404}
    return response.status_code == 200


def _can_post(client, session, thread) -> bool:
    before = session.scalar(select(func.count()).select_from(Post))
    response = client.post(f"/groups/club/threads/{thread.id}/replies", data={"body": "Hi"})
    after = session.scalar(select(func.count()).select_from(Post))
    assert (response.status_code == 303) == (after == before + 1)
    return after == before + 1


def _status_ok(client, path: str) -> bool:
    response = client.get(path)
    assert response.status_code in {200, 302, 403, 404}
    return response.status_code == 200


@pytest.mark.parametrize("visibility", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(client, auth, session, visibility, role):
    thread = _arrange(visibility)
    session.commit()
    if role != "signed_out":
        auth.login(f"as_{role}")
    actual = (
        _can_read(client, thread),
        _can_post(client, session, thread),
        _status_ok(client, "/groups/club/reports"),
        _status_ok(client, "/groups/club/settings"),
    )
    assert actual == EXPECTED[visibility][role]
    read, _post, moderate, manage = actual
    # The pages added with held posts, rules and appeals follow the same four answers.
    assert _status_ok(client, "/groups/club/rules") == read
    opener = session.scalars(select(Post.id).where(Post.thread_id == thread.id)).first()
    for path in (
        "/groups/club/held",
        "/groups/club/appeals",
        f"/groups/club/posts/{opener}/decline",
    ):
        assert _status_ok(client, path) == moderate, path
    response = client.post("/groups/club/rules", data={"rules": "Be kind"})
    assert response.status_code in {302, 303, 403, 404}
    assert (response.status_code == 303) == manage
