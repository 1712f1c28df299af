"""A group's hosts take the whole group with them: threads, posts, members, its log."""

from __future__ import annotations

import pytest
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader

from app.groups import services as groups
from app.groups.permissions import access_to
from tests.exports.support import (
    EMAIL,
    HANDLE,
    OTHER_EMAILS,
    all_text,
    read_json,
    seed_story,
    unzip,
)
from tests.helpers import DEFAULT_PASSWORD, make_account

AS = "https://www.w3.org/ns/activitystreams#"


@pytest.fixture
def story(session):
    return seed_story()


def log_in(client, handle):
    client.post("/login", data={"identifier": handle, "password": DEFAULT_PASSWORD})


def test_host_downloads_the_whole_group_by_handle(client, story):
    groups.delete_post(story.bob, story.quoted_by_bob)
    log_in(client, HANDLE)
    archive = unzip(client.post("/settings/export/groups/gardens"))
    assert set(archive.namelist()) == {
        "manifest.json",
        "README.txt",
        "group.json",
        "threads.json",
        "posts.json",
        "outbox.json",
        "moderation_log.json",
        "index.html",
    }
    group = read_json(archive, "group.json")
    assert group["format"] == "kindred-group-archive"
    assert group["group"]["name"] == "Gardens"
    assert {member["handle"]: member["role"] for member in group["members"]} == {
        HANDLE: "host",
        "cai": "moderator",
        "bob": "member",
    }
    posts = read_json(archive, "posts.json")["posts"]
    assert [post["author"] for post in posts] == [HANDLE, HANDLE, "bob", "cai"]
    deleted = posts[2]
    assert deleted["deleted_at"] and deleted["markdown"] is None and deleted["html"] is None
    hidden = posts[3]
    assert hidden["hidden_by_moderators_at"] and hidden["markdown"] == "Anyone selling a bicycle?"
    log = read_json(archive, "moderation_log.json")["entries"]
    assert [(entry["by"], entry["action"]) for entry in log] == [
        (f"@{HANDLE}", "hid"),
        (f"@{HANDLE}", "banned"),
    ]
    assert log[1]["target"] == "@dan"
    text = all_text(archive)
    for email in (EMAIL, *OTHER_EMAILS):
        assert email not in text
    assert "Agreed, and mine did well in pots." not in text  # Bob deleted it


def test_group_outbox_attributes_each_note_to_its_author(client, story):
    log_in(client, HANDLE)
    outbox = read_json(unzip(client.post("/settings/export/groups/gardens")), "outbox.json")
    expanded = jsonld.expand(outbox, {"documentLoader": FrozenDocumentLoader()})
    notes = [item[AS + "object"][0] for item in expanded[0][AS + "items"][0]["@list"]]
    authors = [note[AS + "attributedTo"][0]["@id"].rsplit("/", 1)[1] for note in notes]
    assert authors == [HANDLE, HANDLE, "bob", "cai"]


def test_only_hosts_download_a_group_and_a_private_group_stays_hidden(client, story):
    log_in(client, "cai")
    assert client.post("/settings/export/groups/gardens").status_code == 403
    assert client.post("/settings/export/groups/hideout").status_code == 404
    make_account("eve")
    log_in(client, "eve")
    assert client.post("/settings/export/groups/hideout").status_code == 404
    log_in(client, "bob")
    archive = unzip(client.post("/settings/export/groups/hideout"))
    members = read_json(archive, "group.json")["members"]
    assert {member["handle"] for member in members} == {"bob", HANDLE}


def test_a_host_who_left_cannot_download_the_group_any_more(client, story, session):
    groups.leave_group(access_to(story.gardens, story.zinnia))
    session.commit()
    log_in(client, HANDLE)
    assert client.post("/settings/export/groups/gardens").status_code == 403


def test_group_archive_manifest_lists_its_files_without_a_members_records(client, story):
    log_in(client, HANDLE)
    archive = unzip(client.post("/settings/export/groups/gardens"))
    manifest = read_json(archive, "manifest.json")
    assert manifest["format"] == "kindred-group-archive"
    assert manifest["group"] == {"slug": "gardens", "name": "Gardens"}
    files = {entry["file"]: entry for entry in manifest["files"]}
    assert set(files) == set(archive.namelist()) - {"manifest.json", "README.txt"}
    assert all(entry["records"] == [] for entry in files.values())
    assert "The archive of the group Gardens" in archive.read("README.txt").decode()
