from tests.helpers import DEFAULT_PASSWORD, links_in, make_account


def test_newcomer_signs_up_verifies_and_logs_in(client, mail, session):
    response = client.post(
        "/signup",
        data={"email": "Bea@Example.org", "handle": "Bea", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 303
    (message,) = mail
    assert message["To"] == "bea@example.org"
    link = links_in(message)[0]
    path = link.split("localhost", 1)[1]
    assert "Confirm my email address" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 303
    response = client.post(
        "/login", data={"identifier": "bea", "password": DEFAULT_PASSWORD}, follow_redirects=True
    )
    assert "Welcome back, Bea" in response.get_data(as_text=True)


def test_member_logs_in_with_email(app, auth, session):
    make_account("ada")
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
