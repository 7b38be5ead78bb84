"""The ECS deployment our update started: which one it is, where it is, and why it failed. Pure.

Inputs are ECS's answers as dicts: ListServiceDeployments' briefs, DescribeServiceDeployments,
DescribeServiceRevisions, DescribeServices (its events and deployments) and DescribeTasks. ECS's service
deployment API (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html)
names every deployment and its state, including the rollback states, so we follow exactly ours:

- Ours is the first deployment created at or after our update began whose target revision runs our
  task definition; one created after it is someone else's (another deploy, a console change) and
  supersedes ours: that is reported as such, not as our failure (kayac/ecspresso#899 and #929 show
  the false failures of reading "the service's latest deployment" instead).
- Only the stopped tasks of our deployment (its task definition, started by its ECS deployment id)
  and only service events newer than our update explain a failure; routine events ("has started 2
  tasks", "has stopped 1 running tasks", draining, target (de)registration, steady state) never do.
- A deployment ECS rolled back (circuit breaker or a CloudWatch alarm in ALARM,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html) is
  "rolled back", with ECS's reason and the alarm that fired.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import ExitCode


class Phase(enum.Enum):
    NONE = "no deployment"  # the update changed nothing ECS deploys
    PENDING = "pending"
    IN_PROGRESS = "in progress"
    STOPPING = "stopping"
    ROLLING_BACK = "rolling back"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled back"
    ROLLBACK_FAILED = "failed and could not roll back"
    SUPERSEDED = "superseded"


# Every ServiceDeployment status (the API's enum; a test compares this with botocore's model).
# STOPPED: stopped by a person, or failed where no rollback was configured (the API's stoppedAt).
STATUS_PHASES: dict[str, Phase] = {
    "PENDING": Phase.PENDING,
    "IN_PROGRESS": Phase.IN_PROGRESS,
    "STOP_REQUESTED": Phase.STOPPING,
    "ROLLBACK_REQUESTED": Phase.ROLLING_BACK,
    "ROLLBACK_IN_PROGRESS": Phase.ROLLING_BACK,
    "SUCCESSFUL": Phase.SUCCEEDED,
    "STOPPED": Phase.FAILED,
    "ROLLBACK_SUCCESSFUL": Phase.ROLLED_BACK,
    "ROLLBACK_FAILED": Phase.ROLLBACK_FAILED,
}
FINISHED = frozenset(
    {Phase.NONE, Phase.SUCCEEDED, Phase.FAILED, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED, Phase.SUPERSEDED}
)
# Neither a deployment that changed nothing nor one someone else's replaced is our failure.
EXIT_CODES = {Phase.NONE: ExitCode.DONE, Phase.SUCCEEDED: ExitCode.DONE, Phase.SUPERSEDED: ExitCode.DONE}


def short_id(arn: str) -> str:
    """The last part of a service deployment ARN (…:service-deployment/<cluster>/<service>/<id>)."""
    return arn.rsplit("/", 1)[-1]


# --- which deployment is ours ---


@dataclass(frozen=True)
class Identified:
    ours: dict | None  # the brief (ListServiceDeployments) of our deployment
    newer: tuple[dict, ...]  # deployments created after ours: they supersede it


def our_deployment(
    briefs: Iterable[dict],
    *,
    since: datetime.datetime,
    task_definition: str | None = None,
    revisions: Mapping[str, str] | None = None,
) -> Identified:
    """Ours among the briefs: created at or after `since` and, when our task definition and the
    revisions' task definitions (revision ARN → task definition ARN) are known, deploying it."""
    candidates = sorted((b for b in briefs if b.get("createdAt") and b["createdAt"] >= since), key=_created)
    ours = None
    if task_definition and revisions:
        ours = next(
            (
                b
                for b in candidates
                if revisions.get(b.get("targetServiceRevisionArn", "")) == task_definition
            ),
            None,
        )
    if ours is None and not (task_definition and revisions):
        ours = candidates[0] if candidates else None
    if ours is None:
        return Identified(None, ())
    return following(candidates, ours["serviceDeploymentArn"])


