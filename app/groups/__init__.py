"""Groups, threads, replies and moderation in the open."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
