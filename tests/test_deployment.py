"""What ships for production: gunicorn's settings and the WSGI entry point."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_access_log_leaves_out_client_address_and_browser():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    log_format = settings["access_log_format"]
    for field in ("%(h)s", "%({x-forwarded-for}i)s", "%(a)s", "%(f)s", "%(q)s", "%(r)s"):
        assert field not in log_format
    assert "%(s)s" in log_format


def test_wsgi_module_builds_the_app_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KINDRED_CONFIG", "development")
    monkeypatch.setenv("KINDRED_INSTANCE_DIR", str(tmp_path))
    namespace = runpy.run_path(str(ROOT / "wsgi.py"))
    assert namespace["app"].name == "app"
    assert "accounts.login" in {rule.endpoint for rule in namespace["app"].url_map.iter_rules()}
