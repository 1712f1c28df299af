"""Kindred's read pages against the floor, at a small and a large size, and a write test.

    .venv/bin/python -m bench.floor [--small 10000] [--large 1000000] [--rounds 3]
        [--seconds 4] [--connections 8] [--sqlite] [--fronts] [--replica URL]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each size it builds a throwaway database (PostgreSQL: ``kindred_bench_floor_test_<pid>``,
dropped at the end; ``--sqlite``: a file in a temporary directory) with 1,000 public
groups, threads of ten posts spread over them, one group ("bench") of 60 threads and in
it one thread of an opening post and 50 replies; posts go in by COPY (executemany on
SQLite) with the search trigger off, since search is not measured here.

It then serves Kindred (``wsgi:app``, production settings) and the floor
(``bench/floor_app.py``: one query, a template compiled once) under gunicorn, two sync
workers each, each with its own ``--control-socket`` and a free port on loopback, and
drives both with wrk in interleaved rounds (floor, Kindred, floor, ...) on the thread
page, the group page, the directory and the signed-in thread page (against the floor's
thread page). It prints req/s, p50 and p99 per page, the ratio Kindred/floor, and at the
end the ratio large/small for each page.

With ``--fronts`` (and nginx installed), the thread page is also measured through nginx
to one Kindred app server, to two (on this same machine and database), and through the
README's ``proxy_cache`` in front. With ``--replica`` (the maintenance database of a
streaming replica of ``--postgres``), the thread page is measured with Kindred reading
signed-out pages from the replica (``DATABASE_READ_URL``) against the primary alone.

Last, the write test: ``--writers`` members post replies to one thread as fast as they
can for ``--seconds`` x 3, through Kindred's own form (CSRF token and all); it prints
writes/s, p99 and errors, then counts that every acknowledged reply is stored.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import OperationalError, ProgrammingError

import app.models  # noqa: F401  (every table, for create_all)
from app import create_app
from app.db import Base, db
from app.groups.models import Group, GroupMember, Post, Thread
from app.markdown import render_markdown
from tests.helpers import DEFAULT_PASSWORD, make_member

ROOT = Path(__file__).resolve().parent.parent
GROUPS = 1000
POSTS_PER_THREAD = 10
BENCH_THREADS = 60
REPLIES = 50
WRITERS = 8
BODY = (
    "A post of a few sentences, as people write them: *some emphasis*, a [link](https://"
    "example.org) and a second paragraph.\n\nIt goes on a little, then stops."
)


@contextmanager
def throwaway_postgres(admin_url: str, label: str):
    name = f"kindred_bench_floor_test_{label}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows(posts: int, authors: list[int]):
    """(threads, posts) rows: the bench group's 60 threads first (thread 1 has 50
    replies), then threads of ten posts over the other groups."""
    start = datetime(2028, 1, 1, tzinfo=UTC)
    html = str(render_markdown(BODY))
    threads, thread_posts = [], []
    left = posts - (REPLIES + 1) - (BENCH_THREADS - 1)
    count = BENCH_THREADS + max(0, left // POSTS_PER_THREAD)
    for n in range(1, count + 1):
        group_id = 1 if n <= BENCH_THREADS else 2 + n % (GROUPS - 1)
        size = REPLIES + 1 if n == 1 else 1 if n <= BENCH_THREADS else POSTS_PER_THREAD
        at = start + timedelta(seconds=n)
        threads.append((n, group_id, authors[n % len(authors)], f"Thread {n}", at, size - 1))
        thread_posts.append((n, group_id, size, at))

    def post_rows():
        for thread_id, group_id, size, at in thread_posts:
            for k in range(size):
                author = authors[(thread_id + k) % len(authors)]
                yield (thread_id, group_id, author, k == 0, BODY, html, at + timedelta(seconds=k))

    return threads, post_rows()


def seed(url: str, posts: int) -> None:
    flask_app = create_app({"DATABASE_URL": url})
    with flask_app.app_context():
        Base.metadata.create_all(db.engine)
        session = db.session
        members = [
            make_member(f"member{n}", display_name=f"Member {n}") for n in range(WRITERS + 12)
        ]
        authors = [member.id for member in members]
        now = datetime(2027, 1, 1, tzinfo=UTC)
        session.execute(
            insert(Group),
            [
                {
                    "slug": "bench" if n == 1 else f"group-{n}",
                    "name": "Bench" if n == 1 else f"Group {n}",
                    "sort_name": "bench" if n == 1 else f"group {n}",
                    "purpose": "Talk about one thing.",
                    "description": "",
                    "visibility": "public",
                    "join_policy": "open",
                    "created_by_id": authors[0],
                    "created_at": now + timedelta(minutes=n),
                }
                for n in range(1, GROUPS + 1)
            ],
        )
        session.execute(
            insert(GroupMember),
            [
                {"group_id": 1, "account_id": author, "role": "host" if i == 0 else "member"}
                for i, author in enumerate(authors)
            ],
        )
        threads, post_rows = _rows(posts, authors)
        thread_columns = ("id", "group_id", "author_id", "title", "created_at", "reply_count")
        post_columns = ("thread_id", "group_id", "author_id", "is_opener", "body", "body_html")
        if db.engine.dialect.name == "postgresql":
            cursor = session.connection().connection.driver_connection.cursor()
            with cursor.copy(
                "COPY threads (id, group_id, author_id, title, created_at, reply_count,"
                " last_activity_at, removed) FROM STDIN"
            ) as copy:
                for row in threads:
                    copy.write_row((*row, row[4], False))
            session.execute(text("SELECT setval('threads_id_seq', (SELECT max(id) FROM threads))"))
            session.execute(text("ALTER TABLE posts DISABLE TRIGGER post_search_sync_post"))
            with cursor.copy(
                "COPY posts (thread_id, group_id, author_id, is_opener, body, body_html,"
                " created_at) FROM STDIN"
            ) as copy:
                for row in post_rows:
                    copy.write_row(row)
            session.execute(text("ALTER TABLE posts ENABLE TRIGGER post_search_sync_post"))
            session.commit()
            session.execute(text("ANALYZE"))
        else:
            session.execute(
                insert(Thread),
                [
                    dict(
                        zip(thread_columns, row, strict=False),
                        last_activity_at=row[4],
                        removed=False,
                    )
                    for row in threads
                ],
            )
            triggers = session.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                session.execute(text(f'DROP TRIGGER "{name}"'))
            batch = []
            for row in post_rows:
                batch.append(dict(zip((*post_columns, "created_at"), row, strict=True)))
                if len(batch) == 20_000:
                    session.execute(insert(Post), batch)
                    batch = []
            if batch:
                session.execute(insert(Post), batch)
            for _name, sql in triggers:
                session.execute(text(sql))
            session.commit()
            session.execute(text("ANALYZE"))
        session.commit()
    flask_app.extensions["kindred_db"].engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(name: str, app_path: str, environment: dict[str, str], workdir: Path):
    """Serve ``app_path`` under gunicorn (2 sync workers, its own control socket)."""
    port = free_port()
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--config", str(ROOT / "bench/gunicorn_bench.py"),
        "--bind", f"127.0.0.1:{port}",
        "--control-socket", str(workdir / f"{name}.ctl"),
        app_path,
    ]  # fmt: skip
    log = open(workdir / f"{name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **environment}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/groups", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} did not start: see {workdir / name}.log") from None
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wrk(url: str, seconds: float, connections: int, cookie: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses")

    def latency(percent: str) -> float:
        value, unit = re.search(rf"{percent}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rate": rate, "p50": latency("50"), "p99": latency("99")}


def sign_in(base: str, handle: str) -> tuple[str, str]:
    """Sign ``handle`` in through the form; return the session cookie and a CSRF token."""
    with urllib.request.urlopen(base + "/login") as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        html = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"identifier": handle, "password": DEFAULT_PASSWORD, "csrf_token": token}
    ).encode()
    request = urllib.request.Request(base + "/login", data=data, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(request) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    page = urllib.request.Request(base + "/groups/bench/threads/1", headers={"Cookie": cookie})
    with urllib.request.urlopen(page) as response:
        html = response.read().decode()
        # The page's forms put a CSRF token in the session: a new cookie.
        if response.headers["Set-Cookie"]:
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return cookie, token


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def http_error_303(self, req, fp, code, msg, headers):
        return fp

    http_error_302 = http_error_303


PAGES = [
    # (name, Kindred path, floor path, signed in)
    ("thread page", "/groups/bench/threads/1", "/groups/bench/threads/1", False),
    ("group page", "/groups/bench", "/groups/bench", False),
    ("directory", "/groups", "/groups", False),
    ("thread, signed in", "/groups/bench/threads/1", "/groups/bench/threads/1", True),
]


def environment(url: str, workdir: Path) -> dict[str, str]:
    return {
        "KINDRED_CONFIG": "production",
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": url,
        "FLOOR_DATABASE_URL": url,
        "JOBS_URL": f"sqlite:///{workdir / 'jobs.sqlite3'}",
        "KINDRED_INSTANCE_DIR": str(workdir / "instance"),
        "PYTHONPATH": str(ROOT),
    }


def measure_reads(url: str, options, workdir: Path) -> dict[str, dict]:
    env = environment(url, workdir)
    results: dict[str, dict[str, list]] = {name: {"kindred": [], "floor": []} for name, *_ in PAGES}
    with (
        serve("kindred", "wsgi:app", env, workdir) as kindred,
        serve("floor", "bench.floor_app:app", env, workdir) as floor,
    ):
        cookie, _token = sign_in(kindred, "member1")
        for _name, path, floor_path, signed_in in PAGES:  # warm both up
            wrk(kindred + path, 1, options.connections, cookie if signed_in else None)
            wrk(floor + floor_path, 1, options.connections)
        for _round in range(options.rounds):
            for name, path, floor_path, signed_in in PAGES:
                results[name]["floor"].append(
                    wrk(floor + floor_path, options.seconds, options.connections)
                )
                results[name]["kindred"].append(
                    wrk(
                        kindred + path,
                        options.seconds,
                        options.connections,
                        cookie if signed_in else None,
                    )
                )
    summary = {}
    print(f"{'page':<20}{'floor req/s':>12}{'p50':>8}{'p99':>8}"
          f"{'Kindred req/s':>15}{'p50':>8}{'p99':>8}{'ratio':>7}{'p99 x':>7}")  # fmt: skip
    for name, runs in results.items():
        row = {
            side: {key: statistics.median(run[key] for run in runs[side]) for key in runs[side][0]}
            for side in runs
        }
        floor_row, kindred_row = row["floor"], row["kindred"]
        ratio = kindred_row["rate"] / floor_row["rate"]
        summary[name] = row
        print(
            f"{name:<20}{floor_row['rate']:>12.0f}{floor_row['p50']:>8.1f}{floor_row['p99']:>8.1f}"
            f"{kindred_row['rate']:>15.0f}{kindred_row['p50']:>8.1f}{kindred_row['p99']:>8.1f}"
            f"{ratio:>7.2f}{kindred_row['p99'] / floor_row['p99']:>7.2f}"
        )
    return summary


def measure_writes(url: str, options, workdir: Path) -> None:
    env = environment(url, workdir)
    seconds = options.seconds * 3
    with serve("kindred-writes", "wsgi:app", env, workdir) as kindred:
        writers = [sign_in(kindred, f"member{n}") for n in range(options.writers)]
        acknowledged: list[str] = []
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        opener = urllib.request.build_opener(NoRedirect)

        def write(number: int, cookie: str, token: str) -> None:
            count = 0
            while time.monotonic() < stop:
                body = f"Bench reply {number}-{count}"
                count += 1
                data = urllib.parse.urlencode({"body": body, "csrf_token": token}).encode()
                request = urllib.request.Request(
                    kindred + "/groups/bench/threads/1/replies",
                    data=data,
                    headers={"Cookie": cookie},
                )
                started = time.perf_counter()
                try:
                    with opener.open(request, timeout=30) as response:
                        status = response.status
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError as error:
                    status = repr(error)
                took = (time.perf_counter() - started) * 1000
                with lock:
                    if status == 303:
                        acknowledged.append(body)
                        latencies.append(took)
                    else:
                        errors.append(str(status))

        threads = [
            threading.Thread(target=write, args=(n, *writer)) for n, writer in enumerate(writers)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                text("SELECT body FROM posts WHERE thread_id = 1 AND body LIKE 'Bench reply %'")
            ).scalars()
        )
    engine.dispose()
    lost = len(set(acknowledged) - stored)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else float("nan")
    print(
        f"writes: {options.writers} members for {elapsed:.0f} s: {len(acknowledged) / elapsed:.0f} "
        f"replies/s, p99 {p99:.0f} ms, {len(errors)} errors, {lost} lost "
        f"({len(acknowledged)} acknowledged, {len(stored)} stored)"
    )
    if errors:
        print("   errors seen:", sorted(set(errors))[:5])


NGINX = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache keys_zone=kindred:10m;
    upstream one {{ server 127.0.0.1:{first}; keepalive 8; }}
    upstream two {{ server 127.0.0.1:{first}; server 127.0.0.1:{second}; keepalive 8; }}
    server {{  # the README's cache: bypassed by any cookie, revalidated with the ETag
        listen 127.0.0.1:{cached};
        location / {{
            proxy_pass http://one; proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_cache kindred; proxy_cache_revalidate on;
            proxy_cache_bypass $http_cookie; proxy_no_cache $http_cookie;
        }}
    }}
    server {{ listen 127.0.0.1:{single}; location / {{ proxy_pass http://one;
        proxy_http_version 1.1; proxy_set_header Connection "";
        proxy_set_header Host $http_host; }} }}
    server {{ listen 127.0.0.1:{double}; location / {{ proxy_pass http://two;
        proxy_http_version 1.1; proxy_set_header Connection "";
        proxy_set_header Host $http_host; }} }}
}}
"""


