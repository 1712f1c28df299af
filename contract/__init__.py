"""Kindred's contract with Stripe, checked against Stripe's real test mode.

Not part of the default suite (it needs a real key and the network); run it on its own:

    STRIPE_TEST_SECRET_KEY=sk_test_... .venv/bin/python -m pytest -p no:cacheprovider contract

``stories.py`` holds the checks; the default suite runs the same stories against the local
sandbox (``tests/billing/test_contract_stories.py``), so they cannot rot unnoticed.
"""
