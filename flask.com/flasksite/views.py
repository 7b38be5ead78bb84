"""The routes of the sample site."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, render_template, request, session, url_for

site = Blueprint("site", __name__)
# Registered only when ENABLE_TEST_ENDPOINTS=1: the drain test and the benchmark need a slow page.
test_only = Blueprint("test_only", __name__)

SLOW_LIMIT_MS = 10_000


@site.get("/")
def index():
    return render_template(
        "index.html",
        image_tag=current_app.config["IMAGE_TAG"],
        greeting=current_app.config["GREETING"],
        # Only whether the secret is there: a page must never show a secret's value.
        api_token_set=bool(current_app.config["API_TOKEN"]),
        canonical_url=url_for("site.index", _external=True),
    )


@site.get("/health")
def health():
    # Cheap on purpose: the ALB and ECS call it every few seconds; no database, no outside calls.
    return jsonify(status="ok", image_tag=current_app.config["IMAGE_TAG"])


def _now() -> dict:
    return {"utc": datetime.now(UTC).isoformat(timespec="seconds")}


@site.get("/api/time")
def api_time():
    response = jsonify(_now())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@site.get("/api/time/no-cache")
def api_time_no_cache():
    response = jsonify(_now())
    response.headers["Cache-Control"] = "no-store"
    return response


@site.get("/visits")
def visits():
    session["visits"] = session.get("visits", 0) + 1
    # Data stores (issue 16): with a database or a table, every visitor's visits are counted too.
    counter = current_app.extensions["stores"]["counter"]
    return jsonify(
        visits=session["visits"],
        total=counter.increment("visits") if counter else None,
        store=counter.name if counter else None,
        url=url_for("site.visits", _external=True),
    )


# --- Data stores (issue 16): uploads into the private bucket, through the app only. Storing needs the
# API_TOKEN secret as a bearer token, so a public sample is no free file host.
def _uploads():
    uploads = current_app.extensions["stores"]["uploads"]
    if uploads is None:
        abort(404, description="this site has no uploads bucket (uploads = true in deploy.toml)")
    return uploads


@site.post("/uploads")
def upload():
    uploads = _uploads()
    token = current_app.config["API_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(403, description="storing an upload needs Authorization: Bearer <API_TOKEN>")
    key = uploads.save(request.get_data(), request.content_type or "application/octet-stream")
    return jsonify(key=key, url=url_for("site.uploaded", key=key, _external=True)), 201


@site.get("/uploads/<path:key>")
def uploaded(key: str):
    found = _uploads().read(key)
    if found is None:
        abort(404)
    body, content_type = found
    response = current_app.response_class(body, content_type=content_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Whatever was uploaded, it never runs as a page of this site's origin.
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Content-Disposition"] = "attachment"
    return response


# --- edge (issue 14): a page that reads the session without changing it (no Set-Cookie); the
# caching contract (caching.py) still keeps it out of shared caches.
@site.get("/visits/count")
def visits_count():
    return jsonify(visits=session.get("visits", 0))


@test_only.get("/api/slow")
def slow():
    milliseconds = request.args.get("ms", "500")
    if not milliseconds.isdigit() or int(milliseconds) > SLOW_LIMIT_MS:
        abort(400, description=f"ms must be a whole number of milliseconds up to {SLOW_LIMIT_MS}")
    time.sleep(int(milliseconds) / 1000)
    return jsonify(slept_ms=int(milliseconds))
