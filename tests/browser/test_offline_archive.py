"""The offline copy in an archive opens from the unzipped folder, loads nothing, passes axe."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import Account
from app.db import db
from app.exports import archive
from app.groups.models import Group
from tests.browser.helpers import LiveServer, Origins, audit, follow, log_in, visit
from tests.exports.support import HANDLE, seed_story
from tests.helpers import DEFAULT_PASSWORD


def _unzipped(live_server: LiveServer, build, folder: Path) -> Path:
    with live_server.app.test_request_context(base_url=live_server.url):
        data = b"".join(build())
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    return folder / "index.html"


def _open_offline(page: Page, origins: Origins, index: Path) -> list[str]:
    origins.others.add("file://")  # the folder itself; checked more closely below
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.as_uri())
    audit(page)
    return requests


def test_members_offline_copy_opens_with_no_request_leaving_it(
    page: Page, live_server: LiveServer, origins: Origins, tmp_path: Path
):
    with live_server.app.app_context():
        seed_story()
        zinnia = db.session.scalar(select(Account).where(Account.handle == HANDLE))
    index = _unzipped(live_server, lambda: archive.account_archive(zinnia), tmp_path)
    requests = _open_offline(page, origins, index)
    assert requests == [index.as_uri()]
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Everything Kindred keeps about @{HANDLE}"
    )
    expect(page.get_by_text("Second thoughts, after a week.")).to_be_visible()
    expect(page.get_by_role("link", name="a photo")).to_have_attribute(
        "href", "https://images.example.net/pixel.png"
    )
    assert page.locator("img, script, link[rel=stylesheet]").count() == 0


def test_group_archives_offline_copy_opens_with_no_request_leaving_it(
    page: Page, live_server: LiveServer, origins: Origins, tmp_path: Path
):
    with live_server.app.app_context():
        seed_story()
        gardens = db.session.scalar(select(Group).where(Group.slug == "gardens"))
    index = _unzipped(live_server, lambda: archive.group_archive(gardens), tmp_path)
    requests = _open_offline(page, origins, index)
    assert requests == [index.as_uri()]
    expect(page.get_by_role("heading", level=1)).to_have_text("The archive of Gardens")
    expect(page.get_by_text("Agreed, and mine did well in pots.")).to_be_visible()


def test_download_from_settings_then_a_clear_page_at_the_limit(
    page: Page, live_server_factory, tmp_path: Path
):
    live = live_server_factory(EXPORTS_PER_DAY=2)  # the story made one download already
    with live.app.app_context():
        seed_story()
    log_in(page, live.url, HANDLE, DEFAULT_PASSWORD)
    visit(page, live.url + "/settings")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "mine.zip"
    waiting.value.save_as(saved)
    assert "posts.json" in zipfile.ZipFile(saved).namelist()
    follow(page, page.get_by_role("button", name="Download my data"), status=429)
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait for your next download")


def test_the_delete_page_passes_its_audit_with_errors(page: Page, live_server: LiveServer):
    with live_server.app.app_context():
        seed_story()
    log_in(page, live_server.url, HANDLE, DEFAULT_PASSWORD)
    visit(page, live_server.url + "/settings/delete")
    page.get_by_label("Your password").fill("not my password")
    follow(page, page.get_by_role("button", name="Delete my account"), status=400)
    expect(page.get_by_text("Choose what happens to your posts.")).to_be_visible()
    page.get_by_label("Keep them, under “a deleted member”").check()
    page.get_by_label("Your password").fill("not my password")
    follow(page, page.get_by_role("button", name="Delete my account"), status=400)
    expect(page.get_by_text("Your password is not correct.")).to_be_visible()
    page.get_by_label("Keep them, under “a deleted member”").check()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    follow(page, page.get_by_role("button", name="Delete my account"))
    expect(page.get_by_role("status")).to_contain_text("Your account is deleted.")
