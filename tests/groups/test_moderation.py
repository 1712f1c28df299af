from sqlalchemy import func, select

from app.accounts.services import get_account_by_handle
from app.db import utcnow
from app.groups.models import GroupBan, GroupMember, ModerationLogEntry, Post, Report
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _community(session, visibility="public"):
    """A group hosted by bea, moderated by moe, with member cai who wrote a reply."""
    bea = make_member("bea")
    group = make_group(bea, visibility=visibility)
    add_to_group(group, make_member("moe"), "moderator")
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, bea, "Welcome")
    post = make_reply(thread, cai, "Buy cheap watches here")
    return group, thread, post


def test_reader_reports_a_post_and_moderators_see_it_in_the_queue(client, auth, session):
    _group, _thread, post = _community(session)
    make_account("eve")
    auth.login("eve")
    page = client.get(f"/groups/gardens/posts/{post.id}/report")
    assert page.status_code == 200
    response = client.post(
        f"/groups/gardens/posts/{post.id}/report", data={"reason": "spam", "details": "ads"}
    )
    assert response.status_code == 303
    client.post(f"/groups/gardens/posts/{post.id}/report", data={"reason": "spam"})
    assert _count(session, Report) == 1
    assert client.get("/groups/gardens/reports").status_code == 403

    auth.login("moe")
    queue = client.get("/groups/gardens/reports").get_data(as_text=True)
    assert "Spam" in queue and "Buy cheap watches here" in queue and "ads" in queue


