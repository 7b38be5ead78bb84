"""CPU time a contender's processes spend per request, split into nginx and the app server.

Throughput on a shared 2-core machine says who is faster; CPU per request says where the time goes,
and it holds still when a neighbour takes a core. Read from /proc: utime + stime of every process
under the contender's root processes (the container's init, gunicorn's master, uWSGI + nginx).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def parse_stat(text: str) -> tuple[str, int, int]:
    """/proc/PID/stat → (program name, parent PID, CPU ticks in user + kernel mode)."""
    # The name sits in parentheses and may itself hold spaces or parentheses: split at the last ')'.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3 of proc(5)); ppid is field 4, utime 14, stime 15.
    return name, int(fields[1]), int(fields[11]) + int(fields[12])


def by_program(roots: Iterable[int], table: dict[int, tuple[str, int, int]]) -> dict[str, int]:
    """Ticks of `roots` and all their descendants, summed as {"nginx": …, "app": …}."""
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    totals = {"nginx": 0, "app": 0}
    pending = [pid for pid in roots if pid in table]
    seen: set[int] = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        name, _, ticks = table[pid]
        totals["nginx" if name == "nginx" else "app"] += ticks
        pending += children.get(pid, [])
    return totals


def per_request_us(before: dict[str, int], after: dict[str, int], requests: int) -> dict[str, float]:
    """Microseconds of CPU per request for each program, between two snapshots."""
    if requests <= 0:
        return {program: 0.0 for program in after}
    return {
        program: (after[program] - before.get(program, 0)) / TICKS_PER_SECOND * 1e6 / requests
        for program in after
    }


def snapshot(roots: Iterable[int], proc: Path = Path("/proc")) -> dict[str, int]:
    table: dict[int, tuple[str, int, int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            table[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError):  # the process ended while we looked
            continue
    return by_program(roots, table)
