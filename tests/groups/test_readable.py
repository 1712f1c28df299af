"""The readable-by-viewer clause gives the per-object rule's answers, for every viewer,
visibility and state at once (on the suite's database: SQLite, or PostgreSQL in CI).

``readable_groups``, ``readable_threads`` and ``readable_posts`` are SQL; ``Access.can_read``
and ``Access.can_read_post`` decide for one object. Both are also held to the table in
``readable_world`` (who reads which visibility, which states are read), so they can't
agree on a wrong answer.
"""

import pytest
from sqlalchemy import select

from app.accounts.services import get_account_by_handle
from app.db import db
from app.groups.models import Group, Post, Thread
from app.groups.permissions import access_to, readable_groups, readable_posts, readable_threads
from tests.groups.readable_world import STATES, VIEWERS, build_world, handle


def _ids(model, clause) -> set[int]:
    return set(db.session.scalars(select(model.id).where(clause)))


@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_the_clause_reads_what_the_per_object_rule_reads(session, viewer_name):
    world = build_world()
    viewer = None if viewer_name == "visitor" else get_account_by_handle(handle(viewer_name))
    groups = list(session.scalars(select(Group)))
    threads = list(session.scalars(select(Thread)))
    posts = list(session.scalars(select(Post)))

    def access(group_id):
        return access_to(session.get(Group, group_id), viewer)

    readable = {g.id for g in groups if access(g.id).can_read}
    assert _ids(Group, readable_groups(viewer)) == readable
    assert _ids(Thread, readable_threads(viewer)) == {
        t.id for t in threads if access(t.group_id).can_read_thread(t)
    }
    assert _ids(Post, readable_posts(viewer)) == {
        p.id for p in posts if access(p.group_id).can_read_post(p)
    }

    # And both match the table.
    assert readable == {world.groups[v].id for v in VIEWERS[viewer_name]}
    expected_posts = {
        post.id
        for (visibility, state), post in world.posts.items()
        if visibility in VIEWERS[viewer_name] and STATES[state]
    }
    assert _ids(Post, readable_posts(viewer)) == expected_posts