def following(briefs: Iterable[dict], arn: str) -> Identified:
    """The deployment we already follow, and those created after it (they supersede it)."""
    listed = list(briefs)
    ours = next((b for b in listed if b.get("serviceDeploymentArn") == arn), None)
    if ours is None:
        return Identified({"serviceDeploymentArn": arn}, ())
    newer = sorted((b for b in listed if b is not ours and _created(b) > _created(ours)), key=_created)
    return Identified(ours, tuple(newer))


def _created(brief: dict) -> datetime.datetime:
    return brief["createdAt"]


# --- where it is ---


@dataclass(frozen=True)
class DeploymentState:
    arn: str
    status: str  # ECS's ServiceDeployment status
    phase: Phase
    reason: str  # statusReason
    rollback_reason: str  # rollback.reason
    triggered_alarms: tuple[str, ...]
    circuit_breaker: str  # "" unless it counted failures: "2 failed tasks (threshold 3)"
    running: int
    pending: int
    requested: int
    superseded_by: str | None

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED

    def line(self) -> str:
        text = (
            f"ECS deployment {short_id(self.arn)}: {self.phase.value} – {self.running}/{self.requested} "
            f"running, {self.pending} pending"
        )
        if self.circuit_breaker:
            text += f", circuit breaker: {self.circuit_breaker}"
        if self.triggered_alarms:
            text += f", alarm in ALARM: {', '.join(self.triggered_alarms)}"
        if self.superseded_by:
            text += f", superseded by {short_id(self.superseded_by)}"
        return text


def deployment_state(described: dict, newer: Sequence[dict] = ()) -> DeploymentState:
    """Our deployment (DescribeServiceDeployments' item) and the deployments created after it."""
    status = described.get("status", "")
    phase = STATUS_PHASES.get(status, Phase.IN_PROGRESS)
    superseded_by = None
    if newer and phase not in (Phase.SUCCEEDED, Phase.ROLLED_BACK, Phase.ROLLBACK_FAILED, Phase.ROLLING_BACK):
        # Replaced before it finished: the service now follows the newer deployment.
        phase, superseded_by = Phase.SUPERSEDED, newer[-1].get("serviceDeploymentArn", "?")
    breaker = described.get("deploymentCircuitBreaker", {})
    alarms = described.get("alarms", {})
    target = described.get("targetServiceRevision", {})
    return DeploymentState(
        arn=described.get("serviceDeploymentArn", "?"),
        status=status,
        phase=phase,
        reason=described.get("statusReason", ""),
        rollback_reason=described.get("rollback", {}).get("reason", ""),
        triggered_alarms=tuple(alarms.get("triggeredAlarmNames", []) or ()),
        circuit_breaker=_breaker_counts(breaker),
        running=target.get("runningTaskCount", 0),
        pending=target.get("pendingTaskCount", 0),
        requested=target.get("requestedTaskCount", 0),
        superseded_by=superseded_by,
    )


def _breaker_counts(breaker: dict) -> str:
    failures = breaker.get("failureCount", 0)
    if not failures and breaker.get("status") != "TRIGGERED":
        return ""
    return f"{failures} failed task{'s' if failures != 1 else ''} (threshold {breaker.get('threshold', '?')})"


# --- why it failed ---

# Service events that report the scheduler doing its job (ECS's service event messages,
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html).
ROUTINE_EVENTS = re.compile(
    r"has started \d+ tasks?"
    r"|has stopped \d+ running tasks?"
    r"|has begun draining connections"
    r"|(de)?registered \d+ targets?"
    r"|has reached a steady state"
    r"|deployment completed"
    r"|updated computedDesiredCount",
    re.IGNORECASE,
)
FAILURE_WORDS = (
    "unhealthy",
    "unable",
    "failed",
    "failure",
    "error",
    "denied",
    "rolling back",
    "rolled back",
    "circuit breaker",
    "insufficient",
    "alarm",
    "cannot",
)


def is_failure_event(message: str) -> bool:
    """Does this service event explain a failure? Routine scheduler events never do."""
    if ROUTINE_EVENTS.search(message):
        return False
    lowered = message.lower()
    return any(word in lowered for word in FAILURE_WORDS)


