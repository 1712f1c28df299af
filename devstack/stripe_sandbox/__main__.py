"""Run the sandbox: ``python -m devstack.stripe_sandbox --port 12111 --webhook-url ...``."""

from __future__ import annotations

import argparse

from werkzeug.serving import make_server

from .state import SandboxState
from .store import FAILED_PAYMENT_ACTIONS, SANDBOX_SECRET_KEY
from .web import create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(description="Kindred's local Stripe sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="Where to deliver signed webhook events.")
    parser.add_argument("--webhook-secret", help="The whsec_... secret to sign them with.")
    parser.add_argument("--data", help="JSON file that keeps the sandbox's state.")
    parser.add_argument(
        "--api-key",
        default=SANDBOX_SECRET_KEY,
        help=f"The one secret key the API accepts (default {SANDBOX_SECRET_KEY}).",
    )
    parser.add_argument(
        "--failed-payments",
        choices=FAILED_PAYMENT_ACTIONS,
        default="cancel",
        help="What happens to a subscription when every retry of a renewal failed.",
    )
    args = parser.parse_args(argv)
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")

    state = SandboxState(
        data_path=args.data,
        secret_key=args.api_key,
        failed_payment_action=args.failed_payments,
    )
    if args.webhook_url:
        state.add_webhook_endpoint(args.webhook_url, args.webhook_secret)
    server = make_server(args.host, args.port, create_sandbox_app(state), threaded=True)
    state.public_url = f"http://{args.host}:{server.server_port}"
    print(f"Stripe sandbox listening on {state.public_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
