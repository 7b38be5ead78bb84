"""The followers: wait for a stack operation, or for the ECS deployment we started, and say how it ended.

Each follower polls through `Aws` with the injected clock and sleep (fargate_deploy/waiting.py),
shows progress through the reporter, and returns a frozen outcome; the rules that read AWS's answers
are pure (stack_events.py, service_deployment.py). A follower decides nothing about exit codes or
hints beyond what its outcome says: the workflow turns an outcome into the command's result.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import service_deployment, stack_events, stack_status
from .aws import Aws
from .errors import DeploymentFailed
from .invocation import command as cli_command
from .operations import outputs_of
from .reporter import Reporter
from .service_deployment import DeploymentOutcome, DeploymentState
from .stack_events import FailedResource
from .stack_status import StackMeaning, meaning_of
from .waiting import Pace, WaitTimedOut, poll

# --- one stack operation ---


@dataclass(frozen=True)
class StackPoll:
    """What follow_stack knows at each poll, for `on_poll`."""

    status: str
    began_at: datetime.datetime | None  # the operation's first event (None until CloudFormation wrote it)


@dataclass(frozen=True)
class StackOutcome:
    stack_name: str
    status: str  # the status the operation ended in (DELETE_COMPLETE once the stack is gone)
    meaning: StackMeaning
    failures: tuple[FailedResource, ...]  # CloudFormation's reasons, oldest first
    status_reason: str  # the stack's own StackStatusReason
    elapsed: float
    began_at: datetime.datetime | None = None  # the operation's first event, on AWS's clock
    rollback_reasons: tuple[str, ...] = ()  # the stack's own ROLLBACK_IN_PROGRESS reasons
    outputs: Mapping[str, str] = field(default_factory=dict)  # the stack's outputs when it settled

    @property
    def succeeded(self) -> bool:
        return self.meaning.succeeded is True

    def reasons(self) -> list[str]:
        """Why it failed, in CloudFormation's words: the failed resources, else why the stack rolled
        back (when no resource failed, e.g. an export in use), else the stack's status reason."""
        lines = [failure.line() for failure in self.failures] or list(self.rollback_reasons)
        return lines or ([self.status_reason] if self.status_reason else [])

    def failure(self, command: str, extra: list[str] | None = None) -> DeploymentFailed:
        """The error a command raises for this outcome (exit 1), naming the command to run again."""
        reasons = "; ".join([*self.reasons(), *(extra or [])])
        return DeploymentFailed(
            f"{command}: stack {self.stack_name} {self.meaning.summary} ({self.status})"
            + (f": {reasons}" if reasons else ""),
            hint=f"fix the cause above, then run: {cli_command(command)}",
        )


