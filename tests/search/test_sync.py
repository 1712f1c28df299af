"""The index follows every write in the same transaction: new posts, edits (titles too),
hides, unhides, deletions, removed threads, and whatever account deletion will do.

``indexed`` reads the index table itself, so these show a post's words leave the index,
not only the results.
"""

import pytest
from sqlalchemy import delete, text, update

from app.db import db, utcnow
from app.groups import moderation
from app.groups import services as groups
from app.groups.models import Group, Post
from app.groups.permissions import access_to
from app.search import schema
from app.search.services import search_posts
from tests.helpers import add_to_group, make_group, make_member, make_reply, make_thread


def found(words: str, viewer=None) -> set[int]:
    """Ids of the posts a search for ``words`` finds (newest first, first page)."""
    _query, page = search_posts(viewer, words)
    return {hit.post.id for hit in page.items}


def indexed(post_id: int) -> str | None:
    """What the index holds for a post, as text (None: nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        sql = "SELECT document::text FROM post_search WHERE post_id = :id"
    else:
        sql = "SELECT title || ' ' || body FROM post_search WHERE rowid = :id"
    return db.session.execute(text(sql), {"id": post_id}).scalar()


@pytest.fixture
def talk(session):
    """A public group with a thread and a reply: (host, moderator, thread, opener, reply)."""
    host, mod = make_member("bea"), make_member("cai")
    group = make_group(host)
    add_to_group(group, mod, "moderator")
    thread = make_thread(group, host, "Tomatoes in small pots", "How deep should a pot be?")
    opener = groups.posts_page(thread, None).items[0]
    reply = make_reply(thread, mod, "Thirty centimetres for tomatoes.")
    return host, mod, thread, opener, reply


def test_new_posts_are_found_before_their_transaction_commits(session, talk):
    host, _mod, thread, _opener, _reply = talk
    post = groups.reply(access_to(thread.group, host), thread, "Marigolds keep pests away.")
    session.flush()
    assert found("marigolds") == {post.id}
    session.rollback()
    assert found("marigolds") == set()


def test_an_edit_replaces_the_words_found(session, talk):
    _host, mod, _thread, _opener, reply = talk
    groups.edit_post(access_to(reply.thread.group, mod), reply, "Forty centimetres, in fact.")
    session.commit()
    assert found("thirty") == set()
    assert found("forty centimetres") == {reply.id}
    assert "thirty" not in indexed(reply.id)


def test_a_new_title_is_found_and_the_old_one_is_not(session, talk):
    host, _mod, thread, opener, reply = talk
    groups.edit_post(access_to(thread.group, host), opener, opener.body, title="Chillies on a sill")
    session.commit()
    assert found("chillies sill") == {opener.id}
    assert found("small") == set()
    # The title belongs to the first post only; the reply is found by its own words.
    assert found("tomatoes") == {reply.id}


def test_hidden_posts_leave_the_index_and_come_back_when_shown(session, talk):
    _host, mod, _thread, _opener, reply = talk
    access = access_to(reply.thread.group, mod)
    moderation.hide_post(access, reply, "Off-topic")
    session.commit()
    assert found("thirty") == set()
    assert indexed(reply.id) is None
    moderation.unhide_post(access, reply, "Fine after all")
    session.commit()
    assert found("thirty") == {reply.id}


def test_deleted_posts_leave_the_index(session, talk):
    _host, mod, _thread, _opener, reply = talk
    groups.delete_post(mod, reply)
    session.commit()
    assert found("thirty") == set()
    assert indexed(reply.id) is None


def test_a_removed_thread_is_not_found_by_its_title_and_its_replies_still_are(session, talk):
    _host, mod, thread, opener, reply = talk
    moderation.hide_post(access_to(thread.group, mod), opener, "Spam")
    session.commit()
    assert thread.removed
    assert found("pots") == set()
    assert found("tomatoes") == {reply.id}
    # The result doesn't show the removed thread's title.
    _query, page = search_posts(None, "tomatoes")
    assert page.items[0].title is None


def test_posts_erased_in_bulk_leave_the_index_whichever_way(session, talk):
    """Account deletion (another branch) may erase posts by statement, not one by one:
    blanking them, deleting them, or deleting their group; the index follows each."""
    _host, mod, thread, opener, reply = talk
    session.execute(update(Post).where(Post.id == reply.id).values(body="", deleted_at=utcnow()))
    assert indexed(reply.id) is None
    session.execute(delete(Post).where(Post.id == opener.id))
    assert indexed(opener.id) is None
    survivor = make_reply(thread, mod, "Basil likes the sun.")
    assert found("basil") == {survivor.id}
    session.execute(delete(Group).where(Group.id == thread.group_id))
    assert indexed(survivor.id) is None
    assert found("basil") == set()


def test_rebuilding_fills_the_index_with_the_readable_posts_only(session, runner, talk):
    _host, mod, _thread, opener, reply = talk
    moderation.hide_post(access_to(reply.thread.group, mod), reply, "Off-topic")
    session.commit()
    session.execute(text("DELETE FROM post_search"))
    session.commit()
    assert found("tomatoes") == set()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "The search index holds 1 post." in result.output
    assert found("tomatoes") == {opener.id}


def test_creating_the_index_again_changes_nothing(session, talk):
    _host, _mod, _thread, opener, reply = talk
    schema.create_index(session.connection())
    assert found("tomatoes") == {opener.id, reply.id}
    assert indexed(reply.id) is not None