def failure_events(service: dict | None, *, since: datetime.datetime, limit: int = 8) -> tuple[str, ...]:
    """The service's events newer than `since` that explain a failure, oldest first, at most `limit`
    (the newest ones), each message once."""
    newest_first: list[str] = []
    for event in (service or {}).get("events", []):  # ECS lists them newest first
        created = event.get("createdAt")
        message = event.get("message", "")
        if created is None or created < since or not is_failure_event(message):
            continue
        if message not in newest_first:
            newest_first.append(message)
        if len(newest_first) >= limit:
            break
    return tuple(reversed(newest_first))


def ecs_deployment_id(
    service: dict | None, task_definition: str | None, since: datetime.datetime
) -> str | None:
    """The id ("ecs-svc/…") DescribeServices gives our deployment: tasks carry it as startedBy."""
    for deployment in (service or {}).get("deployments", []):
        created = deployment.get("createdAt")
        if deployment.get("taskDefinition") == task_definition and created is not None and created >= since:
            return deployment.get("id")
    return None


def stopped_task_reasons(
    tasks: Iterable[dict],
    *,
    task_definition: str | None,
    started_by: str | None = None,
    since: datetime.datetime | None = None,
) -> tuple[str, ...]:
    """One line per distinct reason a task of our deployment stopped (stoppedReason, the containers'
    reasons and non-zero exit codes); tasks of other task definitions or deployments are not ours."""
    lines: list[str] = []
    for task in tasks:
        if task_definition and task.get("taskDefinitionArn") != task_definition:
            continue
        if started_by and task.get("startedBy") not in (None, started_by):
            continue
        created = task.get("createdAt")
        if since and created is not None and created < since:
            continue
        containers = task.get("containers", [])
        details = [c["reason"] for c in containers if c.get("reason")]
        exits = [
            f"{c.get('name', 'container')} exited with {c['exitCode']}"
            for c in containers
            if c.get("exitCode") not in (None, 0)
        ]
        text = "; ".join(part for part in [task.get("stoppedReason", ""), *details, *exits] if part)
        if text and text not in lines:
            lines.append(text)
    return tuple(lines)


@dataclass(frozen=True)
class DeploymentOutcome:
    """How the ECS deployment we started ended, in ECS's words."""

    service: str
    state: DeploymentState | None  # None: no deployment (Phase.NONE)
    stopped_tasks: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    elapsed: float = 0.0

    @property
    def phase(self) -> Phase:
        return self.state.phase if self.state else Phase.NONE

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES.get(self.phase, ExitCode.DEPLOYMENT_FAILED)

    def cause(self) -> str:
        """Why ECS ended it: its reasons, the alarm that fired, the circuit breaker, the tasks, events."""
        state = self.state
        if state is None:
            return ""
        parts = []
        if state.triggered_alarms:
            parts.append(f"alarm {', '.join(state.triggered_alarms)} went into ALARM")
        if state.circuit_breaker and self.phase is not Phase.SUCCEEDED:
            parts.append(f"circuit breaker counted {state.circuit_breaker}")
        for text in (state.rollback_reason, state.reason):
            if text and text not in parts:
                parts.append(text)
        parts += [f"task stopped: {reason}" for reason in self.stopped_tasks]
        parts += [f"service event: {message}" for message in self.events]
        return "; ".join(parts)

    def summary(self) -> str:
        """One line for the user: what happened to our deployment."""
        state = self.state
        if state is None:
            return f"Service {self.service}: the update started no ECS deployment (nothing to roll out)"
        head = f"Service {self.service}: ECS deployment {short_id(state.arn)} {self.phase.value}"
        if self.phase is Phase.SUPERSEDED:
            return (
                f"{head} by {short_id(state.superseded_by or '?')} before it finished; the service "
                "follows that deployment now (not a failure of this one)"
            )
        if self.phase is Phase.SUCCEEDED:
            return f"{head}: {state.running}/{state.requested} tasks running"
        cause = self.cause()
        return f"{head}: {cause}" if cause else head
