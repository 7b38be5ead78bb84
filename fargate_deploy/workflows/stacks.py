"""What the workflows do with stacks: the base stack's outputs (ready or refused), and a change set
planned, shown, confirmed, executed and followed to its end (follow.follow_stack)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import plan_shell, stack_status
from ..aws import Aws
from ..changeset import ChangeSetSummary, summarize
from ..errors import AwsError, RefusedError
from ..follow import StackOutcome, StackPoll, follow_stack
from ..invocation import command
from ..operations import outputs_of
from ..reporter import Line, Tone
from ..settings import Settings
from ..stack_status import NextStep, meaning_of
from ..waiting import Pace
from .parts import Parts

# What every command after `resources` reads from the base stack.
REQUIRED_BASE_OUTPUTS = ("RepositoryName", "RepositoryUri", "ClusterName")


def ready_stack(aws: Aws, stack_name: str, *, refusal: str, fix: str) -> dict:
    """The stack, when a command can build on it (its status means "update next"); otherwise refused
    as `<refusal> (<its status>)` or `<refusal> (it does not exist)`, with `fix` as the hint."""
    stack = aws.describe_stack(stack_name)
    if stack is None or meaning_of(stack["StackStatus"]).next_step is not NextStep.UPDATE:
        raise RefusedError(
            refusal + (f" ({stack['StackStatus']})" if stack else " (it does not exist)"), hint=fix
        )
    return stack


def base_outputs(aws: Aws, settings: Settings, command_name: str) -> dict[str, str]:
    """The base stack's outputs; refused (with the command that fixes it) while it is not ready."""
    stack = ready_stack(
        aws,
        settings.base_stack_name,
        refusal=f"{command_name}: the base stack {settings.base_stack_name} is not ready",
        fix=command("resources"),
    )
    outputs = outputs_of(stack)
    missing = [key for key in REQUIRED_BASE_OUTPUTS if not outputs.get(key)]
    if missing:
        raise AwsError(
            f"{command_name}: stack {settings.base_stack_name} has no {', '.join(missing)} output",
            hint=command("resources"),
        )
    return outputs


# --- change sets: plan, show, confirm, execute, follow ---


@dataclass(frozen=True)
class StackResult:
    stack_name: str
    changed: bool  # False: "no changes" (success)
    created: bool
    outputs: Mapping[str, str] = field(default_factory=dict)


def creates(stack: dict | None) -> bool:
    """Would a change set on this stack be a CREATE (no stack, or only an empty REVIEW_IN_PROGRESS one)?"""
    return stack_status.change_set_type(stack["StackStatus"] if stack else None) == "CREATE"


TONES = {"+": Tone.ADD, ">": Tone.MODIFY, "-": Tone.REMOVE, "!": Tone.REPLACE}


def change_set_lines(summary: ChangeSetSummary) -> list[Line]:
    """rain's diff: the headline, then one row per resource (+ add, > modify, - remove, ! replace)."""
    return [Line(summary.headline(), Tone.HEADLINE)] + [
        Line(f"  {row.line()}", TONES[row.symbol]) for row in summary.rows
    ]


def create_change_set(
    parts: Parts,
    stack_name: str,
    template: str,
    parameters: dict[str, str],
    command_name: str,
    *,
    plan: bool = False,
) -> tuple[ChangeSetSummary, str]:
    """Create the change set and wait (bounded) until CloudFormation has computed it; returns
    (summary, ChangeSetType). A stack no change set can move on is refused with the next step.
    `plan`: the change set is only shown, never executed, and so carries no stack tags (plan_shell)."""
    aws, settings = parts.aws, parts.settings
    stack = aws.describe_stack(stack_name)
    status = stack["StackStatus"] if stack else None
    refused = stack_status.refusal(stack_name, status, command_name)
    if refused is not None:
        raise refused
    change_set_type = stack_status.change_set_type(status)
    name = f"deploy-py-{uuid.uuid4().hex[:12]}"
    aws.create_change_set(
        stack_name=stack_name,
        change_set_name=name,
        change_set_type=change_set_type,
        template_body=(parts.templates / template).read_text(encoding="utf-8"),
        parameters=parameters,
        tags=plan_shell.change_set_tags(settings, plan=plan),
        role_arn=settings.cloudformation_role_arn,  # first-run: CI's CloudFormation role
    )
    aws.wait_for_change_set(
        stack_name,
        name,
        pace=Pace(parts.timing.change_set_delay, parts.timing.change_set_timeout),
        reporter=parts.reporter,
    )
    summary = summarize(aws.describe_change_set(stack_name, name))
    if summary.failed:
        aws.delete_change_set(stack_name, name)
        raise AwsError(f"planning stack {stack_name}: {summary.status_reason}")
    return summary, change_set_type


