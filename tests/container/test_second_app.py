"""Bring your own app, as the README's contract says: a Flask app that is not the sample (its own
package `shop`, its own requirements file with a library the sample does not use, a hard-coded
development SECRET_KEY, an instance folder it writes to) is built and run in the container through
the documented settings alone: `wsgi_app`, `requirements` and `[env]` in deploy.toml, a secret in
local.secrets.toml. Nothing of the sample is in the image."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fargate_deploy import docker, local
from fargate_deploy.settings import load_settings
from tests.docker_engine import REPO, checkout_tag, require_engine

from .conftest import remove_container, start_container, start_up_refusal

pytestmark = pytest.mark.docker

SHOP = '''
"""A small shop that knows nothing of flask.com on Fargate."""
import hashlib
import os
import sqlite3

import markdown
from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev"  # as the Flask tutorial leaves it
    app.config["SHOP_NAME"] = os.environ.get("SHOP_NAME", "nameless")
    app.config["PAYMENT_TOKEN"] = os.environ.get("PAYMENT_TOKEN")
    os.makedirs(app.instance_path, exist_ok=True)
    database = os.path.join(app.instance_path, "shop.sqlite")
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE IF NOT EXISTS visits (n INTEGER)")

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/")
    def index():
        key = hashlib.sha256(str(app.config["SECRET_KEY"]).encode()).hexdigest()[:16]
        token = "set" if app.config["PAYMENT_TOKEN"] else "not set"
        return markdown.markdown(f"# {app.config['SHOP_NAME']}\\n\\npayment token {token}, key {key}")

    @app.get("/visit")
    def visit():
        with sqlite3.connect(database) as db:
            db.execute("INSERT INTO visits VALUES (1)")
            (count,) = db.execute("SELECT COUNT(*) FROM visits").fetchone()
        app.logger.info("visit number %s", count)
        return jsonify(visits=count, instance_path=app.instance_path)

    return app
'''
REQUIREMENTS = """\
blinker==1.9.0
click==8.5.1
Flask==3.1.3
itsdangerous==2.2.0
Jinja2==3.1.6
Markdown==3.7
MarkupSafe==3.0.4
Werkzeug==3.1.9
"""
DEPLOY_TOML = """\
domain = "example.com"
wsgi_app = "shop:create_app()"
requirements = "flask.com/shop-requirements.txt"
[env]
SHOP_NAME = "The Second Shop"
"""
IMAGE = f"flaskcom-shop-test:{checkout_tag('ci')}"


@pytest.fixture(scope="module")
def shop_project(tmp_path_factory) -> Path:
    """The project as a user has it after replacing the sample: the tool's files, their own app."""
    project = tmp_path_factory.mktemp("shop-project")
    for name in ("Dockerfile", "nginx.conf", ".dockerignore"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "container", project / "container", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "certs", project / "certs")  # a build behind a TLS-intercepting proxy
    app = project / "flask.com"
    (app / "shop" / "static").mkdir(parents=True)
    (app / "shop" / "__init__.py").write_text(SHOP)
    (app / "shop" / "static" / "shop.css").write_text("body { color: teal; }\n")
    (app / "shop-requirements.txt").write_text(REQUIREMENTS)
    (project / "deploy.toml").write_text(DEPLOY_TOML)
    (project / "local.secrets.toml").write_text('PAYMENT_TOKEN = "tok-for-the-test"\n')
    return project


@pytest.fixture(scope="module")
def shop(shop_project):
    require_engine()
    settings = load_settings(shop_project / "deploy.toml", env={})
    # The image build exactly as `push` and `local` run it: the settings' build arguments.
    argv = docker.build_argv(
        shop_project,
        IMAGE,
        build_args=settings.image_build_args,
        network=os.environ.get("DOCKER_BUILD_NETWORK"),
    )
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    app = local.local_app(settings, shop_project / "local.secrets.toml")
    return IMAGE, app


@pytest.fixture(scope="module")
def running_shop(shop):
    image, app = shop
    container = start_container(
        image, f"APP_SETTINGS_JSON={app.settings_json}", env_by_name={"APP_SECRETS_JSON": app.secrets_json}
    )
    container.wait_healthy(within_seconds=60)
    yield container
    remove_container(container)


def test_the_image_holds_the_app_and_none_of_the_sample(shop):
    image, _ = shop
    listing = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "ls", image, "/app/site"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(listing) == ["instance", "shop", "shop-requirements.txt"]


def test_it_serves_its_settings_its_secret_and_the_environment_s_secret_key(running_shop):
    status, _, body = running_shop.request("GET", "/")
    page = body.decode()
    assert status == 200
    assert "<h1>The Second Shop</h1>" in page  # [env] → the app's own setting, rendered with its own library
    assert "payment token set" in page  # local.secrets.toml → a plain variable
    # The container's SECRET_KEY replaced the hard-coded "dev" in app.config.
    assert f"key {hashlib.sha256(b'test-only-secret').hexdigest()[:16]}" in page
    assert "tok-for-the-test" not in running_shop.logs()


def test_its_instance_folder_is_writable_on_the_read_only_root(running_shop):
    answers = [json.loads(running_shop.request("GET", "/visit")[2]) for _ in range(2)]
    assert [a["visits"] for a in answers] == [1, 2]
    assert answers[0]["instance_path"] == "/app/site/instance"  # Flask's default, a link into /tmp
    lines = running_shop.log_lines("visit number 2", until=bool)
    assert json.loads(lines[0])["logger"] == "shop"  # the app's own log line, as JSON


def test_nginx_serves_its_static_folder(running_shop):
    status, headers, body = running_shop.request("GET", "/static/shop.css?proof=shop-static")
    assert (status, body) == (200, b"body { color: teal; }\n")
    lines = running_shop.log_lines("proof=shop-static", until=bool)
    assert json.loads(lines[0])["upstream"] == ""  # from disk, not through gunicorn


def test_in_production_it_will_not_start_with_its_development_key(shop):
    image, _ = shop
    assert (
        "appwsgi: cannot start shop:create_app(): the app's SECRET_KEY is a well-known development key; "
        "refusing to serve in production"
    ) in start_up_refusal(image)
