"""The REST API, exercised through the unmodified stripe library."""

from __future__ import annotations

import pytest
import stripe

from .conftest import start_checkout


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


def test_missing_parameters_are_bad_requests(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.products.create(params={})
    assert caught.value.http_status == 400 and caught.value.param == "name"


def test_a_key_that_is_not_a_test_key_is_an_authentication_error(base_url):
    live = stripe.StripeClient("sk_live_nope", base_addresses={"api": base_url})
    with pytest.raises(stripe.AuthenticationError):
        live.v1.customers.list()


def test_module_level_configuration_works_too(base_url, monkeypatch):
    monkeypatch.setattr(stripe, "api_key", "sk_test_module")
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
