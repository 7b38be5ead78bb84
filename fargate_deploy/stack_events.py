"""What a stack's events say: which resources failed and why, and how far the operation is. Pure.

The input is describe_stack_events' `StackEvents` (the events of one operation, oldest first); the
output is data the follower returns and the reporter prints. Rules, after what CloudFormation writes
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html):

- A resource event whose status ends in _FAILED is a failure, with CloudFormation's reason verbatim
  (a resource handler's message, an embedded stack's summary of its own failures).
- Except the resources CloudFormation stopped because another one failed: "Resource creation
  cancelled" / "Resource update cancelled" say nothing about the cause.
- The stack's own events (its logical id is the stack name) are not resource failures: their reason
  ("The following resource(s) failed to create: [...]") only lists the resources above.
- ECS's resource handler reports "Eventual consistency check initiated" while it waits for the
  service to settle: the service is still in progress, and nothing has failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STACK_TYPE = "AWS::CloudFormation::Stack"
# CloudFormation's words for a resource it stopped because another resource failed.
CANCELLED_REASONS = ("Resource creation cancelled", "Resource update cancelled")
# CloudFormation's ECS handler emits this while it waits for the service to reach a steady state.
EVENTUAL_CONSISTENCY = "eventual consistency check"


@dataclass(frozen=True)
class FailedResource:
    logical_id: str
    resource_type: str
    status: str  # CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED, ...
    reason: str  # CloudFormation's words, verbatim

    def line(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) {self.status}: {self.reason}"


def is_stack_event(event: dict) -> bool:
    """An event about the stack itself (or a nested stack's own record), not one of its resources."""
    return event.get("ResourceType") == STACK_TYPE and event.get("LogicalResourceId") == event.get(
        "StackName"
    )


def is_cancelled(event: dict) -> bool:
    reason = event.get("ResourceStatusReason") or ""
    return any(reason.startswith(text) for text in CANCELLED_REASONS)


def is_eventual_consistency_check(event: dict) -> bool:
    return EVENTUAL_CONSISTENCY in (event.get("ResourceStatusReason") or "").lower()


def failure_of(event: dict) -> FailedResource | None:
    """The failure this event reports, or None (progress, the stack's own record, a cancellation)."""
    status = event.get("ResourceStatus", "")
    if not status.endswith("_FAILED") or is_stack_event(event) or is_cancelled(event):
        return None
    return FailedResource(
        logical_id=event.get("LogicalResourceId", "?"),
        resource_type=event.get("ResourceType", "?"),
        status=status,
        reason=event.get("ResourceStatusReason") or "(CloudFormation gave no reason)",
    )


def rollback_reason(event: dict) -> str | None:
    """Why the stack began to roll back, from its own ROLLBACK_IN_PROGRESS event: when no resource
    failed, this is the only place CloudFormation says it, e.g. "Export <name> cannot be updated as it
    is in use by <stack>" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html)."""
    if is_stack_event(event) and event.get("ResourceStatus", "").endswith("ROLLBACK_IN_PROGRESS"):
        return event.get("ResourceStatusReason") or None
    return None


def failed_resources(events: Iterable[dict]) -> tuple[FailedResource, ...]:
    """Every distinct failure in the events (oldest first): the first is usually the cause."""
    found: list[FailedResource] = []
    for event in events:
        failure = failure_of(event)
        if failure is not None and failure not in found:
            found.append(failure)
    return tuple(found)


@dataclass(frozen=True)
class StackTally:
    """rain's progress line: `Stack X: UPDATE_IN_PROGRESS – 3/7 resources done, 1 in progress`."""

    stack_name: str
    status: str
    done: int
    in_progress: int
    total: int
    settling: tuple[str, ...]  # resources in ECS's eventual consistency check

    def line(self) -> str:
        text = (
            f"Stack {self.stack_name}: {self.status} – {self.done}/{self.total} resources done, "
            f"{self.in_progress} in progress"
        )
        if self.settling:
            text += f" ({', '.join(self.settling)}: waiting for ECS to settle)"
        return text


DONE_SUFFIXES = ("_COMPLETE", "_SKIPPED")


def tally(events: Sequence[dict], *, stack_name: str, status: str, planned: int = 0) -> StackTally:
    """The latest state of each resource the events mention; `planned` (the change set's rows or the
    stack's resources) keeps the total honest before every resource has an event."""
    latest: dict[str, str] = {}
    settling: dict[str, bool] = {}
    for event in events:
        if is_stack_event(event):
            continue
        logical_id = event.get("LogicalResourceId", "?")
        latest[logical_id] = event.get("ResourceStatus", "")
        settling[logical_id] = is_eventual_consistency_check(event)
    in_progress = [name for name, state in latest.items() if state.endswith("_IN_PROGRESS")]
    return StackTally(
        stack_name=stack_name,
        status=status,
        done=sum(1 for state in latest.values() if state.endswith(DONE_SUFFIXES)),
        in_progress=len(in_progress),
        total=max(planned, len(latest)),
        settling=tuple(name for name in in_progress if settling[name]),
    )