def measure_fronts(url: str, options, workdir: Path) -> None:
    """The thread page through nginx: to one app server, to two (on this one machine and
    database), and through the README's cache in front."""
    env = environment(url, workdir)
    path = "/groups/bench/threads/1"
    with (
        serve("kindred-1", "wsgi:app", env, workdir) as first,
        serve("kindred-2", "wsgi:app", env, workdir) as second,
    ):
        ports = {name: free_port() for name in ("cached", "single", "double")}
        os.chmod(workdir, 0o755)  # noqa: S103  (started as root, nginx's workers are nobody)
        conf = workdir / "nginx.conf"
        conf.write_text(
            NGINX.format(
                dir=workdir, first=first.rsplit(":", 1)[1], second=second.rsplit(":", 1)[1], **ports
            )
        )
        command = ["nginx", "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"]
        nginx = subprocess.Popen(command)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{ports['single']}{path}").read()
                    break
                except OSError:
                    time.sleep(0.1)
            rows = [
                ("app server, direct", first + path),
                ("nginx, 1 app server", f"http://127.0.0.1:{ports['single']}{path}"),
                ("nginx, 2 app servers", f"http://127.0.0.1:{ports['double']}{path}"),
                ("nginx cache in front", f"http://127.0.0.1:{ports['cached']}{path}"),
            ]
            for _name, target in rows:  # warm up
                wrk(target, 1, options.connections)
            results: dict[str, list[dict]] = {name: [] for name, _ in rows}
            for _round in range(options.rounds):
                for name, target in rows:
                    results[name].append(wrk(target, options.seconds, options.connections))
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)
    print("\nthread page, signed out, in front of Kindred (2 sync workers per app server):")
    print(f"{'':<24}{'req/s':>10}{'p50':>8}{'p99':>8}")
    for name, runs in results.items():
        row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"{name:<24}{row['rate']:>10.0f}{row['p50']:>8.1f}{row['p99']:>8.1f}")


