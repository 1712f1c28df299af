"""Download my data: everything about the account, at once, and nothing about anyone else."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader
from sqlalchemy import event, func, select

from app.admin import services as admin
from app.db import db, utcnow
from app.exports.models import DataExport
from app.groups import services as groups
from app.groups.permissions import access_to
from app.memberships.models import ComplimentaryMembership
from tests.exports.support import (
    EMAIL,
    HANDLE,
    OTHER_EMAILS,
    OTHER_NAMES,
    OTHERS_SECRET,
    all_text,
    read_json,
    seed_story,
    unzip,
)
from tests.helpers import make_account, make_group, make_member, make_reply, make_thread

AS = "https://www.w3.org/ns/activitystreams#"
FILES = {
    "manifest.json",
    "README.txt",
    "index.html",
    "account.json",
    "sign-in.json",
    "memberships.json",
    "billing.json",
    "seats.json",
    "groups.json",
    "threads.json",
    "posts.json",
    "outbox.json",
    "posts.csv",
    "reports.json",
    "appeals.json",
    "moderation.json",
    "messages.json",
    "notifications.json",
    "blocks.json",
    "reading.json",
    "exports.json",
}


@pytest.fixture
def story(session):
    return seed_story()


def download(client, identifier=HANDLE):
    client.post(
        "/login", data={"identifier": identifier, "password": "correct horse battery staple"}
    )
    return unzip(client.post("/settings/export"))


def test_member_who_did_everything_once_finds_it_all_in_their_archive(client, story):
    archive = download(client)
    assert set(archive.namelist()) == FILES
    for name in FILES - {"README.txt", "index.html", "posts.csv"}:
        document = read_json(archive, name)
        assert (document["format"], document["version"], document["file"]) == (
            "kindred-export",
            1,
            name,
        )

    account = read_json(archive, "account.json")["account"]
    assert account["handle"] == HANDLE
    assert account["email"] == EMAIL
    assert account["display_name"] == "Zinnia Q."
    assert account["bio"] == "Balcony tomatoes, mostly."
    assert "password_hash" not in account and "login_id" not in account
    assert story.zinnia.password_hash not in all_text(archive)

    memberships = read_json(archive, "memberships.json")
    assert memberships["current"]["kind"] == "complimentary"
    assert [period["source"] for period in memberships["periods"]] == ["complimentary"] * 2
    assert "thanks for the garden guide" not in all_text(archive)

    joined = {
        item["group"]["slug"]: item["role"] for item in read_json(archive, "groups.json")["groups"]
    }
    assert joined == {"gardens": "host", "hideout": "member"}
    places = read_json(archive, "groups.json")
    assert [group["slug"] for group in places["groups_started"]] == ["gardens"]
    assert places["join_requests"][0]["message"] == "I read slowly, like you."
    assert places["join_requests"][0]["status"] == "pending"
    assert places["invitations"][0]["group"]["slug"] == "circle"

    threads = read_json(archive, "threads.json")["threads"]
    assert [thread["title"] for thread in threads] == ["Tomatoes in shade?"]
    posts = read_json(archive, "posts.json")["posts"]
    assert len(posts) == 2
    opener, reply = posts
    assert opener["first_post"] and "Four hours of light." in opener["markdown"]
    assert "<p>Four hours of light." in opener["html"]
    assert reply["markdown"] == "Second thoughts, after a week."
    assert reply["earlier_versions"][0]["markdown"] == "First thoughts."
    assert reply["in_reply_to"] == opener["url"]
    assert {post["author"] for post in posts} == {HANDLE}

    reports = read_json(archive, "reports.json")["reports"]
    assert [(r["reason"], r["details"], r["post_author"]) for r in reports] == [
        ("other", "Unkind.", "bob")
    ]
    actions = read_json(archive, "moderation.json")["actions"]
    assert [a["action"] for a in actions] == ["hid", "banned"]
    assert actions[0]["target"].endswith("by @cai in “Tomatoes in shade?”")
    assert actions[1]["target"] == "@dan"
    assert {a["by"] for a in actions} == {f"@{HANDLE}"}

    exports = read_json(archive, "exports.json")["exports"]
    assert len(exports) == 2  # the one made before, and this one

    signing_in = read_json(archive, "sign-in.json")
    assert [s["device_name"] for s in signing_in["sessions"]] == [None]  # this download's
    assert signing_in["authenticator_app"] is None and signing_in["passkeys"] == []
    assert "token_digest" not in all_text(archive)

    conversation = read_json(archive, "messages.json")["messages"]
    assert [(m["with"], m["from_me"], m["text"]) for m in conversation] == [
        ("bob", True, "Seeds for the swap on Saturday?"),
        ("bob", False, "Yes, I'll bring beans."),
    ]
    assert [b["blocked"] for b in read_json(archive, "blocks.json")["blocks"]] == ["dan"]
    told = read_json(archive, "notifications.json")
    assert "@bob sent you a message" in [n["text"] for n in told["notifications"]]
    assert told["email_preferences"]["message"] == "immediately"
    assert {w["title"] for w in told["watched_threads"]} == {"Tomatoes in shade?"}

    csv = archive.read("posts.csv").decode()
    assert csv.splitlines()[0].startswith("id,created_at,group,thread")
    assert "Second thoughts, after a week." in csv


def test_the_manifest_and_readme_say_what_each_file_holds_and_who_else_got_it(client, story):
    archive = download(client)
    manifest = read_json(archive, "manifest.json")
    listed = {entry["file"] for entry in manifest["files"]}
    assert listed == FILES - {"manifest.json", "README.txt"}
    for entry in manifest["files"]:
        assert entry["holds"]
        if not entry["restates"] and entry["file"] != "index.html":
            assert entry["records"], entry["file"]
            for record in entry["records"]:
                assert record["why"] and record["kept"] and record["shared_with"]
    assert "Only Stripe" in manifest["shared_with"]
    readme = archive.read("README.txt").decode()
    assert "Only Stripe" in readme
    for name in listed:
        assert name in readme


def test_nothing_about_anyone_else_is_in_the_archive_beyond_their_handle(client, story):
    text = all_text(download(client))
    assert OTHERS_SECRET not in text
    assert "Where we meet" not in text
    assert "Agreed, and mine did well in pots." not in text
    assert "Anyone selling a bicycle?" not in text
    for other in (*OTHER_EMAILS, *OTHER_NAMES):
        assert other not in text
    assert story.bob.password_hash not in text
    assert "@cai" in text and "@dan" in text  # by handle, where she acted on them


def test_outbox_is_activitystreams_json_ld_with_a_note_per_post(client, story):
    outbox = read_json(download(client), "outbox.json")
    assert outbox["@context"] == "https://www.w3.org/ns/activitystreams"
    assert outbox["type"] == "OrderedCollection"
    loader = FrozenDocumentLoader()
    expanded = jsonld.expand(outbox, {"documentLoader": loader})
    items = expanded[0][AS + "items"][0]["@list"]
    assert len(items) == 2
    for activity in items:
        assert activity["@type"] == [AS + "Create"]
        note = activity[AS + "object"][0]
        assert note["@type"] == [AS + "Note"]
        for term in ("published", "attributedTo", "context", "content"):
            assert note.get(AS + term), term
        assert note[AS + "attributedTo"][0]["@id"].endswith(f"/u/{HANDLE}")
    opener, reply = (activity[AS + "object"][0] for activity in items)
    assert AS + "inReplyTo" not in opener
    assert reply[AS + "inReplyTo"][0]["@id"] == opener["@id"]
    assert reply[AS + "context"][0]["@id"] == opener[AS + "context"][0]["@id"]


@pytest.mark.parametrize("state", ["lapsed", "suspended"])
def test_lapsed_and_suspended_accounts_export_too(client, session, state):
    ada = make_member("ada")
    make_reply(make_thread(make_group(ada), ada, "Mine", "Still mine."), ada, "Also mine.")
    if state == "lapsed":
        grant = session.scalar(select(ComplimentaryMembership))
        grant.ended_early_at = utcnow() - timedelta(days=1)
    else:
        admin.suspend_account(make_account("oda", admin=True), ada, "Testing suspension.")
    session.commit()
    posts = read_json(download(client, "ada"), "posts.json")["posts"]
    assert [post["markdown"] for post in posts] == ["Still mine.", "Also mine."]


def test_an_account_that_never_joined_anything_gets_a_complete_small_archive(client, session):
    make_account("ada")
    archive = download(client, "ada")
    assert set(archive.namelist()) == FILES
    assert read_json(archive, "posts.json")["posts"] == []
    assert read_json(archive, "memberships.json")["current"] is None


def _statements_during(engine, download) -> int:
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        unzip(download())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_export_runs_the_same_number_of_queries_for_3_or_60_posts(engine, app, session):
    counts = []
    for handle, posts in (("ada", 3), ("bea", 60)):
        writer = make_member(handle)
        thread = make_thread(make_group(writer, f"{handle}-group"), writer)
        for n in range(posts - 1):
            post = make_reply(thread, writer, f"Reply {n}")
            groups.edit_post(access_to(thread.group, writer), post, f"Reply {n}, edited")
        db.session.commit()
        client = app.test_client()
        client.post(
            "/login", data={"identifier": handle, "password": "correct horse battery staple"}
        )
        counts.append(_statements_during(engine, partial(client.post, "/settings/export")))
    assert counts[0] == counts[1], counts


def test_the_archive_streams_in_pieces_as_it_is_written(client, story):
    client.post("/login", data={"identifier": HANDLE, "password": "correct horse battery staple"})
    response = client.post("/settings/export", buffered=False)
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="kindred-{HANDLE}-'
    )
    assert response.headers["Cache-Control"] == "no-store"
    chunks = list(response.response)
    assert len(chunks) > 5
    response.close()


def test_each_download_is_recorded_with_its_time_and_shown(client, session, story):
    before = session.scalar(select(func.count()).select_from(DataExport))
    download(client)
    assert session.scalar(select(func.count()).select_from(DataExport)) == before + 1
    page = client.get("/settings").get_data(as_text=True)
    assert page.count("your data</li>") == 2
    assert "Download the archive of Gardens" in page


def test_the_eleventh_download_in_a_day_gets_a_clear_429_and_changes_nothing(client, session):
    make_account("ada")
    client.post("/login", data={"identifier": "ada", "password": "correct horse battery staple"})
    for _ in range(10):
        assert client.post("/settings/export").status_code == 200
    response = client.post("/settings/export")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 23 * 3600
    page = response.get_data(as_text=True)
    assert "You have downloaded 10 archives in the last 24 hours" in page
    assert "The archives you already have are complete." in page
    assert session.scalar(select(func.count()).select_from(DataExport)) == 10


def test_download_needs_a_signed_in_account_and_a_post(client, session):
    assert client.post("/settings/export").status_code == 302
    make_account("ada")
    client.post("/login", data={"identifier": "ada", "password": "correct horse battery staple"})
    assert client.get("/settings/export").status_code == 405
