import re

from sqlalchemy import func, select

from app.accounts.models import Account
from app.db import utcnow
from app.groups.models import Group, GroupMember, Invitation, JoinRequest
from tests.helpers import add_to_group, make_account, make_group, make_member


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _new_group(**overrides):
    data = {
        "name": "Balcony gardens",
        "slug": "balcony-gardens",
        "purpose": "Growing food in small spaces.",
        "description": "",
        "visibility": "public",
        "join_policy": "open",
    }
    data.update(overrides)
    return data


def test_member_starts_a_group_and_becomes_its_host(client, auth, session):
    bea = make_member("bea")
    auth.login("bea")
    response = client.post("/groups/new", data=_new_group(slug="Balcony-Gardens"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/groups/balcony-gardens"
    group = session.scalar(select(Group))
    member = session.scalar(select(GroupMember))
    assert (member.account_id, member.group_id, member.role) == (bea.id, group.id, "host")
    page = client.get("/groups/balcony-gardens").get_data(as_text=True)
    assert "Growing food in small spaces." in page
    assert "Your role here: host." in page


def test_bad_group_input_is_explained_and_nothing_is_created(client, auth, session):
    bea = make_member("bea")
    make_group(bea, "taken")
    auth.login("bea")
    cases = [
        ({"name": ""}, "Give the group a name."),
        ({"name": "x" * 81}, "Keep this to 80 characters."),
        ({"purpose": "   "}, "Say in a sentence what the group is for."),
        ({"slug": "taken"}, "That address is taken"),
        ({"slug": "Not a slug!"}, "lowercase letters, digits and hyphens"),
        ({"slug": "new"}, "That address is taken"),
        ({"visibility": "secret"}, "Not a valid choice"),
    ]
    for override, message in cases:
        response = client.post("/groups/new", data=_new_group(**override))
        assert response.status_code == 400, override
        assert message in response.get_data(as_text=True), override
    assert _count(session, Group) == 1


def test_accounts_that_are_not_members_cannot_start_groups(client, auth, session):
    make_account("eve")
    auth.login("eve")
    response = client.post("/groups/new", data=_new_group())
    assert response.status_code == 403
    assert "Only members can do this" in response.get_data(as_text=True)
    assert _count(session, Group) == 0


def test_start_a_group_page_tells_non_members_why_instead_of_offering_a_form(client, auth, session):
    make_account("eve")
    auth.login("eve")
    page = client.get("/groups/new").get_data(as_text=True)
    assert "Only members can do this. Become a member to post and reply." in page
    assert 'href="/membership"' in page
    assert "Start the group" not in page


def test_start_a_group_page_tells_suspended_members_they_cannot_write(client, auth, session):
    bea = make_member("bea")
    bea.suspended_at = utcnow()
    session.commit()
    auth.login("bea")
    page = client.get("/groups/new").get_data(as_text=True)
    assert "Your account is suspended" in page
    assert "Start the group" not in page


def test_members_get_the_form_to_start_a_group(client, auth, session):
    make_member("bea")
    auth.login("bea")
    page = client.get("/groups/new").get_data(as_text=True)
    assert "Start the group" in page
    assert "Only members can do this" not in page


def test_directory_lists_what_each_viewer_may_see_without_counts(client, auth, session):
    bea = make_member("bea")
    make_account("eve")
    make_group(bea, "open-air", name="Open air", visibility="public")
    make_group(bea, "readers", name="Readers", visibility="members")
    make_group(bea, "circle", name="Secret circle", visibility="private")

    signed_out = client.get("/groups").get_data(as_text=True)
    assert "Open air" in signed_out
    assert "Readers" not in signed_out
    assert "Secret circle" not in signed_out

    auth.login("eve")
    eve_sees = client.get("/groups").get_data(as_text=True)
    assert "Open air" in eve_sees and "Readers" in eve_sees
    assert "Secret circle" not in eve_sees
    assert "Secret circle" not in client.get("/groups?q=secret").get_data(as_text=True)
    assert client.get("/groups/circle").status_code == 404

    auth.login("bea")
    assert "Secret circle" in client.get("/groups?q=SECRET").get_data(as_text=True)
    assert not re.search(
        r"\d+\s+(members?|posts?|views?)", client.get("/groups").get_data(as_text=True)
    )


def test_directory_search_and_order(client, session):
    bea = make_member("bea")
    make_group(bea, "zinnias", name="Zinnias", purpose="Flowers all summer.")
    make_group(bea, "apples", name="Apples", purpose="Orchards and cider.")
    newest_first = client.get("/groups").get_data(as_text=True)
    assert newest_first.index("Apples") < newest_first.index("Zinnias")
    a_to_z = client.get("/groups?order=az").get_data(as_text=True)
    assert a_to_z.index("Apples") < a_to_z.index("Zinnias")
    found = client.get("/groups?q=cider").get_data(as_text=True)
    assert "Apples" in found and "Zinnias" not in found
    assert "No groups match" in client.get("/groups?q=100%25_").get_data(as_text=True)


def test_unknown_group_is_not_found(client):
    assert client.get("/groups/nowhere").status_code == 404


def test_members_group_asks_signed_out_visitors_to_log_in(client, session):
    make_group(make_member("bea"), "readers", visibility="members")
    response = client.get("/groups/readers")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_account_joins_an_open_group_and_leaves_it(client, auth, session):
    group = make_group(make_member("bea"))
    make_account("eve")
    auth.login("eve")
    assert client.post("/groups/gardens/join").status_code == 303
    assert _count(session, GroupMember) == 2
    assert "Leave this group" in client.get("/groups/gardens").get_data(as_text=True)
    assert client.post("/groups/gardens/join").status_code == 303
    assert _count(session, GroupMember) == 2
    assert client.post("/groups/gardens/leave").status_code == 303
    assert session.scalar(select(GroupMember.role).where(GroupMember.group_id == group.id)) == (
        "host"
    )


def test_joining_a_request_group_needs_a_host_to_approve(client, auth, session):
    make_group(make_member("bea"), "readers", join_policy="request")
    cai = make_member("cai")
    auth.login("cai")
    assert client.post("/groups/readers/join").status_code == 403
    response = client.post("/groups/readers/request", data={"message": "May I?"})
    assert response.status_code == 303
    assert "The hosts will answer" in client.get("/groups/readers").get_data(as_text=True)
    client.post("/groups/readers/request", data={"message": "Again"})
    assert _count(session, JoinRequest) == 1

    auth.login("bea")
    request_id = session.scalar(select(JoinRequest.id))
    assert "May I?" in client.get("/groups/readers/members").get_data(as_text=True)
    response = client.post(
        f"/groups/readers/requests/{request_id}",
        data={"decision": "approve", "response": "Welcome"},
    )
    assert response.status_code == 303
    assert session.scalar(select(GroupMember).where(GroupMember.account_id == cai.id))
    assert session.scalar(select(JoinRequest.status)) == "approved"


def test_host_declines_a_request_with_a_message(client, auth, session):
    make_group(make_member("bea"), "readers", join_policy="request")
    make_member("cai")
    auth.login("cai")
    client.post("/groups/readers/request", data={"message": ""})
    auth.login("bea")
    request_id = session.scalar(select(JoinRequest.id))
    client.post(
        f"/groups/readers/requests/{request_id}",
        data={"decision": "decline", "response": "Full this season"},
    )
    join_request = session.scalar(select(JoinRequest))
    assert (join_request.status, join_request.response) == ("declined", "Full this season")
    assert _count(session, GroupMember) == 1


def test_invitee_sees_a_private_group_only_to_accept_its_invitation(client, auth, session):
    make_group(
        make_member("bea"), "circle", name="Circle", visibility="private", join_policy="invite"
    )
    cai = make_member("cai")
    auth.login("bea")
    assert client.post("/groups/circle/invitations", data={"handle": "cai"}).status_code == 303
    response = client.post("/groups/circle/invitations", data={"handle": "nobody"})
    assert response.status_code == 400
    assert "There is no account with that handle" in response.get_data(as_text=True)
    assert _count(session, Invitation) == 1

    auth.login("cai")
    assert "You are invited to" in client.get("/groups/mine").get_data(as_text=True)
    invitation_page = client.get("/groups/circle").get_data(as_text=True)
    assert "Accept the invitation" in invitation_page
    assert client.get("/groups/circle/log").status_code == 404
    assert client.post("/groups/circle/invitation/accept").status_code == 303
    assert session.scalar(select(GroupMember).where(GroupMember.account_id == cai.id))
    assert "Start a thread" in client.get("/groups/circle").get_data(as_text=True)


def test_invitee_may_decline(client, auth, session):
    make_group(make_member("bea"), "circle", visibility="private", join_policy="invite")
    make_member("cai")
    auth.login("bea")
    client.post("/groups/circle/invitations", data={"handle": "cai"})
    auth.login("cai")
    assert client.post("/groups/circle/invitation/decline").status_code == 303
    assert client.get("/groups/circle").status_code == 404
    assert _count(session, GroupMember) == 1


def test_only_hosts_invite_and_change_roles(client, auth, session):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("moe"), "moderator")
    cai = make_member("cai")
    add_to_group(group, cai)
    auth.login("moe")
    assert client.post("/groups/gardens/invitations", data={"handle": "bea"}).status_code == 403
    response = client.post("/groups/gardens/members/cai/role", data={"role": "host"})
    assert response.status_code == 403
    assert (
        session.scalar(select(GroupMember.role).where(GroupMember.account_id == cai.id)) == "member"
    )


def test_group_always_keeps_a_host(client, auth, session):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("cai"))
    auth.login("bea")
    client.post("/groups/gardens/members/bea/role", data={"role": "member"})
    roles = dict(session.execute(select(GroupMember.account_id, GroupMember.role)).all())
    assert sorted(roles.values()) == ["host", "member"]

    client.post("/groups/gardens/members/cai/role", data={"role": "host"})
    assert client.post("/groups/gardens/leave").status_code == 303
    roles = session.scalars(select(GroupMember.role)).all()
    assert roles == ["host"]


