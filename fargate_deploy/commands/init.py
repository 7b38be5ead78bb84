"""`deploy.py init`: parse the flags, ask through click, run initialize(), print the next command."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import click

from .. import console, delegation, initialize
from ..aws import Aws
from ..errors import ConfigError, RefusedError
from ..invocation import command
from ..settings import DEFAULT_FILE


class ClickPrompter:
    """Questions on stderr (stdout stays for data); a bad answer is said in one line and asked again."""

    def ask(self, question: str, default: str | None, parse: Callable[[str], str]) -> str:
        while True:
            raw = click.prompt(question, default=default, err=True)
            try:
                return parse(raw)
            except ConfigError as error:
                console.err.print(f"  {error.message}", markup=False)

    def choose(self, question: str, options: list[initialize.Option], default: str) -> str:
        console.err.print(question + ":", markup=False)
        for number, option in enumerate(options, 1):
            console.err.print(f"  {number}) {option.label}", markup=False)
        keys = [option.key for option in options]
        picked = click.prompt(
            "Choose", default=str(keys.index(default) + 1), type=click.IntRange(1, len(options)), err=True
        )
        return keys[picked - 1]

    def say(self, line: str) -> None:
        console.err.print(line, markup=False)


@click.command("init")
@click.option("--domain", help="The apex domain the site lives under.")
@click.option("--region", help="AWS region [default: your AWS config's, else us-east-1].")
@click.option("--hosted-zone-id", help="Use this existing public hosted zone.")
@click.option("--new-zone", is_flag=True, help="Let the base stack create the hosted zone.")
@click.option("--cpu", type=int, help="CPU units per task (1024 = 1 vCPU).")
@click.option("--memory", type=int, help="Memory per task (MiB).")
@click.option("--architecture", type=click.Choice(["X86_64", "ARM64"], case_sensitive=False))
@click.option("--spot/--no-spot", "use_spot", default=None, help="Run on Fargate Spot.")
@click.option("--nat-mode", type=click.Choice(["none", "single", "per-az"]))
@click.option("--yes", "-y", is_flag=True, help="Take the defaults for everything not given; ask nothing.")
@click.option("--force", is_flag=True, help="Overwrite an existing settings file.")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=DEFAULT_FILE, show_default=True
)
@click.option(
    "--nameserver",
    metavar="HOST[:PORT]",
    envvar="DEPLOY_PY_NAMESERVER",
    help="Ask this DNS server where the domain points [env DEPLOY_PY_NAMESERVER].",
)
def init_command(
    domain, region, hosted_zone_id, new_zone, cpu, memory, architecture, use_spot, nat_mode, yes, force,
    config_path, nameserver,
) -> None:  # fmt: skip
    """Write a commented deploy.toml: domain, region, hosted zone, task size, architecture, Spot, NAT."""
    if hosted_zone_id and new_zone:
        raise ConfigError(
            "init: --hosted-zone-id and --new-zone contradict each other", hint="give one of them"
        )
    if not yes and not sys.stdin.isatty():
        raise RefusedError(
            "init: stdin is not a terminal, so nothing can be asked; nothing was written",
            hint=command("init", "--yes", "--domain", "example.com") + " (and any other flag)",
        )
    profile = os.environ.get("AWS_PROFILE") or None
    lookup = delegation.resolve_name_servers
    if nameserver:
        resolver = delegation.resolver_at(nameserver)
        lookup = lambda name: delegation.resolve_name_servers(name, resolver)  # noqa: E731
    parts = initialize.Parts(
        prompter=ClickPrompter(),
        aws_for=lambda chosen: Aws(boto3.session.Session(profile_name=profile, region_name=chosen)),
        default_region=boto3.session.Session(profile_name=profile).region_name,
        lookup_name_servers=lookup,
    )
    answers = initialize.Answers(
        domain=domain,
        region=region,
        hosted_zone_id=initialize.NEW_ZONE if new_zone else hosted_zone_id,
        cpu=cpu,
        memory=memory,
        architecture=architecture.upper() if architecture else None,
        use_spot=use_spot,
        nat_mode=nat_mode,
    )
    result = initialize.initialize(parts, answers, Path(config_path), assume_defaults=yes, force=force)
    console.out.print(
        f"Wrote {result.path} for {result.values['domain']} in {result.values['region']}.", markup=False
    )
    console.out.print(f"Next: {result.next_command}", markup=False)


COMMANDS: list[click.Command] = [init_command]
