"""The floor: the least a Flask + SQLAlchemy + Jinja app can do to show Kindred's pages.

Served by ``bench/floor.py`` under gunicorn beside Kindred, from the same database:
one indexed query per page, templates compiled once, no sessions, no forms, no
permissions, no security headers. Kindred's figures are read as a ratio of this one's.
"""

from __future__ import annotations

import os

from flask import Flask, abort
from jinja2 import Environment
from sqlalchemy import DateTime, create_engine, text

engine = create_engine(os.environ["FLOOR_DATABASE_URL"], pool_size=2)
templates = Environment(autoescape=True)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="/static/kindred.css"></head><body>
<header><nav><a href="/">Kindred</a> <a href="/groups">Groups</a> <a href="/search">Search</a>
<a href="/login">Log in</a> <a href="/signup">Sign up</a></nav></header><main>{{ body }}</main>
<footer><a href="/about">About</a> <a href="/privacy">Privacy</a></footer></body></html>"""

THREAD = templates.from_string(
    """<p><a href="/groups/{{ rows[0].slug }}">{{ rows[0].group_name }}</a></p>
<h1>{{ rows[0].title }}</h1>
{% for post in rows %}<article class="post" id="post-{{ post.id }}">
<p class="post-meta"><a href="/u/{{ post.handle }}">{{ post.display_name or post.handle }}</a> ·
<time datetime="{{ post.created_at.isoformat() }}">
{{- post.created_at.strftime('%Y-%m-%d %H:%M') }} UTC</time></p>
<div class="post-body">{{ post.body_html|safe }}</div></article>{% endfor %}"""
)
GROUP = templates.from_string(
    """<h1>{{ rows[0].group_name }}</h1><p>{{ rows[0].purpose }}</p><ul>
{% for thread in rows %}<li>
<a href="/groups/{{ thread.slug }}/threads/{{ thread.id }}">{{ thread.title }}</a>
<br>started by <a href="/u/{{ thread.handle }}">{{ thread.display_name or thread.handle }}</a> ·
{{ thread.reply_count }} replies ·
last activity {{ thread.last_activity_at.strftime('%Y-%m-%d %H:%M') }} UTC</li>
{% endfor %}</ul>"""
)
DIRECTORY = templates.from_string(
    """<h1>Groups</h1><ul>{% for group in rows %}<li><a href="/groups/{{ group.slug }}">
<strong>{{ group.name }}</strong></a><br>{{ group.purpose }}</li>{% endfor %}</ul>"""
)
SHELL = templates.from_string(PAGE)

THREAD_QUERY = text(
    "SELECT p.id, p.body_html, p.created_at, a.handle, a.display_name, t.title,"
    " g.name AS group_name, g.slug FROM posts p JOIN threads t ON t.id = p.thread_id"
    " JOIN groups g ON g.id = t.group_id LEFT JOIN accounts a ON a.id = p.author_id"
    " WHERE p.thread_id = :id ORDER BY p.created_at, p.id LIMIT 51"
).columns(created_at=DateTime())
GROUP_QUERY = text(
    "SELECT t.id, t.title, t.reply_count, t.last_activity_at, a.handle, a.display_name,"
    " g.name AS group_name, g.slug, g.purpose FROM groups g JOIN threads t ON t.group_id = g.id"
    " LEFT JOIN accounts a ON a.id = t.author_id WHERE g.slug = :slug"
    " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 51"
).columns(last_activity_at=DateTime())
DIRECTORY_QUERY = text(
    "SELECT slug, name, purpose FROM groups WHERE visibility = 'public'"
    " ORDER BY created_at DESC, id DESC LIMIT 51"
)

app = Flask(__name__)


def _page(template, query, title: str, **parameters) -> str:
    with engine.connect() as connection:
        rows = connection.execute(query, parameters).all()
    if not rows:
        abort(404)
    return SHELL.render(title=title, body=template.render(rows=rows))


@app.get("/groups/<slug>/threads/<int:thread_id>")
def thread(slug: str, thread_id: int) -> str:
    return _page(THREAD, THREAD_QUERY, "Thread", id=thread_id)


@app.get("/groups/<slug>")
def group(slug: str) -> str:
    return _page(GROUP, GROUP_QUERY, "Group", slug=slug)


@app.get("/groups")
def directory() -> str:
    return _page(DIRECTORY, DIRECTORY_QUERY, "Groups")
