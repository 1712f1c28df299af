"""Moderation with notice and appeal: the action names a rule, the person is told (on their
home and by mail), appeals once, someone else decides, and the log shows the outcome."""

from sqlalchemy import func, select

from app.accounts.deletion import delete_account
from app.accounts.services import get_account_by_handle
from app.groups.models import Appeal, GroupBan, GroupRule, ModerationLogEntry, Post
from app.notifications.models import Notification
from tests.exports.support import read_json, unzip
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _arrange(session):
    host = make_member("host")
    group = make_group(host, "gardens")
    add_to_group(group, make_member("moda"), "moderator")
    add_to_group(group, make_member("modb"), "moderator")
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, host, "Welcome", "Say hello.")
    post = make_reply(thread, cai, "Buy my zzwatches")
    session.add(GroupRule(group_id=group.id, position=1, text="No selling"))
    session.commit()
    return group, thread, post


def _rule(session) -> int:
    return session.scalars(select(GroupRule.id)).one()


def _as(auth, handle):
    auth.logout()
    auth.login(handle)


def _hide(client, session, post):
    return client.post(
        f"/groups/gardens/posts/{post.id}/hide", data={"rule": _rule(session), "reason": ""}
    )


def test_a_hidden_post_names_the_rule_and_its_author_is_told_how_to_appeal(
    client, auth, session, mail
):
    _group, _thread, post = _arrange(session)
    auth.login("moda")
    page = client.get(f"/groups/gardens/posts/{post.id}/hide").get_data(as_text=True)
    assert "1. No selling" in page
    assert _hide(client, session, post).status_code == 303
    entry = session.scalars(
        select(ModerationLogEntry).where(ModerationLogEntry.action == "hid")
    ).one()
    assert entry.rule == "No selling"
    cai = get_account_by_handle("cai")
    notice = session.scalars(select(Notification).where(Notification.recipient_id == cai.id)).one()
    assert notice.kind == "moderation"
    assert "hid your post in “Welcome” under the rule “No selling”" in notice.text
    assert "appeal" in notice.text and "@moda" not in notice.text
    (sent,) = [message for message in mail if message["To"] == cai.email]
    body = sent.get_content()
    assert "No selling" in body and f"/groups/appeals/{entry.id}" in body
    _as(auth, "cai")
    assert "No selling" in client.get("/notifications").get_data(as_text=True)
    # The public log names the rule and the group, not the moderator.
    auth.logout()
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "Rule: No selling" in log and "the moderators of Gardens" in log
    assert "@moda" not in log


def test_an_action_without_a_rule_needs_a_reason(client, auth, session):
    _group, _thread, post = _arrange(session)
    auth.login("moda")
    response = client.post(f"/groups/gardens/posts/{post.id}/hide", data={"rule": "0"})
    assert response.status_code == 400
    assert "Say why" in response.get_data(as_text=True)
    assert session.get(Post, post.id).hidden_at is None


