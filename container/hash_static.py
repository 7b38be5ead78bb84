#!/usr/bin/env python3
"""Give every static file a name that changes with its content, at image build time (issue 14).

For each file under DIR (say site.css) this writes a copy named by the first 12 hex digits of its
SHA-256 (site.3f2c1ab9e0d4.css) and records the pair in DIR/manifest.json. The app links the hashed
names (flasksite/assets.py); nginx serves them with a far-future Cache-Control (nginx.conf). So a
deploy never needs a CDN invalidation: a changed file is a new URL, and an old task that lacks the
new name answers 404 (not cached: CloudFront's ErrorCachingMinTTL is 0) instead of old content under
the new name. Standard library only: it runs in the image's build stage.

Usage: python3 hash_static.py DIR
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

MANIFEST = "manifest.json"
DIGITS = 12
HASHED = re.compile(rf"\.[0-9a-f]{{{DIGITS}}}(\.[^./]+)?$")


def hashed_name(relative: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:DIGITS]
    stem, dot, extension = relative.rpartition(".")
    if not dot or "/" in extension:  # no extension: the digest goes last
        return f"{relative}.{digest}"
    return f"{stem}.{digest}.{extension}"


def build(directory: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory).as_posix()
        if relative == MANIFEST or HASHED.search(path.name):
            continue
        names[relative] = hashed_name(relative, path.read_bytes())
        shutil.copy2(path, directory / names[relative])
    (directory / MANIFEST).write_text(json.dumps(names, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return names


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: hash_static.py DIR (a directory of static files)", file=sys.stderr)
        return 2
    names = build(Path(argv[0]))
    print(f"hash_static: {len(names)} files hashed in {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
