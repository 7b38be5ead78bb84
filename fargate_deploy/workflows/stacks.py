"""What several workflows need from the stacks: the base stack's outputs, ready or refused."""

from __future__ import annotations

from ..aws import Aws
from ..errors import AwsError, RefusedError
from ..invocation import command
from ..operations import outputs_of
from ..settings import Settings
from ..stack_status import NextStep, meaning_of

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
