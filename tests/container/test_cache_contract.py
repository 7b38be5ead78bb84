"""The site's caching contract (edge, issue 14), proved with a real shared cache in front of the real
container: Debian's nginx with proxy_cache, set up to decide what to store the way CloudFront's
managed cache policy UseOriginCacheControlHeaders-QueryStrings does
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html,
https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html):

- the cache key is the host, the path with every query string, and the Accept-Encoding; no cookie
  (CloudFront "doesn't consider cookies ... when caching", unless the policy names them:
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html);
- the origin's Cache-Control decides; without one nothing is stored (the policy's default TTL is 0,
  its minimum 0, so private, no-store and no-cache are honoured);
- as the pessimistic reading of a cache that keys on no cookie, a response is stored even when it
  sets a cookie or says Vary: Cookie, if its Cache-Control allows: only the site's own headers keep
  a personal page out. A control origin shows this cache really does store such a response.
"""

from __future__ import annotations

import gzip
import http.client
import http.server
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docker_engine import skip_or_fail

pytestmark = pytest.mark.docker

CONFIG = """
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    proxy_cache_path {home}/cache levels=1:2 keys_zone=edge:1m max_size=20m inactive=10m use_temp_path=off;

    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        # AllViewer: every viewer header reaches the origin, Host included; the load balancer says https.
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto https;
        proxy_cache edge;
        proxy_cache_methods GET HEAD;
        proxy_cache_key "$http_host$request_uri|$http_accept_encoding";
        proxy_ignore_headers Set-Cookie Vary;
        add_header X-Cache $upstream_cache_status always;

        location /control/ {{
            proxy_pass http://127.0.0.1:{control};
        }}
        location / {{
            proxy_pass http://127.0.0.1:{origin};
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ControlOrigin(http.server.BaseHTTPRequestHandler):
    """A careless origin: a public, cacheable response that sets a cookie."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"careless"
        self.send_response(200)
        self.send_header("Cache-Control", "public, max-age=300")
        self.send_header("Set-Cookie", "session=someone-elses; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class Cache:
    port: int
    home: Path

    def get(self, path: str, cookie: str | None = None, host: str = "example.com"):
        headers = {"Host": host, "Accept-Encoding": "gzip"}
        if cookie:
            headers["Cookie"] = cookie
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return response.status, response.headers, body
        finally:
            connection.close()

    def stored(self) -> list[bytes]:
        return [p.read_bytes() for p in (self.home / "cache").rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def cache(site):
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if nginx is None:
        skip_or_fail("nginx is not installed (.ci/engine.sh installs it)")
    # nginx's workers drop root for nobody and must reach the cache: pytest's own temp folders are
    # private (0700), so this one is made beside them and opened up.
    home = Path(tempfile.mkdtemp(prefix="flaskcom-edge-cache-"))
    home.chmod(0o777)
    control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ControlOrigin)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    port = free_port()
    config = home / "nginx.conf"
    config.write_text(
        CONFIG.format(home=home, port=port, origin=site.port, control=control.server_address[1])
    )
    process = subprocess.Popen([nginx, "-c", str(config), "-p", str(home), "-g", "daemon off;"])
    cache = Cache(port, home)
    deadline = time.monotonic() + 30
    while True:
        try:
            cache.get("/health")
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError(
                    f"the test cache did not start: {(home / 'error.log').read_text()}"
                ) from None
            time.sleep(0.1)
    yield cache
    process.terminate()
    process.wait(timeout=30)
    control.shutdown()
    control.server_close()
    shutil.rmtree(home, ignore_errors=True)


def cookie_of(headers) -> str:
    return headers["Set-Cookie"].split(";", 1)[0]


def test_the_cacheable_api_comes_from_the_cache_the_second_time(cache):
    first = cache.get("/api/time?probe=api")
    second = cache.get("/api/time?probe=api")
    assert first[1]["X-Cache"] == "MISS" and second[1]["X-Cache"] == "HIT"
    assert second[2] == first[2]
    # Query strings are part of the key, and so is the host.
    assert cache.get("/api/time?probe=other")[1]["X-Cache"] == "MISS"
    assert cache.get("/api/time?probe=api", host="docs.example.com")[1]["X-Cache"] == "MISS"


def test_static_files_come_from_the_cache_the_second_time_under_their_hashed_names(cache):
    _, _, page = cache.get("/")
    (stylesheet,) = re.findall(rb'href="(/static/site\.[0-9a-f]{12}\.css)"', page)
    first = cache.get(stylesheet.decode())
    second = cache.get(stylesheet.decode())
    assert first[0] == 200 and first[1]["X-Cache"] == "MISS" and second[1]["X-Cache"] == "HIT"
    assert first[1]["Cache-Control"] == "max-age=315360000"  # nginx's `expires max`: for good
    # The plain name still answers, but only for an hour (it may change with a deploy).
    assert cache.get("/static/site.css")[1]["Cache-Control"] == "max-age=3600"
    # A hashed name this image does not have is a 404 that no cache keeps.
    missing = "/static/site.000000000000.css"
    assert cache.get(missing)[0] == 404
    status, headers, _ = cache.get(missing)
    assert (status, headers["X-Cache"]) == (404, "MISS")


def test_a_page_that_sets_the_session_cookie_never_comes_from_the_cache(cache):
    status, headers, body = cache.get("/visits")
    assert status == 200 and headers["X-Cache"] == "MISS"
    assert headers["Cache-Control"] == "private, no-store"
    cookie = cookie_of(headers)
    for expected in (2, 3):
        _, headers, body = cache.get("/visits", cookie=cookie)
        assert headers["X-Cache"] == "MISS"
        assert b'"visits":%d' % expected in body.replace(b" ", b"")
        cookie = cookie_of(headers)
    # A stranger without the cookie gets a session of their own, not the one above.
    _, headers, body = cache.get("/visits")
    assert b'"visits":1' in body.replace(b" ", b"") and headers["X-Cache"] == "MISS"


def test_a_page_that_only_reads_the_session_never_comes_from_the_cache(cache):
    _, headers, _ = cache.get("/visits")
    cookie = cookie_of(headers)
    for _ in range(2):
        _, headers, body = cache.get("/visits/count", cookie=cookie)
        assert headers["X-Cache"] == "MISS" and "Set-Cookie" not in headers
        assert b'"visits":1' in body.replace(b" ", b"")
    _, headers, body = cache.get("/visits/count")
    assert b'"visits":0' in body.replace(b" ", b"") and headers["X-Cache"] == "MISS"


def test_health_is_never_cached(cache):
    assert [cache.get("/health")[1]["X-Cache"] for _ in range(2)] == ["MISS", "MISS"]


def test_no_response_that_sets_a_cookie_is_stored(cache):
    """After the tests above, the cache holds the API and static responses, and nothing with a cookie."""
    for _ in range(2):
        cache.get("/visits")
    stored = cache.stored()
    assert any(b"/api/time?probe=api" in entry for entry in stored)
    assert any(b"/static/site." in entry for entry in stored)
    assert not [entry for entry in stored if b"\nSet-Cookie:" in entry and b"/control/" not in entry]


def test_the_control_shows_this_cache_would_store_a_careless_cookie(cache):
    """The gate is real: an origin that marks a cookie-setting response public gets it stored and
    served to the next visitor, cookie and all. The site's contract is what keeps that from happening."""
    first = cache.get("/control/page")
    second = cache.get("/control/page")
    assert first[1]["X-Cache"] == "MISS" and second[1]["X-Cache"] == "HIT"
    assert second[1]["Set-Cookie"].startswith("session=someone-elses")
    assert any(b"/control/page" in entry and b"Set-Cookie:" in entry for entry in cache.stored())
