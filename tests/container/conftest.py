"""A real container of the site, built once per session and run on a random 127.0.0.1 port."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from tests.docker_engine import build_site_image, checkout_tag, require_engine, unique_name

IMAGE = f"flaskcom-test:{checkout_tag('ci')}"


@dataclass
class Container:
    name: str
    port: int
    started_at: float  # time.monotonic() just before `docker run`

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self) -> float:
        """`docker stop` as ECS stops a task (SIGTERM, then SIGKILL after 30 s); seconds it took."""
        started = time.monotonic()
        subprocess.run(["docker", "stop", "--time", "30", self.name], check=True, capture_output=True)
        return time.monotonic() - started

    def exit_code(self) -> str:
        return subprocess.run(
            ["docker", "inspect", "--format", "{{.State.ExitCode}}", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def logs(self) -> str:
        result = subprocess.run(["docker", "logs", self.name], capture_output=True, text=True, check=True)
        return result.stdout + result.stderr

    def log_lines(self, containing: str, until, within_seconds: float = 5.0) -> list[str]:
        """The log lines containing a text, once `until(lines)` holds: docker's log driver lags a little."""
        deadline = time.monotonic() + within_seconds
        while True:
            lines = [line for line in self.logs().splitlines() if containing in line]
            if until(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)

    def wait_healthy(self, within_seconds: float = 10.0) -> float:
        """Seconds from `docker run` to the first 200 on /health."""
        deadline = time.monotonic() + within_seconds
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.request("GET", "/health")
                if status == 200:
                    return time.monotonic() - self.started_at
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"/health did not answer 200 within {within_seconds} s:\n{self.logs()}")


@pytest.fixture(scope="session")
def site_image():
    require_engine()
    return build_site_image(IMAGE)


def start_container(
    image: str,
    *extra_env: str,
    read_only: bool = True,
    cpus: str | None = None,
    init: bool = False,
    env_by_name: Mapping[str, str] | None = None,
) -> Container:
    """`env_by_name` reaches the container by name only (`--env NAME`), its values through docker's
    own environment, as deploy.py passes secrets: never in argv."""
    name = unique_name("flaskcom-test")
    argv = ["docker", "run", "--detach", "--name", name, "--publish", "127.0.0.1::8080"]
    if init:
        argv.append("--init")  # what ECS's initProcessEnabled does: its own init as PID 1
    for variable in env_by_name or {}:
        argv += ["--env", variable]
    if cpus:
        argv += ["--cpus", cpus]  # a cgroup CPU quota, as Fargate sets one
    if read_only:
        argv += ["--read-only", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for variable in ("SECRET_KEY=test-only-secret", "IMAGE_TAG=test-tag", *extra_env):
        argv += ["--env", variable]
    started_at = time.monotonic()
    subprocess.run(
        [*argv, image], check=True, stdout=subprocess.DEVNULL, env={**os.environ, **(env_by_name or {})}
    )
    port_line = subprocess.run(
        ["docker", "port", name, "8080/tcp"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    return Container(name=name, port=int(port_line.rsplit(":", 1)[1]), started_at=started_at)


def start_up_refusal(image: str) -> list[str]:
    """The stderr lines of the image started as ECS starts it but without SECRET_KEY; it must refuse."""
    result = subprocess.run(
        ["docker", "run", "--rm", "--read-only", "--tmpfs", "/tmp", image],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0, "the container started without a SECRET_KEY"
    return result.stderr.splitlines()


def remove_container(container: Container) -> None:
    subprocess.run(["docker", "rm", "--force", container.name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def site(site_image):
    container = start_container(site_image, "ENABLE_TEST_ENDPOINTS=1")
    container.wait_healthy()
    yield container
    remove_container(container)


@pytest.fixture
def fresh_site(site_image):
    """A container of its own, for tests that stop it or time its start."""
    container = start_container(site_image, "ENABLE_TEST_ENDPOINTS=1")
    yield container
    remove_container(container)
