"""Run a command; fail if any process it started is still alive when it ends.

    python3 .ci/no_survivors.py make test

This process becomes a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER): every process the
command starts, at any depth, is re-parented to it rather than to init when its parent exits — even
one that left the command's session or process group. So once the command has ended, whatever is
still a child of this process was started by the command and was not stopped by it. Each survivor
is listed, stopped by its PID (SIGTERM, then SIGKILL) and reaped, and the exit status is 1.
Nothing that this command did not start is touched. Standard library only: it runs before .venv.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
GRACE_SECONDS = 10


def become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def children() -> dict[int, str]:
    """pid → command line of this process's live children (zombies are reaped, not listed)."""
    me = os.getpid()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(ppid) == me and state != "Z":
            found[int(entry.name)] = cmdline.strip()
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop(survivors: dict[int, str]) -> None:
    for pid in survivors:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and children():
        reap()
        time.sleep(0.2)
    for pid in children():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.2)
    reap()


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: no_survivors.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    become_subreaper()
    status = subprocess.call(argv)
    reap()
    # A process that is exiting right now is not a survivor: give the stragglers a moment.
    deadline = time.monotonic() + 5
    while (survivors := children()) and time.monotonic() < deadline:
        reap()
        time.sleep(0.2)
    if not survivors:
        return status
    print(f"ci: {len(survivors)} process(es) started by `{' '.join(argv)}` outlived it:", file=sys.stderr)
    for pid, cmdline in sorted(survivors.items()):
        print(f"ci:   {pid} {cmdline}", file=sys.stderr)
    stop(survivors)
    return status or 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
