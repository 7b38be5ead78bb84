"""`deploy.py local run -- CMD` for real: the command runs with [env] and the local secrets as plain
variables (in the local image when Docker is there, else with this machine's Python), and its exit
status is the command's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.docker_engine import REPO, require_engine

PRINTS_AND_EXITS_3 = (
    "import os, sys; print(os.environ['GREETING'], len(os.environ['API_TOKEN']), os.environ['APP_ENV']); "
    "sys.exit(3)"
)


def deploy_py_local_run(tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    (tmp_path / "deploy.toml").write_text('domain = "example.com"\n[env]\nGREETING = "hello"\n')
    (tmp_path / "local.secrets.toml").write_text('API_TOKEN = "secret-value-12345"\n')
    return subprocess.run(
        [sys.executable, str(REPO / "deploy.py"), "local", "run", "--", "python3", "-c", PRINTS_AND_EXITS_3],
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.docker
def test_in_the_local_image(tmp_path):
    require_engine()
    result = deploy_py_local_run(tmp_path, {})
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello 18 production\n"
    assert "secret-value-12345" not in result.stdout + result.stderr


def test_with_this_machine_s_python_when_no_engine_is_reachable(tmp_path):
    result = deploy_py_local_run(tmp_path, {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello 18 local\n"
    assert "running the command with this machine's Python" in result.stderr
    assert "secret-value-12345" not in result.stdout + result.stderr
