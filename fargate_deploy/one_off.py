"""One-off tasks: `deploy.py run -- CMD` and the release command (their workflows: one_off_tasks.py).
Pure: the RunTask request built from the service, the task definition a release runs on the new
image, the log stream of a task, and what a DescribeTasks answer means.

A one-off task runs the service's own task definition (same image, roles, secrets, log group) in the
service's subnets and security group, with the web container's command replaced; the image's
ENTRYPOINT (tini → container/appenv.py) still runs first, so the command sees the same settings and
secrets as the servers. It runs on FARGATE, not Spot, whatever the service uses: a Spot interruption
halfway through a migration costs more than the few cents Spot saves on a task of minutes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CONTAINER = "web"  # service.yaml's container
STREAM_PREFIX = "web"  # service.yaml's awslogs-stream-prefix
# RunTask startedBy: "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash
# (/), and underscores (_)" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
STARTED_BY = re.compile(r"^[A-Za-z0-9/_-]{1,128}$")
# RunTask: "A total of 8192 characters are allowed for overrides. This limit includes the JSON
# formatting characters of the override structure" (API_RunTask.html, the overrides parameter).
OVERRIDES_LIMIT = 8192
STARTED_BY_RUN = "deploy-py/run"
STARTED_BY_RELEASE = "deploy-py/release"
# describe_task_definition answers with these; register_task_definition refuses them.
_READ_ONLY_TASK_DEFINITION_KEYS = (
    "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt",
    "registeredBy", "deregisteredAt",
)  # fmt: skip


def run_task_request(
    service: Mapping,
    *,
    cluster: str,
    command: Sequence[str],
    started_by: str = STARTED_BY_RUN,
    task_definition: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> dict:
    """RunTask's parameters from a describe_services answer: the service's task definition (or
    `task_definition`), its network configuration and platform version, on-demand FARGATE, the web
    container's command replaced (and `environment` overriding variables, e.g. a new APP_SETTINGS_JSON)."""
    if not STARTED_BY.match(started_by):
        raise ValueError(f"startedBy {started_by!r} is not allowed by RunTask")
    overrides = task_overrides(command, environment)
    return {
        "cluster": cluster,
        "taskDefinition": task_definition or service["taskDefinition"],
        "count": 1,
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
        "platformVersion": service.get("platformVersion") or "LATEST",
        "networkConfiguration": service["networkConfiguration"],
        "overrides": overrides,
        "startedBy": started_by,
        "propagateTags": "TASK_DEFINITION",
        "enableECSManagedTags": True,
        "enableExecuteCommand": False,
    }


def task_overrides(command: Sequence[str], environment: Mapping[str, str] | None = None) -> dict:
    """RunTask's `overrides`: the web container's command replaced (and `environment` overriding
    variables); ValueError when RunTask would refuse it, so that is known before anything changes."""
    if not command:
        raise ValueError("a one-off task needs a command")
    override: dict = {"name": CONTAINER, "command": list(command)}
    if environment:
        override["environment"] = [{"name": k, "value": v} for k, v in sorted(environment.items())]
    overrides = {"containerOverrides": [override]}
    size = len(json.dumps(overrides, separators=(",", ":")))
    if size > OVERRIDES_LIMIT:
        raise ValueError(
            f"the command (with its settings) is {size} characters as RunTask overrides; "
            f"RunTask allows {OVERRIDES_LIMIT}"
        )
    return overrides


def release_task_definition(current: Mapping, image: str, family: str) -> dict:
    """register_task_definition's parameters: the service's task definition with the web container on
    the new image, in a family of its own (`<stack>-release`), so CloudFormation's family only ever
    holds the revisions CloudFormation registered. The release deregisters it when it is done."""
    definition = {k: v for k, v in current.items() if k not in _READ_ONLY_TASK_DEFINITION_KEYS}
    containers = [dict(c) for c in definition["containerDefinitions"]]
    web = next((c for c in containers if c["name"] == CONTAINER), None)
    if web is None:
        raise ValueError(f"the task definition has no container named {CONTAINER!r}")
    web["image"] = image
    return {**definition, "family": family, "containerDefinitions": containers}


def log_stream(task_arn: str, prefix: str = STREAM_PREFIX, container: str = CONTAINER) -> str:
    """The awslogs stream of a task's container: "prefix-name/container-name/ecs-task-id"
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html)."""
    return f"{prefix}/{container}/{task_arn.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class TaskOutcome:
    finished: bool
    exit_code: int | None  # the command's exit code; 1 when ECS stopped the task before it exited
    reason: str  # why it stopped, in ECS's words ("" for a clean exit 0)

    def line(self, what: str) -> str:
        if not self.finished:
            return f"{what}: still running"
        if self.exit_code == 0:
            return f"{what}: exited 0"
        return f"{what}: exited {self.exit_code}" + (f" ({self.reason})" if self.reason else "")


def task_outcome(task: Mapping, container: str = CONTAINER) -> TaskOutcome:
    """What one DescribeTasks task means for the command: still running, the container's own exit code,
    or ECS's reason when the container never ran or never exited (an image that cannot be pulled, a
    secret that cannot be read, a Spot interruption): exit 1 with that reason."""
    if task.get("lastStatus") != "STOPPED":
        return TaskOutcome(False, None, "")
    web = next((c for c in task.get("containers", []) if c.get("name") == container), {})
    stopped = ": ".join(part for part in (task.get("stopCode"), task.get("stoppedReason")) if part)
    if web.get("exitCode") is not None:
        code = int(web["exitCode"])
        reason = "" if code == 0 else (web.get("reason") or stopped)
        return TaskOutcome(True, code, reason)
    reasons = [part for part in (stopped, web.get("reason")) if part]
    return TaskOutcome(True, 1, "; ".join(reasons) or "stopped without an exit code")


def run_failures(response: Mapping) -> str | None:
    """RunTask can answer 200 and start nothing: its `failures` list says why (capacity, an ENI limit)."""
    failures = response.get("failures") or []
    if response.get("tasks") and not failures:
        return None
    if not failures:
        return "RunTask started no task and gave no reason"
    return "; ".join(
        ": ".join(part for part in (f.get("reason"), f.get("detail")) if part) or json.dumps(f)
        for f in failures
    )
