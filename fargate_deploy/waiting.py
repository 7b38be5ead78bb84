"""Every wait, one way: poll with the injected clock and sleep, give up at a bound, say what it waited for.

botocore's own waiters call `time.sleep` themselves, so a test of a wait would really sleep and a
progress line could not move while they wait. Here the rules of a botocore waiter (its acceptors:
`client.get_waiter(name).config.acceptors`, each a matcher with a state) decide when AWS's answer
means success or failure, so nobody hand-writes those rules, while the loop around them is ours:
the injected sleep, a time limit, and ticks for the reporter's heartbeat.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import DeployError, ExitCode

T = TypeVar("T")

# Never sleep less than this between ticks, whatever the reporter asks: a wait must not spin.
SHORTEST_SLEEP = 0.5


class WaitTimedOut(DeployError):
    """A wait reached its bound; the message says what it waited for and what it saw last."""

    exit_code = ExitCode.DEPLOYMENT_FAILED


@dataclass(frozen=True)
class Pace:
    """How often a wait polls and how long it may last (seconds)."""

    interval: float
    timeout: float


def poll(
    check: Callable[[], T | None],
    *,
    what: str,
    pace: Pace,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    tick: Callable[[], None] | None = None,
    until_tick: Callable[[], float] | None = None,
    last_seen: Callable[[], str] | None = None,
    hint: str | None = None,
) -> T:
    """Call `check` until it returns something other than None, at most `pace.timeout` seconds.

    Between checks it sleeps `pace.interval`, in slices no longer than `until_tick()` (the reporter's
    time to its next heartbeat) and calls `tick` after each slice. The last check happens at the
    bound; then WaitTimedOut names `what` and, with `last_seen`, the state it saw last.
    """
    started = clock()
    deadline = started + pace.timeout
    while True:
        found = check()
        if found is not None:
            return found
        now = clock()
        if now >= deadline:
            seen = f" (last seen: {last_seen()})" if last_seen else ""
            raise WaitTimedOut(
                f"gave up waiting for {what} after {int(now - started)}s{seen}",
                hint=hint,
            )
        wake = min(now + pace.interval, deadline)
        while (now := clock()) < wake:
            slice_ = min(wake - now, until_tick() if until_tick else math.inf)
            sleep(max(slice_, min(SHORTEST_SLEEP, wake - now)))
            if tick:
                tick()


# --- botocore waiter rules, our loop ---


def accepted_state(acceptors: Sequence[Any], response: dict) -> str | None:
    """The state ("success", "failure", "retry") of the first acceptor that matches, as botocore's
    Waiter decides it; an error response no acceptor expects is a failure; None: keep waiting."""
    for acceptor in acceptors:
        if acceptor.matcher_func(response):
            return acceptor.state
    if "Error" in response:
        return "failure"
    return None


@dataclass(frozen=True)
class Waited:
    """How a waiter-driven wait ended: success or failure by the waiter's rules, and AWS's last answer
    (a parsed response, or an error response with "Error")."""

    succeeded: bool
    response: dict

    @property
    def error_code(self) -> str:
        return self.response.get("Error", {}).get("Code", "")

    @property
    def error_message(self) -> str:
        return self.response.get("Error", {}).get("Message", "")


def wait_for_acceptors(
    call: Callable[[], dict],
    acceptors: Sequence[Any],
    *,
    what: str,
    pace: Pace,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    tick: Callable[[], None] | None = None,
    until_tick: Callable[[], float] | None = None,
    describe: Callable[[dict], str] | None = None,
    on_response: Callable[[dict], None] | None = None,
    hint: str | None = None,
) -> Waited:
    """Poll `call` (which returns the parsed response, or the error response of a ClientError) until
    an acceptor says success or failure; `describe` turns the last answer into the timeout's words."""
    last: dict = {}

    def check() -> Waited | None:
        nonlocal last
        last = call()
        if on_response:
            on_response(last)
        state = accepted_state(acceptors, last)
        if state == "success":
            return Waited(True, last)
        if state == "failure":
            return Waited(False, last)
        return None

    return poll(
        check,
        what=what,
        pace=pace,
        clock=clock,
        sleep=sleep,
        tick=tick,
        until_tick=until_tick,
        last_seen=(lambda: describe(last)) if describe else None,
        hint=hint,
    )
