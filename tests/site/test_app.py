"""The Flask app in-process: routes, headers, sessions, configuration errors, the proxy chain."""

from __future__ import annotations

import logging

import pytest
from flasksite import ConfigurationError, create_app


def test_health_is_json_with_the_image_tag(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "image_tag": "abc1234"}


def test_the_home_page_links_its_stylesheet_and_image(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/static/site.css"' in page
    assert 'src="/static/logo.svg"' in page
    assert "abc1234" in page


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [("/api/time", "public, max-age=300"), ("/api/time/no-cache", "no-store")],
)
def test_time_endpoints_say_how_to_cache_them(client, path, cache_control):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == cache_control
    assert response.get_json()["utc"].endswith("+00:00")


def test_the_session_counts_visits(client):
    assert [client.get("/visits").get_json()["visits"] for _ in range(3)] == [1, 2, 3]


def test_the_slow_endpoint_exists_only_for_tests(client):
    assert client.get("/api/slow?ms=1").status_code == 404
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "ENABLE_TEST_ENDPOINTS": True})
    test_client = app.test_client()
    assert test_client.get("/api/slow?ms=1").get_json() == {"slept_ms": 1}
    assert test_client.get("/api/slow?ms=-5").status_code == 400
    assert test_client.get("/api/slow?ms=999999").status_code == 400


def test_behind_alb_and_nginx_external_urls_use_the_public_https_host(client):
    # What reaches gunicorn: the ALB appended the client, nginx appended the ALB; Host is public.
    response = client.get(
        "/visits",
        headers={
            "Host": "www.example.com",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7, 10.0.1.25",
        },
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.get_json()["url"] == "https://www.example.com/visits"


def client_address(app, forwarded_for: str) -> str:
    """request.remote_addr for a request that reached gunicorn through nginx with this X-Forwarded-For."""
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["remote"] = request.remote_addr
        return ""

    app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    return seen["remote"]


def test_a_spoofed_forwarded_for_does_not_become_the_client_address(app):
    # Only the two trusted proxies' entries count: the client the ALB saw, not what it claimed.
    assert client_address(app, "6.6.6.6, 203.0.113.7, 10.0.1.25") == "203.0.113.7"


def test_production_without_a_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app({"APP_ENV": "production"})


def test_local_mode_generates_a_secret_key_and_says_so(monkeypatch, caplog):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING):
        app = create_app({"APP_ENV": "local"})
    assert len(app.config["SECRET_KEY"]) == 64
    assert "generated a throwaway one" in caplog.text


def test_an_unknown_app_env_is_refused():
    with pytest.raises(ConfigurationError, match="APP_ENV must be"):
        create_app({"APP_ENV": "staging", "SECRET_KEY": "x"})


def test_the_home_page_shows_a_setting_and_only_whether_the_secret_is_set(monkeypatch):
    monkeypatch.setenv("GREETING", "Hello from [env].")
    monkeypatch.setenv("API_TOKEN", "tok-123456")
    page = create_app({"TESTING": True, "SECRET_KEY": "x"}).test_client().get("/").get_data(as_text=True)
    assert '<p class="greeting">Hello from [env].</p>' in page
    assert '<strong id="api-token">set</strong>' in page
    assert "tok-123456" not in page
    monkeypatch.delenv("API_TOKEN")
    page = create_app({"TESTING": True, "SECRET_KEY": "x"}).test_client().get("/").get_data(as_text=True)
    assert '<strong id="api-token">not set</strong>' in page
