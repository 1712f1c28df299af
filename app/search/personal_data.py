"""What the search index keeps about people (nothing of its own), and what deletion does."""

from __future__ import annotations

from app.personal_data import Feature, Table, register

register(
    Feature(
        name="search",
        tables=(
            Table(
                "post_search",
                title="The search index",
                holds="The words of each post readers may read, and its thread's title, so "
                "that search finds them. Nothing that is not already in the posts.",
                why="To find what was said again.",
                kept="As long as the post is readable: a post hidden, deleted or erased "
                "leaves the index in the same moment.",
                excluded="It is made from your posts and threads, which are exported "
                "themselves (posts.json, threads.json).",
                on_delete="Erased posts leave it at once; kept posts stay findable under "
                "“a deleted member”.",
                outside_models=True,
            ),
        ),
    )
)