def test_the_only_host_leaving_passes_the_group_to_its_longest_standing_moderator(
    client, auth, session
):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("cai"))
    add_to_group(group, make_member("dev"), role="moderator")
    add_to_group(group, make_member("eve"), role="moderator")
    auth.login("bea")
    assert client.post("/groups/gardens/leave").status_code == 303
    roles = dict(
        session.execute(
            select(Account.handle, GroupMember.role).join(
                Account, Account.id == GroupMember.account_id
            )
        ).all()
    )
    assert roles == {"cai": "member", "dev": "host", "eve": "moderator"}
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "Kindred" in log
    assert "passed the group to @dev" in log
    assert "The only host left." in log
    assert "@bea" not in log


def test_without_a_moderator_the_group_passes_to_its_longest_standing_member(client, auth, session):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("cai"))
    add_to_group(group, make_member("dev"))
    auth.login("bea")
    client.post("/groups/gardens/leave")
    host = session.scalar(
        select(Account.handle)
        .join(GroupMember, GroupMember.account_id == Account.id)
        .where(GroupMember.role == "host")
    )
    assert host == "cai"


def test_the_only_person_in_a_group_cannot_leave_it_without_a_host(client, auth, session):
    make_group(make_member("bea"))
    auth.login("bea")
    response = client.post("/groups/gardens/leave", follow_redirects=True)
    assert "nobody could take it over" in response.get_data(as_text=True)
    assert session.scalars(select(GroupMember.role)).all() == ["host"]


