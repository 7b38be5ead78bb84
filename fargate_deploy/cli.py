"""The click command group and `main()`: parse, run, turn errors into exit codes."""

from __future__ import annotations

import contextlib
import sys
import threading
import traceback

import click
from botocore.exceptions import BotoCoreError

from . import console, signals
from .errors import AwsError, DeployError, ExitCode
from .invocation import PROG

DEBUG = "--debug"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Put a Flask site on ECS Fargate behind an HTTPS load balancer."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def split_debug(args: list[str]) -> tuple[bool, list[str]]:
    """--debug is the group's option, but people type it after the subcommand too (`deploy.py up
    --debug`): take it from anywhere before a `--` (what follows `--` belongs to another program)."""
    end = args.index("--") if "--" in args else len(args)
    head = [arg for arg in args[:end] if arg != DEBUG]
    debug = len(head) != end
    return debug, ([DEBUG] if debug else []) + head + args[end:]


def main(argv: list[str] | None = None) -> int:
    """Every command, the followers and `logs --follow` among them, stops on SIGINT, SIGTERM and
    SIGHUP however it was started, SIGINT ignored included (signals.py says why that needs care):
    the signal raises Stopped where the command waits, its `finally` blocks stop what it started
    (subprocess.run kills its child on the way out), and it exits 130 without a traceback."""
    debug, args = split_debug(sys.argv[1:] if argv is None else list(argv))
    # Handlers can be installed from the main thread only (a test may call main() from another).
    in_main_thread = threading.current_thread() is threading.main_thread()
    try:
        with signals.stop_on_signals() if in_main_thread else contextlib.nullcontext():
            return _run(args, debug)
    except signals.Stopped:  # arrived between the command's end and the handlers' removal
        return ExitCode.INTERRUPTED


def _run(args: list[str], debug: bool) -> int:
    try:
        result = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C (and EOF at a prompt) into Abort; both leave quietly.
        return ExitCode.INTERRUPTED
    except click.ClickException as error:
        error.show()
        return ExitCode.REFUSED
    except DeployError as error:
        return _failed(error, debug)
    except BotoCoreError as error:
        # Raised outside the Aws methods (e.g. no credentials when a client is made): still one line.
        hint = "check your AWS credentials, region and network (AWS_PROFILE, AWS_REGION)"
        return _failed(AwsError(f"talking to AWS: {error}", hint=hint), debug)
    except Exception as error:  # a bug: one line, and the traceback only with --debug
        unexpected = DeployError(
            f"unexpected {type(error).__name__}: {error}",
            hint=f"run it again with {DEBUG} for the traceback, and report it",
        )
        unexpected.exit_code = ExitCode.DEPLOYMENT_FAILED  # 1: it did not do what was asked
        return _failed(unexpected, debug)
    return int(result or ExitCode.DONE)


def _failed(error: DeployError, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    console.print_error(error)
    return error.exit_code


# Each command module lists its commands in COMMANDS; imported last because they import `cli`'s helpers.
from .commands import check, cost, deploy, local, operate, run, secret, sites  # noqa: E402
from .commands import ci as ci_commands  # noqa: E402  (first-run)
from .commands import init as init_commands  # noqa: E402  (first-run)

for _module in (local, deploy, operate, run, secret, cost, check, init_commands, ci_commands, sites):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
