"""Docker as argv lists (Kamal's command objects) and one `run` that executes them.

Building the argv is pure and tested by exact comparison; only `run` touches the engine.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import RefusedError

PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


def platform_for(architecture: str) -> str:
    """The `--platform` that matches a Fargate `runtimePlatform.cpuArchitecture`."""
    return PLATFORMS[architecture]


def build_argv(
    context: Path,
    image: str,
    *,
    platform: str | None = None,
    build_args: Mapping[str, str] | None = None,
    network: str | None = None,
) -> list[str]:
    argv = ["docker", "build", "--tag", image]
    if platform:
        argv += ["--platform", platform]
    # Machines whose engine runs without NAT (--iptables=false) can only build on the host network.
    network = network or os.environ.get("DOCKER_BUILD_NETWORK")
    if network:
        argv += ["--network", network]
    for key, value in (build_args or {}).items():
        argv += ["--build-arg", f"{key}={value}"]
    return argv + [str(context)]


def tag_argv(source: str, target: str) -> list[str]:
    return ["docker", "tag", source, target]


def push_argv(image: str) -> list[str]:
    return ["docker", "push", image]


def login_argv(registry: str, username: str) -> list[str]:
    """The password goes to stdin, never into argv (where `ps` would show it)."""
    return ["docker", "login", "--username", username, "--password-stdin", registry]


def run_argv(
    image: str,
    *,
    name: str,
    publish: Sequence[str] = (),
    env_names: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    read_only: bool = True,
    tmpfs: Sequence[str] = (),
    detach: bool = False,
    remove: bool = True,
    interactive: bool = False,
    command: Sequence[str] = (),
    network: str | None = None,
) -> list[str]:
    """`env_names` are passed by name only, so their values (secrets) stay out of argv. `command`
    replaces the image's CMD (its ENTRYPOINT still runs first); `interactive` attaches a terminal."""
    argv = ["docker", "run", "--name", name]
    if network:
        argv += ["--network", network]
    if detach:
        argv.append("--detach")
    if interactive:
        argv += ["--interactive", "--tty"]
    if remove:
        argv.append("--rm")
    if read_only:
        argv.append("--read-only")
    for mount in tmpfs:
        argv += ["--tmpfs", mount]
    for port in publish:
        argv += ["--publish", port]
    for key in env_names:
        argv += ["--env", key]
    for key, value in (env or {}).items():
        argv += ["--env", f"{key}={value}"]
    return argv + [image, *command]


def stop_argv(name: str, timeout_seconds: int) -> list[str]:
    return ["docker", "stop", "--time", str(timeout_seconds), name]


def info_argv() -> list[str]:
    return ["docker", "info", "--format", "{{.ServerVersion}}"]


def run(
    argv: Sequence[str],
    *,
    stdin: str | None = None,
    capture: bool = False,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Execute one argv; a non-zero exit becomes a RefusedError that keeps docker's words."""
    try:
        result = subprocess.run(
            list(argv),
            input=stdin,
            text=True,
            capture_output=capture,
            env=None if env is None else {**os.environ, **env},
            check=False,
        )
    except FileNotFoundError as error:
        raise RefusedError(
            "running docker: the docker command is not installed",
            hint="install Docker, then run the command again",
        ) from error
    if result.returncode != 0:
        doing = f"running {' '.join(argv[:2])}"
        cannot_connect = "Cannot connect to the Docker daemon" in (result.stderr or "")
        if cannot_connect or (result.stderr is None and not engine_reachable()):
            where = os.environ.get("DOCKER_HOST") or "the default socket"
            raise RefusedError(
                f"{doing}: no Docker engine is reachable at {where}",
                hint="start Docker (or point DOCKER_HOST at a running engine), check with `docker info`, "
                "then run the command again",
            )
        raise RefusedError(
            f"{doing}: {_cause(result.stderr, result.returncode)}",
            hint="docker's own output above says more" if result.stderr is None else None,
        )
    return result


def _cause(stderr: str | None, returncode: int) -> str:
    """Docker prints usage and progress around its error; keep the line that names the problem."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith(("error", "unknown", "denied", "cannot", "failed")):
            return line
    return lines[0] if lines else f"exit status {returncode}"


def engine_reachable() -> bool:
    try:
        completed = subprocess.run(info_argv(), capture_output=True, text=True, timeout=10, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0
