"""deploy.py status | logs | rollback | destroy | recover: parse, run the workflow, render its result.

The work is in workflows/operate.py; the decisions in operations.py and stack_status.py."""

from __future__ import annotations

import re

import click

from .. import operations
from ..errors import RefusedError
from ..workflows import operate as workflows
from ..workflows.parts import Parts
from .deploy import checked_tag, yes_option
from .options import with_parts

confirmed_option = click.option(
    "--yes", "-y", is_flag=True, help="Skip typing the domain to confirm (for scripts)."
)
no_wait_option = click.option(
    "--no-wait", is_flag=True, help="Exit 2 instead of waiting when a stack operation is in progress."
)

SINCE = re.compile(r"^(\d+)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> int:
    """'10m' → seconds; anything else is refused."""
    match = SINCE.match(text.strip())
    if not match:
        raise RefusedError(f"logs: --since {text!r} is not a duration", hint="use e.g. 30s, 10m, 2h or 1d")
    return int(match.group(1)) * SECONDS[match.group(2)]


# --- status ---


@click.command()
@with_parts(reports=True)
def status(parts: Parts) -> None:
    """Both stacks, the tasks, the image running, deployments, target health and the URL."""
    report = workflows.status(parts)
    parts.reporter.result(report, operations.report_lines(report))


# --- logs ---


@click.command()
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--since", default="10m", show_default=True, help="How far back to start (30s, 10m, 2h, 1d).")
@click.option("--filter", "text", help="Only lines containing this text.")
@with_parts()
def logs(parts: Parts, follow: bool, since: str, text: str | None) -> None:
    """The service's CloudWatch logs, nginx and gunicorn JSON lines made readable."""
    workflows.logs(parts, since_seconds=parse_since(since), text=text, follow=follow)


# --- rollback ---


@click.command()
@click.option(
    "--to",
    "tag",
    callback=checked_tag,
    help="Image tag to go back to [the one pushed before the running one].",
)
@yes_option
@no_wait_option
@with_parts(reports=True)
def rollback(parts: Parts, tag: str | None, yes: bool, no_wait: bool) -> None:
    """Redeploy the previous (or given) image tag through the service stack, watching the rollout."""
    result = workflows.rollback(parts, tag=tag, yes=yes, no_wait=no_wait)
    parts.reporter.result(result, [f"{result.url} runs image {result.image_tag}"])


# --- destroy ---


def destroy_lines(result: workflows.DestroyResult) -> list[str]:
    return [
        f"kept {item.what} {item.identifier}; remove it with: {item.remove_command}"
        for item in result.retained
    ]


@click.command()
@confirmed_option
@no_wait_option
@with_parts(reports=True)
def destroy(parts: Parts, yes: bool, no_wait: bool) -> None:
    """Delete the service stack, then the base stack, after you type the domain."""
    result = workflows.destroy(parts, yes=yes, no_wait=no_wait)
    parts.reporter.result(result, destroy_lines(result))


# --- recover ---


def recover_lines(result: workflows.RecoverResult) -> list[str]:
    return [
        f"stack {item.stack_name}: {item.status or 'gone'} ({item.summary})"
        + ("" if item.action == "none" else f" after {item.action}")
        for item in result.stacks
    ]


@click.command()
@confirmed_option
@no_wait_option
@with_parts(reports=True)
def recover(parts: Parts, yes: bool, no_wait: bool) -> None:
    """Unstick the stacks: delete failed creates, continue a stuck rollback, drop stale change sets."""
    result = workflows.recover(parts, yes=yes, no_wait=no_wait)
    parts.reporter.result(result, recover_lines(result))


COMMANDS: list[click.Command] = [status, logs, rollback, destroy, recover]
