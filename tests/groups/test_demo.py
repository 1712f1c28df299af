from sqlalchemy import select

from app.groups.models import Group, Thread
from devstack.demo_groups import load_demo_groups
from tests.helpers import make_account, make_member


def _demo_accounts():
    accounts = {handle: make_member(handle) for handle in ("ada", "bea", "cai", "dev")}
    accounts["ada"].is_admin = True
    accounts["eve"] = make_account("eve")
    return accounts


def test_demo_community_has_groups_of_each_kind_with_threads(app, client, session, auth):
    load_demo_groups(_demo_accounts())
    session.commit()
    groups = {group.slug: group for group in session.scalars(select(Group))}
    assert {group.visibility for group in groups.values()} == {"public", "members", "private"}
    for group in groups.values():
        assert session.scalars(select(Thread).where(Thread.group_id == group.id)).first()

    for slug in groups:
        auth.login("bea@example.org")
        page = client.get(f"/groups/{slug}")
        assert page.status_code == 200
        for thread in session.scalars(select(Thread).where(Thread.group_id == groups[slug].id)):
            assert client.get(f"/groups/{slug}/threads/{thread.id}").status_code == 200
        assert client.get(f"/groups/{slug}/log").status_code == 200
        assert client.get(f"/groups/{slug}/members").status_code == 200
        assert client.get(f"/groups/{slug}/unanswered").status_code == 200
    assert client.get("/groups/mine").status_code == 200

    auth.logout()
    auth.login("eve@example.org")
    directory = client.get("/groups").get_data(as_text=True)
    assert "Balcony gardens" in directory
    assert "Kindred operators" not in directory
    assert client.get("/groups/operators").status_code == 404
