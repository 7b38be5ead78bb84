"""The options every AWS command shares, and `with_parts`: settings → reporter → parts → target line.

A command written on the workflows looks like this (status is one)::

    @click.command()
    @with_parts(reports=True)            # --config/--environment/--site/--region/--profile, --json
    def status(parts: Parts) -> None:
        result = workflows.operate.status(parts)
        parts.reporter.result(result, status_lines(result))

`with_parts` loads the settings, picks the renderer (`--json`; the live view on a terminal; plain
timestamped lines in CI and pipes), builds the real parts with `create_parts`, says which AWS
account, region and profile the command talks to, then calls the command with the parts. The
prompts are click's, paused around the live view: this is the only layer that talks to a terminal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from ..reporter import Reporter, make_reporter
from ..settings import load_settings
from ..workflows.parts import create_parts

SETTINGS_KEYS = ("environment", "site", "region", "profile")


def settings_flags(command: Callable) -> Callable:
    """--config and the few settings people switch per run; everything else lives in deploy.toml."""
    for decorate in reversed(
        [
            click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Settings file."),
            click.option(
                "--environment", help="Environment name (stack names are <app>-<environment>[-<site>])."
            ),
            click.option("--site", help="Site name of the service stack."),
            click.option("--region", help="AWS region (AWS_REGION wins)."),
            click.option("--profile", help="AWS profile (AWS_PROFILE wins)."),
        ]
    ):
        command = decorate(command)
    return command


def prompts(reporter: Reporter) -> tuple[Callable[[str], bool], Callable[[str], str]]:
    """click's yes/no and typed-answer prompts on stderr, with the live view paused while one waits."""

    def confirm(question: str) -> bool:
        with reporter.paused():
            return click.confirm(question, default=False, err=True)

    def ask(question: str) -> str:
        with reporter.paused():
            return click.prompt(question, default="", show_default=False, err=True)

    return confirm, ask


def json_option(command: Callable) -> Callable:
    """The one --json flag: the command's result as one JSON document on stdout."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (for scripts)."
    )(command)


def with_reporter(command: Callable) -> Callable:
    """For a command that reports without AWS (cost, check): --json, and the renderer `with_parts`
    picks, passed as `reporter`; the command renders its answer with `reporter.result`."""

    @functools.wraps(command)
    def wrapper(as_json: bool, **kwargs: Any) -> Any:
        with make_reporter(json_output=as_json) as reporter:
            return command(reporter, **kwargs)

    return json_option(wrapper)


def with_parts(*, reports: bool = False, announce: bool = True) -> Callable[[Callable], Callable]:
    """Decorator for a click command that runs a workflow. `reports`: the command has a result worth
    printing as JSON (adds --json). `announce`: say the AWS target first (every command that talks
    to AWS does)."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(config_path: str | None, **kwargs: Any) -> Any:
            as_json = kwargs.pop("as_json") if reports else False  # else a --json of the command's own
            overrides = {key: kwargs.pop(key) for key in SETTINGS_KEYS}
            settings = load_settings(config_path, overrides=overrides)
            with make_reporter(json_output=as_json) as reporter:
                confirm, ask = prompts(reporter)
                parts = create_parts(settings, reporter=reporter, confirm=confirm, ask=ask)
                if announce:
                    parts.announce()
                return command(parts, **kwargs)

        wrapped = settings_flags(wrapper)
        if reports:
            wrapped = json_option(wrapped)
        return wrapped

    return decorate
