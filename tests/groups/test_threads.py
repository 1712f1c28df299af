from sqlalchemy import func, select

from app.db import utcnow
from app.groups.models import GroupMember, Post, PostRevision, Thread
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


def test_member_starts_a_thread_and_others_reply_in_order(client, auth, session):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("cai"))
    auth.login("bea")
    response = client.post(
        "/groups/gardens/threads/new",
        data={"title": "Tomatoes indoors?", "body": "Four hours of *light*."},
    )
    assert response.status_code == 303
    thread = session.scalar(select(Thread))
    assert response.headers["Location"] == f"/groups/gardens/threads/{thread.id}"

    auth.login("cai")
    for body in ("First answer", "Second answer"):
        response = client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": body})
        assert response.status_code == 303
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "<em>light</em>" in page
    assert page.index("Four hours") < page.index("First answer") < page.index("Second answer")
    session.refresh(thread)
    assert thread.reply_count == 2
    assert "2 replies" in client.get("/groups/gardens").get_data(as_text=True)


def test_group_page_lists_threads_by_latest_activity(client, session):
    bea = make_member("bea")
    group = make_group(bea)
    older = make_thread(group, bea, "Older thread")
    make_thread(group, bea, "Newer thread")
    page = client.get("/groups/gardens").get_data(as_text=True)
    assert page.index("Newer thread") < page.index("Older thread")
    make_reply(older, bea, "bump")
    page = client.get("/groups/gardens").get_data(as_text=True)
    assert page.index("Older thread") < page.index("Newer thread")