class StackWatch:
    """Follows one stack operation, one poll per `step()`: new events (each failed resource reported
    as it happens), the stack's status, rain's progress line."""

    def __init__(
        self,
        aws: Aws,
        reporter: Reporter,
        stack_name: str,
        *,
        since_event_id: str | None,
        planned: int = 0,
        executed_change_set: bool = True,
        on_poll: Callable[[StackPoll], None] | None = None,
    ):
        self.aws = aws
        self.reporter = reporter
        self.stack_name = stack_name
        self.planned = planned
        self.executed_change_set = executed_change_set
        self.on_poll = on_poll
        self.task = f"stack {stack_name}"
        self.started = aws.clock()
        self.events: list[dict] = []
        self.failures: list[FailedResource] = []
        self.rollback_reasons: list[str] = []
        self.last_event = since_event_id
        described = aws.describe_stack(stack_name)
        self.exists = described is not None
        # The stack id keeps answering after a delete, when the name no longer does.
        self.target = (described or {}).get("StackId") or stack_name
        self.status = described["StackStatus"] if described else "DELETE_COMPLETE"
        self.reason = ""

    @property
    def began_at(self) -> datetime.datetime | None:
        return self.events[0]["Timestamp"] if self.events else None

    def line(self) -> str:
        return stack_events.tally(
            self.events, stack_name=self.stack_name, status=self.status, planned=self.planned
        ).line()

    def step(self) -> StackOutcome | None:
        new = self.aws.stack_events(self.target, since_event_id=self.last_event) if self.exists else []
        for event in new:
            failure = stack_events.failure_of(event)
            if failure is not None and failure not in self.failures:
                self.failures.append(failure)
                self.reporter.problem(failure.line())
            reason = stack_events.rollback_reason(event)
            if reason and reason not in self.rollback_reasons:
                self.rollback_reasons.append(reason)
            self.events.append(event)
        if new:
            self.last_event = new[-1]["EventId"]
        stack = self.aws.describe_stack(self.target)
        self.status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        self.reason = (stack or {}).get("StackStatusReason", "")
        self.outputs = outputs_of(stack)
        self.reporter.progress(self.task, self.line(), stack=self.stack_name, status=self.status)
        if self.on_poll is not None:
            self.on_poll(StackPoll(self.status, self.began_at))
        if not stack_status.operation_finished(self.status, executed_change_set=self.executed_change_set):
            return None
        outcome = StackOutcome(
            stack_name=self.stack_name,
            status=self.status,
            meaning=meaning_of(self.status),
            failures=tuple(self.failures),
            status_reason=self.reason,
            elapsed=self.aws.clock() - self.started,
            began_at=self.began_at,
            rollback_reasons=tuple(self.rollback_reasons),
            outputs=self.outputs,
        )
        self.reporter.finish(
            self.task,
            f"Stack {self.stack_name}: {outcome.status}",
            ok=outcome.succeeded,
            status=outcome.status,
        )
        return outcome


def follow_stack(
    aws: Aws,
    reporter: Reporter,
    stack_name: str,
    *,
    since_event_id: str | None,
    pace: Pace,
    planned: int = 0,
    executed_change_set: bool = True,
    on_poll: Callable[[StackPoll], None] | None = None,
) -> StackOutcome:
    """Follow the operation that started after event `since_event_id` (`Aws.newest_stack_event_id`
    before it started; None for a new stack) until the stack settles or `pace.timeout` passes.

    Progress (rain's line) and each failed resource, as it happens, go to the reporter; `on_poll` runs
    once per poll with the stack's status and when the operation began (the service workflow follows
    the ECS deployment there). A stack that vanishes was deleted.
    """
    watch = StackWatch(
        aws,
        reporter,
        stack_name,
        since_event_id=since_event_id,
        planned=planned,
        executed_change_set=executed_change_set,
        on_poll=on_poll,
    )
    return _until_done(
        watch,
        what=f"stack {stack_name} to settle",
        pace=pace,
        hint=f"{cli_command('status')} (AWS goes on; run the command again when it ends)",
    )


def _until_done(watch: StackWatch | DeploymentWatch, *, what: str, pace: Pace, hint: str) -> Any:
    """Step a watch until it returns its outcome, within the bound; on timeout its task ends as failed."""
    try:
        return poll(
            watch.step,
            what=what,
            pace=pace,
            clock=watch.aws.clock,
            sleep=watch.aws.sleep,
            tick=watch.reporter.tick,
            until_tick=watch.reporter.seconds_until_heartbeat,
            last_seen=watch.line,
            hint=hint,
        )
    except WaitTimedOut:
        watch.reporter.finish(watch.task, watch.line(), ok=False)
        raise


# --- the ECS deployment we started ---


