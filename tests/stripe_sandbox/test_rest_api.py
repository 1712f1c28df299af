"""The REST API, exercised through the unmodified stripe library."""

from __future__ import annotations

import json

import pytest
import stripe

from devstack.stripe_sandbox import SANDBOX_SECRET_KEY

from .conftest import post_form, start_checkout


def test_products_and_prices_round_trip_and_filter_by_lookup_key(stripe_client, yearly_price):
    assert yearly_price.recurring.interval == "year"
    assert yearly_price.unit_amount == 6000
    found = stripe_client.v1.prices.list(params={"lookup_keys": ["kindred_yearly"]})
    assert [price.id for price in found.data] == [yearly_price.id]
    assert stripe_client.v1.prices.retrieve(yearly_price.id).lookup_key == "kindred_yearly"
    product = stripe_client.v1.products.retrieve(yearly_price.product)
    assert product.name == "Kindred membership"
    assert stripe_client.v1.products.list().data[0].id == product.id


def test_transfer_lookup_key_moves_the_key_to_the_new_price(stripe_client, yearly_price):
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.prices.create(
            params={
                "product": yearly_price.product,
                "unit_amount": 7000,
                "currency": "usd",
                "recurring": {"interval": "year"},
                "lookup_key": "kindred_yearly",
            }
        )
    newer = stripe_client.v1.prices.create(
        params={
            "product": yearly_price.product,
            "unit_amount": 7000,
            "currency": "usd",
            "recurring": {"interval": "year"},
            "lookup_key": "kindred_yearly",
            "transfer_lookup_key": True,
        }
    )
    found = stripe_client.v1.prices.list(params={"lookup_keys": ["kindred_yearly"]}).data
    assert [price.id for price in found] == [newer.id]


def test_customers_create_update_list_and_paginate(stripe_client):
    ada = stripe_client.v1.customers.create(params={"email": "ada@example.org"})
    bob = stripe_client.v1.customers.create(params={"email": "bob@example.org"})
    updated = stripe_client.v1.customers.update(ada.id, params={"metadata": {"member": "7"}})
    assert updated.metadata.to_dict() == {"member": "7"}
    by_email = stripe_client.v1.customers.list(params={"email": "ada@example.org"})
    assert [c.id for c in by_email.data] == [ada.id]
    first_page = stripe_client.v1.customers.list(params={"limit": 1})
    assert [c.id for c in first_page.data] == [bob.id] and first_page.has_more
    second = stripe_client.v1.customers.list(params={"limit": 1, "starting_after": bob.id})
    assert [c.id for c in second.data] == [ada.id] and not second.has_more
    assert first_page.url == "/v1/customers"


def test_unknown_ids_raise_invalid_request_error_with_resource_missing(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.subscriptions.retrieve("sub_nope")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "id"


MISSING = [
    ("products", {}, "name"),
    ("prices", {"currency": "usd", "unit_amount": 100}, "product"),
    # Required parameters are named before anything is looked up, as Stripe does.
    ("prices", {"product": "prod_unknown", "unit_amount": 100}, "currency"),
    ("prices", {"product": "prod_unknown", "currency": "usd"}, "unit_amount"),
    (
        "prices",
        {"product": "prod_unknown", "currency": "usd", "unit_amount": 100, "recurring": {"a": 1}},
        "recurring[interval]",
    ),
    ("checkout_sessions", {"success_url": "https://kindred.test/"}, "mode"),
    (
        "checkout_sessions",
        {"mode": "subscription", "customer": "cus_unknown", "line_items": [{"quantity": 1}]},
        "success_url",
    ),
    (
        "checkout_sessions",
        {"mode": "payment", "success_url": "https://kindred.test/"},
        "line_items",
    ),
    (
        "checkout_sessions",
        {
            "mode": "payment",
            "success_url": "https://kindred.test/",
            "line_items": [{"quantity": 1}],
        },
        "line_items[0][price]",
    ),
    ("portal_sessions", {"return_url": "https://kindred.test/"}, "customer"),
]


@pytest.mark.parametrize(("resource", "params", "missing"), MISSING, ids=lambda v: str(v))
def test_a_missing_parameter_is_named_as_stripe_names_it(stripe_client, resource, params, missing):
    service = {
        "products": stripe_client.v1.products,
        "prices": stripe_client.v1.prices,
        "checkout_sessions": stripe_client.v1.checkout.sessions,
        "portal_sessions": stripe_client.v1.billing_portal.sessions,
    }[resource]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        service.create(params=params)
    assert caught.value.http_status == 400
    assert caught.value.param == missing
    assert caught.value.code == "parameter_missing"
    assert caught.value.user_message == f"Missing required param: {missing}."


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (429, stripe.RateLimitError, "invalid_request_error"),
        (500, stripe.APIError, "api_error"),
        (503, stripe.APIError, "api_error"),
    ],
    ids=str,
)
def test_an_outage_answers_like_stripe_and_then_passes(
    stripe_client, state, status, error_class, error_type
):
    state.fail_requests(status, count=2)
    for _ in range(2):
        with pytest.raises(error_class) as caught:
            stripe_client.v1.customers.list()
        assert (caught.value.http_status, caught.value.error.type) == (status, error_type)
    assert stripe_client.v1.customers.list().data == []


