"""Reporting a direct message: it reaches site admins alone, who may then read that message
(and nothing else of the conversation), and act on it in the open site log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.admin.services import suspend_account
from app.groups.models import ModerationLogEntry, Report
from app.messages.models import Message
from tests.helpers import add_to_group, make_member, make_reply, make_thread
from tests.notifications.support import count, kinds_of, neighbours, page, write


def _reported(client, auth):
    """bob writes something nasty to ana, who reports it; opal is a site admin, moe
    moderates the group they share."""
    group, ana, bob = neighbours()
    opal = make_member("opal", admin=True)
    moe = make_member("moe")
    add_to_group(group, moe, "moderator")
    write(ana, "bob", "Hello Bob")
    message = write(bob, "ana", "You are a fool and I know where you live")
    auth.login("ana")
    path = f"/messages/{message.conversation_id}/{message.id}/report"
    assert "site admins" in page(client.get(path))
    response = client.post(path, data={"reason": "harassment", "details": "A threat"})
    assert response.status_code == 303
    return group, ana, bob, opal, moe, message


def test_a_reported_message_reaches_site_admins_and_nobody_else(client, auth, session):
    group, _ana, _bob, opal, moe, message = _reported(client, auth)
    report = session.scalars(select(Report)).one()
    assert (report.message_id, report.post_id, report.group_id) == (message.id, None, None)
    assert kinds_of(opal) == ["report"]
    assert "report" not in kinds_of(moe)

    auth.login("opal")
    queue = page(client.get("/admin/reports"))
    assert "You are a fool" in queue and "A threat" in queue
    assert "Hello Bob" not in queue, "admins read the reported message, nothing else"
    assert client.get(f"/messages/{message.conversation_id}").status_code == 404

    auth.login("moe")
    assert "You are a fool" not in page(client.get(f"/groups/{group.slug}/reports"))
    assert client.get("/admin/reports").status_code == 403


def test_an_admin_removes_a_reported_message_and_the_site_log_says_so_without_its_text(
    client, auth, session
):
    _group, _ana, _bob, _opal, _moe, message = _reported(client, auth)
    report = session.scalars(select(Report)).one()
    auth.login("opal")
    path = f"/admin/message-reports/{report.id}/remove"
    assert "You are a fool" in page(client.get(path))
    response = client.post(path, data={"reason": ""})
    assert response.status_code == 400 and "Say why" in page(response)
    assert session.get(Message, message.id).removed_at is None

    response = client.post(path, data={"reason": "Threats are not allowed"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Message, message.id).removed_at is not None
    assert session.get(Report, report.id).resolved_at is not None
    entry = session.scalars(select(ModerationLogEntry)).one()
    assert (entry.group_id, entry.role, entry.action) == (None, "admin", "removed")
    assert entry.target == f"direct message #{message.id} by @bob"
    assert "fool" not in entry.target + entry.reason
    assert "No open reports." in page(client.get("/admin/reports"))
    assert client.get(path).status_code == 404

    for handle in ("ana", "bob"):
        auth.login(handle)
        shown = page(client.get(f"/messages/{message.conversation_id}"))
        assert "Removed by site admins." in shown and "You are a fool" not in shown


def test_an_admin_dismisses_a_report_and_the_message_stays(client, auth, session):
    _group, _ana, _bob, _opal, _moe, message = _reported(client, auth)
    report = session.scalars(select(Report)).one()
    auth.login("opal")
    response = client.post(
        f"/admin/message-reports/{report.id}/dismiss", data={"reason": "Banter between friends"}
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Message, message.id).removed_at is None
    assert session.get(Report, report.id).resolved_at is not None
    assert session.scalars(select(ModerationLogEntry.action)).one() == "dismissed a report on"


def test_message_report_pages_are_for_admins_and_for_message_reports_only(client, auth, session):
    _group, ana, _bob, _opal, _moe, _message = _reported(client, auth)
    report = session.scalars(select(Report)).one()
    auth.login("moe")
    assert client.get(f"/admin/message-reports/{report.id}/remove").status_code == 403
    # A report on a post is not a report on a message.
    group_thread = make_thread(_group, ana, "Seeds")
    post = make_reply(group_thread, _moe, "Beans")
    auth.login("ana")
    client.post(f"/groups/gardens/posts/{post.id}/report", data={"reason": "spam"})
    post_report = session.scalars(select(Report).where(Report.post_id == post.id)).one()
    auth.login("opal")
    assert client.get(f"/admin/message-reports/{post_report.id}/dismiss").status_code == 404
    queue = page(client.get("/admin/reports"))
    assert "Beans" in queue and "You are a fool" in queue


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "boring"}, "Not a valid choice"),
        ({"reason": "other", "details": ""}, "Tell the site admins what is wrong."),
        ({"reason": "spam", "details": "x" * 1001}, "1000"),
    ],
)
def test_bad_reports_on_messages_are_explained(client, auth, session, data, message):
    _group, _ana, bob = neighbours()
    note = write(bob, "ana", "Buy my watches")
    auth.login("ana")
    response = client.post(f"/messages/{note.conversation_id}/{note.id}/report", data=data)
    assert response.status_code == 400
    assert message in page(response)
    assert count(Report) == 0


def test_a_message_is_reported_once_while_open_and_never_by_its_author(client, auth, session):
    _group, _ana, bob = neighbours()
    note = write(bob, "ana", "Buy my watches")
    path = f"/messages/{note.conversation_id}/{note.id}/report"
    auth.login("ana")
    client.post(path, data={"reason": "spam"})
    response = client.post(path, data={"reason": "spam"}, follow_redirects=True)
    assert "You have already reported this message" in page(response)
    auth.login("bob")
    assert client.get(path).status_code == 404
    assert count(Report) == 1


def test_a_suspended_account_reads_but_does_not_report_messages(client, auth, session):
    _group, ana, bob = neighbours()
    opal = make_member("opal", admin=True)
    note = write(bob, "ana", "Buy my watches")
    suspend_account(opal, ana, "Testing")
    session.commit()
    auth.login("ana")
    shown = page(client.get(f"/messages/{note.conversation_id}"))
    assert "Buy my watches" in shown and "Report" not in shown
    path = f"/messages/{note.conversation_id}/{note.id}/report"
    assert client.post(path, data={"reason": "spam"}).status_code == 403
    assert count(Report) == 0
