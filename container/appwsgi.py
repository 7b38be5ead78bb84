"""What gunicorn serves (gunicorn.conf.py: `wsgi_app = "appwsgi:application"`): the app that WSGI_APP
names (deploy.toml `wsgi_app`, baked into the image), loaded the way gunicorn loads any app
("module:variable" or "module:factory()"), with three things made true whatever the app is:

- its `logging` lines are JSON on stdout like the container's (unless it sets up logging itself);
- SECRET_KEY from the environment (the stack's Secrets Manager secret on Fargate) is its
  `app.config["SECRET_KEY"]`, even when the app hard-codes a development key;
- in production (APP_ENV=production, the image's default) it does not start while it still holds no
  key or a known development key such as "dev": sessions signed with a public key can be forged.

An app that cannot be imported stops start-up with one line naming the target and the cause.
"""

from __future__ import annotations

import os

import jsonlog
from gunicorn.errors import AppImportError
from gunicorn.util import import_app

# Keys that tutorials, templates and Flask's own documentation print; any app that still has one
# in production signs its session cookies with a key everybody knows.
DEVELOPMENT_KEYS = frozenset(
    {
        "dev", "development", "secret", "secret-key", "secret_key", "secretkey", "changeme", "change-me",
        "change_me", "default", "test", "testing", "your-secret-key", "your_secret_key", "mysecret",
        "supersecret", "super-secret", "please-change-me", "replace-me", "insecure", "flask",
    }
)  # fmt: skip
FLASK_DOCS_KEY = b'_5#y2L"F4Q8z\n\xec]/'  # the example in Flask's quickstart ("Sessions")
MINIMUM_KEY_LENGTH = 16


class CannotStart(SystemExit):
    """One line on stderr and a non-zero exit: gunicorn stops, ECS replaces the task."""

    def __init__(self, target: str, reason: str):
        super().__init__(f"appwsgi: cannot start {target}: {reason}")


def weakness(key: object) -> str | None:
    """Why `key` must not sign production sessions, or None."""
    if not key:
        return "SECRET_KEY is not set (in the task it comes from the base stack's Secrets Manager secret)"
    raw = key if isinstance(key, bytes) else str(key).encode()
    if raw == FLASK_DOCS_KEY or raw.decode("utf-8", "replace").strip().lower() in DEVELOPMENT_KEYS:
        return "the app's SECRET_KEY is a well-known development key"
    if len(raw) < MINIMUM_KEY_LENGTH:
        return f"the app's SECRET_KEY is shorter than {MINIMUM_KEY_LENGTH} bytes"
    return None


def flask_app_of(application: object, depth: int = 6) -> object | None:
    """The Flask app inside a WSGI callable: itself, or behind middleware that keeps it as `.app`
    (werkzeug's ProxyFix, DispatcherMiddleware's default app) or as a bound `wsgi_app`."""
    try:
        from flask import Flask
    except ImportError:  # not a Flask app at all
        return None
    seen = application
    for _ in range(depth):
        if isinstance(seen, Flask):
            return seen
        inner = (getattr(seen, attribute, None) for attribute in ("app", "__self__", "application"))
        seen = next((found for found in inner if found is not None), None)
        if seen is None:
            return None
    return None


def load(target: str, environ: os._Environ | dict) -> object:
    jsonlog.log_to_stdout_as_json()
    if not target:
        raise CannotStart("the app", "WSGI_APP is not set (deploy.toml wsgi_app, passed to the image build)")
    try:
        application = import_app(target)
    except (ImportError, AppImportError) as error:
        raise CannotStart(target, f"{type(error).__name__}: {error}") from None
    flask_app = flask_app_of(application)
    if flask_app is None:
        return application  # not Flask: nothing to say about its SECRET_KEY
    if environ.get("SECRET_KEY"):
        flask_app.config["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("APP_ENV", "production") == "production":
        reason = weakness(flask_app.config.get("SECRET_KEY"))
        if reason:
            raise CannotStart(target, f"{reason}; refusing to serve in production")
    return application


def __getattr__(name: str) -> object:
    # `application` is loaded when gunicorn asks for it (PEP 562), not when this module is imported,
    # so the loader itself can be imported and tested.
    if name == "application":
        globals()["application"] = loaded = load(os.environ.get("WSGI_APP", ""), os.environ)
        return loaded
    raise AttributeError(name)