@pytest.mark.parametrize(
    "key", ["sk_live_nope", "sk_test_someone_elses_key", "pk_test_publishable"], ids=str
)
def test_a_key_other_than_the_sandboxs_is_a_401_authentication_error(base_url, key):
    stranger = stripe.StripeClient(key, base_addresses={"api": base_url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as caught:
        stranger.v1.customers.list()
    assert caught.value.http_status == 401
    assert caught.value.error.type == "authentication_error"
    assert caught.value.user_message.startswith("Invalid API Key provided: ")
    assert key not in caught.value.user_message  # shown masked, as Stripe does


def test_a_request_without_a_key_is_told_how_to_send_one(base_url):
    status, _, body = post_form(f"{base_url}/v1/customers", {})
    error = json.loads(body)["error"]
    assert status == 401
    assert error["type"] == "authentication_error"
    assert "Authorization" in error["message"]


def test_module_level_configuration_works_too(base_url, monkeypatch):
    monkeypatch.setattr(stripe, "api_key", SANDBOX_SECRET_KEY)
    monkeypatch.setattr(stripe, "api_base", base_url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    customer = stripe.Customer.create(email="mod@example.org")
    assert stripe.Customer.retrieve(customer.id).email == "mod@example.org"


def test_idempotency_key_replays_the_first_response(stripe_client, state):
    options = {"idempotency_key": "signup-42"}
    first = stripe_client.v1.customers.create(params={"email": "a@example.org"}, options=options)
    again = stripe_client.v1.customers.create(params={"email": "a@example.org"}, options=options)
    assert again.id == first.id
    assert len(stripe_client.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.customers.create(params={"email": "b@example.org"}, options=options)
    created = [e for e in state.events if e["type"] == "customer.created"]
    assert created[0]["request"]["idempotency_key"] == "signup-42"


def test_expand_replaces_ids_with_objects(stripe_client, yearly_price):
    session = start_checkout(stripe_client, yearly_price.id)
    expanded = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items"]}
    )
    line = expanded.line_items.data[0]
    assert line.price.id == yearly_price.id and line.amount_total == 6000
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["nonsense"]})


def test_checkout_session_is_open_and_points_at_the_hosted_page(
    stripe_client, yearly_price, base_url
):
    session = start_checkout(
        stripe_client, yearly_price.id, client_reference_id="member-7", metadata={"k": "v"}
    )
    assert session.url == f"{base_url}/checkout/{session.id}"
    assert session.success_url.endswith(f"session_id={session.id}")
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.client_reference_id == "member-7" and session.metadata.to_dict() == {"k": "v"}
    assert session.amount_total == 6000


def test_unknown_urls_answer_in_stripe_error_format(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.raw_request("get", "/v1/nothing_here")
    assert "Unrecognized request URL" in caught.value.user_message
