"""Who is told what: a notification for each event, and watching or muting a thread."""

from __future__ import annotations

from sqlalchemy import select

from app.groups import moderation
from app.groups import services as groups
from app.groups.models import Post
from app.groups.permissions import access_to
from app.memberships.models import ComplimentaryMembership
from app.messages import services as messages
from app.messages.models import Message
from app.notifications import services as notifications
from app.notifications.models import Notification, ThreadWatch
from app.pagination import PAGE_SIZE
from tests.helpers import (
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_reply,
    make_thread,
)
from tests.notifications.support import count, kinds_of, neighbours, notifications_of, page, write


def test_a_reply_tells_whoever_started_or_joined_the_thread_but_not_its_writer(session):
    group, ana, bob = neighbours()
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, ana, "Seeds", "Which seeds?")
    assert kinds_of(ana) == []
    make_reply(thread, bob, "Beans.")
    (told,) = notifications_of(ana)
    assert (told.kind, told.actor_id, told.subject) == ("reply", bob.id, "Seeds")
    assert told.text == "Bob (@bob) replied in “Seeds”"
    assert told.link.startswith(f"/groups/gardens/threads/{thread.id}#post-")
    assert kinds_of(bob) == [] and kinds_of(cai) == []

    make_reply(thread, cai, "Peas.")
    assert kinds_of(bob) == ["reply"], "replying joined bob to the thread"
    assert len(notifications_of(ana)) == 1, "one unread notification stands for later replies"
    notifications.mark_all_read(ana)
    session.commit()
    make_reply(thread, bob, "Both.")
    assert kinds_of(ana) == ["reply", "reply"]


def test_muting_stops_replies_but_not_mentions_and_readers_may_watch(client, auth, session):
    group, ana, bob = neighbours()
    eve = make_account("eve")  # not in the group, but it is public: she may read and watch
    thread = make_thread(group, ana, "Seeds", "Which seeds?")
    auth.login("ana")
    shown = page(client.get(f"/groups/gardens/threads/{thread.id}"))
    assert "You are watching this thread" in shown
    response = client.post(f"/notifications/threads/{thread.id}/mute")
    assert response.headers["Location"] == f"/groups/gardens/threads/{thread.id}"
    assert "You muted this thread" in page(client.get(response.headers["Location"]))
    auth.login("eve")
    client.post(f"/notifications/threads/{thread.id}/watch")

    make_reply(thread, bob, "Beans.")
    assert kinds_of(ana) == [] and kinds_of(eve) == ["reply"]
    make_reply(thread, bob, "Ask @ana, she knows.")
    assert kinds_of(ana) == ["mention"]

    client.post(f"/notifications/threads/{thread.id}/stop")
    assert session.scalar(select(ThreadWatch).where(ThreadWatch.account_id == eve.id)) is None
    assert client.post(f"/notifications/threads/{thread.id}/sideways").status_code == 404


def test_a_private_thread_can_be_watched_only_by_its_readers(client, auth, session):
    group, ana, bob = neighbours("private")
    thread = make_thread(group, ana, "Secrets", "Shh")
    make_account("eve")
    auth.login("eve")
    assert client.post(f"/notifications/threads/{thread.id}/watch").status_code == 404
    # Someone who leaves a private group hears no more of its threads.
    make_reply(thread, bob, "Joined in")
    groups.leave_group(access_to(group, bob))
    session.commit()
    make_reply(thread, ana, "Still here?")
    assert kinds_of(bob) == []


def test_a_mention_tells_an_account_that_can_read_the_post_and_links_it(session):
    group, ana, bob = neighbours("private")
    outsider = make_member("cai")
    thread = make_thread(group, ana, "Plans", "Hello @bob and @cai and @nobody, `@eve`")
    assert kinds_of(bob) == ["mention"]
    assert kinds_of(outsider) == [], "cai can't read a private group's post"
    post = thread_opener(session, thread)
    assert '<a href="/u/bob" rel="nofollow noopener noreferrer ugc">@bob</a>' in post.body_html
    assert "@nobody" in post.body_html and 'href="/u/nobody"' not in post.body_html

    # An edit tells those it mentions who can read it and were not told of this post yet.
    groups.edit_post(access_to(group, ana), post, "Hello @bob and @ana, and @cai", "Plans")
    add_to_group(group, outsider)
    groups.edit_post(access_to(group, ana), post, "Hello @bob, @cai!", "Plans")
    session.commit()
    assert kinds_of(bob) == ["mention"] and kinds_of(ana) == []
    assert kinds_of(outsider) == ["mention"]


