"""deploy.py resources | push | service | up | plan — presentation only; the work is in deployer.py."""

from __future__ import annotations

import click

from .. import console, images
from ..tradeoffs import tradeoffs
from .options import settings_options

yes_option = click.option("--yes", "-y", is_flag=True, help="Execute change sets without asking.")


def checked_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An empty --tag is refused, not read as "the default": --tag "" once meant the git SHA silently."""
    return None if value is None else images.validate_tag(value)


tag_option = click.option(
    "--tag", callback=checked_tag, help="Image tag [push: git short SHA; service: newest in ECR]."
)
dirty_option = click.option("--allow-dirty", is_flag=True, help="Push from an uncommitted work tree.")


@click.command()
@yes_option
@settings_options
def resources(deployer, yes: bool) -> None:
    """Create or update the base stack (zone, network, load balancer, registry, cluster)."""
    result = deployer.resources(yes=yes)
    console.out.print(f"Stack {result.stack_name}: {'done' if result.changed else 'no changes'}")


@click.command()
@tag_option
@dirty_option
@settings_options
def push(deployer, tag: str | None, allow_dirty: bool) -> None:
    """Build the site image for the task's architecture and push it to ECR."""
    console.out.print(deployer.push(tag=tag, allow_dirty=allow_dirty))


@click.command()
@tag_option
@yes_option
@settings_options
def service(deployer, tag: str | None, yes: bool) -> None:
    """Create or update the service stack with an image tag, then follow the ECS rollout."""
    result = deployer.deploy_service(tag, yes=yes)
    console.out.print(f"{result.url} runs image {result.image_tag}")


@click.command()
@tag_option
@dirty_option
@yes_option
@settings_options
def up(deployer, tag: str | None, allow_dirty: bool, yes: bool) -> None:
    """resources → push → service in one go, with one summary at the end."""
    deployer.up(tag=tag, allow_dirty=allow_dirty, yes=yes)


@click.command()
@settings_options
def plan(deployer) -> None:
    """Show what resources and service would change (change sets, deleted afterwards)."""
    deployer.plan()
    if deployer.settings.release_command:  # issue 13: what `service` and `up` run before the update
        console.out.print(
            f"release: {deployer.settings.release_command!r} runs as a one-off task on the new image "
            "before the service is updated; if it fails, nothing else changes",
            markup=False,
        )
    for notice in tradeoffs(deployer.settings):  # what a setting gives up besides money
        console.out.print(f"note: {notice}", markup=False)


COMMANDS: list[click.Command] = [resources, push, service, up, plan]