def test_bad_posts_are_explained_and_nothing_is_saved(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea)
    auth.login("bea")
    cases = [
        ("/groups/gardens/threads/new", {"title": "", "body": "x"}, "Give the thread a title."),
        ("/groups/gardens/threads/new", {"title": "x" * 151, "body": "x"}, "150 characters"),
        ("/groups/gardens/threads/new", {"title": "Fine", "body": "   "}, "Write the first post."),
        ("/groups/gardens/threads/new", {"title": "Fine", "body": "x" * 20001}, "20000"),
        (f"/groups/gardens/threads/{thread.id}/replies", {"body": ""}, "Write your reply."),
        (f"/groups/gardens/threads/{thread.id}/replies", {"body": "x" * 20001}, "20000"),
    ]
    for path, data, message in cases:
        response = client.post(path, data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert (_count(session, Thread), _count(session, Post)) == (1, 1)


def test_posting_needs_group_membership_and_kindred_membership(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea)
    make_member("cai")
    lapsed = make_account("eve")
    add_to_group(group, lapsed)
    reply_path = f"/groups/gardens/threads/{thread.id}/replies"

    assert client.post(reply_path, data={"body": "hi"}).status_code == 302
    auth.login("cai")
    response = client.post(reply_path, data={"body": "hi"})
    assert response.status_code == 403
    assert "Join this group to post in it." in response.get_data(as_text=True)
    assert "Join <a" in client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert (
        client.post("/groups/gardens/threads/new", data={"title": "t", "body": "b"}).status_code
        == 403
    )

    auth.login("eve")
    response = client.post(reply_path, data={"body": "hi"})
    assert response.status_code == 403
    assert "Only members can do this" in response.get_data(as_text=True)
    assert "only Kindred members" in client.get("/groups/gardens").get_data(as_text=True)
    assert _count(session, Post) == 1


def test_posting_to_a_group_one_is_not_in_through_another_groups_address_fails(
    client, auth, session
):
    bea = make_member("bea")
    other = make_group(bea, "other")
    thread = make_thread(other, bea)
    group = make_group(make_member("cai"))
    assert group.id != other.id
    auth.login("cai")
    assert (
        client.post(
            f"/groups/gardens/threads/{thread.id}/replies", data={"body": "sneaky"}
        ).status_code
        == 404
    )
    assert _count(session, Post) == 1


def test_quote_link_prefills_the_reply_without_javascript(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea, body="Line one\n\nLine two")
    post_id = session.scalar(select(Post.id))
    auth.login("bea")
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert f"quote={post_id}#reply" in page
    quoted = client.get(f"/groups/gardens/threads/{thread.id}?quote={post_id}").get_data(
        as_text=True
    )
    assert "@bea wrote:\n\n&gt; Line one\n&gt;\n&gt; Line two" in quoted


def test_author_edits_a_post_and_moderators_see_earlier_versions(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    add_to_group(group, make_member("cai"))
    thread = make_thread(group, bea)
    post = make_reply(thread, bea, "Frist!")
    auth.login("cai")
    assert (
        client.post(f"/groups/gardens/posts/{post.id}/edit", data={"body": "x"}).status_code == 403
    )

    auth.login("bea")
    assert client.get(f"/groups/gardens/posts/{post.id}/edit").status_code == 200
    response = client.post(f"/groups/gardens/posts/{post.id}/edit", data={"body": "First!"})
    assert response.status_code == 303
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "First!" in page and "Frist!" not in page and "edited" in page
    revisions = client.get(f"/groups/gardens/posts/{post.id}/revisions").get_data(as_text=True)
    assert "Frist!" in revisions
    assert _count(session, PostRevision) == 1

    auth.login("cai")
    assert client.get(f"/groups/gardens/posts/{post.id}/revisions").status_code == 403


def test_author_retitles_a_thread_when_editing_its_first_post(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea, "Tomatos indoors", "How much light?")
    opener = session.scalar(select(Post).where(Post.is_opener.is_(True)))
    auth.login("bea")
    form = client.get(f"/groups/gardens/posts/{opener.id}/edit").get_data(as_text=True)
    assert 'value="Tomatos indoors"' in form

    response = client.post(
        f"/groups/gardens/posts/{opener.id}/edit",
        data={"title": "Tomatoes indoors", "body": "How much light?"},
    )
    assert response.status_code == 303
    session.refresh(thread)
    assert thread.title == "Tomatoes indoors"
    assert "Tomatoes indoors" in client.get("/groups/gardens").get_data(as_text=True)
    revisions = client.get(f"/groups/gardens/posts/{opener.id}/revisions").get_data(as_text=True)
    assert "Tomatos indoors" in revisions


def test_a_thread_title_cannot_be_edited_away(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea, "Seed swap", "Who has spare seeds?")
    opener = session.scalar(select(Post).where(Post.is_opener.is_(True)))
    auth.login("bea")
    for title in ("", "   ", "x" * 151):
        response = client.post(
            f"/groups/gardens/posts/{opener.id}/edit", data={"title": title, "body": "Changed"}
        )
        assert response.status_code == 400
    session.refresh(thread)
    assert thread.title == "Seed swap"
    assert opener.body == "Who has spare seeds?"
    assert _count(session, PostRevision) == 0


def test_replies_have_no_title_to_edit(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea, "Seed swap", "Who has spare seeds?")
    post = make_reply(thread, bea, "Me!")
    auth.login("bea")
    assert 'name="title"' not in client.get(f"/groups/gardens/posts/{post.id}/edit").get_data(
        as_text=True
    )
    client.post(
        f"/groups/gardens/posts/{post.id}/edit", data={"title": "Hijacked", "body": "Me too!"}
    )
    session.refresh(thread)
    assert thread.title == "Seed swap"
    assert session.scalar(select(PostRevision.title)) is None


def test_author_deletes_a_post_and_replies_stay_readable(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, bea, "Question", "Secret first words")
    make_reply(thread, cai, "A later reply")
    opener = session.scalar(select(Post).where(Post.is_opener.is_(True)))
    auth.login("cai")
    assert client.post(f"/groups/gardens/posts/{opener.id}/delete").status_code == 403
    auth.login("bea")
    assert client.post(f"/groups/gardens/posts/{opener.id}/delete").status_code == 303
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Deleted by its author." in page
    assert "Secret first words" not in page
    assert "A later reply" in page
    assert "A thread that was removed" in client.get("/groups/gardens").get_data(as_text=True)


def test_member_who_left_keeps_posts_and_may_still_delete_them(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, bea)
    post = make_reply(thread, cai, "Still here after I go")
    auth.login("cai")
    client.post("/groups/gardens/leave")
    page = client.get(f"/groups/gardens/threads/{thread.id}").get_data(as_text=True)
    assert "Still here after I go" in page
    assert client.post(f"/groups/gardens/posts/{post.id}/delete").status_code == 303
    session.refresh(post)
    assert post.deleted_at is not None


def test_unanswered_lists_threads_without_a_reply_from_someone_else(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    cai = make_member("cai")
    add_to_group(group, cai)
    first = make_thread(group, cai, "Nobody answered me")
    make_reply(first, cai, "Anyone?")
    answered = make_thread(group, cai, "Answered question")
    make_reply(answered, bea, "Here you go")
    make_thread(group, bea, "Another open question")

    page = client.get("/groups/gardens/unanswered").get_data(as_text=True)
    assert "Answered question" not in page
    assert page.index("Nobody answered me") < page.index("Another open question")

    auth.login("cai")
    assert "waiting for a first reply" not in client.get("/groups/gardens").get_data(as_text=True)
    auth.login("bea")
    assert "2 unanswered threads" in client.get("/groups/gardens").get_data(as_text=True)


def test_my_groups_shows_threads_across_ones_groups_by_activity(client, auth, session):
    bea = make_member("bea")
    gardens = make_group(bea, "gardens", name="Gardens")
    books = make_group(bea, "books", name="Books")
    elsewhere = make_group(make_member("dev"), "elsewhere")
    make_thread(gardens, bea, "Garden thread")
    make_thread(books, bea, "Book thread")
    make_thread(elsewhere, session.get(type(bea), elsewhere.created_by_id), "Not mine")
    auth.login("bea")
    page = client.get("/groups/mine").get_data(as_text=True)
    assert page.index("Book thread") < page.index("Garden thread")
    assert "Not mine" not in page


def test_locked_thread_takes_no_replies(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea)
    auth.login("bea")
    client.post(f"/groups/gardens/threads/{thread.id}/lock", data={"reason": "Settled"})
    response = client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "more"})
    assert response.status_code == 403
    assert "This thread is locked" in response.get_data(as_text=True)
    assert _count(session, Post) == 1


def test_suspended_or_lapsed_accounts_keep_reading_but_cannot_join(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    make_thread(group, bea, "Still readable")
    cai = make_member("cai")
    cai.suspended_at = utcnow()
    session.commit()
    auth.login("cai")
    assert "Still readable" in client.get("/groups/gardens").get_data(as_text=True)
    assert client.post("/groups/gardens/join").status_code == 403
    assert _count(session, GroupMember) == 1


def test_locked_or_hidden_posts_cannot_be_edited(client, auth, session):
    bea = make_member("bea")
    group = make_group(bea)
    thread = make_thread(group, bea, body="Original")
    post = session.scalar(select(Post))
    auth.login("bea")
    client.post(f"/groups/gardens/threads/{thread.id}/lock", data={"reason": "Done"})
    response = client.post(f"/groups/gardens/posts/{post.id}/edit", data={"body": "Changed"})
    assert response.status_code == 403
    client.post(f"/groups/gardens/threads/{thread.id}/unlock", data={"reason": "Open"})
    client.post(f"/groups/gardens/posts/{post.id}/hide", data={"reason": "Test"})
    client.post(f"/groups/gardens/posts/{post.id}/edit", data={"body": "Changed"})
    session.refresh(post)
    assert post.body == "Original"
    assert _count(session, PostRevision) == 0


def test_replies_arriving_at_once_on_two_app_servers_are_both_counted(app, session):
    from app.accounts.services import get_account_by_handle
    from app.db import db
    from app.groups import services
    from app.groups.permissions import access_to

    bea = make_member("bea")
    group = make_group(bea)
    for handle in ("cai", "dan"):
        add_to_group(group, make_member(handle))
    thread_id = make_thread(group, bea).id

    def server():
        """Another app server: its own session, which reads the thread as it is now."""
        context = app.app_context()
        context.push()
        thread = db.session.get(Thread, thread_id)
        assert thread.reply_count == 0
        return context, thread

    first, first_thread = server()
    second, second_thread = server()
    for context, thread, handle in ((second, second_thread, "dan"), (first, first_thread, "cai")):
        account = get_account_by_handle(handle)
        services.reply(access_to(thread.group, account), thread, f"Reply from {handle}")
        db.session.commit()
        context.pop()
    session.expire_all()
    thread = session.get(Thread, thread_id)
    assert thread.reply_count == 2
    assert thread.answered_at is not None
    assert thread.last_activity_at == session.scalar(select(func.max(Post.created_at)))
