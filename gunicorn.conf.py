"""gunicorn's settings for Kindred (`gunicorn wsgi:app` reads this file by itself)."""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Kindred keeps no client addresses or browser details, not even in its logs: the access
# log names the time, request method and path, status, size and duration only.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def configuration_problem(worker_count: int) -> str | None:
    """Why Kindred must not be served with these settings, in one line, or None."""
    from config import ConfigurationError, selected_config

    try:
        config_class = selected_config()
    except ConfigurationError as error:
        return f"Error: {error}"
    storage = config_class.RATELIMIT_STORAGE_URI
    if worker_count > 1 and storage.startswith("memory:"):
        return (
            f"Error: Kindred refuses to serve with {worker_count} workers and "
            "RATELIMIT_STORAGE_URI=memory://: each worker would count on its own, so every "
            "rate limit would let through several times its number. Set RATELIMIT_STORAGE_URI "
            "to a shared store (redis://127.0.0.1:6379/0), or WEB_CONCURRENCY=1."
        )
    return None


def on_starting(server) -> None:
    """Check the configuration once, in the master, before any worker is started."""
    problem = configuration_problem(server.cfg.workers)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
