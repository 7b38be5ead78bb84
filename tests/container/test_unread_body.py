"""container/unread_body.py and gunicorn's post_request hook, without Docker and without Flask.

The hook must help any WSGI app, so the app here is a bare WSGI function that refuses a body
without reading it. The client writes a 9 MB body straight to gunicorn's unix socket (as nginx
does) and then reads the answer; when gunicorn closes with the body unread, the client's write
fails with a broken pipe before it can read anything (nginx turns that into a 502).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "container"))

from unread_body import READ_LIMIT, discard_unread_body  # noqa: E402

CONFIG = ROOT / "container" / "gunicorn.conf.py"
BODY_SIZE = 9 * 1024 * 1024

REFUSING_APP = """
def app(environ, start_response):
    # Answers before reading the body, as Flask does for a POST to a GET-only route.
    start_response("413 Content Too Large", [("Content-Type", "text/plain"), ("Content-Length", "7")])
    return [b"refused"]
"""

# The same settings with the hook taken away: shows that the client below meets the bug without it.
WITHOUT_HOOK = f"""
import runpy
settings = runpy.run_path({str(CONFIG)!r})
globals().update({{k: v for k, v in settings.items() if not k.startswith("__") and k != "post_request"}})
"""


def test_discard_reads_the_rest_of_the_body():
    body = io.BytesIO(b"a" * 1000)
    body.read(10)  # what the app read
    assert discard_unread_body({"wsgi.input": body}) == 990
    assert body.read() == b""


def test_discard_stops_at_the_limit():
    body = io.BytesIO(b"a" * 5000)
    assert discard_unread_body({"wsgi.input": body}, limit=1234) == 1234
    assert READ_LIMIT > 10 * 1024 * 1024  # above nginx's client_max_body_size 10m


def test_discard_without_a_body_or_with_a_broken_one_does_nothing():
    class Gone:
        def read(self, size):
            raise ConnectionResetError("peer went away")

    assert discard_unread_body({}) == 0
    assert discard_unread_body({"wsgi.input": Gone()}) == 0


def post_over_unix_socket(path: Path) -> bytes:
    """Write a request with a 9 MB body, then read the answer; raises if the write is cut off."""
    head = f"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {BODY_SIZE}\r\n\r\n".encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(60)
        connection.connect(str(path))
        connection.sendall(head + b"x" * BODY_SIZE)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def start_gunicorn(tmp_path: Path, config: Path) -> tuple[subprocess.Popen, Path]:
    (tmp_path / "refusing_app.py").write_text(REFUSING_APP)
    sock = tmp_path / "gunicorn.sock"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(config), "--bind", f"unix:{sock}",
         "--workers", "1", "--pythonpath", str(tmp_path), "refusing_app:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"gunicorn did not bind {sock} (exit {process.poll()})")
        time.sleep(0.05)
    return process, sock


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_with_the_hook_the_apps_answer_reaches_a_client_that_sends_the_whole_body(tmp_path):
    process, sock = start_gunicorn(tmp_path, CONFIG)
    try:
        for _ in range(3):
            answer = post_over_unix_socket(sock)
            assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
            assert answer.endswith(b"refused")
    finally:
        stop(process)


def test_without_the_hook_the_client_is_cut_off_before_it_reads_the_answer(tmp_path):
    config = tmp_path / "without_hook.conf.py"
    config.write_text(WITHOUT_HOOK)
    process, sock = start_gunicorn(tmp_path, config)
    try:
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            post_over_unix_socket(sock)
    finally:
        stop(process)