def apply(
    parts: Parts,
    stack_name: str,
    template: str,
    parameters: dict[str, str],
    *,
    yes: bool,
    command_name: str,
    on_poll: Callable[[StackPoll], None] | None = None,
    failure_details: Callable[[], list[str]] | None = None,
) -> StackResult:
    """Plan, show the diff, ask (unless --yes), execute, follow the stack; "no changes" is success."""
    aws = parts.aws
    if not yes and not parts.interactive:
        raise RefusedError(
            f"{command_name}: stdin is not a terminal, so the change set cannot be confirmed; "
            "nothing changed",
            hint=f"review with `{command('plan')}`, then run: {command(command_name, '--yes')}",
        )
    summary, change_set_type = create_change_set(parts, stack_name, template, parameters, command_name)
    if summary.no_changes:
        parts.reporter.note(f"Stack {stack_name}: no changes")
        aws.delete_change_set(stack_name, summary.change_set_name)
        return StackResult(stack_name, False, False, outputs_of(aws.describe_stack(stack_name)))
    parts.reporter.data(change_set_lines(summary), summary)
    if not yes:
        try:
            accepted = parts.confirm(f"Execute this change set on {stack_name}?")
        except BaseException:
            # Ctrl-C or end of input at the prompt is a "no" too: leave nothing behind.
            aws.delete_change_set(stack_name, summary.change_set_name)
            raise
        if not accepted:
            aws.delete_change_set(stack_name, summary.change_set_name)
            raise RefusedError(f"{command_name}: change set declined; it was deleted and nothing changed")
    outcome = execute(parts, summary, command_name, on_poll=on_poll, failure_details=failure_details)
    created = change_set_type == "CREATE"
    if created:
        aws.enable_termination_protection(stack_name)
        parts.reporter.note(f"Stack {stack_name}: termination protection on")
    return StackResult(stack_name, True, created, outcome.outputs)


def execute(
    parts: Parts,
    summary: ChangeSetSummary,
    command_name: str,
    *,
    on_poll: Callable[[StackPoll], None] | None = None,
    failure_details: Callable[[], list[str]] | None = None,
) -> StackOutcome:
    """Execute the change set and follow the stack (bounded) to the end of the operation; a failure
    raises with CloudFormation's reasons, and `failure_details` (ECS's, for the service stack)."""
    aws, stack_name = parts.aws, summary.stack_name
    since = aws.newest_stack_event_id(stack_name)
    aws.execute_change_set(stack_name, summary.change_set_name)
    outcome = follow_stack(
        aws,
        parts.reporter,
        stack_name,
        since_event_id=since,
        pace=Pace(parts.timing.stack_poll, parts.timing.stack_timeout),
        planned=len(summary.rows),
        on_poll=on_poll,
    )
    if not outcome.succeeded:
        raise outcome.failure(command_name, failure_details() if failure_details else None)
    return outcome


def plan_change_set(
    parts: Parts, stack_name: str, template: str, parameters: dict[str, str], command_name: str
):
    """A change set shown and deleted: nothing executed. The empty stack a CREATE change set made
    stays, and is named (plan_shell says why a plan never deletes a stack)."""
    aws = parts.aws
    summary, _ = create_change_set(parts, stack_name, template, parameters, command_name, plan=True)
    parts.reporter.data(change_set_lines(summary), summary)
    aws.delete_change_set(summary.stack_name, summary.change_set_name)
    kept = plan_shell.kept_empty_stack(summary.stack_name, aws.describe_stack(summary.stack_name))
    if kept:
        parts.reporter.note(kept)
    return summary