def replica_of(url: str, replica: str) -> str:
    """The bench database's address on the replica, once the replica has caught up."""
    read_url = replica.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]
    engine = create_engine(url)
    with engine.connect() as connection:
        wanted = connection.execute(text("SELECT count(*) FROM posts")).scalar_one()
    engine.dispose()
    engine = create_engine(read_url)
    try:
        for _ in range(600):
            try:
                with engine.connect() as connection:
                    if connection.execute(text("SELECT count(*) FROM posts")).scalar() == wanted:
                        return read_url
            except (OperationalError, ProgrammingError):  # not there yet
                time.sleep(0.5)
                continue
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise RuntimeError("the replica did not catch up in 5 minutes")


def measure_replica(url: str, options, workdir: Path) -> None:
    """The thread page from Kindred on the primary alone, and with DATABASE_READ_URL on
    the replica (signed-out reads there, signed-in on the primary)."""
    read_url = replica_of(url, options.replica)
    path = "/groups/bench/threads/1"
    env = environment(url, workdir)
    with (
        serve("kindred-primary", "wsgi:app", env, workdir) as primary,
        serve(
            "kindred-replica", "wsgi:app", {**env, "DATABASE_READ_URL": read_url}, workdir
        ) as replica,
    ):
        cookies = {name: sign_in(base, "member1")[0] for name, base in
                   (("primary", primary), ("replica", replica))}  # fmt: skip
        rows = [
            ("primary only", primary, None),
            ("with the replica", replica, None),
            ("primary only, signed in", primary, cookies["primary"]),
            ("with the replica, signed in", replica, cookies["replica"]),
        ]
        for _name, base, cookie in rows:
            wrk(base + path, 1, options.connections, cookie)
        results: dict[str, list[dict]] = {name: [] for name, *_ in rows}
        for _round in range(options.rounds):
            for name, base, cookie in rows:
                results[name].append(wrk(base + path, options.seconds, options.connections, cookie))
    print("\nthread page, a PostgreSQL streaming replica for signed-out reads:")
    print(f"{'':<30}{'req/s':>10}{'p50':>8}{'p99':>8}")
    for name, runs in results.items():
        row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"{name:<30}{row['rate']:>10.0f}{row['p50']:>8.1f}{row['p99']:>8.1f}")


