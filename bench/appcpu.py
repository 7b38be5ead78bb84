"""CPU per request of the site's WSGI app alone: no server, no socket, no parsing.

Run in the site's environment (`python -m bench.appcpu PATH N`); prints microseconds of CPU per
request. Subtracted from a contender's CPU per request, it leaves what the server itself costs.
"""

from __future__ import annotations

import sys
import time

from werkzeug.test import EnvironBuilder


def main(path: str, requests: int) -> None:
    from flasksite.wsgi import app

    template = EnvironBuilder(path=path, base_url="http://127.0.0.1:8080").get_environ()

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"appcpu: {path} answered {status}")

    for _ in range(min(requests, 200)):  # warm up: imports, template compilation
        b"".join(app(dict(template), start_response))
    started = time.process_time()
    for _ in range(requests):
        b"".join(app(dict(template), start_response))
    print(f"{(time.process_time() - started) / requests * 1e6:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
