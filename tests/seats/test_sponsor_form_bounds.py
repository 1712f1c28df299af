"""The number of seats a sponsor asks for is checked as a whole number, however large."""

from __future__ import annotations

import pytest

from tests.helpers import make_member


@pytest.mark.parametrize("seats", ["9" * 400, "-5", "0", "1.5", "many"])
def test_a_seat_count_out_of_range_is_a_clear_400(client, auth, session, seats):
    make_member("ada")
    auth.login("ada")
    response = client.post("/sponsor/checkout", data={"seats": seats, "kind": "once"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose between 1 and" in page or "Say how many seats." in page
