"""The container's app loader (container/appwsgi.py) and log format (container/jsonlog.py), in this
process: any WSGI app by its gunicorn name, SECRET_KEY into a Flask app's config, a development key
refused in production, one line for an app that does not import."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "container"))

import appwsgi  # noqa: E402
from jsonlog import JsonFormatter  # noqa: E402

SHOP = """
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

def create_app(key="dev"):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = key
    return app

def wrapped():
    return ProxyFix(create_app())

def plain(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]
"""


@pytest.fixture
def shop(tmp_path, monkeypatch):
    (tmp_path / "shop.py").write_text(SHOP)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("shop", None)
    yield
    sys.modules.pop("shop", None)


def test_secret_key_from_the_environment_replaces_the_app_s_own(shop):
    app = appwsgi.load("shop:create_app()", {"SECRET_KEY": "k" * 64, "APP_ENV": "production"})
    assert app.config["SECRET_KEY"] == "k" * 64


def test_the_flask_app_is_found_behind_middleware(shop):
    application = appwsgi.load("shop:wrapped()", {"SECRET_KEY": "k" * 64})
    assert appwsgi.flask_app_of(application).config["SECRET_KEY"] == "k" * 64


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("shop:create_app()", "the app's SECRET_KEY is a well-known development key"),
        ('shop:create_app("Change-Me")', "the app's SECRET_KEY is a well-known development key"),
        ('shop:create_app("short")', "the app's SECRET_KEY is shorter than 16 bytes"),
        (
            'shop:create_app(b"_5#y2L\\"F4Q8z\\n\\xec]/")',
            "the app's SECRET_KEY is a well-known development key",
        ),
        (
            'shop:create_app("")',
            "SECRET_KEY is not set (in the task it comes from the base stack's Secrets Manager secret)",
        ),
    ],
)
def test_production_refuses_an_app_that_still_holds_a_development_key(shop, target, reason):
    with pytest.raises(SystemExit) as refused:
        appwsgi.load(target, {"APP_ENV": "production"})
    assert str(refused.value) == f"appwsgi: cannot start {target}: {reason}; refusing to serve in production"


def test_local_mode_lets_a_development_key_be(shop):
    assert appwsgi.load("shop:create_app()", {"APP_ENV": "local"}).config["SECRET_KEY"] == "dev"


def test_a_plain_wsgi_app_is_served_as_it_is(shop):
    assert appwsgi.load("shop:plain", {"APP_ENV": "production"}).__name__ == "plain"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("nosuchshop:create_app()", "ModuleNotFoundError: No module named 'nosuchshop'"),
        ("shop:nothing", "AppImportError: Failed to find attribute 'nothing' in 'shop'."),
        ("", "WSGI_APP is not set"),
    ],
)
def test_an_app_that_cannot_be_imported_is_one_line(shop, target, reason):
    with pytest.raises(SystemExit) as refused:
        appwsgi.load(target, {})
    assert reason in str(refused.value) and "\n" not in str(refused.value)


def test_log_lines_are_json_with_structured_fields_kept_as_objects():
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "config %s", ("x",), None)
    record.config = {"workers": 3}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "config x"
    assert entry["config"] == {"workers": 3}
    assert (entry["level"], entry["logger"]) == ("info", "gunicorn.error")
    assert entry["time"].endswith("Z")
