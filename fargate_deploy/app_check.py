"""`deploy.py check` starts the app for real: the container's gunicorn config, the image's entrypoint
step and app loader, production settings, one request to the health check path over gunicorn's unix
socket, then a graceful stop. An app that does not import, whose factory raises, that keeps a
development SECRET_KEY, or whose /health does not answer 200 is a finding here instead of a deploy
that rolls back.

It runs with this machine's Python, so the app's requirements must be installed in it (the finding
for a missing module says so); `make local` runs the image itself.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 60  # generous: a cold import of a big app on a loaded machine
STOP_SECONDS = 30


@dataclass(frozen=True)
class Outcome:
    started: bool
    status: int | None  # the health check's HTTP status, None when it could not be asked
    reason: str  # the last line the app or gunicorn printed, or what went wrong

    @property
    def healthy(self) -> bool:
        return self.started and self.status == 200


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def serve_argv(python: str, container: Path, sock: Path) -> list[str]:
    """gunicorn as the image starts it (one worker is enough to serve one request)."""
    return [
        python, str(container / "appenv.py"), python, "-m", "gunicorn",
        "--config", str(container / "gunicorn.conf.py"), "--bind", f"unix:{sock}", "--workers", "1",
    ]  # fmt: skip


def serve_env(
    base: dict[str, str], app_root: Path, wsgi_app: str, settings_json: str, secrets_json: str
) -> dict:
    """The image's environment in production mode, with a throwaway SECRET_KEY; none of the shell's
    gunicorn or app variables leak in."""
    kept = {
        k: v
        for k, v in base.items()
        if not k.startswith(("GUNICORN_", "APP_", "WSGI_")) and k != "WEB_CONCURRENCY"
    }
    kept.pop("ENABLE_TEST_ENDPOINTS", None)
    return {
        **kept,
        "APP_ENV": "production",
        "IMAGE_TAG": "check",
        "SECRET_KEY": secrets.token_hex(32),
        "APP_ROOT": str(app_root),
        "WSGI_APP": wsgi_app,
        "APP_SETTINGS_JSON": settings_json,
        "APP_SECRETS_JSON": secrets_json,
    }


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def serve_one_request(
    container: Path, app_root: Path, wsgi_app: str, health_path: str, settings_json: str, secrets_json: str
) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="flaskcom-check-") as run_dir:
        sock = Path(run_dir) / "gunicorn.sock"
        log = Path(run_dir) / "gunicorn.log"
        env = serve_env(dict(os.environ), app_root, wsgi_app, settings_json, secrets_json)
        with open(log, "w") as output:
            process = subprocess.Popen(
                serve_argv(sys.executable, container, sock), env=env, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + START_SECONDS
            while not sock.exists():
                if process.poll() is not None:
                    return Outcome(False, None, _last_line(log.read_text(errors="replace")))
                if time.monotonic() > deadline:
                    return Outcome(False, None, f"gunicorn did not listen within {START_SECONDS} s")
                time.sleep(0.05)
            connection = _UnixConnection(str(sock), timeout=START_SECONDS)
            try:
                connection.request("GET", health_path, headers={"Host": "localhost"})
                response = connection.getresponse()
                status = response.status
                response.read()
            except OSError as error:
                return Outcome(True, None, f"GET {health_path}: {error}")
            finally:
                connection.close()
            return Outcome(True, status, _last_line(log.read_text(errors="replace")))
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
