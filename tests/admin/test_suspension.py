from sqlalchemy import func, select

from app.accounts.models import Account
from app.groups.models import Group, ModerationLogEntry, Post, Report
from tests.helpers import add_to_group, make_account, make_group, make_member, make_thread


def _account(session, handle: str) -> Account:
    return session.scalar(select(Account).where(Account.handle_key == handle))


def test_admin_suspends_an_account_which_still_reads_but_cannot_write(client, auth, session):
    make_account("root_admin", admin=True)
    bea = make_member("bea")
    group = make_group(bea)
    cai = make_member("cai")
    add_to_group(group, cai)
    thread = make_thread(group, bea, "Hello", "Welcome all")

    auth.login("root_admin")
    accounts = client.get("/admin/accounts?q=ca").get_data(as_text=True)
    assert "@cai" in accounts and "@bea" not in accounts
    response = client.post("/admin/accounts/cai/suspend", data={"reason": "Repeated spam"})
    assert response.status_code == 303
    assert _account(session, "cai").is_suspended

    log = client.get("/admin/log").get_data(as_text=True)
    assert "@root_admin (admin)" in log and "suspended @cai" in log and "Repeated spam" in log

    auth.login("cai")
    assert "Welcome all" in client.get(f"/groups/gardens/threads/{thread.id}").get_data(
        as_text=True
    )
    response = client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "hi"})
    assert response.status_code == 403
    assert "Your account is suspended" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Post)) == 1

    auth.login("root_admin")
    client.post("/admin/accounts/cai/unsuspend", data={"reason": "Appeal accepted"})
    assert not _account(session, "cai").is_suspended
    auth.login("cai")
    response = client.post(f"/groups/gardens/threads/{thread.id}/replies", data={"body": "hi"})
    assert response.status_code == 303


def test_suspension_needs_a_reason_and_nothing_changes_without_one(client, auth, session):
    make_account("root_admin", admin=True)
    make_member("cai")
    auth.login("root_admin")
    response = client.post("/admin/accounts/cai/suspend", data={"reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.get_data(as_text=True)
    assert not _account(session, "cai").is_suspended
    assert session.scalar(select(func.count()).select_from(ModerationLogEntry)) == 0


def test_admins_cannot_suspend_themselves_or_other_admins(client, auth, session):
    make_account("root_admin", admin=True)
    make_account("other_admin", admin=True)
    auth.login("root_admin")
    for handle in ("root_admin", "other_admin"):
        client.post(f"/admin/accounts/{handle}/suspend", data={"reason": "Testing"})
        assert not _account(session, handle).is_suspended


def test_only_admins_reach_the_admin_pages(client, auth, session):
    make_member("bea")
    for path in ("/admin/accounts", "/admin/log", "/admin/reports"):
        assert client.get(path).status_code == 302
    auth.login("bea")
    for path in ("/admin/accounts", "/admin/log", "/admin/reports", "/admin/accounts/bea/suspend"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/accounts/bea/suspend", data={"reason": "x"}).status_code == 403
    assert not _account(session, "bea").is_suspended


def test_admin_sees_every_groups_report_queue(client, auth, session):
    make_account("root_admin", admin=True)
    bea = make_member("bea")
    for slug in ("gardens", "circle"):
        group = make_group(bea, slug, name=slug.title(), visibility="private")
        make_thread(group, bea, f"Thread in {slug}", f"Post in {slug}")
    auth.login("bea")
    for post_id, slug in session.execute(select(Post.id, Group.slug).join(Group)).all():
        client.post(f"/groups/{slug}/posts/{post_id}/report", data={"reason": "spam"})
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    auth.login("root_admin")
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "Post in gardens" in page and "Post in circle" in page


def test_admins_find_every_admin_page_from_the_navigation(client, auth, session):
    make_account("opal", admin=True)
    auth.login("opal")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin/accounts"' in home
    admin_page = client.get("/admin/accounts").get_data(as_text=True)
    for path in ("/admin/reports", "/admin/log", "/admin/memberships"):
        assert f'href="{path}"' in admin_page
        assert client.get(path).status_code == 200
    assert 'href="/admin/accounts"' in client.get("/admin/memberships").get_data(as_text=True)


def test_people_who_are_not_admins_see_no_admin_link(client, auth, session):
    make_account("bea")
    auth.login("bea")
    assert "/admin/" not in client.get("/").get_data(as_text=True)
