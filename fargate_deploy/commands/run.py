"""deploy.py run -- CMD | restart — presentation only; the workflows are one_off_tasks.py and restart.py."""

from __future__ import annotations

import click

from .. import one_off_tasks
from .. import restart as restarting
from ..workflows.parts import Parts
from .options import with_parts

# Everything after `--` is the command, options and all (`run -- flask --app x init-db`).
COMMAND_ARGUMENTS = {"ignore_unknown_options": True}


@click.command("run", context_settings=COMMAND_ARGUMENTS)
@click.option("--detach", is_flag=True, help="Print the task id and return without waiting.")
@click.option(
    "--timeout",
    type=click.IntRange(1, 7 * 24 * 3600),
    default=3600,
    show_default=True,
    help="Seconds to follow the task before giving up (the task goes on).",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@with_parts()
def run_command(parts: Parts, detach: bool, timeout: int, command: tuple[str, ...]) -> int:
    """Run one command in a task like the site's (same image, settings, secrets, network), e.g.
    `run -- flask --app flasksite init-db`; its log streams here and its exit code is ours."""
    options = one_off_tasks.RunOptions(command=tuple(command), detach=detach, timeout=timeout)
    reporter = parts.reporter
    result = one_off_tasks.run(parts.aws, parts.settings, reporter, options)
    if result.run is None:
        reporter.result({"task_arn": result.task_arn, "cluster": result.cluster}, [result.task_arn])
    else:
        reporter.note(result.run.outcome.line("run"))
    return result.exit_code


@click.command("restart")
@with_parts(reports=True)
def restart_command(parts: Parts) -> int:
    """Replace the site's tasks with new ones of the same image (they read the secrets again), and
    follow that ECS deployment to its end."""
    result = restarting.restart(parts.aws, parts.settings, parts.reporter, restarting.pace(parts.timing))
    parts.reporter.result(result.as_dict(), [result.outcome.summary()])
    return result.exit_code


COMMANDS: list[click.Command] = [run_command, restart_command]
