"""`deploy.py check`: cfn-lint on both templates and the cross-file invariants, then the rollout waits."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import app_check, console, invariants, local
from ..errors import ConfigError, DeployError, ExitCode
from ..reporter import Reporter
from ..settings import DEFAULT_FILE, PLACEHOLDER_DOMAIN, Settings, load_settings
from ..tradeoffs import tradeoffs
from .options import with_reporter


class CheckFailed(DeployError):
    """Static checks found something to fix (exit 1, like a failed deployment: nothing was changed)."""

    exit_code = ExitCode.DEPLOYMENT_FAILED


def lint(paths: list[Path]) -> list[invariants.Finding]:
    """cfn-lint at error, warning and informational levels, one Finding per match."""
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(include_checks=["I"], regions=["us-east-1"])
    findings = []
    for path in paths:
        for match in lint_file(path, config=config):
            findings.append(
                invariants.Finding(path, f"line {match.linenumber}: cfn-lint {match.rule.id} {match.message}")
            )
    return findings


def find_problems(root: Path, settings: Settings | None = None) -> list[invariants.Finding]:
    settings = settings or Settings(domain=PLACEHOLDER_DOMAIN)
    files = invariants.Files.under(root)
    missing = [
        p
        for p in (files.nginx, files.gunicorn, files.dockerfile, files.resources, files.service)
        if not p.exists()
    ]
    if missing:
        return [invariants.Finding(path, "missing") for path in missing]
    found = lint([files.resources, files.service])
    if any("E0000" in f.message for f in found):  # a template that does not parse: invariants cannot run
        return found
    try:
        app = local.local_app(settings, root / local.SECRETS_FILE)
    except ConfigError as error:
        return found + [invariants.Finding(root / local.SECRETS_FILE, error.message)]
    app_environment = {"APP_SETTINGS_JSON": app.settings_json, "APP_SECRETS_JSON": app.secrets_json}
    found += invariants.check(files, settings.wsgi_app, app_environment)
    if not any(f.message.startswith(("cannot load", "the app ")) for f in found):
        found += app_findings(files, settings, app)
    return found


# --- The app (issue 13): started for real, as the image starts it ---
def app_findings(
    files: invariants.Files, settings: Settings, app: local.LocalApp
) -> list[invariants.Finding]:
    """gunicorn serves one request to the health check path; anything but a 200 is a finding on the app."""
    health_path = invariants.health_check_path(files)
    outcome = app_check.serve_one_request(
        files.container, files.site, settings.wsgi_app, health_path, app.settings_json, app.secrets_json
    )
    if outcome.healthy:
        return []
    if not outcome.started:
        hint = ""
        if "No module named" in outcome.reason:
            hint = f" (check runs it with this Python: .venv/bin/pip install -r {settings.requirements})"
        message = f"{invariants.APP_DOES_NOT_START.format(settings.wsgi_app)}: {outcome.reason}{hint}"
        return [invariants.Finding(files.site, message)]
    said = f"answered {outcome.status}" if outcome.status else outcome.reason
    return [
        invariants.Finding(
            files.site, f"the app {settings.wsgi_app} started, but GET {health_path} {said}, not 200"
        )
    ]


def project_settings(root: Path) -> tuple[Settings | None, list[invariants.Finding]]:
    """The project's deploy.toml (a deploy.toml that does not load is a finding); None without one."""
    path = root / DEFAULT_FILE
    if not path.exists():
        return None, []
    try:
        return load_settings(path), []
    except ConfigError as error:
        return None, [invariants.Finding(path, error.message)]


@click.command("check")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=invariants.ROOT,
    hidden=True,
    help="Project directory to check (tests point it at a copy).",
)
@with_reporter
def check_command(reporter: Reporter, root: Path) -> None:
    """Lint both templates and check that nginx, gunicorn, the app and the templates agree."""
    settings, settings_findings = project_settings(root)
    notices = tradeoffs(settings) if settings else []
    findings = find_problems(root, settings) + settings_findings
    lines = [finding.line(root) for finding in findings]
    waits = None
    if not any("E0000" in f.message or f.message == "missing" for f in findings):
        waits = invariants.rollout_waits(invariants.Files.under(root))
        lines += console.text_lines(_waits_table(waits, invariants.DEFAULT_WAITS))
    lines += [f"note: {notice}" for notice in notices]
    reporter.result(check_payload(root, findings, waits, notices), lines)
    if findings:
        raise CheckFailed(
            f"check: {len(findings)} finding{'s' if len(findings) != 1 else ''} (listed above, one per line)",
            hint="fix each named file, then run: python3 deploy.py check",
        )
    console.info(
        "check: both templates lint clean, every cross-file invariant holds, and the app started and "
        "answered its health check through gunicorn"
    )


def check_payload(
    root: Path,
    findings: list[invariants.Finding],
    waits: invariants.RolloutWaits | None,
    notices: list[str],
) -> dict[str, Any]:
    """check --json: the findings, the rollout waits (none when a template is missing or unreadable)."""

    def seconds(w: invariants.RolloutWaits) -> dict[str, int]:
        return {**dataclasses.asdict(w), "worst_case": w.worst_case}

    return {
        "ok": not findings,
        "findings": [{"file": str(f.shown_file(root)), "message": f.message} for f in findings],
        "rollout_waits": None
        if waits is None
        else {"templates": seconds(waits), "aws_defaults": seconds(invariants.DEFAULT_WAITS)},
        "notices": list(notices),
    }


def _waits_table(ours: invariants.RolloutWaits, aws: invariants.RolloutWaits) -> Table:
    table = Table(title="Worst-case rollout waits (seconds)", title_justify="left")
    table.add_column("wait")
    table.add_column("templates", justify="right")
    table.add_column("AWS default", justify="right")
    rows = (
        (
            "health check interval × healthy threshold",
            ours.interval * ours.healthy_threshold,
            aws.interval * aws.healthy_threshold,
        ),
        ("+ health check grace period", ours.grace_period, aws.grace_period),
        ("+ deregistration delay", ours.deregistration_delay, aws.deregistration_delay),
        ("= per task swap", ours.worst_case, aws.worst_case),
        ("stopTimeout (SIGTERM → SIGKILL)", ours.stop_timeout, aws.stop_timeout),
    )
    for name, mine, default in rows:
        table.add_row(name, str(mine), str(default))
    return table


COMMANDS: list[click.Command] = [check_command]
