"""Payments through Stripe: checkout, billing portal, webhooks, reconcile."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
