"""Unsubscribe links: one kind of email, signed out, confirmed by a POST; a forged or
expired link is refused with a page that says so and changes nothing."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.notifications import emails
from app.notifications import services as notifications
from app.notifications.models import DEFAULT_DELIVERY
from tests.accounts.support import path_of
from tests.notifications.support import neighbours, page, write
from tests.test_security import set_cookies


def _link(mail) -> str:
    return path_of(mail[-1]["List-Unsubscribe"].strip("<>"))


def test_the_link_in_a_message_stops_that_kind_signed_out_after_a_confirming_post(
    client, session, mail
):
    _group, ana, bob = neighbours()
    write(bob, "ana")
    link = _link(mail)
    assert link in mail[-1].get_content(), "the same link is in the text"

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "emails about direct messages" in page(confirm)
    assert set_cookies(confirm) == [], "signed out, it sets no cookie"
    assert notifications.deliveries(ana)["message"] == "immediately", "opening changes nothing"

    done = client.post(link)
    assert done.status_code == 200 and "We have stopped emails about direct messages" in page(done)
    assert set_cookies(done) == []
    assert notifications.deliveries(ana) == dict(DEFAULT_DELIVERY, message="never")
    again = client.post(link)
    assert "Nothing needed changing" in page(again)


def test_a_mail_program_unsubscribes_in_one_click_without_a_session_or_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        _group, ana, bob = neighbours()
        write(bob, "ana")
        link = _link(app.extensions["kindred_outbox"])
        response = app.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert notifications.deliveries(ana)["message"] == "never"


def test_the_digest_link_stops_every_kind_in_the_digest(client, session):
    _group, ana, _bob = neighbours()
    notifications.set_deliveries(ana, {"reply": "immediately"})
    session.commit()
    client.post(f"/unsubscribe/{emails.unsubscribe_token(ana, 'digest')}")
    assert notifications.deliveries(ana) == {
        "reply": "immediately",
        "mention": "never",
        "message": "immediately",
        "join_request": "never",
        "report": "never",
        "membership": "never",
        "moderation": "immediately",
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_is_refused_with_a_clear_page(client, session, method):
    _group, ana, _bob = neighbours()
    genuine = emails.unsubscribe_token(ana, "message")
    forged = {
        "garbled": "not-a-token",
        "signature changed": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "signed with another key": _signed_elsewhere(ana.id, "message"),
    }
    for token in forged.values():
        response = client.open(f"/unsubscribe/{token}", method=method)
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in page(response)
        assert "Nothing was changed." in page(response)
    assert notifications.deliveries(ana) == DEFAULT_DELIVERY


def _signed_elsewhere(account_id: int, kind: str) -> str:
    return URLSafeTimedSerializer("another-secret", salt="kindred.unsubscribe").dumps(
        {"a": account_id, "k": kind}
    )


def test_an_expired_link_is_refused_with_a_clear_page(client, session, monkeypatch):
    _group, ana, _bob = neighbours()
    long_ago = time.time() - emails.UNSUBSCRIBE_MAX_AGE - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: long_ago)
        token = emails.unsubscribe_token(ana, "message")
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 400
    assert "This unsubscribe link has expired" in page(response)
    assert notifications.deliveries(ana) == DEFAULT_DELIVERY


def test_a_link_for_an_account_that_is_gone_or_a_kind_we_never_made_is_refused(client, session):
    _group, ana, _bob = neighbours()
    made_up = emails._serializer().dumps({"a": ana.id, "k": "everything"})
    gone = emails._serializer().dumps({"a": 999_999, "k": "message"})
    for token in (made_up, gone):
        response = client.get(f"/unsubscribe/{token}")
        assert response.status_code == 400
        assert "no longer applies" in page(response)
