"""`python deploy.py local` for real: started as a user would, probed over HTTP, stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from fargate_deploy import local
from tests.docker_engine import REPO, require_engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "deploy.py", "local", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def get(port: int, path: str, within_seconds: float):
    deadline = time.monotonic() + within_seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def interrupt(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


@pytest.mark.skipif(shutil.which("nginx", path="/usr/sbin:/usr/bin") is None, reason="needs nginx")
def test_without_docker_it_runs_nginx_and_gunicorn_on_the_host():
    port = free_port()
    process = start(port, {"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    try:
        status, _, body = get(port, "/health", within_seconds=20)
        assert (status, json.loads(body)["status"]) == (200, "ok")
        _, headers, _ = get(port, "/static/site.css", within_seconds=5)
        assert headers["Cache-Control"] == "max-age=2592000"  # nginx's header: nginx served it
        _, _, body = get(port, "/visits", within_seconds=5)
        assert json.loads(body)["url"] == f"http://127.0.0.1:{port}/visits"
    finally:
        code, stdout, stderr = interrupt(process)
    assert code == 130
    assert "No Docker engine reachable: running nginx + gunicorn as host processes instead." in stderr
    assert f"The site: http://127.0.0.1:{port}" in stdout
    assert "Traceback" not in stderr
    with pytest.raises(OSError):
        get(port, "/health", within_seconds=0)


@pytest.mark.docker
def test_with_docker_it_builds_and_runs_the_image_and_ctrl_c_removes_it():
    require_engine()
    port = free_port()
    process = start(port, {})
    try:
        status, headers, _ = get(port, "/health", within_seconds=240)
        assert status == 200
        assert headers["Server"] == "nginx"
    finally:
        code, stdout, stderr = interrupt(process)
    assert code == 130
    assert f"The site: http://127.0.0.1:{port}" in stdout
    assert "Traceback" not in stderr
    remaining = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--filter", f"name=^{local.container_name(port)}$"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert remaining == ""
