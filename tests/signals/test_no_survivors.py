""".ci/no_survivors.py: CI fails when a process the tests started outlives them, even one that left
their session, and stops only those processes."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.docker_engine import REPO

SCRIPT = REPO / ".ci" / "no_survivors.py"


def run(shell: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, "sh", "-c", shell], capture_output=True, text=True, timeout=60, check=False
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = open(f"/proc/{pid}/stat").read()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_command_that_stops_what_it_started_keeps_its_status():
    assert run("sleep 0.1 & wait; exit 3").returncode == 3


def test_a_survivor_fails_the_run_is_named_and_stopped():
    result = run("sleep 300 & echo $!")
    pid = int(result.stdout.split()[0])
    assert result.returncode == 1
    assert f"ci:   {pid} sleep 300" in result.stderr.splitlines()
    assert not alive(pid)


def test_a_survivor_in_a_session_of_its_own_is_found_too():
    result = run("setsid sleep 301 & echo $!")
    assert result.returncode == 1
    assert "sleep 301" in result.stderr
