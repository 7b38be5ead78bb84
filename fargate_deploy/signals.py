"""Stop signals for the long-running commands (`local`, the followers, `logs --follow`, `run`).

A command that waits is stopped by Ctrl-C (SIGINT), by `kill` (SIGTERM) or by its terminal closing
(SIGHUP), however it was started. Python turns SIGINT into KeyboardInterrupt only when SIGINT was not
ignored at start; a background job of a non-interactive shell, and some CI runners, start commands
with SIGINT ignored, and then Ctrl-C or `kill -INT` did nothing. `stop_on_signals()` installs its
own handlers whatever the inherited disposition, so inside the block each of these signals raises
`Stopped` once; the command's `finally`/`except` then stops what it started and main() exits 130.

Processes started inside the block get the default disposition of these signals (a handler, unlike
SIG_IGN, is not inherited across exec), so they can be stopped too.

    with stop_on_signals() as request:
        process = subprocess.Popen(argv)
        try:
            wait_for(process)
        finally:
            request.begin_stopping()  # from here on, signals only hurry the stop
            stop(process)
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """A stop signal arrived. A KeyboardInterrupt, so every `except KeyboardInterrupt` (and main(),
    which exits 130 quietly) treats `kill` like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class StopRequest:
    """What arrived inside the block. The first signal raises `Stopped`; once stopping (after that
    signal, or after `begin_stopping()` when the command stops on its own) signals only set
    `hurried`, so a stop in progress is never cut short and leaves nothing running."""

    received: list[int] = field(default_factory=list)
    stopping: bool = False
    hurried: bool = False  # a stop signal while stopping: a second Ctrl-C wants it faster

    def begin_stopping(self) -> None:
        self.stopping = True


@contextlib.contextmanager
def stop_on_signals(signums: tuple[int, ...] = STOP_SIGNALS) -> Iterator[StopRequest]:
    """Inside the block, the first of `signums` raises Stopped; the handlers in force before it
    (including SIG_IGN) are restored when it ends."""
    request = StopRequest()

    def handle(signum: int, frame: object) -> None:
        request.received.append(signum)
        if request.stopping:
            request.hurried = True
            return
        request.stopping = True
        raise Stopped(signum)

    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        signal.signal(signum, handle)
    try:
        yield request
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
