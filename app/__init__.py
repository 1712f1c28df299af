"""Kindred: a members-funded, ad-free home for communities of purpose."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, selected_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build a Kindred app.

    Without ``test_config`` the class named by ``KINDRED_CONFIG`` is used
    (``production`` by default); with it, ``TestConfig`` overlaid by its values.
    Settings it cannot start with raise ``config.ConfigurationError``.
    """
    app = Flask(__name__, instance_path=os.environ.get("KINDRED_INSTANCE_DIR"))
    if test_config is None:
        app.config.from_object(selected_config())
    else:
        app.config.from_object(CONFIGS["test"])
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from app import caching, cli, errors, input, jobs, security, times
    from app.db import db
    from app.extensions import csrf, limiter, login_manager
    from app.markdown import render_markdown

    # First: its URL converters must be in place before any rule is added, and its
    # query-string check must run before anything reads the query string.
    input.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    jobs.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    times.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(render_markdown, "markdown")

    from app import (
        accounts,
        admin,
        billing,
        blocks,
        exports,
        groups,
        memberships,
        messages,
        notifications,
        pages,
        search,
        seats,
    )

    for feature in (
        pages,
        accounts,
        memberships,
        billing,
        seats,
        groups,
        search,
        messages,
        notifications,
        blocks,
        exports,
        admin,
    ):
        feature.init_app(app)

    if app.config["ENVIRONMENT"] == "development":
        # Beside the app, not part of it: only a developer's machine has `flask dev`.
        from devstack import cli as devstack_cli

        devstack_cli.init_app(app)

    return app
