"""The click command group and `main()`: parse, run, turn errors into exit codes."""

from __future__ import annotations

import sys
import traceback

import click

from . import console
from .errors import DeployError, ExitCode
from .invocation import PROG


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Put a Flask site on ECS Fargate behind an HTTPS load balancer."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C (and EOF at a prompt) into Abort; both leave quietly.
        return ExitCode.INTERRUPTED
    except click.ClickException as error:
        error.show()
        return ExitCode.REFUSED
    except DeployError as error:
        if debug:
            traceback.print_exc()
        console.print_error(error)
        return error.exit_code
    return int(result or ExitCode.DONE)


# Each command module lists its commands in COMMANDS; imported last because they import `cli`'s helpers.
from .commands import check, cost, deploy, local, operate, secret  # noqa: E402

for _module in (local, deploy, operate, secret, cost, check):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
