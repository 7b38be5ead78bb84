"""The followers: wait for a stack operation, or for the ECS deployment we started, and say how it ended.

Each follower polls through `Aws` with the injected clock and sleep (fargate_deploy/waiting.py),
shows progress through the reporter, and returns a frozen outcome; the rules that read AWS's answers
are pure (stack_events.py, service_deployment.py). A follower decides nothing about exit codes or
hints beyond what its outcome says: the workflow turns an outcome into the command's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import stack_events, stack_status
from .aws import Aws
from .errors import DeploymentFailed
from .reporter import Reporter
from .stack_events import FailedResource
from .stack_status import StackMeaning, meaning_of
from .waiting import Pace, WaitTimedOut, poll

# --- one stack operation ---


@dataclass(frozen=True)
class StackOutcome:
    stack_name: str
    status: str  # the status the operation ended in (DELETE_COMPLETE once the stack is gone)
    meaning: StackMeaning
    failures: tuple[FailedResource, ...]  # CloudFormation's reasons, oldest first
    status_reason: str  # the stack's own StackStatusReason
    elapsed: float

    @property
    def succeeded(self) -> bool:
        return self.meaning.succeeded is True

    def reasons(self) -> list[str]:
        """Why it failed, in CloudFormation's words: the failed resources, else the stack's reason."""
        lines = [failure.line() for failure in self.failures]
        return lines or ([self.status_reason] if self.status_reason else [])

    def failure(self, command: str, extra: list[str] | None = None) -> DeploymentFailed:
        """The error a command raises for this outcome (exit 1), naming the command to run again."""
        reasons = "; ".join([*self.reasons(), *(extra or [])])
        return DeploymentFailed(
            f"{command}: stack {self.stack_name} {self.meaning.summary} ({self.status})"
            + (f": {reasons}" if reasons else ""),
            hint=f"fix the cause above, then run: python deploy.py {command}",
        )


def follow_stack(
    aws: Aws,
    reporter: Reporter,
    stack_name: str,
    *,
    since_event_id: str | None,
    pace: Pace,
    planned: int = 0,
    executed_change_set: bool = True,
    on_poll: Callable[[], None] | None = None,
) -> StackOutcome:
    """Follow the operation that started after event `since_event_id` (`Aws.newest_stack_event_id`
    before it started; None for a new stack) until the stack settles or `pace.timeout` passes.

    Progress (rain's line) and each failed resource, as it happens, go to the reporter; `on_poll` runs
    once per poll (the service workflow shows the ECS rollout there). A stack that vanishes was deleted.
    """
    task = f"stack {stack_name}"
    started = aws.clock()
    described = aws.describe_stack(stack_name)
    # The stack id keeps answering after a delete, when the name no longer does.
    target = described["StackId"] if described and described.get("StackId") else stack_name
    events: list[dict] = []
    failures: list[FailedResource] = []
    last_event = since_event_id
    state = {"status": described["StackStatus"] if described else "DELETE_COMPLETE", "reason": ""}

    def check() -> StackOutcome | None:
        nonlocal last_event
        new = aws.stack_events(target, since_event_id=last_event) if described else []
        for event in new:
            failure = stack_events.failure_of(event)
            if failure is not None and failure not in failures:
                failures.append(failure)
                reporter.problem(failure.line())
            events.append(event)
        if new:
            last_event = new[-1]["EventId"]
        stack = aws.describe_stack(target)
        state["status"] = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        state["reason"] = (stack or {}).get("StackStatusReason", "")
        reporter.progress(task, progress_line(), stack=stack_name, status=state["status"])
        if on_poll is not None:
            on_poll()
        if not stack_status.operation_finished(state["status"], executed_change_set=executed_change_set):
            return None
        return StackOutcome(
            stack_name=stack_name,
            status=state["status"],
            meaning=meaning_of(state["status"]),
            failures=tuple(failures),
            status_reason=state["reason"],
            elapsed=aws.clock() - started,
        )

    def progress_line() -> str:
        return stack_events.tally(
            events, stack_name=stack_name, status=state["status"], planned=planned
        ).line()

    try:
        outcome = poll(
            check,
            what=f"stack {stack_name} to settle",
            pace=pace,
            clock=aws.clock,
            sleep=aws.sleep,
            tick=reporter.tick,
            until_tick=reporter.seconds_until_heartbeat,
            last_seen=progress_line,
            hint="python deploy.py status (the operation goes on in AWS; run the command again once it ends)",
        )
    except WaitTimedOut:
        reporter.finish(task, progress_line(), ok=False)
        raise
    reporter.finish(
        task, f"Stack {stack_name}: {outcome.status}", ok=outcome.succeeded, status=outcome.status
    )
    return outcome
