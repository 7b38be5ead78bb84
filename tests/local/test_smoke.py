"""`python3 deploy.py local` for real: started as a user would (also with SIGINT ignored, as a background
job is), probed over HTTP, stopped with Ctrl-C or `kill`; nothing it started may survive it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from fargate_deploy import local
from tests.docker_engine import REPO, require_engine, skip_or_fail
from tests.processes import IGNORING_SIGINT, assert_none_survive, session_processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def collect(stream, lines: list[str]) -> None:
    with stream:
        for line in stream:
            lines.append(line)


class Run:
    """`deploy.py local` as a user starts it; its output is collected as it comes."""

    def __init__(self, port: int, env: dict, sigint_ignored: bool = False):
        # A session of its own: its id is the pid, and whatever the command starts stays in it.
        self._collect(
            subprocess.Popen(
                [*(IGNORING_SIGINT if sigint_ignored else []), sys.executable, "deploy.py", "local"]
                + ["--port", str(port)],
                cwd=REPO,
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )

    @classmethod
    def attach(cls, process: subprocess.Popen) -> Run:
        run = cls.__new__(cls)
        run._collect(process)
        return run

    def _collect(self, process: subprocess.Popen) -> None:
        self.process = process
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [
            threading.Thread(target=collect, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=collect, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def wait_for_output(self, text: str, within_seconds: float) -> None:
        deadline = time.monotonic() + within_seconds
        while not any(text in line for line in self.stdout):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} on stdout:\n{''.join(self.stdout + self.stderr)}")
            time.sleep(0.1)

    def interrupt(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        """Ctrl-C, as a terminal sends it (or a plain `kill`)."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        for reader in self.readers:
            reader.join(timeout=10)
        return code, "".join(self.stdout), "".join(self.stderr)


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


STOPS = [
    pytest.param(signal.SIGINT, False, id="ctrl-c"),
    pytest.param(signal.SIGTERM, False, id="kill"),
    pytest.param(signal.SIGINT, True, id="ctrl-c, started with SIGINT ignored"),
    pytest.param(signal.SIGTERM, True, id="kill, started with SIGINT ignored"),
]


def require_nginx() -> None:
    if shutil.which("nginx", path="/usr/sbin:/usr/bin") is None:
        skip_or_fail("nginx is not installed: sudo apt-get install -y nginx (.ci/engine.sh installs it)")


@pytest.mark.parametrize(("signum", "sigint_ignored"), STOPS)
def test_without_docker_it_runs_nginx_and_gunicorn_on_the_host(signum, sigint_ignored):
    require_nginx()
    port = free_port()
    run = Run(port, {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, sigint_ignored)
    try:
        run.wait_for_output(f"The site: http://127.0.0.1:{port}", within_seconds=30)
        started = " ".join(session_processes(run.process.pid).values())
        assert "nginx: master process" in started and "gunicorn" in started  # what must stop
        status, _, body = get(port, "/health", within_seconds=0)
        assert (status, json.loads(body)["status"]) == (200, "ok")
        _, headers, _ = get(port, "/static/site.css", within_seconds=5)
        assert headers["Cache-Control"] == "max-age=3600"  # nginx's header: nginx served it
        _, _, body = get(port, "/visits", within_seconds=5)
        assert json.loads(body)["url"] == f"http://127.0.0.1:{port}/visits"
    finally:
        code, stdout, stderr = run.interrupt(signum)
    assert code == 130
    assert "No Docker engine reachable: running nginx + gunicorn as host processes instead." in stderr
    assert f"The site: http://127.0.0.1:{port}" in stdout
    assert "Traceback" not in stderr
    assert_none_survive(run.process.pid)
    with pytest.raises(OSError):
        get(port, "/health", within_seconds=0)


@pytest.mark.docker
@pytest.mark.parametrize(
    "sigint_ignored", [False, True], ids=["ctrl-c", "ctrl-c, started with SIGINT ignored"]
)
def test_with_docker_it_builds_and_runs_the_image_and_ctrl_c_removes_it(sigint_ignored):
    require_engine()
    port = free_port()
    run = Run(port, {}, sigint_ignored)
    try:
        run.wait_for_output(f"The site: http://127.0.0.1:{port}", within_seconds=240)
        status, headers, _ = get(port, "/health", within_seconds=0)
        assert status == 200
        assert headers["Server"] == "nginx"
        inspected = subprocess.run(
            ["docker", "inspect", "--format", "{{json .}}", local.container_name(port)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        container = json.loads(inspected)
        assert container["HostConfig"]["ReadonlyRootfs"] is True
        assert container["Config"]["User"] == "10001:10001"
        assert "APP_ENV=production" in container["Config"]["Env"]
        secret = next(item for item in container["Config"]["Env"] if item.startswith("SECRET_KEY="))
        assert len(secret) == len("SECRET_KEY=") + 64  # generated, and passed by name (see test_plan)
    finally:
        code, stdout, stderr = run.interrupt()
    assert code == 130
    assert f"The site: http://127.0.0.1:{port}" in stdout
    assert "Traceback" not in stderr
    assert_none_survive(run.process.pid)
    remaining = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--filter", f"name=^{local.container_name(port)}$"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert remaining == ""


def test_without_nginx_gunicorn_serves_alone_static_files_too():
    # The command picks this mode when `nginx` is not installed; here nginx is, so the mode is chosen
    # the same way the command does it, from the plan, in a process of its own.
    port = free_port()
    script = (
        "import sys; from fargate_deploy import local; "
        "from fargate_deploy.settings import load_local_settings; "
        f"plan = local.plan_local({port}, engine_reachable=False, nginx_path=None); "
        "print(plan.notices[0], file=sys.stderr); "
        "app = local.local_app(load_local_settings(), local.REPO / local.SECRETS_FILE); "
        "local.serve_on_host(plan, app, None, lambda: print(f'The site: {plan.url}', flush=True))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    run = Run.attach(process)
    try:
        run.wait_for_output(f"The site: http://127.0.0.1:{port}", within_seconds=30)
        status, headers, _ = get(port, "/static/site.css", within_seconds=0)
        assert status == 200
        assert "max-age=3600" not in headers.get("Cache-Control", "")  # Flask's, not nginx's
        assert "Server" in headers and "gunicorn" in headers["Server"]
    finally:
        code, _, stderr = run.interrupt()
    assert code != 0  # KeyboardInterrupt: the command turns it into 130
    assert "running gunicorn alone" in stderr
    assert "generated a throwaway one (local mode)" in stderr + "".join(run.stdout)
    # Its start-up line names the socket it really listens on (the command line's --bind, not the
    # config file's default unix:/tmp/gunicorn.sock).
    config = next(json.loads(line)["config"] for line in run.stdout if '"message": "gunicorn config' in line)
    assert config["bind"] == [f"http://127.0.0.1:{port}"]
    assert_none_survive(process.pid)
    with pytest.raises(OSError):
        get(port, "/health", within_seconds=0)
