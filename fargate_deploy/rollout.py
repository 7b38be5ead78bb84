"""ECS rollout state and failure reasons from describe_services / describe_tasks responses. Pure.

The watcher (workflows/deploy.py) polls; this module only reads the dicts and says where the rollout is and,
when it failed, why — in the words ECS used.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .service_deployment import stopped_task_reasons

# Service events worth showing a user when a rollout goes wrong.
RELEVANT_EVENT_WORDS = (
    "unable",
    "failed",
    "unhealthy",
    "error",
    "denied",
    "rolling back",
    "rolled back",
    "circuit breaker",
    "cannotpull",
    "secret",
    "insufficient",
    "stopped",
)


class Phase(enum.Enum):
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class RolloutState:
    phase: Phase
    rollout_state: str  # PRIMARY deployment's rolloutState (IN_PROGRESS, COMPLETED, FAILED)
    reason: str  # rolloutStateReason
    task_definition: str
    desired: int
    running: int
    pending: int
    failed: int  # failedTasks on the primary deployment
    deployments: int  # how many deployments the service still has (old ones draining)

    def line(self) -> str:
        return (
            f"rollout {self.rollout_state.lower() or '?'}: {self.running}/{self.desired} running, "
            f"{self.pending} pending, {self.failed} failed"
            + (f", {self.deployments - 1} old deployment(s) draining" if self.deployments > 1 else "")
        )


def rollout_state(service: dict, task_definition: str | None = None) -> RolloutState:
    """Where the PRIMARY deployment is. With `task_definition`, a primary on another revision (a
    circuit-breaker rollback moved the service back) counts as failed."""
    deployments = service.get("deployments", [])
    primary = next(
        (d for d in deployments if d.get("status") == "PRIMARY"), deployments[0] if deployments else {}
    )
    state = primary.get("rolloutState", "")
    reason = primary.get("rolloutStateReason", "")
    running = primary.get("runningCount", 0)
    desired = primary.get("desiredCount", service.get("desiredCount", 0))
    if state == "FAILED":
        phase = Phase.FAILED
    elif task_definition and primary.get("taskDefinition") and primary["taskDefinition"] != task_definition:
        phase = Phase.FAILED
        reason = reason or f"the service runs {primary['taskDefinition']}, not {task_definition}: rolled back"
    # Done means the tasks run, not only that ECS finished the deployment: a change of the desired count
    # alone (a site's release hold lifted) leaves the PRIMARY deployment COMPLETED while tasks start.
    # The AWS CLI's services-stable waiter asks the same: runningCount == desiredCount
    # (https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/services-stable.html).
    elif running >= desired and (state == "COMPLETED" or (not state and len(deployments) == 1)):
        phase = Phase.COMPLETED
    else:
        phase = Phase.IN_PROGRESS
    return RolloutState(
        phase=phase,
        rollout_state=state,
        reason=reason,
        task_definition=primary.get("taskDefinition", ""),
        desired=desired,
        running=running,
        pending=primary.get("pendingCount", 0),
        failed=primary.get("failedTasks", 0),
        deployments=len(deployments),
    )


@dataclass(frozen=True)
class TargetHealth:
    healthy: int
    unhealthy: int
    other: int
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"targets: {self.healthy} healthy, {self.unhealthy} unhealthy, {self.other} other"


def target_health(descriptions: list[dict]) -> TargetHealth:
    healthy = unhealthy = other = 0
    reasons: list[str] = []
    for description in descriptions:
        health = description.get("TargetHealth", {})
        state = health.get("State")
        if state == "healthy":
            healthy += 1
        elif state == "unhealthy":
            unhealthy += 1
        else:
            other += 1
        text = health.get("Description")
        if state == "unhealthy" and text and text not in reasons:
            reasons.append(text)
    return TargetHealth(healthy, unhealthy, other, tuple(reasons))


def stopped_reasons(tasks: list[dict], task_definition: str | None = None) -> list[str]:
    """One line per distinct reason a task stopped (the rule lives in service_deployment.py)."""
    return list(stopped_task_reasons(tasks, task_definition=task_definition))


def relevant_events(service: dict, since: object = None, limit: int = 8) -> list[str]:
    """Service events that explain a failure (newest first, as ECS lists them), skipping routine ones."""
    lines = []
    for event in service.get("events", []):
        if since is not None and event.get("createdAt") is not None and event["createdAt"] <= since:
            continue
        message = event.get("message", "")
        lowered = message.lower()
        if any(word in lowered for word in RELEVANT_EVENT_WORDS) and message not in lines:
            lines.append(message)
        if len(lines) >= limit:
            break
    return lines
