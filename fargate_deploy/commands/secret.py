"""deploy.py secret set | list | rm — the app's secrets for one site; the work is in secret_store.py.

A value is read from a hidden prompt (on a terminal) or from stdin, never from argv or an option:
argv stays in shell history and in every process list on the machine.
"""

from __future__ import annotations

import json
import sys

import click
from rich.markup import escape
from rich.table import Table

from .. import console, secret_store
from .. import restart as restarting
from ..errors import RefusedError
from ..invocation import command
from ..running_site import running_site
from ..workflows.parts import Parts
from .options import with_parts

# Whatever follows NAME is refused before anything is read: `secret set NAME VALUE`, `--value=…`.
TAKES_NO_VALUE = {"ignore_unknown_options": True, "allow_extra_args": True}


@click.group("secret")
def secret_group() -> None:
    """The app's secrets for one site: each one an environment variable in the site's tasks,
    stored encrypted in the site's Parameter Store SecureString, never printed."""


def _refuse_a_value_on_the_command_line(name: str) -> None:
    extra = click.get_current_context().args
    if extra or "=" in name:
        # Neither the extra words nor the name are echoed: they may be the value.
        raise RefusedError(
            "secret set: the value is read from a hidden prompt or from stdin, never from the command "
            "line (it would stay in your shell history and in the process list); nothing was changed",
            hint=f"{command('secret', 'set', 'NAME')} (then type the value), or pipe it in: "
            f"{command('secret', 'set', 'NAME')} < file",
        )


def read_value(name: str, interactive: bool) -> str:
    """The hidden prompt on a terminal, else all of stdin less one trailing newline (`echo` adds one)."""
    if interactive:
        return click.prompt(f"Value for {name}", hide_input=True, confirmation_prompt=True, err=True)
    value = sys.stdin.read()
    if value.endswith("\r\n"):
        return value[:-2]
    return value[:-1] if value.endswith("\n") else value


@secret_group.command("set", context_settings=TAKES_NO_VALUE)
@click.argument("name")
@click.option(
    "--restart", is_flag=True, help="Then replace the site's tasks, so they read it now (as `restart`)."
)
@with_parts()
def set_command(parts: Parts, name: str, restart: bool) -> int:
    """Store NAME for this site (from a hidden prompt, or stdin); a new value is a new version."""
    _refuse_a_value_on_the_command_line(name)
    secret_store.check_name_for_site(parts.settings, name)
    doing = "secret set --restart"
    # Before the value is read or stored: a restart that cannot happen is refused with nothing changed.
    site = running_site(parts.aws, parts.settings, doing) if restart else None
    value = read_value(name, parts.interactive)
    change = secret_store.set_secret(parts.aws, parts.settings, name, value)
    console.out.print(
        f"Secret {change.name}: version {change.version} stored in {escape(change.parameter)} "
        f"(parameter version {change.parameter_version})"
    )
    if site is None:
        console.info(
            "ECS reads secrets when a task starts: running tasks get it when they are replaced, "
            f"by {command('restart')} or the next {command('service')}"
        )
        return 0
    pace = restarting.pace(parts.timing)
    result = restarting.restart(parts.aws, parts.settings, parts.reporter, pace, doing, site)
    parts.reporter.result(result.as_dict(), [result.outcome.summary()])
    return result.exit_code


@secret_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_parts()
def list_command(parts: Parts, as_json: bool) -> None:
    """Names, versions and when each was last changed (never a value)."""
    listing = secret_store.list_secrets(parts.aws, parts.settings)
    if as_json:
        console.out.print_json(
            json.dumps(
                {
                    "parameter": listing.parameter,
                    "parameter_version": listing.parameter_version,
                    "secrets": [
                        {"name": s.name, "version": s.version, "changed": s.changed} for s in listing.secrets
                    ],
                }
            )
        )
        return
    if not listing.secrets:
        console.info(
            f"No secrets for site {parts.settings.site} ({escape(listing.parameter)}); "
            f"add one with: {command('secret', 'set', 'NAME')}"
        )
        return
    table = Table(title=f"Secrets of {escape(listing.parameter)}", title_justify="left")
    for column in ("name", "version", "last changed (UTC)"):
        table.add_column(column)
    for secret in listing.secrets:
        table.add_row(secret.name, str(secret.version), secret.changed)
    console.out.print(table)


@secret_group.command("rm")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Remove without asking.")
@with_parts()
def rm_command(parts: Parts, name: str, yes: bool) -> None:
    """Remove NAME from this site's secrets (running tasks keep it until they are replaced)."""
    if not yes:
        if not parts.interactive:
            raise RefusedError(
                f"secret rm: refusing to remove {name} without asking, and stdin is not a terminal; "
                "nothing was changed",
                hint=command("secret", "rm", name, "--yes"),
            )
        if not click.confirm(
            f"Remove the secret {name} of site {parts.settings.site}?", default=False, err=True
        ):
            raise RefusedError(f"secret rm: {name} was not removed")
    change = secret_store.remove_secret(parts.aws, parts.settings, name)
    console.out.print(
        f"Secret {change.name}: removed from {escape(change.parameter)} "
        f"(parameter version {change.parameter_version})"
    )


COMMANDS: list[click.Command] = [secret_group]
