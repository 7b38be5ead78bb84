"""Content-hashed static file names (edge, issue 14): `url_for("static", filename="site.css")` gives
`/static/site.3f2c1ab9e0d4.css` when the image was built with container/hash_static.py, which wrote
that copy and static/manifest.json. A changed file is a new URL, so CloudFront and browsers keep each
one for good and a deploy invalidates nothing. Without a manifest (running from the source tree)
the names stay plain. Keep this in your own app, or link static files your own way.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

MANIFEST = "manifest.json"


def init_app(app: Flask) -> None:
    manifest = Path(app.static_folder or "") / MANIFEST
    if not manifest.is_file():
        return
    names: dict[str, str] = json.loads(manifest.read_text(encoding="utf-8"))

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]
