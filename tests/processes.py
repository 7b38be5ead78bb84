"""Processes a test started: in a session of their own, so whatever survives them can be found.

A test starts the command under test with `start_new_session=True`; the command's pid is then the
session id of everything it starts (process groups of their own included), and after it ends no
process may be left in that session. /proc is read directly: a fresh Debian has no procps.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Exec the command with SIGINT ignored, as a background job of a non-interactive shell (or some CI
# runners) starts it: Python then never turns Ctrl-C into KeyboardInterrupt by itself.
IGNORING_SIGINT = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]


def session_processes(session_id: int) -> dict[int, str]:
    """pid → command line of every live process in the session (zombies are dead: left out)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended while we looked
        # Fields after the command name, which may itself hold spaces and parentheses.
        state, _ppid, _pgrp, session = stat.rsplit(")", 1)[1].split()[:4]
        if int(session) == session_id and state != "Z":
            found[int(entry.name)] = cmdline.strip()
    return found


def survivors(session_id: int, within_seconds: float = 10) -> dict[int, str]:
    """The session's processes still alive after a bounded wait for them to finish exiting."""
    deadline = time.monotonic() + within_seconds
    while (left := session_processes(session_id)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def assert_none_survive(session_id: int) -> None:
    left = survivors(session_id)
    for pid in left:  # ours (in the session we made), stopped so they cannot disturb later tests
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    assert left == {}, f"still running after the command ended: {left}"