# The statements Kindred's pages run (as SQLAlchemy writes them), first and deep pages.
PLANS = {
    "thread page": "SELECT posts.id FROM posts WHERE posts.thread_id = 1"
    " ORDER BY posts.created_at, posts.id LIMIT 51",
    "group page": "SELECT threads.id FROM threads WHERE threads.group_id = 1"
    " ORDER BY threads.last_activity_at DESC, threads.id DESC LIMIT 51",
    "group page, deep": "SELECT threads.id FROM threads WHERE threads.group_id = 1"
    " AND threads.last_activity_at <= '2028-01-01 00:00:30+00'"
    " AND (threads.last_activity_at < '2028-01-01 00:00:30+00'"
    " OR (threads.last_activity_at = '2028-01-01 00:00:30+00' AND threads.id < 30))"
    " ORDER BY threads.last_activity_at DESC, threads.id DESC LIMIT 51",
    "directory": "SELECT groups.id FROM groups WHERE groups.visibility = 'public'"
    " ORDER BY groups.created_at DESC, groups.id DESC LIMIT 51",
    "directory, deep": "SELECT groups.id FROM groups WHERE groups.visibility = 'public'"
    " AND groups.created_at <= '2027-01-01 08:00:00+00'"
    " AND (groups.created_at < '2027-01-01 08:00:00+00'"
    " OR (groups.created_at = '2027-01-01 08:00:00+00' AND groups.id < 480))"
    " ORDER BY groups.created_at DESC, groups.id DESC LIMIT 51",
}


