"""Text that is not text and ids that name nothing get a clear answer, on every database.

One rule (``app.input``) for every form field, query string, path part and value sent
to the database; row ids out of range are not found. SQLite would store a NUL and
PostgreSQL would fail on it; both must answer the same.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from app import create_app
from app.accounts.models import Account
from app.accounts.services import get_account_by_handle
from app.db import UnstorableText
from app.forms import Form
from app.groups.models import Post
from app.input import MAX_ID, parse_id, text_problem
from tests.accounts.support import page
from tests.helpers import (
    DEFAULT_PASSWORD,
    add_to_group,
    make_account,
    make_group,
    make_member,
    make_thread,
)

CONTROL = "Remove the invisible control character"
NOT_READABLE = "Part of this could not be read as text"


# The rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "(U+0000)"),
        ("\x07", "(U+0007)"),
        ("\x1b[31m", "(U+001B)"),
        ("\x7f", "(U+007F)"),
        ("a\x85b", "(U+0085)"),
        ("a\x9fb", "(U+009F)"),
        ("a\ud800b", NOT_READABLE),
        ("a\ufffdb", NOT_READABLE),
        ("two\nlines", "Keep this to one line."),
        ("two\r\nlines", "Keep this to one line."),
        ("a\u2028b", "Keep this to one line."),
    ],
)
def test_text_that_is_not_one_line_of_text_is_refused_with_a_reason(value, problem):
    assert problem in text_problem(value)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a\tb",
        "\u202egnp.exe",
        "a\u200db",
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",
        "Ünïcödé ✓",
        "",
    ],
)
def test_tabs_joiners_and_bidi_marks_are_text(value):
    assert text_problem(value) is None


def test_text_areas_take_line_breaks_but_not_control_characters():
    assert text_problem("two\r\nlines\n\ttabbed", multiline=True) is None
    assert "(U+0000)" in text_problem("two\nli\x00nes", multiline=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (str(MAX_ID), MAX_ID),
        ("0", None),
        (str(MAX_ID + 1), None),
        (str(2**63), None),
        ("9" * 400, None),
        ("-1", None),
        ("1e3", None),
        ("\u0663", None),
        ("", None),
        (None, None),
    ],
)
def test_a_row_id_is_a_whole_number_within_postgresqls_integer(value, expected):
    assert parse_id(value) == expected


# Every form, every field --------------------------------------------------------------


def _all_forms() -> list[type[Form]]:
    create_app({"DATABASE_URL": "sqlite://"})  # imports every feature's routes and forms
    found, pending = [], list(Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        found.append(form_class)
        pending.extend(form_class.__subclasses__())
    return sorted(found, key=lambda form_class: form_class.__qualname__)


def _form_fields():
    for form_class in _all_forms():
        for name in sorted(dir(form_class)):
            if isinstance(getattr(form_class, name, None), UnboundField):
                yield pytest.param(form_class, name, id=f"{form_class.__name__}.{name}")


FORM_FIELDS = list(_form_fields())


def test_the_walk_finds_every_features_forms():
    names = {form_class.__name__ for form_class in _all_forms()}
    assert {"SignupForm", "ThreadForm", "ReasonForm", "GrantComplimentaryForm"} <= names
    assert len(FORM_FIELDS) > 30


@pytest.mark.parametrize(("form_class", "name"), FORM_FIELDS)
def test_every_field_of_every_form_refuses_control_characters_on_the_field(app, form_class, name):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: "bad\x00value"}))
        assert not form.validate()
        if name == "next":
            # Where to go after logging in is a hint: one that is not text is dropped.
            assert form[name].data is None
            assert name not in form.errors
        else:
            assert any(CONTROL in message for message in form.errors[name]), form.errors


def test_single_line_fields_refuse_line_breaks_and_text_areas_keep_them(client, auth, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    auth.login("bea")
    response = client.post("/settings/profile", data={"display_name": "Bea\nTrice", "bio": ""})
    assert response.status_code == 400
    assert "Keep this to one line." in page(response)
    response = client.post(
        f"/groups/gardens/threads/{thread.id}/replies", data={"body": "One\r\n\r\nTwo\ttabbed"}
    )
    assert response.status_code == 303
    assert session.scalar(select(Post.body).order_by(Post.id.desc()).limit(1)) == (
        "One\r\n\r\nTwo\ttabbed"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "Ada\x00", CONTROL),
        ("handle", "ada\x00", CONTROL),
        ("email", "ada\x00@example.org", CONTROL),
        ("display_name", "Ada\x1b[31m", CONTROL),
    ],
)
def test_signup_with_a_control_character_says_so_on_the_field_and_stores_nothing(
    client, session, field, value, message
):
    data = {"email": "ada@example.org", "handle": "ada", "password": DEFAULT_PASSWORD, field: value}
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert message in page(response)
    assert session.scalar(select(func.count()).select_from(Account)) == 0


def test_invalid_utf8_in_a_form_is_refused_as_unreadable(client, auth, session):
    bea = make_member("bea")
    thread = make_thread(make_group(bea), bea)
    auth.login("bea")
    for raw in (b"body=a%ED%A0%80b", b"body=%FF%FE", b"body=caf\xe9"):
        response = client.post(
            f"/groups/gardens/threads/{thread.id}/replies",
            data=raw,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400, raw
        assert NOT_READABLE in page(response)
    assert session.scalar(select(func.count()).select_from(Post)) == 1


# Query strings and path parts -------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["q=a%00b", "q=two%0Alines", "q=%FF", "q=%ED%A0%80", "order=%07", "a%00=1"]
)
def test_a_query_string_that_is_not_text_is_a_400_that_says_why(client, session, query):
    response = client.get(f"/groups?{query}")
    assert response.status_code == 400
    assert "This address contains characters that can't be part of a link" in page(response)


def test_a_search_for_ordinary_text_still_works(client, session):
    make_group(make_member("bea"), "gardens", name="Gardens \u202eRTL")
    response = client.get("/groups?q=gardens%20%E2%80%AE")
    assert response.status_code == 200
    assert "Gardens" in page(response)


@pytest.mark.parametrize(
    "path",
    [
        "/u/ad%00a",
        "/u/ad%0Aa",
        "/u/ad%ED%A0%80a",
        "/u/ad%FFa",
        "/groups/gar%00dens",
        "/admin/accounts/ca%00i/suspend",
    ],
)
def test_a_path_part_that_is_not_text_names_nothing(client, auth, session, path):
    make_member("cai")
    make_group(make_member("bea"), "gardens")
    make_account("ada", admin=True)
    auth.login("ada")
    assert client.get(path).status_code == 404


# Ids out of range --------------------------------------------------------------------


@pytest.fixture
def group_with_a_report(session):
    bea = make_member("bea")
    cai = make_member("cai")
    group = make_group(bea, "gardens", join_policy="request")
    add_to_group(group, cai)
    thread = make_thread(group, bea)
    make_account("opal", admin=True)
    return thread


@pytest.mark.parametrize("number", [str(MAX_ID + 1), str(2**63), str(2**64), "9" * 400])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/groups/gardens/threads/{}"),
        ("GET", "/groups/gardens/posts/{}/edit"),
        ("POST", "/groups/gardens/posts/{}/delete"),
        ("POST", "/groups/gardens/requests/{}"),
        ("POST", "/groups/gardens/reports/{}/dismiss"),
        ("POST", "/admin/memberships/{}/end"),
        ("GET", "/groups/gardens/threads/1?quote={}"),
        ("GET", "/admin/memberships?before={}"),
    ],
)
def test_an_id_out_of_range_is_not_found_on_every_database(
    client, auth, group_with_a_report, method, path, number
):
    auth.login("opal")
    url = path.format(number).replace("threads/1?", f"threads/{group_with_a_report.id}?")
    response = client.open(url, method=method, data={"decision": "approve", "reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("quote", ["abc", "-1", "0"])
def test_a_quote_that_is_no_id_is_not_found(client, auth, group_with_a_report, quote):
    auth.login("bea")
    url = f"/groups/gardens/threads/{group_with_a_report.id}?quote={quote}"
    assert client.get(url).status_code == 404
    assert client.get(url.split("?")[0] + "?quote=").status_code == 200


# The database refuses what it can't hold, the same way on SQLite and PostgreSQL --------


def test_a_nul_that_reaches_the_database_is_refused_the_same_everywhere(app, session):
    make_account("ada")
    with pytest.raises(UnstorableText):
        get_account_by_handle("ada\x00")
    account = session.scalar(select(Account))
    account.display_name = "Ada\ud800"
    with pytest.raises(UnstorableText):
        session.flush()
    session.rollback()
    assert session.scalar(select(Account.display_name)) is None


def test_logging_in_with_a_nul_is_a_clear_400_and_not_a_500(client, session):
    make_account("ada")
    response = client.post("/login", data={"identifier": "ada\x00", "password": "whatever"})
    assert response.status_code == 400
    assert "can't contain the NUL character" in page(response) or CONTROL in page(response)
