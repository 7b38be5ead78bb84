"""deploy.py sites: presentation only; the work is in site_listing.py, the decisions in sites.py."""

from __future__ import annotations

import json

import click
from rich.markup import escape

from .. import console, sites
from ..site_listing import list_sites
from ..workflows.parts import Parts
from .options import with_parts


@click.command(name="sites")
@click.option("--json", "as_json", is_flag=True, help="Print the sites as JSON.")
@with_parts()
def sites_command(parts: Parts, as_json: bool) -> None:
    """Every site on the base stack: stack, host names, rule priority, image, tasks and URL."""
    report = list_sites(parts.aws, parts.settings)
    if as_json:
        console.out.print_json(json.dumps(report.as_dict()))
        return
    for line in sites.report_lines(report):
        console.out.print(escape(line))


COMMANDS: list[click.Command] = [sites_command]
