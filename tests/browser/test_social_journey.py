"""One person reaching another in a real browser: a mention, its notification, a direct
message in reply, and the thread found again through search; and every page of messages,
notifications and blocks, audited at 390 px.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.db import db
from app.groups import moderation
from app.messages import services as messages
from app.notifications import emails
from tests.browser.conftest import LiveServer
from tests.browser.helpers import follow, log_in, main_nav, visit
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_group,
    make_member,
    make_reply,
    make_thread,
)


def _log_out(page: Page) -> None:
    follow(page, main_nav(page).get_by_role("button", name="Log out", exact=True))


def _main_nav(page: Page):
    return main_nav(page)


def test_a_member_mentions_another_who_answers_by_direct_message_and_finds_the_thread_again(
    page: Page, live_server: LiveServer
):
    with live_server.app.app_context():
        ana = make_member("ana", display_name="Ana")
        bob = make_member("bob", display_name="Bob")
        group = make_group(bob, "balcony-gardens", name="Balcony gardens")
        add_to_group(group, ana)
        make_thread(group, bob, "Tomatoes in pots", "Which variety fits a small balcony?")
    base = live_server.url

    # Ana answers in the thread and names Bob's neighbour... and Bob.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    follow(page, _main_nav(page).get_by_role("link", name="My groups", exact=True))
    follow(page, page.get_by_role("link", name="Tomatoes in pots", exact=True))
    page.get_by_label("Your reply").fill("Try 'Tumbling Tom', @bob: it trails over the rail.")
    follow(page, page.get_by_role("button", name="Post reply", exact=True))
    expect(page.get_by_role("link", name="@bob", exact=True)).to_be_visible()
    _log_out(page)

    # Bob sees it in the header, without any script.
    log_in(page, base, "bob", DEFAULT_PASSWORD)
    notifications = _main_nav(page).get_by_role("link", name="Notifications (1) unread")
    expect(notifications).to_be_visible()
    follow(page, notifications)
    follow(page, page.get_by_role("button", name="Ana (@ana) mentioned you in “Tomatoes in pots”"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomatoes in pots")
    expect(page.get_by_text("it trails over the rail")).to_be_visible()
    expect(_main_nav(page).get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    # He answers Ana one to one, from her profile.
    follow(page, page.get_by_role("article").last.get_by_role("link", name="Ana", exact=True))
    follow(page, page.get_by_role("link", name="Send a message", exact=True))
    expect(page.get_by_label("To (handle)")).to_have_value("ana")
    page.get_by_label("Message").fill("Thank you! Where did you buy the seeds?")
    follow(page, page.get_by_role("button", name="Send", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation with Ana")
    expect(page.get_by_text("Where did you buy the seeds?")).to_be_visible()
    _log_out(page)

    # Ana finds his message and writes back.
    log_in(page, base, "ana", DEFAULT_PASSWORD)
    follow(page, _main_nav(page).get_by_role("link", name="Notifications (1) unread"))
    follow(page, page.get_by_role("button", name="Bob (@bob) sent you a message"))
    page.get_by_label("Your message").fill("At the market on Saturdays.")
    follow(page, page.get_by_role("button", name="Send", exact=True))
    expect(page.get_by_text("At the market on Saturdays.")).to_be_visible()
    follow(page, _main_nav(page).get_by_role("link", name="Messages", exact=True))
    expect(page.get_by_role("link", name="Bob", exact=True)).to_be_visible()
    # Each was emailed at once about the other's message (messages are, by default);
    # the mention waits for Bob's daily digest.
    assert [(m["To"], m["Subject"]) for m in live_server.outbox] == [
        ("ana@example.org", "Bob (@bob) sent you a message"),
        ("bob@example.org", "Ana (@ana) sent you a message"),
    ]

    # Days later Ana looks for the thread again: search finds it by the words of her reply.
    follow(page, _main_nav(page).get_by_role("link", name="Search", exact=True))
    page.get_by_label("Words to find").fill("tumbling tom")
    follow(page, page.get_by_role("button", name="Search", exact=True))
    result = page.get_by_role("listitem").filter(has_text="Balcony gardens")
    expect(result.locator("mark").first).to_have_text("Tumbling")
    follow(page, result.get_by_role("link", name="Tomatoes in pots"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomatoes in pots")


def test_every_page_of_messages_notifications_and_blocks_passes_the_audit(
    page: Page, live_server: LiveServer
):
    with live_server.app.app_context():
        ana = make_member("ana", display_name="Ana")
        bob = make_member("bob", display_name="Bob")
        make_member("opal", admin=True)
        group = make_group(ana, "gardens")
        add_to_group(group, bob)
        thread = make_thread(group, ana, "Seeds", "Which seeds, @bob?")
        make_reply(thread, bob, "Beans, @ana.")
        first = messages.start_conversation(bob, "ana", "Hello **Ana**")
        nasty = messages.send_message(bob, first.conversation, "Something nasty")
        moderation.file_report(ana, "harassment", "Not nice", message=nasty)
        db.session.commit()
        conversation_id = first.conversation_id
        unsubscribe = emails.unsubscribe_token(ana, "message")
    base = live_server.url

    # Signed out: the unsubscribe pages.
    visit(page, f"{base}/unsubscribe/{unsubscribe}")
    follow(page, page.get_by_role("button", name="Stop emails about direct messages"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Done")
    visit(page, f"{base}/unsubscribe/not-a-token", status=400)

    log_in(page, base, "ana", DEFAULT_PASSWORD)
    for path in (
        "/notifications",
        "/settings",
        "/settings/notifications",
        "/settings/messages",
        "/settings/blocked",
        "/messages",
        "/messages/new",
        f"/messages/{conversation_id}",
        f"/messages/{conversation_id}/{first.id}/report",
        f"/groups/gardens/threads/{thread.id}",
        "/u/bob",
    ):
        visit(page, base + path)
    visit(page, f"{base}/settings/notifications")
    page.get_by_role("group", name="Mentions of you").get_by_label("Email me at once").check()
    follow(page, page.get_by_role("button", name="Save", exact=True))
    expect(page.get_by_role("status")).to_have_text("Your email choices are saved.")
    visit(page, f"{base}/messages/new")
    page.get_by_label("To (handle)").fill("nobody")
    page.get_by_label("Message").fill("Hi")
    follow(page, page.get_by_role("button", name="Send", exact=True), status=400)
    visit(page, f"{base}/u/bob")
    follow(page, page.get_by_role("button", name="Block @bob", exact=True))
    visit(page, f"{base}/groups/gardens/threads/{thread.id}")
    page.get_by_text("A post by an account you blocked: show it").click()
    expect(page.get_by_text("Beans,")).to_be_visible()
    follow(page, page.get_by_role("button", name="Mute this thread", exact=True))
    visit(page, f"{base}/messages/{conversation_id}")
    expect(page.get_by_text("You blocked @bob.")).to_be_visible()
    visit(page, f"{base}/settings/blocked")
    follow(page, page.get_by_role("button", name="Unblock @bob", exact=True))
    _log_out(page)

    log_in(page, base, "opal", DEFAULT_PASSWORD)
    visit(page, f"{base}/admin/reports")
    expect(page.get_by_text("Something nasty")).to_be_visible()
    follow(page, page.get_by_role("link", name="Remove the message", exact=False))
    follow(page, page.get_by_role("button", name="Remove a message", exact=True), status=400)
    page.get_by_label("Reason (shown in the moderation log)").fill("Harassment")
    follow(page, page.get_by_role("button", name="Remove a message", exact=True))
    expect(page.get_by_text("No open reports.")).to_be_visible()
