"""Click commands of this area; cli.py registers everything listed in COMMANDS."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