def thread_opener(session, thread):
    return session.scalars(select(Post).where(Post.thread_id == thread.id)).one()


def test_a_link_to_a_reply_deep_in_a_long_thread_opens_the_page_it_is_on(client, auth, session):
    group, ana, bob = neighbours()
    thread = make_thread(group, ana, "Long", "Start")
    for number in range(PAGE_SIZE + 3):
        groups.reply(access_to(group, bob), thread, f"Reply {number}")
    session.commit()
    notifications.mark_all_read(ana)
    session.commit()
    last = make_reply(thread, bob, "The very last")
    (told,) = [n for n in notifications_of(ana) if n.read_at is None]
    assert "after=" in told.link and told.link.endswith(f"#post-{last.id}")
    auth.login("ana")
    assert "The very last" in page(client.get(told.link.split("#")[0]))


def test_a_new_message_is_a_notification_with_an_email_at_once(session, mail):
    _group, ana, bob = neighbours()
    message = write(bob, "ana", "Psst, **Ana**")
    (told,) = notifications_of(ana)
    assert (told.kind, told.link) == ("message", f"/messages/{message.conversation_id}")
    (sent,) = mail
    assert sent["To"] == "ana@example.org"
    assert sent["Subject"] == "Bob (@bob) sent you a message"
    assert f"http://kindred.test/messages/{message.conversation_id}" in sent.get_content()
    assert "Psst" not in sent.get_content(), "the message itself stays on the site"
    assert sent["List-Unsubscribe"].startswith("<http://kindred.test/unsubscribe/")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A second message while the first is unread adds neither a notification nor a mail.
    write(bob, "ana", "Are you there?")
    assert len(notifications_of(ana)) == 1 and len(mail) == 1


def test_a_request_to_join_tells_the_hosts(session):
    ana = make_member("ana")
    moe = make_member("moe")
    group = make_group(ana, "quiet", join_policy="request")
    add_to_group(group, moe, "moderator")
    dan = make_account("dan", display_name="Dan")
    groups.request_to_join(access_to(group, dan), "Let me in")
    session.commit()
    (told,) = notifications_of(ana)
    assert (told.kind, told.link) == ("join_request", "/groups/quiet/members")
    assert told.text == "Dan (@dan) asked to join Quiet"
    assert kinds_of(moe) == []


def test_a_report_tells_the_moderators_and_hosts_but_not_who_reported(session):
    group, ana, bob = neighbours()
    moe = make_member("moe")
    add_to_group(group, moe, "moderator")
    cai = make_account("cai")
    thread = make_thread(group, ana, "Seeds")
    post = make_reply(thread, bob, "Cheap watches")
    notifications.mark_all_read(ana)
    moderation.report_post(access_to(group, cai), post, "spam", "")
    session.commit()
    for account in (ana, moe):
        (told,) = [n for n in notifications_of(account) if n.kind == "report"]
        assert told.actor_id is None
        assert told.link == "/groups/gardens/reports"
        assert told.text == "A post in Gardens was reported"
    assert kinds_of(cai) == [] and "report" not in kinds_of(bob)


def test_membership_events_tell_the_member(client, auth, session):
    make_member("opal", admin=True)
    eve = make_account("eve")
    auth.login("opal")
    client.post(
        "/admin/memberships",
        data={"handle": "eve", "reason": "Volunteer", "ends_on": "2999-01-01"},
    )
    (granted,) = notifications_of(eve)
    assert (granted.kind, granted.link) == ("membership", "/membership")
    assert granted.text == ("You have a complimentary membership, until 2999-01-01")
    grant_id = session.scalar(
        select(ComplimentaryMembership.id).where(ComplimentaryMembership.account_id == eve.id)
    )
    client.post(f"/admin/memberships/{grant_id}/end")
    assert notifications_of(eve)[-1].text == ("Your complimentary membership has ended")


def test_nobody_is_told_of_their_own_doings(session):
    group, ana, _bob = neighbours()
    thread = make_thread(group, ana, "Notes to self", "Remember @ana")
    make_reply(thread, ana, "And again, @ana")
    assert session.scalars(select(Notification)).all() == []


def test_a_notification_and_its_mail_go_with_their_change_or_not_at_all(session, mail):
    _group, ana, bob = neighbours()
    messages.start_conversation(bob, "ana", "Hello")
    session.rollback()
    assert count(Message) == 0 and notifications_of(ana) == [] and mail == []
    write(bob, "ana", "Hello again")
    assert len(notifications_of(ana)) == 1 and len(mail) == 1
