"""The security and privacy baseline, checked over every route the app has.

Routes are read from ``app.url_map`` so every new feature is covered without
touching this file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from werkzeug.routing import IntegerConverter, Rule

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app import create_app
from app.db import Base, db
from app.extensions import csrf, limiter
from config import ProductionConfig
from tests.accounts.support import page
from tests.conftest import TEST_DATABASE_URL
from tests.helpers import DEFAULT_PASSWORD, csrf_token, make_account, make_member

# POST endpoints that may be called without our CSRF token, and why.
CSRF_EXEMPT = {
    "billing.receive_webhook": "Stripe calls it, signing each request with the webhook "
    "secret instead; it has no session and cannot send our token.",
    "notifications.unsubscribe": "Mail programs POST to it in one click (RFC 8058) with no "
    "session; the signed token in its address is what authorises it.",
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
SESSION_COOKIE = "kindred_session"


def _rules() -> list[Rule]:
    return sorted(
        create_app({"DATABASE_URL": "sqlite://"}).url_map.iter_rules(),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


RULES = _rules()


def dummy_url(rule: Rule) -> str:
    """The rule's URL with placeholder arguments (a real file for static)."""
    values = {}
    for name in rule.arguments:
        if rule.endpoint == "static" and name == "filename":
            values[name] = "kindred.css"
        elif isinstance(rule._converters[name], IntegerConverter):
            values[name] = 1
        else:
            values[name] = "dummy"
    return rule.build(values, append_unknown=False)[1]


def rule_cases(methods: set[str] | None = None):
    for rule in RULES:
        for method in sorted(rule.methods - SKIPPED_METHODS):
            if methods is None or method in methods:
                yield pytest.param(rule, method, id=f"{method} {rule.rule} {rule.endpoint}")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response, app):
    csp = csp_directives(response)
    assert csp["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "img-src", "font-src"):
        assert csp[directive] == ["'self'"], directive
    assert csp["form-action"][0] == "'self'"
    for target in csp["form-action"][1:]:
        assert target in app.config["CSP_FORM_ACTION"]
        assert re.match(r"^https?://[^*\s]+$", target), target
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("browsing-topics", "interest-cohort", "camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions
    if app.config["HSTS"]:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    else:
        assert "Strict-Transport-Security" not in response.headers


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def assert_only_session_cookie(response, name=SESSION_COOKIE):
    for header in set_cookies(response):
        assert header.split("=", 1)[0] == name, header


# Headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "method"), list(rule_cases()))
def test_every_route_sends_the_security_headers(app, client, rule, method):
    with client.open(dummy_url(rule), method=method) as response:
        assert_security_headers(response, app)
        assert_only_session_cookie(response)


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/no-such-page", "GET", 404),
        ("/static/kindred.css", "GET", 200),
        ("/static/favicon.svg", "GET", 200),
        ("/static/no-such-file.css", "GET", 404),
        ("/settings", "GET", 302),
        ("/logout", "GET", 405),
        ("/about", "DELETE", 405),
    ],
)
def test_errors_redirects_and_static_files_send_the_security_headers(
    app, client, path, method, status
):
    with client.open(path, method=method) as response:
        assert response.status_code == status
        assert_security_headers(response, app)


def test_production_sends_hsts(engine):
    app = create_app({"DATABASE_URL": TEST_DATABASE_URL, "HSTS": True})
    response = app.test_client().get("/no-such-page")
    assert_security_headers(response, app)
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]


def test_pages_load_nothing_from_other_origins(client):
    html = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    assert "<script" not in html or 'src="/static/' in html
    assert "style=" not in html


# Login required --------------------------------------------------------------------


def fetch(client, url: str) -> tuple[int, str | None]:
    with client.get(url) as response:
        return response.status_code, response.headers.get("Location")


