"""The WSGI entry point: ``gunicorn wsgi:app``, and ``flask --app wsgi ...``.

A setting Kindred cannot start with ends the process with its one-line message, not a
traceback.
"""

from config import ConfigurationError

try:
    from app import create_app

    app = create_app()
except ConfigurationError as error:
    raise SystemExit(f"Error: {error}") from None