def test_one_appeal_decided_by_someone_else_undoes_the_action_and_is_logged(client, auth, session):
    _group, _thread, post = _arrange(session)
    auth.login("moda")
    _hide(client, session, post)
    entry = session.scalars(
        select(ModerationLogEntry).where(ModerationLogEntry.action == "hid")
    ).one()
    # Nobody but the person it fell on can appeal.
    _as(auth, "host")
    assert client.get(f"/groups/appeals/{entry.id}").status_code == 404
    _as(auth, "cai")
    response = client.post(f"/groups/appeals/{entry.id}", data={"text": ""})
    assert response.status_code == 400
    response = client.post(f"/groups/appeals/{entry.id}", data={"text": "It was a joke."})
    assert response.status_code == 303
    response = client.post(f"/groups/appeals/{entry.id}", data={"text": "Again!"})
    assert "waiting for someone other than who acted" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Appeal)) == 1
    appeal = session.scalars(select(Appeal)).one()
    # The other moderators were told; the one who acted was not.
    told = set(
        session.scalars(
            select(Notification.recipient_id).where(Notification.target.like("appeals:%"))
        )
    )
    ids = {get_account_by_handle(h).id for h in ("host", "modb")}
    assert told == ids

    _as(auth, "moda")
    page = client.get(f"/groups/gardens/appeals/{appeal.id}").get_data(as_text=True)
    assert "someone else decides it" in page
    response = client.post(
        f"/groups/gardens/appeals/{appeal.id}", data={"outcome": "overturn", "decision": "Mine"}
    )
    assert response.status_code == 403
    session.expire_all()
    assert appeal.status == "pending" and session.get(Post, post.id).hidden_at is not None

    _as(auth, "modb")
    assert "cai" in client.get("/groups/gardens/appeals").get_data(as_text=True)
    response = client.post(
        f"/groups/gardens/appeals/{appeal.id}",
        data={"outcome": "overturn", "decision": "A joke, not a sale."},
    )
    assert response.status_code == 303
    session.expire_all()
    assert appeal.status == "overturned"
    assert appeal.decided_by_id == get_account_by_handle("modb").id
    assert session.get(Post, post.id).hidden_at is None
    cai = get_account_by_handle("cai")
    outcome = session.scalars(
        select(Notification).where(
            Notification.recipient_id == cai.id, Notification.target.like("appeal:%")
        )
    ).one()
    assert "the action is undone" in outcome.text and "A joke, not a sale." in outcome.text
    auth.logout()
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "overturned on appeal: hid" in log and "A joke, not a sale." in log


def test_an_upheld_ban_stands_and_a_site_admin_decides_when_nobody_else_can(client, auth, session):
    host = make_member("host")
    group = make_group(host, "solo")
    add_to_group(group, make_member("cai"))
    make_account("root_admin", admin=True)
    auth.login("host")
    response = client.post("/groups/solo/bans/new", data={"handle": "cai", "reason": "Spam"})
    assert response.status_code == 303
    entry = session.scalars(
        select(ModerationLogEntry).where(ModerationLogEntry.action == "banned")
    ).one()
    _as(auth, "cai")
    # Banned from a group, the person can still read the notice and appeal.
    assert client.post(f"/groups/appeals/{entry.id}", data={"text": "Not spam"}).status_code == 303
    appeal = session.scalars(select(Appeal)).one()
    _as(auth, "host")
    assert (
        client.post(
            f"/groups/solo/appeals/{appeal.id}", data={"outcome": "overturn", "decision": "x"}
        ).status_code
        == 403
    )
    _as(auth, "root_admin")
    assert "cai" in client.get("/groups/solo/appeals").get_data(as_text=True)
    response = client.post(
        f"/groups/solo/appeals/{appeal.id}", data={"outcome": "uphold", "decision": "It was."}
    )
    assert response.status_code == 303
    session.expire_all()
    assert appeal.status == "upheld"
    assert session.scalar(select(func.count()).select_from(GroupBan)) == 1
    log = client.get("/groups/solo/log").get_data(as_text=True)
    assert "upheld on appeal: banned @cai" in log and "@root_admin (admin)" in log


def test_an_appeal_is_in_the_appellants_export_and_goes_with_their_account(client, auth, session):
    _group, _thread, post = _arrange(session)
    auth.login("moda")
    _hide(client, session, post)
    entry = session.scalars(
        select(ModerationLogEntry).where(ModerationLogEntry.action == "hid")
    ).one()
    _as(auth, "cai")
    client.post(f"/groups/appeals/{entry.id}", data={"text": "It was a joke."})
    archive = unzip(client.post("/settings/export"))
    (appeal,) = read_json(archive, "appeals.json")["appeals"]
    assert appeal["appeal"] == "It was a joke." and appeal["rule"] == "No selling"
    assert appeal["status"] == "pending" and appeal["group"] == "gardens"
    delete_account(get_account_by_handle("cai"), DEFAULT_PASSWORD, keep_posts=True)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Appeal)) == 0
    assert session.scalar(select(func.count()).select_from(ModerationLogEntry)) == 1
