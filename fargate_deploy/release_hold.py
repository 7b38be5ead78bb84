"""The release command on a site's first deploy, when there is no service yet to run it beside. Pure.

Before every later deploy the release command runs as a one-off task from the service's task
definition, in its subnets and security group (one_off_tasks.release). On the first deploy none of
that exists: the task definition, its roles and the secrets it may read are the site stack's own. So
the stack is created *held* (service.yaml's HoldForRelease): the service at 0 tasks, autoscaling's
range starting at 0 and its policies and scheduled actions suspended. The release command runs from
that service; only when it exits 0 does the next update lift the hold, with the site's DesiredCount,
MinCount and scaling. A failed release leaves the site held: no task serves the new image, and the
next deploy runs the release command first again, then lifts the hold.

The stack's HoldForRelease parameter is the one record of the hold: a held stack gets DesiredCount on
its next update as a created one does (nobody has scaled a held service), a lifted one never again,
so a later deploy does not reset what autoscaling decided.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from .errors import RefusedError
from .invocation import command as cli_command
from .operations import parameters_of
from .stack_status import NextStep, meaning_of
from .workflows.stacks import creates

PARAMETER = "HoldForRelease"  # service.yaml's parameter
HELD = {PARAMETER: "true"}
LIFTED = {PARAMETER: "false"}


class Step(enum.Enum):
    """What the release command does on this deploy, from the site stack as DescribeStacks shows it."""

    NONE = "none"  # no release command, or a stack the update that follows refuses (it names the fix)
    BESIDE = "beside"  # beside the service that serves now, before the stack is updated
    CREATE_HELD = "create-held"  # first deploy: create the stack held, run it there, then lift the hold
    HELD = "held"  # a held stack (its first release failed or was cut off): run it, then lift the hold


def held(stack: Mapping[str, Any] | None) -> bool:
    return stack is not None and not creates(stack) and parameters_of(dict(stack)).get(PARAMETER) == "true"


def sends_desired_count(stack: Mapping[str, Any] | None) -> bool:
    """DesiredCount goes to a stack being created or lifted from its hold, never to one that serves:
    "For existing services, if a desired count is not specified, it is omitted from the operation"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount),
    which is what leaves autoscaling's count alone."""
    return creates(stack) or held(stack)


def refuse_rollback_of_held(stack_name: str, stack: Mapping[str, Any]) -> None:
    """A held site has never served: no earlier version to go back to, and a rollback (which runs no
    release command) would lift the hold with the migration never run."""
    if held(stack):
        raise RefusedError(
            f"rollback: site stack {stack_name} is held: no release has succeeded on it yet, so no "
            "version has served to roll back to",
            hint=HINT,
        )


def step(release_command: str, stack: Mapping[str, Any] | None) -> Step:
    if not release_command:
        return Step.NONE
    if creates(stack):
        return Step.CREATE_HELD
    if meaning_of(stack["StackStatus"]).next_step is not NextStep.UPDATE:
        return Step.NONE
    return Step.HELD if held(stack) else Step.BESIDE


def plan_line(settings: Any, stack: Mapping[str, Any] | None) -> str | None:
    """What `service` and `up` will do with the release command, as `plan` says it."""
    command = settings.release_command
    what = step(command, stack)
    tasks = f"{settings.desired_count} task{'s' if settings.desired_count != 1 else ''}"
    if what is Step.BESIDE:
        return (
            f"release: {command!r} runs as a one-off task on the new image before the service is updated; "
            "if it fails, nothing else changes"
        )
    if what is Step.CREATE_HELD:
        return (
            f"release: site {settings.site} is new: its stack is created with no task and autoscaling "
            f"suspended, {command!r} runs as a one-off task on the new image in the service's network, "
            f"and only if it exits 0 does the service start {tasks}; if it fails, no task serves"
        )
    if what is Step.HELD:
        return (
            f"release: site {settings.site} is held (no task serves: its first release did not succeed); "
            f"{command!r} runs first, and only if it exits 0 does the service start {tasks}"
        )
    if stack is not None and held(stack):  # held, and the release command since removed
        return f"release: site {settings.site} is held; this deploy lifts the hold and starts {tasks}"
    return None


def failure_line(what: Step, settings: Any) -> str:
    """What a failed release leaves, for its error message."""
    if what is Step.CREATE_HELD:
        return (
            f"; site {settings.site} was created held: no task serves it, and the next deploy runs the "
            "release command again before any task starts"
        )
    return f"; site {settings.site} stays held: no task serves it until a release succeeds"


def hint(settings: Any) -> str:
    return HINT


HINT = "fix the command or the app, push a new image, then: " + cli_command("service", "--tag", "<tag>")
