"""deploy.py ci: parse, run ci_setup.set_up_ci(), say what was written and what to do next."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from .. import ci
from ..ci_setup import CiOptions, github_repository, set_up_ci
from ..errors import ConfigError
from ..invocation import REPO
from ..workflows.parts import Parts
from .deploy import yes_option
from .options import with_parts


def origin_repository(root: Path) -> str | None:
    """owner/name of the work tree's `origin` remote when it is on GitHub."""
    try:
        url = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return github_repository(url)


@click.command("ci")
@click.option("--repository", help="The GitHub repository as owner/name [default: the origin remote's].")
@click.option("--branch", default="main", show_default=True, help="The branch whose pushes deploy.")
@click.option(
    "--github-environment",
    "github_environment",
    default="",
    help="(Optional) A GitHub environment the deploy job runs in.",
)
@click.option(
    "--no-pull-request-plans", is_flag=True, help="No plan role: pull requests run the tests and check only."
)
@click.option("--force", is_flag=True, help=f"Overwrite {ci.WORKFLOW_PATH} even if it was changed.")
@yes_option
@with_parts()
def ci_command(
    parts: Parts, repository, branch, github_environment, no_pull_request_plans, force, yes
) -> None:
    """Create or update the CI roles (GitHub OIDC) and write the GitHub Actions workflow."""
    repository = repository or origin_repository(REPO)
    if not repository:
        raise ConfigError(
            "ci: the origin remote is not a GitHub repository, so which repository deploys is not known",
            hint="give it: python3 deploy.py ci --repository OWNER/NAME",
        )
    github = ci.GitHub(repository, branch, github_environment, not no_pull_request_plans)
    options = CiOptions(github, REPO / ci.WORKFLOW_PATH, yes=yes, force=force)
    result = set_up_ci(parts, options)
    said = {"create": "Wrote", "update": "Updated", "unchanged": "Unchanged:"}[result.workflow_action]
    shown = (
        result.workflow_path.relative_to(REPO)
        if result.workflow_path.is_relative_to(REPO)
        else result.workflow_path
    )
    plans = "test, check and plan" if github.pull_request_plans else "test and check"
    commit = f"git add -f deploy.toml {shown} && git commit -m 'Deploy from GitHub Actions' && git push"
    lines = [
        f"Stack {result.stack.stack_name}: {'done' if result.stack.changed else 'no changes'}",
        f"{said} {shown}: pull requests {plans}; pushes to {branch} also deploy (up).",
        f"Next: set these repository variables of {repository} (Settings → Secrets and variables → "
        "Actions → Variables), for example with GitHub's CLI:",
        *(f"  {ci.set_variable_command(repository, *item)}" for item in result.variables.items()),
        f"Then commit and push: {commit}",
    ]
    parts.reporter.result(result, lines)


COMMANDS: list[click.Command] = [ci_command]
