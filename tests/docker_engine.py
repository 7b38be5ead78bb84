"""Shared by the tests that need a real Docker engine: skip without one unless REQUIRE_DOCKER=1."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from fargate_deploy import docker

REPO = Path(__file__).resolve().parents[1]


def skip_or_fail(missing: str) -> None:
    """Without what CI provides, skip on a developer's machine; in CI (REQUIRE_DOCKER=1) fail."""
    if os.environ.get("REQUIRE_DOCKER") == "1":
        pytest.fail(f"REQUIRE_DOCKER=1 but {missing}")
    pytest.skip(missing)


def require_engine() -> None:
    if not docker.engine_reachable():
        skip_or_fail("no Docker engine is reachable (is DOCKER_HOST set?)")


def build_site_image(tag: str) -> str:
    argv = docker.build_argv(str(REPO), tag, network=os.environ.get("DOCKER_BUILD_NETWORK"))
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return tag


def checkout_tag(name: str) -> str:
    """An image tag of this checkout's own: two checkouts (git worktrees) testing at once on one
    engine never run each other's image."""
    return f"{name}-{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}"


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
