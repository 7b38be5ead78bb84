"""The image also builds and serves for the other Fargate CPU architecture (under qemu here)."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request

import pytest

from fargate_deploy import docker
from tests.docker_engine import REPO, checkout_tag, require_engine, skip_or_fail, unique_name

pytestmark = pytest.mark.docker

EXPECTED_MACHINE = {"linux/arm64": "aarch64", "linux/amd64": "x86_64"}


@pytest.fixture(scope="module")
def foreign_image():
    require_engine()
    platform = os.environ.get("FOREIGN_PLATFORM")
    base = os.environ.get("FOREIGN_BASE_IMAGE")
    if not (platform and base):
        skip_or_fail("FOREIGN_PLATFORM/FOREIGN_BASE_IMAGE are not set (run .ci/engine.sh start)")
    tag = f"flaskcom-test:{checkout_tag('foreign')}"
    argv = docker.build_argv(REPO, tag, platform=platform, build_args={"BASE_IMAGE": base})
    started = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    print(f"\nbuilt for {platform} under emulation in {time.monotonic() - started:.0f} s")
    return platform, tag


def test_the_image_builds_for_the_other_architecture_and_answers_health(foreign_image):
    platform, tag = foreign_image
    architecture = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert architecture == platform
    name = unique_name("flaskcom-foreign")
    subprocess.run(
        ["docker", "run", "--detach", "--name", name, "--platform", platform, "--read-only",
         "--tmpfs", "/tmp", "--tmpfs", "/dev/shm", "--env", "SECRET_KEY=test-only-secret-key",
         "--publish", "127.0.0.1::8080", tag],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        machine = subprocess.run(
            ["docker", "exec", name, "python3", "-c", "import platform; print(platform.machine())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert machine == EXPECTED_MACHINE[platform]
        port = (
            subprocess.run(["docker", "port", name, "8080/tcp"], capture_output=True, text=True, check=True)
            .stdout.split(":")[-1]
            .strip()
        )
        deadline = time.monotonic() + 60  # emulated start-up is slow; this proves it works, not speed
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