def explain(url: str) -> None:
    """Print the plan PostgreSQL picks for each page's main query."""
    engine = create_engine(url)
    with engine.connect() as connection:
        for name, statement in PLANS.items():
            plan = connection.execute(text(f"EXPLAIN (COSTS OFF) {statement}")).scalars()
            print(f"  {name}: " + " / ".join(line.strip() for line in plan))
    engine.dispose()


@contextmanager
def database(options, label: str):
    if options.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    else:
        with throwaway_postgres(options.postgres, label) as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--writers", type=int, default=WRITERS)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument(
        "--fronts",
        action="store_true",
        help="also nginx in front: one app server, two, and the cache (needs nginx)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server's maintenance database (the bench creates its own)",
    )
    parser.add_argument(
        "--replica",
        help="a streaming replica of --postgres (its maintenance database's URL): also "
        "measure the thread page with DATABASE_READ_URL on it",
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/floor.py needs wrk (apt-get install wrk)")
    if options.fronts and not shutil.which("nginx"):
        sys.exit("--fronts needs nginx (apt-get install nginx-light)")
    engine = "SQLite" if options.sqlite else "PostgreSQL"
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {engine}, gunicorn "
        f"2 sync workers each, wrk {options.connections} connections, {options.rounds} rounds "
        f"of {options.seconds} s"
    )
    summaries = {}
    for label, posts in (("small", options.small), ("large", options.large)):
        with database(options, label) as url, tempfile.TemporaryDirectory() as workdir:
            started = time.perf_counter()
            seed(url, posts)
            print(f"\n== {posts:,} posts, {GROUPS:,} groups "
                  f"(built in {time.perf_counter() - started:.0f} s)")  # fmt: skip
            if not options.sqlite:
                explain(url)
            summaries[label] = measure_reads(url, options, Path(workdir))
            if label == "small":
                measure_writes(url, options, Path(workdir))
                if options.fronts:
                    measure_fronts(url, options, Path(workdir))
                if options.replica:
                    measure_replica(url, options, Path(workdir))
    # The floor's own large/small shows how far the machine itself drifted between the two
    # sizes (it does the same work at both): on a shared machine that is often a tenth.
    print("\nlarge/small (req/s):      Kindred    floor")
    for name in summaries["small"]:
        small, large = summaries["small"][name], summaries["large"][name]
        kindred = large["kindred"]["rate"] / small["kindred"]["rate"]
        floor = large["floor"]["rate"] / small["floor"]["rate"]
        print(f"  {name:<20}{kindred:>9.2f}{floor:>9.2f}")


if __name__ == "__main__":
    main()