def test_bad_reports_are_explained(client, auth, session):
    _group, _thread, post = _community(session)
    auth.login("bea")
    for data, message in [
        ({"reason": "boring"}, "Not a valid choice"),
        ({"reason": "other", "details": ""}, "Tell the moderators what is wrong."),
        ({"reason": "spam", "details": "x" * 1001}, "1000"),
    ]:
        response = client.post(f"/groups/gardens/posts/{post.id}/report", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert _count(session, Report) == 0


def test_moderator_hides_a_post_and_the_log_shows_it(client, auth, session):
    _group, thread, post = _community(session)
    auth.login("cai")
    client.post(f"/groups/gardens/posts/{post.id}/report", data={"reason": "spam"})
    auth.login("moe")
    assert client.get(f"/groups/gardens/posts/{post.id}/hide").status_code == 200
    response = client.post(f"/groups/gardens/posts/{post.id}/hide", data={"reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.get_data(as_text=True)
    assert session.get(Post, post.id).hidden_at is None

    response = client.post(f"/groups/gardens/posts/{post.id}/hide", data={"reason": "Spam"})
    assert response.status_code == 303
    assert session.scalar(select(Report.resolved_at)) is not None

    auth.logout()
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Removed by moderators." in page
    assert "cheap watches" not in page
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    # The public log names the group, not the moderator (a per-group setting).
    assert "the moderators of Gardens" in log and "@moe" not in log
    assert f"hid reply #{post.id} by @cai" in log
    assert "Spam" in log

    auth.login("moe")
    client.post(f"/groups/gardens/posts/{post.id}/unhide", data={"reason": "Mistake"})
    assert "cheap watches" in client.get(f"/groups/gardens/threads/{thread.id}").get_data(
        as_text=True
    )
    assert _count(session, ModerationLogEntry) == 2


def test_moderator_dismisses_a_report(client, auth, session):
    _group, _thread, post = _community(session)
    auth.login("bea")
    client.post(f"/groups/gardens/posts/{post.id}/report", data={"reason": "off_topic"})
    report_id = session.scalar(select(Report.id))
    auth.login("moe")
    response = client.post(
        f"/groups/gardens/reports/{report_id}/dismiss", data={"reason": "It is on topic"}
    )
    assert response.status_code == 303
    assert "No open reports" in client.get("/groups/gardens/reports").get_data(as_text=True)
    assert session.get(Post, post.id).hidden_at is None


def test_lock_and_unlock_a_thread_are_logged(client, auth, session):
    _group, thread, _post = _community(session)
    auth.login("moe")
    client.post(f"/groups/gardens/threads/{thread.id}/lock", data={"reason": "Cooling off"})
    assert "This thread is locked" in client.get(f"/groups/gardens/threads/{thread.id}").get_data(
        as_text=True
    )
    client.post(f"/groups/gardens/threads/{thread.id}/unlock", data={"reason": "Calm again"})
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "locked thread “Welcome”" in log and "unlocked thread “Welcome”" in log


def test_moderator_removes_and_bans_members_but_not_above_their_role(client, auth, session):
    group, _thread, _post = _community(session)
    add_to_group(group, make_member("dev"), "moderator")
    auth.login("moe")
    response = client.post("/groups/gardens/members/dev/remove", data={"reason": "x"})
    assert response.status_code == 403
    response = client.post("/groups/gardens/bans/new", data={"handle": "bea", "reason": "x"})
    assert response.status_code == 403
    assert _count(session, GroupMember) == 4

    assert (
        client.post("/groups/gardens/members/cai/remove", data={"reason": "Spam"}).status_code
        == 303
    )
    assert _count(session, GroupMember) == 3
    response = client.post("/groups/gardens/bans/new", data={"handle": "cai", "reason": "Spam"})
    assert response.status_code == 303
    assert _count(session, GroupBan) == 1

    auth.login("cai")
    client.post("/groups/gardens/join")
    assert _count(session, GroupMember) == 3

    auth.login("moe")
    client.post("/groups/gardens/bans/cai/lift", data={"reason": "Served their time"})
    assert _count(session, GroupBan) == 0
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    for action in ("removed @cai", "banned @cai", "lifted the ban on @cai"):
        assert action in log


def test_site_admin_moderates_any_group_and_is_logged_as_admin(client, auth, session):
    _group, _thread, post = _community(session, visibility="private")
    make_account("root_admin", admin=True)
    auth.login("root_admin")
    assert client.get("/groups/gardens/reports").status_code == 200
    client.post(f"/groups/gardens/posts/{post.id}/hide", data={"reason": "Spam"})
    assert "@root_admin (admin)" in client.get("/groups/gardens/log").get_data(as_text=True)
    assert client.get("/groups/gardens/settings").status_code == 403


def test_members_cannot_moderate(client, auth, session):
    _group, thread, post = _community(session)
    auth.login("cai")
    for path in (
        f"/groups/gardens/posts/{post.id}/hide",
        f"/groups/gardens/threads/{thread.id}/lock",
        "/groups/gardens/members/moe/remove",
        "/groups/gardens/bans/new",
    ):
        assert client.post(path, data={"reason": "x", "handle": "moe"}).status_code == 403
    assert _count(session, ModerationLogEntry) == 0


def test_private_groups_log_is_only_for_its_members(client, auth, session):
    _community(session, visibility="private")
    make_member("eve")
    assert client.get("/groups/gardens/log").status_code == 404
    auth.login("eve")
    assert client.get("/groups/gardens/log").status_code == 404
    auth.login("cai")
    assert client.get("/groups/gardens/log").status_code == 200


def test_hiding_a_first_post_takes_the_thread_title_out_of_lists(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    add_to_group(group, make_member("moe"), "moderator")
    thread = make_thread(group, bea, "Cheap pills here", "Buy now")
    opener = session.scalar(select(Post).where(Post.thread_id == thread.id))
    auth.login("moe")
    client.post(f"/groups/gardens/posts/{opener.id}/hide", data={"reason": "Spam"})
    auth.logout()
    assert "Cheap pills" not in client.get("/groups/gardens").get_data(as_text=True)
    assert "Cheap pills" not in client.get(f"/groups/gardens/threads/{thread.id}").get_data(
        as_text=True
    )
    assert "Cheap pills" not in client.get("/groups/gardens/unanswered").get_data(as_text=True)


def test_banned_account_cannot_come_back_by_request_or_invitation(client, auth, session):
    bea = make_member("bea")
    make_group(bea, "readers", join_policy="request")
    make_member("cai")
    auth.login("bea")
    client.post("/groups/readers/bans/new", data={"handle": "cai", "reason": "Abuse"})
    response = client.post("/groups/readers/invitations", data={"handle": "cai"})
    assert "@cai is banned from this group." in response.get_data(as_text=True)
    auth.login("cai")
    assert client.post("/groups/readers/request", data={"message": "Sorry"}).status_code == 403
    assert _count(session, GroupMember) == 1


def test_signed_out_readers_are_asked_to_log_in_before_reporting(client, session):
    _group, _thread, post = _community(session)
    response = client.post(f"/groups/gardens/posts/{post.id}/report", data={"reason": "spam"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _count(session, Report) == 0


def test_a_suspended_account_reads_but_does_not_report(client, auth, session):
    _group, thread, _reply = _community(session)
    post = session.scalar(select(Post).where(Post.is_opener.is_(True)))
    cai = get_account_by_handle("cai")
    cai.suspended_at = utcnow()
    cai.suspension_reason = "Spam"
    session.commit()
    auth.login("cai")
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert post.body in page
    assert f"/posts/{post.id}/report" not in page, "no Report link is offered"
    for method in ("GET", "POST"):
        response = client.open(
            f"/groups/gardens/posts/{post.id}/report", method=method, data={"reason": "spam"}
        )
        assert response.status_code == 403
        assert "suspended: you can read and export, but not report" in response.get_data(
            as_text=True
        )
    assert _count(session, Report) == 0