def test_every_login_required_page_sends_visitors_to_login_and_back(app):
    anonymous, signed_in = app.test_client(), app.test_client()
    with app.app_context():
        make_member("dummy")
    response = signed_in.post("/login", data={"identifier": "dummy", "password": DEFAULT_PASSWORD})
    assert response.status_code == 303

    login_required = set()
    for rule in RULES:
        if "GET" not in rule.methods:
            continue
        url = dummy_url(rule)
        status, location = fetch(anonymous, url)
        if status == 302 and location.startswith("/login"):
            assert location == f"/login?next={quote(url, safe='')}", url
            login_required.add(rule.endpoint)
            continue
        member_status, _ = fetch(signed_in, url)
        assert not (member_status == 200 and status != 200), (
            f"{url} shows a member a page but gives a visitor {status} "
            "instead of a redirect to the login page"
        )
    assert {"accounts.settings", "accounts.profile", "accounts.confirm_email_change"} <= (
        login_required
    )
    assert not {"pages.home", "accounts.login", "accounts.signup", "static"} & login_required


# CSRF ------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    return app


@pytest.mark.parametrize(
    ("rule", "method"),
    [case for case in rule_cases({"POST"}) if case.values[0].endpoint not in CSRF_EXEMPT],
)
def test_every_post_without_a_csrf_token_is_refused(csrf_app, rule, method):
    response = csrf_app.test_client().post(dummy_url(rule), data={"anything": "here"})
    assert response.status_code == 400
    assert "did not come from this site, so nothing was changed" in page(response)


def test_only_the_allowlisted_views_are_exempt_from_csrf(csrf_app):
    exempt = set(csrf._exempt_views)
    allowed = {
        f"{view.__module__}.{view.__name__}"
        for endpoint, view in csrf_app.view_functions.items()
        if endpoint in CSRF_EXEMPT
    }
    assert exempt <= allowed
    assert not csrf._exempt_blueprints


def test_a_form_with_its_csrf_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        make_account("ada")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    other = csrf_app.test_client()
    response = other.post(
        "/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400, "a token belongs to the session it was made for"


def test_every_form_on_a_page_carries_a_csrf_token(csrf_app):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        make_account("ada")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"identifier": "ada", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    for path in ("/settings", "/signup/check-your-email", "/reset", "/"):
        html = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S)
        for form in forms:
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (path, form)


# Cookies ---------------------------------------------------------------------------


def cookie_attributes(header: str) -> dict[str, str]:
    parts = [part.strip() for part in header.split(";")]
    attributes = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        attributes[name.lower()] = value
    return attributes


def only_session_cookie(response, name=SESSION_COOKIE) -> dict[str, str]:
    (header,) = set_cookies(response)
    assert header.startswith(f"{name}=")
    return cookie_attributes(header)


