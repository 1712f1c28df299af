"""Sessions a person can see and end: one record per sign-in, named by the one cookie."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, inspect, select

from app.accounts import sessions
from app.accounts.models import AccountSession
from app.db import db, utcnow
from tests.accounts.support import page
from tests.helpers import DEFAULT_PASSWORD, make_account

COOKIE = "kindred_session"


def log_in(client, handle="ada"):
    response = client.post("/login", data={"identifier": handle, "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    return client.get_cookie(COOKIE).value


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def records(account=None) -> list[AccountSession]:
    db.session.expire_all()
    query = select(AccountSession).order_by(AccountSession.id)
    if account is not None:
        query = query.where(AccountSession.account_id == account.id)
    return list(db.session.scalars(query))


def test_each_sign_in_is_a_session_listed_in_settings(app, client, session):
    make_account("ada")
    log_in(client)
    phone = app.test_client()
    log_in(phone)
    assert len(records()) == 2
    response = client.post("/settings/sessions/this-device", data={"device_name": " Laptop "})
    assert response.status_code == 303
    text = page(client.get("/settings/sessions"))
    today = utcnow().strftime("%-d %B %Y")
    assert "Laptop" in text and "This device" in text and "Unnamed device" in text
    assert f"Logged in on {today}, last used on {today}." in text
    assert text.count("Sign out<span") == 1 and "Log out<span" in text
    assert "Your sessions" in page(client.get("/settings"))


def test_a_session_record_holds_nothing_about_the_client(app, client, session):
    make_account("ada")
    client.post(
        "/login",
        data={"identifier": "ada", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
        headers={"User-Agent": "TellTale/1.0"},
    )
    columns = {column.name for column in inspect(AccountSession).columns}
    assert columns == {
        "id",
        "account_id",
        "token_digest",
        "device_name",
        "created_at",
        "last_used_on",
    }
    [record] = records()
    assert "198.51.100" not in str(vars(record)) and "TellTale" not in str(vars(record))
    cookie = client.get_cookie(COOKIE).value
    token = app.session_interface.get_signing_serializer(app).loads(cookie)["_user_id"]
    assert token not in record.token_digest, "the database keeps only the token's digest"


def test_signing_out_another_session_makes_its_cookie_useless_at_once(app, client, session):
    make_account("ada")
    log_in(client)
    laptop = app.test_client()
    cookie = log_in(laptop)
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie)
    assert signed_in(laptop) and signed_in(copy)
    laptop_record = records()[-1]

    response = client.post(f"/settings/sessions/{laptop_record.id}/end")
    assert response.status_code == 303
    assert "That session is signed out." in page(client.get("/settings/sessions"))
    assert not signed_in(laptop)
    assert not signed_in(copy), "a copied cookie is as useless as the original"
    assert signed_in(client)
    response = copy.get("/")
    assert "Log in" in page(response)
    assert copy.get_cookie(COOKIE) is None, "the dead cookie is emptied"


def test_sign_out_everywhere_else_keeps_only_this_device(app, client, session):
    ada = make_account("ada")
    bea = make_account("bea")
    log_in(client)
    others = [app.test_client() for _ in range(3)]
    for other in others:
        log_in(other)
    bea_client = app.test_client()
    log_in(bea_client, "bea")
    response = client.post("/settings/sessions/end-others", follow_redirects=True)
    assert "Signed out everywhere else (3 other sessions)." in page(response)
    assert signed_in(client)
    assert not any(signed_in(other) for other in others)
    assert len(records(ada)) == 1
    assert signed_in(bea_client) and len(records(bea)) == 1, "other accounts are untouched"


def test_nobody_can_end_another_accounts_session(app, client, session):
    make_account("ada")
    make_account("bea")
    bea = app.test_client()
    log_in(bea, "bea")
    [bea_record] = records()
    log_in(client)
    response = client.post(f"/settings/sessions/{bea_record.id}/end", follow_redirects=True)
    assert "That session has already ended." in page(response)
    assert signed_in(bea)


def test_signing_out_this_session_from_the_list_logs_out(client, session):
    make_account("ada")
    log_in(client)
    [record] = records()
    response = client.post(f"/settings/sessions/{record.id}/end")
    assert response.headers["Location"] == "/"
    assert not signed_in(client) and records() == []


def test_logging_out_ends_the_session_for_every_copy_of_its_cookie(app, client, auth, session):
    make_account("ada")
    cookie = log_in(client)
    auth.logout()
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie)
    assert not signed_in(copy)
    assert records() == []


def test_a_password_reset_signs_out_everywhere(app, client, session):
    from app.accounts import services

    account = make_account("ada")
    log_in(client)
    with app.test_request_context():
        token = services.reset_token(account)
    other = app.test_client()
    response = other.post(f"/reset/{token}", data={"new_password": "a brand new passphrase"})
    assert response.status_code == 303
    assert not signed_in(client) and records() == []


def test_reading_pages_writes_last_used_at_most_once_a_day(app, client, session):
    account = make_account("ada")
    log_in(client)
    writes = []

    def count_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    engine = app.extensions["kindred_db"].sessionmaker.kw["bind"].engine
    event.listen(engine, "before_cursor_execute", count_writes)
    try:
        for path in ("/", "/settings", "/groups", "/settings/sessions", "/"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count_writes)
    assert writes == [], "the same day, reading writes nothing"

    [record] = records()
    record.last_used_on -= timedelta(days=3)
    db.session.commit()
    assert signed_in(client)
    [record] = records()
    assert record.last_used_on == utcnow().date(), "a new day is written, once"
    assert record.account_id == account.id


def test_a_session_unused_for_too_long_ends_and_is_pruned(app, client, session):
    make_account("ada")
    log_in(client)
    [record] = records()
    record.last_used_on = (utcnow() - timedelta(days=31)).date()
    db.session.commit()
    assert not signed_in(client)
    assert sessions.prune_idle_sessions() == 1
    db.session.commit()
    assert records() == []


def test_device_names_are_kept_short(client, session):
    make_account("ada")
    log_in(client)
    response = client.post("/settings/sessions/this-device", data={"device_name": "x" * 51})
    assert response.status_code == 400
    assert "Keep the device name to 50 characters." in page(response)
    assert records()[0].device_name is None


def test_end_all_sessions_signs_an_account_out_everywhere_for_deletion(app, session):
    ada, bea = make_account("ada"), make_account("bea")
    for handle in ("ada", "ada", "bea"):
        log_in(app.test_client(), handle)
    assert sessions.end_all_sessions(ada) == 2
    db.session.commit()
    assert records(ada) == [] and len(records(bea)) == 1


def test_the_sessions_list_pages_by_keyset(app, client, session):
    from app.pagination import PAGE_SIZE

    account = make_account("ada")
    for _ in range(PAGE_SIZE + 2):
        sessions.start_session(account)
    db.session.commit()
    log_in(client)
    first = page(client.get("/settings/sessions"))
    assert first.count("Logged in on") == PAGE_SIZE
    older = client.get("/settings/sessions?before=" + sessions.sessions_of(account).next_cursor)
    assert page(older).count("Logged in on") == 3
    assert client.get("/settings/sessions?before=broken!").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AccountSession)) == PAGE_SIZE + 3
