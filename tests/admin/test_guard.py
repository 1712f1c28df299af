"""One guard for every admin page, whichever feature serves it; services check too."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from app import create_app
from app.admin import is_admin_path
from app.db import utcnow
from app.memberships import services as memberships
from app.memberships.models import ComplimentaryMembership
from tests.helpers import make_account, make_member


def _admin_rules():
    app = create_app({"DATABASE_URL": "sqlite://"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if is_admin_path(rule.rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                values = {name: 1 if "id" in name else "bea" for name in rule.arguments}
                url = rule.build(values, append_unknown=False)[1]
                yield pytest.param(method, url, id=f"{method} {rule.rule}")


ADMIN_RULES = list(_admin_rules())


def test_the_guard_covers_the_complimentary_memberships_too():
    assert {url for _, url in (case.values for case in ADMIN_RULES)} >= {
        "/admin/accounts",
        "/admin/memberships",
        "/admin/memberships/1/end",
    }


@pytest.fixture
def people(session):
    make_account("opal", admin=True)
    suspended = make_account("sam", admin=True)
    suspended.suspended_at = utcnow()
    suspended.suspension_reason = "Compromised"
    make_member("bea")
    session.commit()


@pytest.mark.parametrize(("method", "url"), ADMIN_RULES)
def test_every_admin_page_is_for_site_admins_who_are_not_suspended(
    client, auth, people, method, url
):
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={quote(url, safe='')}"
    for who in ("bea", "sam"):
        auth.login(who)
        response = client.open(url, method=method, data={"reason": "x", "handle": "bea"})
        assert response.status_code == 403, who
        assert "Only site admins can see this page." in response.get_data(as_text=True)
    auth.login("opal")
    assert client.open(url, method=method).status_code not in {302, 403}


def test_a_suspended_admin_cannot_grant_a_complimentary_membership(client, auth, people, session):
    before = session.scalars(select(ComplimentaryMembership.id)).all()
    auth.login("sam")
    response = client.post("/admin/memberships", data={"handle": "sam", "reason": "Friend"})
    assert response.status_code == 403
    assert session.scalars(select(ComplimentaryMembership.id)).all() == before


@pytest.mark.parametrize("granter", ["bea", "sam"])
def test_only_an_admin_may_grant_a_complimentary_membership_whoever_calls(session, people, granter):
    from app.accounts.services import get_account_by_handle

    before = session.scalars(select(ComplimentaryMembership.id)).all()
    with pytest.raises(memberships.MembershipError, match="Only site admins"):
        memberships.grant_complimentary_to("opal", get_account_by_handle(granter), "Because")
    assert session.scalars(select(ComplimentaryMembership.id)).all() == before
