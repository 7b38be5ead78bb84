"""`deploy.py ci`, the workflow: the CI role stack through the same change-set path as the other
stacks, then the GitHub Actions workflow file. Nothing here prints or asks; commands/ci.py renders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import ci
from .errors import RefusedError
from .invocation import command
from .operations import parameters_of
from .workflows.parts import Parts
from .workflows.stacks import StackResult, apply, base_outputs

# owner/name in the remote URLs git shows for GitHub: https://, ssh:// and scp-like git@host:path.
_GITHUB_REMOTE = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|ssh://git@github\.com/|git@github\.com:)"
    r"(?P<repository>[^/]+/[^/]+?)(?:\.git)?/?$"
)


def github_repository(remote_url: str) -> str | None:
    """owner/name of a GitHub remote URL; None for anything else."""
    match = _GITHUB_REMOTE.match(remote_url.strip())
    return match.group("repository") if match else None


@dataclass(frozen=True)
class CiOptions:
    github: ci.GitHub
    workflow_path: Path
    yes: bool = False  # execute the CI stack's change set without asking
    force: bool = False  # overwrite a workflow file a person changed


@dataclass(frozen=True)
class CiResult:
    stack: StackResult
    roles: ci.Roles
    workflow_path: Path
    workflow_action: str  # "create", "update" or "unchanged"
    variables: dict[str, str]  # repository variable → value, for the user to set


def set_up_ci(parts: Parts, options: CiOptions) -> CiResult:
    """Check the workflow file can be written, create or update the CI stack, write the workflow."""
    settings, aws = parts.settings, parts.aws
    if settings.cloudformation_role_arn:
        # The CloudFormation role manages <app>-<environment>-* only; the CI stack is made by you.
        raise RefusedError(
            "ci: the CI stack is created with your own credentials, not as the CloudFormation role "
            f"{settings.cloudformation_role_arn}; nothing was changed",
            hint=f"unset FLASKCOM_CLOUDFORMATION_ROLE_ARN (and cloudformation_role_arn): {command('ci')}",
        )
    region = aws.region or settings.region or "us-east-1"
    text = ci.workflow_file(settings, options.github, region)
    path = options.workflow_path
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    action = ci.write_action(existing, text, options.force)
    if action == "refuse":
        raise RefusedError(
            f"ci: {path} was changed since deploy.py ci wrote it (or another tool wrote it); "
            "nothing was changed",
            hint=f"keep your copy and compare, or overwrite it: {command('ci', '--force')}",
        )
    outputs = base_outputs(aws, settings, "ci")
    name = ci.stack_name(settings)
    stack = aws.describe_stack(name)
    provider = ci.oidc_provider_parameter(parameters_of(stack) if stack else None, aws.oidc_provider_arns())
    parameters = ci.role_stack_parameters(settings, options.github, outputs, provider)
    result = apply(parts, name, ci.TEMPLATE, parameters, yes=options.yes, command_name="ci")
    roles = ci.Roles.from_outputs(result.outputs)
    if action != "unchanged":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return CiResult(result, roles, path, action, ci.repository_variables(roles))
