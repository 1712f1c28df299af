"""A failed renewal payment is a membership notification, once, however it is learnt."""

from __future__ import annotations

from app.billing import services as billing
from tests.billing.conftest import catalog, sandbox  # noqa: F401  (the served sandbox)
from tests.helpers import make_paid_member
from tests.notifications.support import notifications_of


def test_a_failed_renewal_tells_the_member_once(session, sandbox, catalog):  # noqa: F811
    ada = make_paid_member(sandbox)
    assert notifications_of(ada) == []
    subscription_id = billing.live_subscription(ada).stripe_subscription_id

    sandbox.fail_renewal(subscription_id)
    sandbox.deliver_pending()
    (told,) = notifications_of(ada)
    assert (told.kind, told.link) == ("membership", "/membership")
    assert told.text.startswith("The renewal payment for your membership did not go through")

    # The reconcile command reads the same state again: nothing new to tell.
    billing.reconcile_customer(ada.id)
    session.commit()
    assert len(notifications_of(ada)) == 1
