"""Time a member's export as a browser gets it, and measure the worker's memory.

    .venv/bin/python -m bench.export [--posts 2000 20000] [--rounds 3]

For each size, builds a throwaway SQLite database with one member who wrote that many
posts (in threads of ten, a tenth of them edited once, among replies by someone else),
serves it with gunicorn (one sync worker, its own control socket), signs in through the
real forms and downloads the archive over HTTP. Prints the median time to the first
byte of the ZIP, the median total time, the archive's size, and the worker's peak memory
growth during the download (its peak resident set, reset just before, minus its
resident set then), and the worker's CPU time for the download, which other processes on
a shared machine do not inflate. Targets for 20,000 posts: first byte < 0.3 s, total < 3 s, memory
growth < 20 MB.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.db import Base, db, utcnow
from app.groups.models import Group, GroupMember, Post, PostRevision, Thread
from app.markdown import render_markdown
from tests.helpers import DEFAULT_PASSWORD, make_member

ROOT = Path(__file__).resolve().parent.parent
BODY = (
    "I tried this on my **north-facing** balcony last spring. The basil sulked, the mint "
    "took over, and the chard did better than anything else. If you only have four hours "
    "of light, start with leafy greens and see [the seed list](https://example.org/seeds). "
    "> Water in the morning, not at night.\n\nThat advice alone saved my tomatoes. {n}"
)


def seed(url: str, posts: int) -> None:
    """One member, ``posts`` posts of theirs in threads of ten, and a neighbour's replies."""
    flask_app = create_app({"DATABASE_URL": url})
    with flask_app.app_context():
        Base.metadata.create_all(db.engine)
        ada = make_member("ada")
        bea = make_member("bea")
        group = Group(
            slug="gardens", name="Gardens", sort_name="gardens", purpose="Growing things.",
            visibility="public", join_policy="open", created_by_id=ada.id,
        )  # fmt: skip
        db.session.add(group)
        db.session.flush()
        db.session.add_all(
            GroupMember(group_id=group.id, account_id=who.id, role=role)
            for who, role in ((ada, "host"), (bea, "member"))
        )
        start = utcnow() - timedelta(days=365)
        thread_count = max(1, posts // 10)
        db.session.execute(
            insert(Thread),
            [
                {"group_id": group.id, "author_id": ada.id, "title": f"Thread {n}",
                 "created_at": start, "last_activity_at": start}
                for n in range(thread_count)
            ],
        )  # fmt: skip
        first_thread = db.session.query(Thread.id).order_by(Thread.id).first()[0]
        rows = []
        for n in range(posts):
            body = BODY.format(n=n)
            rows.append(
                {"thread_id": first_thread + n % thread_count, "group_id": group.id,
                 "author_id": ada.id, "is_opener": n < thread_count, "body": body,
                 "body_html": str(render_markdown(body)),
                 "created_at": start + timedelta(minutes=n),
                 "edited_at": start + timedelta(minutes=n, seconds=30) if n % 10 == 0 else None}
            )  # fmt: skip
            if n % 10 == 5:
                rows.append(
                    {"thread_id": first_thread + n % thread_count, "group_id": group.id,
                     "author_id": bea.id, "is_opener": False, "body": "Thank you!",
                     "body_html": "<p>Thank you!</p>", "created_at": start + timedelta(minutes=n)}
                )  # fmt: skip
        db.session.execute(insert(Post), rows)
        edited = db.session.query(Post.id, Post.created_at).filter(Post.edited_at.isnot(None))
        db.session.execute(
            insert(PostRevision),
            [
                {"post_id": post_id, "body": "An earlier version.", "written_at": created,
                 "replaced_at": created + timedelta(seconds=30)}
                for post_id, created in edited
            ],
        )  # fmt: skip
        db.session.commit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_of(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (independent of other load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def wait_for(base: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/about", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer")


def sign_in(base: str) -> tuple[str, str]:
    """Log in through the real form; return the session cookie and a settings CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    form = {"identifier": "ada", "password": DEFAULT_PASSWORD, "csrf_token": token}
    opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read()
    page = opener.open(base + "/settings").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def download(port: int, cookie: str, token: str, into: Path) -> tuple[float, float, int]:
    """POST the export form; return (seconds to first byte, seconds in all, bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = urllib.parse.urlencode({"csrf_token": token})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    started = time.perf_counter()
    connection.request("POST", "/settings/export", body, headers)
    response = connection.getresponse()
    assert response.status == 200, response.status
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size = len(first)
    with into.open("wb") as out:
        out.write(first)
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            out.write(chunk)
    total = time.perf_counter() - started
    connection.close()
    return first_byte, total, size


def measure(posts: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        seed(url, posts)
        port = free_port()
        env = dict(os.environ, KINDRED_CONFIG="development", DATABASE_URL=url,
                   KINDRED_INSTANCE_DIR=str(folder), EXPORTS_PER_DAY="1000",
                   SECRET_KEY="bench-only")  # noqa: S106  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--control-socket", str(folder / "gunicorn.ctl"),
             "--access-logfile", "/dev/null", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base)
            worker = worker_of(server.pid)
            cookie, token = sign_in(base)
            archive = folder / "export.zip"
            download(port, cookie, token, archive)  # warm up: templates, imports, caches
            with zipfile.ZipFile(archive) as zipped:
                assert zipped.testzip() is None
            firsts, totals, growths, cpus = [], [], [], []
            for _ in range(rounds):
                before = memory_kb(worker, "VmRSS")
                Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM)
                cpu = cpu_seconds(worker)
                first, total, size = download(port, cookie, token, archive)
                cpus.append(cpu_seconds(worker) - cpu)
                growths.append((memory_kb(worker, "VmHWM") - before) / 1024)
                firsts.append(first)
                totals.append(total)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "first": statistics.median(firsts),
        "total": statistics.median(totals),
        "size": size / 1024 / 1024,
        "growth": max(growths),
        "cpu": statistics.median(cpus),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    header = f"{'posts':>7} {'first byte s':>13} {'total s':>8} {'worker CPU s':>13}"
    print(f"{header} {'zip MB':>7} {'peak growth MB':>15}")
    for posts in options.posts:
        figures = measure(posts, options.rounds)
        print(
            f"{posts:7} {figures['first']:13.3f} {figures['total']:8.2f} {figures['cpu']:13.2f} "
            f"{figures['size']:7.1f} {figures['growth']:15.1f}"
        )
    print("targets at 20,000 posts: first byte < 0.3 s, total < 3 s, peak growth < 20 MB")


if __name__ == "__main__":
    main()