class DeploymentWatch:
    """Follows one ECS service deployment, ours, one poll per `step()`.

    Ours is found by ECS's service deployment API: the first deployment of `service` created at or
    after `since` (when our stack operation began, on AWS's clock) that deploys `task_definition`
    (when known; else the first created after `since`). Give `deployment_arn` when the caller started
    it directly (UpdateService answers with currentServiceDeployment). Each step reports where it is;
    once it ends, the outcome carries ECS's reasons: the alarm that fired, the circuit breaker, the
    stopped tasks of this deployment only, and service events newer than `since`.
    """

    def __init__(
        self,
        aws: Aws,
        reporter: Reporter,
        *,
        cluster: str,
        service: str,
        since: datetime.datetime | None = None,
        task_definition: str | None = None,
        deployment_arn: str | None = None,
    ):
        self.aws = aws
        self.reporter = reporter
        self.cluster = cluster
        self.service = service
        self.since = since
        self.task_definition = task_definition
        self.arn = deployment_arn
        self.state: DeploymentState | None = None
        self.started = aws.clock()
        self.task = f"deployment {service}"

    def line(self) -> str:
        if self.state is not None:
            return self.state.line()
        return f"Service {self.service}: waiting for ECS to start the deployment"

    def step(self) -> DeploymentOutcome | None:
        """One poll: None while our deployment runs (or is not known yet), its outcome once it ended."""
        if self.arn is None and self.since is None:
            return None
        newer: tuple[dict, ...] = ()
        if self.since is not None:
            identified = self._identify()
            if identified.ours is None:
                self.reporter.progress(self.task, self.line(), service=self.service)
                return None
            self.arn = identified.ours["serviceDeploymentArn"]
            newer = identified.newer
        described = self.aws.describe_service_deployment(self.arn)
        if self.since is None:
            self.since = described.get("createdAt")
        self.state = service_deployment.deployment_state(described, newer)
        self.reporter.progress(self.task, self.state.line(), service=self.service, status=self.state.status)
        if not self.state.finished:
            return None
        outcome = self._outcome(described)
        self.reporter.finish(
            self.task, outcome.summary(), ok=outcome.exit_code == 0, phase=outcome.phase.value
        )
        return outcome

    def _identify(self) -> service_deployment.Identified:
        briefs = self.aws.list_service_deployments(self.cluster, self.service, created_after=self.since)
        if self.arn is not None:
            return service_deployment.following(briefs, self.arn)
        revisions: dict[str, str] = {}
        if self.task_definition:
            arns = sorted(
                {b["targetServiceRevisionArn"] for b in briefs if b.get("targetServiceRevisionArn")}
            )
            revisions = {
                r["serviceRevisionArn"]: r.get("taskDefinition", "")
                for r in self.aws.describe_service_revisions(arns)
            }
        return service_deployment.our_deployment(
            briefs, since=self.since, task_definition=self.task_definition, revisions=revisions
        )

    def _outcome(self, described: dict) -> DeploymentOutcome:
        stopped: tuple[str, ...] = ()
        events: tuple[str, ...] = ()
        if self.state is not None and self.state.phase not in (
            service_deployment.Phase.SUCCEEDED,
            service_deployment.Phase.SUPERSEDED,
        ):
            task_definition = self.task_definition or self._task_definition(described)
            service = self.aws.describe_service(self.cluster, self.service)
            since = self.since or described.get("createdAt")
            events = service_deployment.failure_events(service, since=since) if since else ()
            tasks = self.aws.describe_tasks(
                self.cluster, self.aws.stopped_task_arns(self.cluster, self.service)
            )
            stopped = service_deployment.stopped_task_reasons(
                tasks,
                task_definition=task_definition,
                started_by=service_deployment.ecs_deployment_id(service, task_definition, since)
                if since
                else None,
                since=since,
            )
        return DeploymentOutcome(
            service=self.service,
            state=self.state,
            stopped_tasks=stopped,
            events=events,
            elapsed=self.aws.clock() - self.started,
        )

    def _task_definition(self, described: dict) -> str | None:
        revision = described.get("targetServiceRevision", {}).get("arn")
        for found in self.aws.describe_service_revisions([revision] if revision else []):
            return found.get("taskDefinition")
        return None


def follow_deployment(watch: DeploymentWatch, *, pace: Pace) -> DeploymentOutcome:
    """Step the watch until our deployment ends, at most `pace.timeout` seconds."""
    return _until_done(
        watch,
        what=f"the ECS deployment of service {watch.service} to finish",
        pace=pace,
        hint=f"{cli_command('status')} (ECS goes on with the deployment; status shows where it is)",
    )


def no_deployment(service: str) -> DeploymentOutcome:
    """The outcome when the update changed nothing ECS deploys (the change set left the service alone)."""
    return DeploymentOutcome(service=service, state=None)