def test_role_changes_are_in_the_moderation_log(client, auth, session):
    group = make_group(make_member("bea"))
    add_to_group(group, make_member("cai"))
    auth.login("bea")
    client.post("/groups/gardens/members/cai/role", data={"role": "moderator"})
    log = client.get("/groups/gardens/log").get_data(as_text=True)
    assert "@bea (host)" in log
    assert "made moderator @cai" in log


def test_host_changes_settings_but_not_the_slug(client, auth, session):
    group = make_group(make_member("bea"))
    auth.login("bea")
    response = client.post(
        "/groups/gardens/settings",
        data={
            "name": "Gardens",
            "purpose": "New purpose",
            "visibility": "members",
            "join_policy": "request",
            "slug": "other",
        },
    )
    assert response.status_code == 303
    session.refresh(group)
    assert (group.purpose, group.visibility, group.join_policy, group.slug) == (
        "New purpose",
        "members",
        "request",
        "gardens",
    )
    response = client.post(
        "/groups/gardens/settings",
        data={"name": "", "purpose": "x", "visibility": "public", "join_policy": "open"},
    )
    assert response.status_code == 400
    session.refresh(group)
    assert group.name == "Gardens"


def test_group_description_is_rendered_as_safe_markdown(client, auth, session):
    make_member("bea")
    auth.login("bea")
    description = "We meet **monthly**.\n\n<script>alert(1)</script> [notes](javascript:alert(1))"
    client.post("/groups/new", data=_new_group(description=description))
    page = client.get("/groups/balcony-gardens").get_data(as_text=True)
    assert "<strong>monthly</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page