def test_signup_sets_only_the_session_cookie(client, session):
    response = client.post(
        "/signup",
        data={"email": "bea@example.org", "handle": "bea", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 303
    assert_only_session_cookie(response)


def test_login_without_remember_sets_a_browser_session_cookie(client, auth, session):
    make_account("ada")
    attributes = only_session_cookie(auth.login())
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"
    assert attributes["path"] == "/"
    assert "expires" not in attributes and "max-age" not in attributes
    assert "secure" not in attributes, "tests run over http"


def test_remember_me_makes_the_session_cookie_last_thirty_days(client, auth, session):
    make_account("ada")
    attributes = only_session_cookie(auth.login(remember=True))
    expires = datetime.strptime(attributes["expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(
        tzinfo=UTC
    )
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    assert client.get("/settings").status_code == 200


def test_logout_sets_only_the_session_cookie_and_forgets_remember_me(client, auth, session):
    make_account("ada")
    auth.login(remember=True)
    response = auth.logout()
    attributes = only_session_cookie(response)
    assert "expires" not in attributes, "logging out ends the persistent session"
    for path in ("/", "/login", "/signup", "/about", "/privacy"):
        assert_only_session_cookie(client.get(path))


def test_session_cookie_holds_nothing_about_the_client(app, client, session):
    make_account("ada")
    client.post(
        "/login",
        data={"identifier": "ada", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
        headers={"User-Agent": "TellTale/1.0"},
    )
    cookie = client.get_cookie(SESSION_COOKIE).value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert data.get("_id") is None
    assert "198.51.100.23" not in str(data) and "TellTale" not in str(data)
    assert set(data) <= {"_user_id", "_fresh", "_id", "_permanent", "csrf_token", "_flashes"}


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    monkeypatch.setenv("KINDRED_CONFIG", "production")
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-secret")
    monkeypatch.setattr(ProductionConfig, "DATABASE_URL", "sqlite://")
    app = create_app()
    app.config["PASSWORD_HASH_PARAMS"] = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    with app.app_context():
        Base.metadata.create_all(db.engine)
        make_account("ada")
    limiter.reset()
    return app


def test_production_session_cookie_is_host_only_and_secure(production_app):
    client = production_app.test_client()
    html = client.get("/login", base_url="https://kindred.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login",
        data={"identifier": "ada", "password": DEFAULT_PASSWORD, "csrf_token": token},
        base_url="https://kindred.example",
        headers={"Referer": "https://kindred.example/login"},
    )
    assert response.status_code == 303
    attributes = only_session_cookie(response, "__Host-kindred")
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["path"] == "/" and "domain" not in attributes
    assert attributes["samesite"] == "Lax"
    assert_security_headers(response, production_app)


# Stored data -----------------------------------------------------------------------

FORBIDDEN_NAME_PARTS = {"ip", "ips", "ipaddr", "ipv4", "ipv6", "addr", "ua", "useragent"}
FORBIDDEN_NAME_PIECES = ("ip_addr", "user_agent", "useragent", "remote_addr", "client_addr")


def client_tracking_columns(metadata: MetaData) -> list[str]:
    """Columns whose name or type suggests they hold an IP address or user agent."""
    found = []
    for table in metadata.tables.values():
        for column in table.columns:
            name = column.name.lower()
            parts = set(re.split(r"[^a-z0-9]+", name))
            if (
                parts & FORBIDDEN_NAME_PARTS
                or any(piece in name for piece in FORBIDDEN_NAME_PIECES)
                or type(column.type).__name__.upper() in {"INET", "CIDR", "MACADDR"}
            ):
                found.append(f"{table.name}.{column.name}")
    return found


def test_no_table_stores_ip_addresses_or_user_agents():
    assert Base.metadata.tables, "the models are registered"
    assert client_tracking_columns(Base.metadata) == []


def test_the_column_check_would_notice_a_tracking_column():
    metadata = MetaData()
    Table(
        "sessions",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("last_ip", String),
        Column("remote_addr", String),
        Column("ua", String),
        Column("user_agent", String),
        Column("email_address", String),
        Column("description", String),
    )
    assert client_tracking_columns(metadata) == [
        "sessions.last_ip",
        "sessions.remote_addr",
        "sessions.ua",
        "sessions.user_agent",
    ]


def test_every_rate_limit_guards_a_form_so_reading_needs_none(app):
    # Reading is exempt from every limit (app.extensions._reading): a limit on a GET would
    # do nothing, so none may exist.
    from flask_limiter.util import get_qualified_name

    limited = limiter.limit_manager._decorated_limits
    assert limited, "the sign-in and sign-up forms are limited"
    views = {get_qualified_name(view): endpoint for endpoint, view in app.view_functions.items()}
    for name, limits in limited.items():
        rule = next(app.url_map.iter_rules(views[name]))
        for limit in limits:
            methods = {m.upper() for m in limit.methods} if limit.methods else rule.methods
            assert not methods & {"GET", "HEAD"}, f"{name} is limited when read"


def test_reading_is_never_counted_against_a_limit(app, client):
    with app.test_request_context("/login", method="GET"):
        assert limiter._request_filters and all(f() for f in limiter._request_filters)
    with app.test_request_context("/login", method="POST"):
        assert not any(f() for f in limiter._request_filters)
