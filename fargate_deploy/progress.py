"""Live progress on stderr with rich: stack events (rain's line), the ECS rollout, waits.

Presentation only. rich's Status redraws one line on a TTY and stays quiet otherwise; lines worth
keeping (failed resources with their reasons, phase changes) are printed above it.
"""

from __future__ import annotations

from rich.markup import escape

from . import console, rollout
from .changeset import ChangeSetSummary

_COLOURS = {"+": "green", ">": "yellow", "-": "red", "!": "magenta"}


def print_change_set(summary: ChangeSetSummary) -> None:
    """The diff to stdout (it is the plan: data), the headline too."""
    console.out.print(f"[bold]{escape(summary.headline())}[/]")
    for row in summary.rows:
        console.out.print(f"  [{_COLOURS[row.symbol]}]{escape(row.line())}[/]")


class StackProgress:
    """Counts resources done/total from stack events; prints failed resources with their reasons."""

    def __init__(self, stack_name: str, total: int, clock, started: float):
        self.stack_name = stack_name
        self.total = max(total, 0)
        self.clock = clock
        self.started = started
        self.latest: dict[str, str] = {}
        self.status = "…"
        self.failures: list[str] = []
        self._status = console.err.status(self.line())

    def __enter__(self) -> StackProgress:
        self._status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._status.__exit__(*exc)

    def event(self, event: dict) -> None:
        logical_id = event.get("LogicalResourceId", "")
        status = event.get("ResourceStatus", "")
        reason = event.get("ResourceStatusReason") or ""
        if event.get("ResourceType") == "AWS::CloudFormation::Stack" and logical_id == self.stack_name:
            self.status = status
        else:
            self.latest[logical_id] = status
        if rollout.is_eventual_consistency_event(reason):
            # CloudFormation waits for ECS to settle after a service change: progress, not a problem.
            self.latest[logical_id] = status
            self.refresh()
            self._status.update(escape(self.line() + f"  ({logical_id}: eventual consistency check)"))
            return
        if status.endswith("_FAILED") and reason and "Resource creation cancelled" not in reason:
            line = f"{logical_id} ({event.get('ResourceType', '?')}) {status}: {reason}"
            if line not in self.failures:
                self.failures.append(line)
                console.err.print(f"  [red]✗ {escape(line)}[/]")
        self.refresh()

    def note(self, text: str) -> None:
        self._status.update(escape(self.line() + "  " + text))

    def line(self) -> str:
        done = sum(1 for s in self.latest.values() if s.endswith("_COMPLETE") or s == "DELETE_SKIPPED")
        busy = sum(1 for s in self.latest.values() if s.endswith("_IN_PROGRESS"))
        total = max(self.total, len(self.latest))
        elapsed = int(self.clock() - self.started)
        return (
            f"Stack {self.stack_name}: {self.status} – {done}/{total} resources done, "
            f"{busy} in progress, {elapsed}s"
        )

    def refresh(self) -> None:
        self._status.update(escape(self.line()))


class Waiting:
    """A spinner with a message, for waits that are not stack events (DNS, rollout)."""

    def __init__(self, text: str):
        self._status = console.err.status(escape(text))

    def __enter__(self) -> Waiting:
        self._status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._status.__exit__(*exc)

    def update(self, text: str) -> None:
        self._status.update(escape(text))
