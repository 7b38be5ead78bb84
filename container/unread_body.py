"""Read what the WSGI app left of a request body, after its answer is sent (gunicorn's post_request).

Why: an app may answer before it reads the body (a 405 for a POST to a GET-only route, a 413 from
its own size check, a redirect to a login page). gunicorn then closes the connection, reading at
most 64 KB of what is still unread. nginx is often still sending the body at that moment (it sends
the whole buffered body before it reads the answer), its next write fails with "Broken pipe", and
nginx answers 502 instead of the app's status. Behind the load balancer each such 502 counts as a
target 5xx (HTTPCode_Target_5XX_Count), feeds the site's 5xx alarm and, with deployment alarms,
could roll back a good release. Reading the rest lets nginx finish sending, then it reads the
app's answer. nginx has already received the whole body (its client_max_body_size caps it at
10 MB), so this costs a local socket read, never a wait for a slow client.

Independent of the app: it only touches the WSGI environ, so it works for any app gunicorn serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# More than nginx's client_max_body_size (10m), so every body nginx lets through is read whole;
# without nginx in front (gunicorn alone, `deploy.py local`) it bounds the work for a huge body.
READ_LIMIT = 16 * 1024 * 1024
CHUNK = 256 * 1024


def discard_unread_body(environ: Mapping[str, Any], limit: int = READ_LIMIT) -> int:
    """Read and drop the rest of the request body, at most `limit` bytes; returns how many."""
    body = environ.get("wsgi.input")
    if body is None:  # the request failed before the app was called: there is no body to read
        return 0
    discarded = 0
    try:
        while discarded < limit:
            chunk = body.read(min(CHUNK, limit - discarded))
            if not chunk:
                break
            discarded += len(chunk)
    except Exception:
        # The answer is sent and the connection closes next: a peer that went away or a malformed
        # chunk changes nothing for anyone, so it is not an error worth a traceback in the log.
        pass
    return discarded
