"""deploy.py resources | push | service | up | plan — parse, run the workflow, render its result.

The work is in workflows/deploy.py (and workflows/stacks.py for change sets)."""

from __future__ import annotations

import click

from .. import images
from ..workflows import deploy as workflows
from ..workflows.parts import Parts
from .options import with_parts

yes_option = click.option("--yes", "-y", is_flag=True, help="Execute change sets without asking.")


def checked_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An empty --tag is refused, not read as "the default": --tag "" once meant the git SHA silently."""
    return None if value is None else images.validate_tag(value)


tag_option = click.option(
    "--tag", callback=checked_tag, help="Image tag [push: git short SHA; service: newest in ECR]."
)
dirty_option = click.option("--allow-dirty", is_flag=True, help="Push from an uncommitted work tree.")


def stack_line(result: workflows.StackResult) -> str:
    return f"Stack {result.stack_name}: {'done' if result.changed else 'no changes'}"


def service_line(result: workflows.ServiceResult) -> str:
    return f"{result.url} runs image {result.image_tag}"


@click.command()
@yes_option
@with_parts(reports=True)
def resources(parts: Parts, yes: bool) -> None:
    """Create or update the base stack (zone, network, load balancer, registry, cluster)."""
    result = workflows.resources(parts, yes=yes)
    parts.reporter.result(result, [stack_line(result)])


@click.command()
@tag_option
@dirty_option
@with_parts(reports=True)
def push(parts: Parts, tag: str | None, allow_dirty: bool) -> None:
    """Build the site image for the task's architecture and push it to ECR."""
    result = workflows.push(parts, tag=tag, allow_dirty=allow_dirty)
    parts.reporter.result(result, [result.image_tag])


@click.command()
@tag_option
@yes_option
@with_parts(reports=True)
def service(parts: Parts, tag: str | None, yes: bool) -> None:
    """Create or update the service stack with an image tag, then follow the ECS rollout."""
    result = workflows.service(parts, tag=tag, yes=yes)
    parts.reporter.result(result, [service_line(result)])


def up_line(result: workflows.UpResult) -> str:
    return (
        f"Done: {result.service.url} runs image {result.service.image_tag} "
        f"(base stack {'changed' if result.base.changed else 'unchanged'}, "
        f"service stack {'changed' if result.service.stack.changed else 'unchanged'})"
    )


@click.command()
@tag_option
@dirty_option
@yes_option
@with_parts(reports=True)
def up(parts: Parts, tag: str | None, allow_dirty: bool, yes: bool) -> None:
    """resources → push → service in one go, with one summary at the end."""
    result = workflows.up(parts, tag=tag, allow_dirty=allow_dirty, yes=yes)
    parts.reporter.result(result, [up_line(result)])


@click.command()
@with_parts(reports=True)
def plan(parts: Parts) -> None:
    """Show what resources and service would change (change sets, deleted afterwards)."""
    result = workflows.plan(parts)
    parts.reporter.result(result, plan_lines(parts.settings, result))


def plan_lines(settings, result: workflows.PlanResult) -> list[str]:
    release = [result.release] if result.release else []  # issue 13: what `service` does first
    return release + [f"note: {notice}" for notice in result.notes]


COMMANDS: list[click.Command] = [resources, push, service, up, plan]
