"""A one-off command (`deploy.py run -- CMD`, the release command) in the image as ECS starts it: the
image's entrypoint first (tini → container/appenv.py), then the command in place of /app/start, on a
read-only root with only /tmp writable, as user 10001. The command sees the settings and secrets as
plain variables and its exit status is the container's, which ECS reports as the task's exitCode."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

pytestmark = pytest.mark.docker

SETTINGS = json.dumps({"GREETING": "hello"})
SECRETS = json.dumps(
    {
        "format": 1,
        "secrets": {
            "API_TOKEN": {"value": "secret-value-12345", "version": 1, "changed": "2026-12-02T00:00:00Z"}
        },
    }
)


def one_off(image: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "docker", "run", "--rm", "--read-only", "--tmpfs", "/tmp", "--user", "10001",
            "--env", "SECRET_KEY", "--env", "APP_SETTINGS_JSON", "--env", "APP_SECRETS_JSON",
            image, *command,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # The values reach the container by name (`--env NAME`), as deploy.py passes them: not in argv.
        env={**os.environ, "SECRET_KEY": "test-only-secret", "APP_SETTINGS_JSON": SETTINGS,
             "APP_SECRETS_JSON": SECRETS},
    )  # fmt: skip


def test_a_flask_command_runs_on_the_read_only_root(site_image):
    result = one_off(site_image, "flask", "--app", "flasksite", "routes")
    assert result.returncode == 0, result.stderr
    assert "/health" in result.stdout


def test_the_command_sees_the_settings_and_secrets_and_its_exit_code_is_the_container_s(site_image):
    script = (
        "import os, sys; print(os.environ['GREETING'], len(os.environ['API_TOKEN'])); "
        "open('/tmp/scratch', 'w').write('x'); sys.exit(3)"
    )
    result = one_off(site_image, "python3", "-c", script)
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello 18\n"
    assert "secret-value-12345" not in result.stdout + result.stderr
