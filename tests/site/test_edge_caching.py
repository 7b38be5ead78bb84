"""The site's side of the edge (issue 14): what a shared cache may keep, and hashed static names."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from flask import Flask, url_for
from flasksite import assets
from flasksite.caching import PERSONAL

REPO = Path(__file__).resolve().parents[2]


def load_hash_static():
    spec = importlib.util.spec_from_file_location("hash_static", REPO / "container" / "hash_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_that_sets_the_session_cookie_is_personal(client):
    response = client.get("/visits")
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == PERSONAL == "private, no-store"


def test_a_page_that_only_reads_the_session_is_personal_too(client):
    client.get("/visits")  # the browser now holds the session cookie
    response = client.get("/visits/count")
    assert response.get_json() == {"visits": 1}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == PERSONAL


@pytest.mark.parametrize(("path", "cache_control"), [("/api/time", "public, max-age=300"), ("/health", None)])
def test_pages_that_do_not_touch_the_session_keep_their_own_cache_control(client, path, cache_control):
    response = client.get(path)
    assert response.headers.get("Cache-Control") == cache_control
    assert "Set-Cookie" not in response.headers


def test_a_view_that_sets_a_cookie_on_a_public_page_is_overruled(app):
    @app.get("/promo")
    def promo():
        response = app.make_response("hello")
        response.headers["Cache-Control"] = "public, max-age=600"
        response.set_cookie("campaign", "autumn")
        return response

    response = app.test_client().get("/promo")
    assert response.headers["Cache-Control"] == PERSONAL


def test_the_build_step_writes_hashed_copies_and_a_manifest(tmp_path):
    hash_static = load_hash_static()
    (tmp_path / "site.css").write_text("body { color: black; }\n")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "logo.svg").write_text("<svg/>")
    (tmp_path / "LICENSE").write_text("no extension")
    names = hash_static.build(tmp_path)
    assert set(names) == {"site.css", "img/logo.svg", "LICENSE"}
    assert names["site.css"].startswith("site.") and names["site.css"].endswith(".css")
    assert names["LICENSE"].startswith("LICENSE.")
    for plain, hashed in names.items():
        assert (tmp_path / hashed).read_bytes() == (tmp_path / plain).read_bytes()
    assert json.loads((tmp_path / "manifest.json").read_text()) == names
    # Run again (a rebuilt layer): the hashed copies are not hashed once more.
    assert hash_static.build(tmp_path) == names
    # A changed file gets a new name; nothing else does.
    (tmp_path / "site.css").write_text("body { color: navy; }\n")
    changed = hash_static.build(tmp_path)
    assert changed["site.css"] != names["site.css"] and changed["img/logo.svg"] == names["img/logo.svg"]


def test_the_app_links_hashed_names_when_the_image_has_a_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"site.css": "site.0123456789ab.css"}))
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    assets.init_app(app)
    with app.test_request_context():
        assert url_for("static", filename="site.css") == "/static/site.0123456789ab.css"
        assert url_for("static", filename="other.css") == "/static/other.css"


def test_without_a_manifest_the_names_stay_plain(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/static/site.css"' in page


def test_behind_cloudfront_the_visitor_is_three_hops_back(monkeypatch):
    """CloudFront appends the viewer, the ALB appends CloudFront's edge, nginx appends the ALB; the
    service stack sets FORWARDED_FOR_HOPS=3 behind the CDN (cloudformation/service.yaml)."""
    from flasksite import create_app

    from tests.site.test_app import client_address

    monkeypatch.setenv("FORWARDED_FOR_HOPS", "3")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only"})
    # a spoofed entry, the viewer (CloudFront), CloudFront's edge (the ALB), the ALB (nginx)
    assert client_address(app, "6.6.6.6, 198.51.100.9, 130.176.0.5, 10.0.1.25") == "198.51.100.9"


def test_a_hop_count_the_image_does_not_know_stops_start_up(monkeypatch):
    from flasksite import ConfigurationError, create_app

    monkeypatch.setenv("FORWARDED_FOR_HOPS", "7")
    with pytest.raises(ConfigurationError, match="FORWARDED_FOR_HOPS must be 2"):
        create_app({"TESTING": True, "SECRET_KEY": "test-only"})
