"""Payments through Stripe: checkout, billing portal, webhooks, reconcile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask

bp = Blueprint("billing", __name__, template_folder="templates")

STRIPE_HOSTED_ORIGINS = ("https://checkout.stripe.com", "https://billing.stripe.com")


def hosted_page_origins(api_base: str | None) -> list[str]:
    """Where "Become a member" and "Manage billing" redirect: the sandbox or Stripe."""
    if api_base:
        parts = urlsplit(api_base)
        return [f"{parts.scheme}://{parts.netloc}"]
    return list(STRIPE_HOSTED_ORIGINS)


def init_app(app: Flask) -> None:
    from app.billing import cli, routes, services
    from app.extensions import csrf

    # Chrome applies CSP form-action to the 303 that follows our own form's POST.
    form_action = list(app.config.get("CSP_FORM_ACTION", []))
    for origin in hosted_page_origins(app.config["STRIPE_API_BASE"]):
        if origin not in form_action:
            form_action.append(origin)
    app.config["CSP_FORM_ACTION"] = form_action
    csrf.exempt(routes.receive_webhook)
    app.add_template_filter(services.format_money, "money")
    app.register_blueprint(bp)
    app.cli.add_command(cli.billing)
