"""The sample site: replace this package with your own Flask app (keep `create_app` and `/health`)."""

from __future__ import annotations

import logging
import os
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)


class ConfigurationError(RuntimeError):
    """The site cannot start as configured; the message says what to set."""


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        APP_ENV=os.environ.get("APP_ENV", "production"),
        IMAGE_TAG=os.environ.get("IMAGE_TAG", "unknown"),
        SECRET_KEY=os.environ.get("SECRET_KEY") or None,
        ENABLE_TEST_ENDPOINTS=os.environ.get("ENABLE_TEST_ENDPOINTS") == "1",
        # Behind the ALB every public request is https; locally the site is plain http.
        SESSION_COOKIE_SECURE=os.environ.get("APP_ENV", "production") == "production",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The pattern for your own configuration: a plain setting from [env] in deploy.toml and a secret
        # from `python3 deploy.py secret set API_TOKEN`, both plain environment variables in the task.
        GREETING=os.environ.get("GREETING", "Hello from Flask on Fargate."),
        API_TOKEN=os.environ.get("API_TOKEN") or None,
        # Data stores (issue 16): what the stacks (or `deploy.py local`) give the app; see stores.py.
        DATABASE_URL=os.environ.get("DATABASE_URL") or None,
        DATABASE_SECRET_ARN=os.environ.get("DATABASE_SECRET_ARN") or None,
        TABLE_NAME=os.environ.get("TABLE_NAME") or None,
        UPLOADS_BUCKET=os.environ.get("UPLOADS_BUCKET") or None,
        MAX_CONTENT_LENGTH=1024 * 1024,  # uploads and forms: 1 MiB at most
    )
    if test_config:
        app.config.update(test_config)

    if app.config["APP_ENV"] not in ("production", "local"):
        raise ConfigurationError(f"APP_ENV must be 'production' or 'local', not {app.config['APP_ENV']!r}")
    if not app.config["SECRET_KEY"]:
        if app.config["APP_ENV"] == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set; in production it comes from the stack's Secrets Manager secret"
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("SECRET_KEY is not set: generated a throwaway one (local mode); sessions end on restart")

    # Two proxies append to X-Forwarded-For (the ALB, then nginx); only the ALB sets
    # X-Forwarded-Proto, and nginx passes it through unchanged. The Host header is the public one.
    # Behind CloudFront (edge, issue 14) CloudFront adds the visitor's address first: three hops, and
    # the service stack says so in FORWARDED_FOR_HOPS.
    hops = os.environ.get("FORWARDED_FOR_HOPS", "2")
    if hops not in ("2", "3"):
        raise ConfigurationError(f"FORWARDED_FOR_HOPS must be 2 (ALB) or 3 (CloudFront, ALB), not {hops!r}")
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(hops), x_proto=1, x_host=0, x_port=0, x_prefix=0)

    from . import assets, caching, stores, views

    try:
        stores.init_app(app)
    except stores.StoreError as error:
        raise ConfigurationError(str(error)) from None

    # --- edge (issue 14): hashed static names, and no personal response in a shared cache ---
    assets.init_app(app)
    caching.init_app(app)

    app.register_blueprint(views.site)
    if app.config["ENABLE_TEST_ENDPOINTS"]:
        app.register_blueprint(views.test_only)
    return app
