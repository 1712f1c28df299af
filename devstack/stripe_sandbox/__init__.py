"""A local, stateful, Stripe-compatible server for development and tests.

Kindred's code talks to it through the unmodified ``stripe`` library with the API base
pointed here; members pay on its hosted Checkout page and manage billing on its portal page.
"""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, make_server

from .state import SandboxState
from .store import SANDBOX_SECRET_KEY
from .web import create_sandbox_app

__all__ = ["SANDBOX_SECRET_KEY", "SandboxState", "create_sandbox_app", "serve_in_thread"]


def serve_in_thread(
    state: SandboxState, host: str = "127.0.0.1", port: int = 0
) -> tuple[BaseWSGIServer, str]:
    """Serve the sandbox from a daemon thread; returns ``(server, base_url)``.

    ``port=0`` picks a free port.  The state's ``public_url`` is set to ``base_url``.  Stop
    with ``server.shutdown()``.
    """
    server = make_server(host, port, create_sandbox_app(state), threaded=True)
    base_url = f"http://{host}:{server.server_port}"
    state.public_url = base_url
    # A short poll interval keeps ``shutdown()`` quick, which matters in test teardown.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="stripe-sandbox",
        daemon=True,
    )
    thread.start()
    return server, base_url
