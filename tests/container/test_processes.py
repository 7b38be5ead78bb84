"""The container's processes as ECS runs them, and start-up logs that hold no false alarms.

How ECS runs the container comes from the service template: initProcessEnabled "maps to the --init
option to docker run" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinuxParameters.html),
which puts an init of ECS's own at PID 1. The tests run the container the same way, so a template
that asks for that init again shows here as a tini that is not PID 1.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.docker_engine import unique_name
from tests.templates.render import SERVICE, load

from .conftest import remove_container, start_container

pytestmark = pytest.mark.docker

TINI_WARNING = "Tini is not running as PID 1"


def ecs_adds_an_init() -> bool:
    """Whether the task definition asks ECS for its own init (initProcessEnabled)."""
    task = load(SERVICE)["Resources"]["TaskDefinition"]["Properties"]
    (web,) = task["ContainerDefinitions"]
    return web.get("LinuxParameters", {}).get("InitProcessEnabled") is True


def exec_in(name: str, script: str) -> str:
    return subprocess.run(
        ["docker", "exec", name, "sh", "-c", script], capture_output=True, text=True, check=True
    ).stdout


def processes(name: str) -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line) of every process in the container."""
    listing = exec_in(
        name,
        "for d in /proc/[0-9]*; do "
        "echo \"${d#/proc/} $(awk '/^PPid:/ {print $2}' $d/status) $(tr '\\0' ' ' < $d/cmdline)\"; "
        "done 2>/dev/null",
    )
    found = {}
    for line in listing.splitlines():
        pid, ppid, *command = line.split(" ", 2)
        if ppid:
            found[int(pid)] = (int(ppid), command[0].strip() if command else "")
    return found


def image_tini(running: dict[int, tuple[int, str]]) -> int:
    """The pid of the image's own tini (with --init, PID 1 is docker's init and tini is below it)."""
    (tini,) = [pid for pid, (_, command) in running.items() if command.startswith("/usr/bin/tini")]
    return tini


def test_as_ecs_runs_it_tini_is_pid_1_and_the_site_starts_and_drains_cleanly(site_image):
    container = start_container(site_image, init=ecs_adds_an_init())
    try:
        container.wait_healthy()
        running = processes(container.name)
        assert image_tini(running) == 1  # one init, the image's: it reaps every orphan in the container
        assert running[1][1].startswith("/usr/bin/tini -- ") and running[1][1].endswith(" /app/start")
        # nginx logs to stderr from its first line, whatever path its build compiled in.
        masters = [command for _, command in running.values() if command.startswith("nginx: master")]
        assert masters == ["nginx: master process /usr/sbin/nginx -e stderr -c /app/nginx.conf"]
        assert any("gunicorn" in command for _, command in running.values())
        assert container.stop() < 25
        assert container.exit_code() == "0"  # tini passed SIGTERM on and the supervisor drained the site
        logs = container.logs()
        assert TINI_WARNING not in logs
        noisy = [line for line in logs.splitlines() if "[alert]" in line or "[emerg]" in line]
        assert noisy == []
        assert (
            "Control s" not in logs
        )  # gunicorn's control socket: neither "socket listening" nor "server error"
    finally:
        remove_container(container)


@pytest.mark.parametrize("runtime_dir", [None, "/tmp"], ids=["home-only", "writable-xdg-runtime-dir"])
def test_gunicorn_never_tries_to_open_a_control_socket(site_image, runtime_dir):
    # With only $HOME (/nonexistent, read-only) gunicorn 27 logged "Control server error"; with a
    # writable $XDG_RUNTIME_DIR it would open /tmp/gunicorn.ctl. Neither may happen.
    env = [f"XDG_RUNTIME_DIR={runtime_dir}"] if runtime_dir else []
    container = start_container(site_image, *env)
    try:
        container.wait_healthy()
        assert exec_in(container.name, "ls -a /tmp").split().count("gunicorn.ctl") == 0
        container.stop()  # the whole life of gunicorn is in the log once it has exited
        assert "Control s" not in container.logs()
    finally:
        remove_container(container)


def test_as_ecs_runs_it_an_orphan_is_reparented_to_the_images_tini_and_reaped(site_image):
    # The image's entrypoint (tini) with a command that orphans a child: the inner shell exits at
    # once, so its `sleep` loses its parent and goes to PID 1. The test then ends the orphan itself,
    # so nothing depends on how long a loaded machine takes to look.
    name = unique_name("flaskcom-reap")
    command = 'bash -c "sleep 600 & echo \\$! > /tmp/orphan.pid"; exec sleep 600'
    subprocess.run(
        ["docker", "run", "--detach", *(["--init"] if ecs_adds_an_init() else []), "--name", name,
         "--read-only", "--tmpfs", "/tmp", site_image, "bash", "-c", command],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        orphan = ""
        while not orphan and time.monotonic() < deadline:
            orphan = exec_in(name, "cat /tmp/orphan.pid 2>/dev/null || true").strip()
            time.sleep(0.1)
        assert orphan, "the command never wrote the orphan's pid"
        running = processes(name)
        # Its parent is now the image's tini: the image reaps its own orphans, whoever starts it.
        assert running[int(orphan)][0] == image_tini(running) == 1
        exec_in(name, f"kill {orphan}")
        deadline = time.monotonic() + 30
        state = "?"
        while state and time.monotonic() < deadline:
            state = exec_in(name, f"awk '/^State:/ {{print $2}}' /proc/{orphan}/status 2>/dev/null || true")
            state = state.strip()
            time.sleep(0.1)
        assert state == "", f"orphan {orphan} is still in the process table in state {state!r} (a zombie)"
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=True)
        assert TINI_WARNING not in logs.stdout + logs.stderr
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
