"""`deploy.py ci`, the pure part: the CI role stack's parameters and the GitHub Actions workflow.

The workflow is written into the user's repository (.github/workflows/deploy.yml): on a pull request
it runs the tests, `check` and `plan` (the plan in the job summary) as the plan role; on a push to the
deploy branch it does the same and then `up` as the deploy role (the rollout in the log, the URL in
the job summary). One concurrency group per environment, so two deploys never overlap. Every action
is pinned by the full commit SHA of a release (the tag in a comment). No secrets: the role ARNs are
not secret (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html), so
they are repository variables (`vars.*`, set once after `deploy.py ci`), and GitHub's OIDC token
replaces stored keys. The file names no account: it stays the same when the roles are made again.
The project itself carries no workflow: it has no account to deploy to; each user's copy gets one.

The first line holds a checksum of the rest, so `deploy.py ci` can tell a file it wrote (and may
rewrite) from one a person changed (kept unless --force).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError
from .invocation import command

TEMPLATE = "ci-role.yaml"
WORKFLOW_PATH = ".github/workflows/deploy.yml"
PYTHON_VERSION = "3.11"

# owner/name as GitHub allows them (the same pattern as ci-role.yaml's GitHubRepository parameter).
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._ -]{0,255}$")


@dataclass(frozen=True)
class Action:
    repository: str
    sha: str  # the commit the release tag points at, read from the action's repository
    tag: str

    def uses(self) -> str:
        return f"{self.repository}@{self.sha} # {self.tag}"


# Pinned by commit SHA: a tag can be moved, a commit cannot.
# https://docs.github.com/en/actions/reference/security/secure-use#using-third-party-actions
CHECKOUT = Action("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1")
SETUP_PYTHON = Action("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0")
AWS_CREDENTIALS = Action(
    "aws-actions/configure-aws-credentials", "e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"
)


def stack_name(settings: Any) -> str:
    """The CI stack's name: outside <app>-<environment>-*, the names the deploy role may change."""
    return f"github-{settings.base_stack_name}"


@dataclass(frozen=True)
class GitHub:
    """Where the workflow runs: the repository, the branch that deploys, an optional environment."""

    repository: str
    branch: str = "main"
    environment: str = ""
    pull_request_plans: bool = True

    def __post_init__(self) -> None:
        checks = (
            ("repository", self.repository, _REPOSITORY, "owner/name, like octo-org/my-site"),
            ("branch", self.branch, _BRANCH, "a branch name, like main"),
            ("environment", self.environment, _ENVIRONMENT, "a GitHub environment name, like production"),
        )
        for name, value, pattern, expected in checks:
            if not pattern.match(value):
                raise ConfigError(
                    f"ci: GitHub {name} {value!r} is not valid", hint=f"give {expected} (--{name})"
                )


def role_stack_parameters(
    settings: Any, github: GitHub, base_outputs: dict[str, str], existing_oidc_provider_arn: str = ""
) -> dict[str, str]:
    """ci-role.yaml's parameters: names from settings, resources from the base stack's outputs."""
    needed = ("RepositoryName", "ClusterName", "LogGroupName")
    missing = [key for key in needed if not base_outputs.get(key)]
    if missing:
        raise ConfigError(
            f"ci: the base stack {settings.base_stack_name} has no {', '.join(missing)} output yet",
            hint=f"deploy once from here first: {command('up')}",
        )
    return {
        "GitHubRepository": github.repository,
        "DeployBranch": github.branch,
        "GitHubEnvironment": github.environment,
        "PullRequestPlans": "true" if github.pull_request_plans else "false",
        "ExistingOidcProviderArn": existing_oidc_provider_arn,
        "AppName": settings.app,
        "EnvironmentName": settings.environment,
        **{key: base_outputs[key] for key in needed},
    }


@dataclass(frozen=True)
class Roles:
    """The CI stack's outputs the workflow needs."""

    deploy: str
    cloudformation: str
    plan: str = ""  # empty: pull requests run the tests and `check` only

    @classmethod
    def from_outputs(cls, outputs: dict[str, str]) -> Roles:
        return cls(outputs["DeployRoleArn"], outputs["CloudFormationRoleArn"], outputs.get("PlanRoleArn", ""))


# The repository variables the workflow reads the role ARNs from.
DEPLOY_ROLE_VARIABLE = "AWS_DEPLOY_ROLE_ARN"
CLOUDFORMATION_ROLE_VARIABLE = "AWS_CLOUDFORMATION_ROLE_ARN"
PLAN_ROLE_VARIABLE = "AWS_PLAN_ROLE_ARN"


def repository_variables(roles: Roles) -> dict[str, str]:
    """What to set in the GitHub repository (Settings → Secrets and variables → Actions → Variables)."""
    variables = {DEPLOY_ROLE_VARIABLE: roles.deploy, CLOUDFORMATION_ROLE_VARIABLE: roles.cloudformation}
    return variables | ({PLAN_ROLE_VARIABLE: roles.plan} if roles.plan else {})


def set_variable_command(repository: str, name: str, value: str) -> str:
    """The GitHub CLI's command for one repository variable."""
    return f"gh variable set {name} --repo {repository} --body {value}"


GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


def oidc_provider_parameter(stack_parameters: dict[str, str] | None, provider_arns: list[str]) -> str:
    """ExistingOidcProviderArn for a create or update of the CI stack. "You cannot register the same
    provider multiple times in a single Amazon Web Services account"
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html): reuse
    the account's GitHub provider when there is one, but once this stack made it (created with the
    parameter empty), keep the parameter empty: passing the provider's ARN would make the update
    delete the provider the roles trust."""
    if stack_parameters is not None:
        return stack_parameters.get("ExistingOidcProviderArn", "")
    github = [arn for arn in provider_arns if arn.endswith("/" + GITHUB_OIDC_HOST)]
    return github[0] if github else ""


CHECKSUM_PREFIX = "# deploy.py ci checksum: sha256:"


def stamped(body: str) -> str:
    """The body with the checksum line on top."""
    return f"{CHECKSUM_PREFIX}{hashlib.sha256(body.encode()).hexdigest()}\n{body}"


def written_unchanged(text: str) -> bool:
    """True when `text` is a file `deploy.py ci` wrote and nobody changed since."""
    first, _, body = text.partition("\n")
    digest = first.removeprefix(CHECKSUM_PREFIX)
    return first.startswith(CHECKSUM_PREFIX) and digest == hashlib.sha256(body.encode()).hexdigest()


def write_action(existing: str | None, new: str, force: bool) -> str:
    """What to do with the workflow file: "create", "update", "unchanged" or "refuse" (a person
    changed it, or `deploy.py ci` did not write it, and --force was not given)."""
    if existing is None:
        return "create"
    if existing == new:
        return "unchanged"
    return "update" if force or written_unchanged(existing) else "refuse"


def workflow_file(settings: Any, github: GitHub, region: str) -> str:
    """The workflow file's text: the stamped workflow."""
    return stamped(workflow(settings, github, region))


def workflow(settings: Any, github: GitHub, region: str) -> str:
    """.github/workflows/deploy.yml for these stacks (YAML text, comments included)."""
    # Graviton tasks get their image built natively on GitHub's arm64 runner (no emulation).
    runner = "ubuntu-24.04-arm" if settings.architecture == "ARM64" else "ubuntu-24.04"
    group = f"deploy-{settings.base_stack_name}"
    environment = f"\n    environment: {_quoted(github.environment)}" if github.environment else ""
    plan_steps = (
        _credentials(PLAN_ROLE_VARIABLE, region)
        + """
      - name: Plan
        run: |
          python3 deploy.py plan 2>&1 | tee plan.txt
          { echo '## Plan'; echo; echo '```'; cat plan.txt; echo '```'; } >> "$GITHUB_STEP_SUMMARY\""""
        if github.pull_request_plans
        else ""
    )
    return f"""\
# Written by `{command("ci")}` (fargate_deploy/ci.py) for the stacks of {settings.base_stack_name}.
# Run that command again instead of editing this file: it keeps the pins current.
# Pull requests: tests, check, plan (as the plan role). Pushes to {github.branch}: the same, then up
# (as the deploy role). The role ARNs are the outputs of the {stack_name(settings)} stack, set as
# repository variables (vars.*); they are not secrets, and no AWS keys are stored anywhere:
# GitHub's OIDC token is exchanged for a session.
name: deploy

on:
  pull_request:
    branches: [{_quoted(github.branch)}]
  push:
    branches: [{_quoted(github.branch)}]

permissions: {{}}

defaults:
  run:
    shell: bash

jobs:
  plan:
    name: Test and plan
    if: github.event_name == 'pull_request'
    runs-on: {runner}
    timeout-minutes: 60
    # A newer push to the same pull request replaces the run in progress.
    concurrency:
      group: plan-{settings.base_stack_name}-${{{{ github.event.pull_request.number }}}}
      cancel-in-progress: true
    permissions:
      contents: read  # check out the repository
      id-token: write  # GitHub's OIDC token, exchanged for the AWS role's session
    steps:{_common_steps()}{plan_steps}

  deploy:
    name: Test and deploy
    if: github.event_name == 'push'
    runs-on: {runner}
    timeout-minutes: 90{environment}
    # One deploy of these stacks at a time; a second waits for the first instead of cancelling it.
    concurrency:
      group: {group}
      cancel-in-progress: false
    permissions:
      contents: read  # check out the repository
      id-token: write  # GitHub's OIDC token, exchanged for the AWS role's session
    env:
      # Every change set runs as the CloudFormation role (the deploy role may pass no other).
      FLASKCOM_CLOUDFORMATION_ROLE_ARN: ${{{{ vars.{CLOUDFORMATION_ROLE_VARIABLE} }}}}
    steps:{_common_steps()}{_credentials(DEPLOY_ROLE_VARIABLE, region, CLOUDFORMATION_ROLE_VARIABLE)}
      - name: Deploy
        run: python3 deploy.py up --yes
      - name: Summary
        run: |
          python3 deploy.py status --json > status.json
          url=$(python3 -c 'import json; print(json.load(open("status.json"))["url"])')
          echo "Deployed $GITHUB_SHA: $url" >> "$GITHUB_STEP_SUMMARY"
"""


def _common_steps() -> str:
    return f"""
      - uses: {CHECKOUT.uses()}
        with:
          persist-credentials: false
      - uses: {SETUP_PYTHON.uses()}
        with:
          python-version: "{PYTHON_VERSION}"
      - name: Test
        run: make test
      - name: Check
        run: python3 deploy.py check"""


def _credentials(role_variable: str, region: str, *also_needed: str) -> str:
    """The settings check, then the role's session. The variables reach the script through env, never
    expanded into it (a value could otherwise inject shell)."""
    needed = (role_variable, *also_needed)
    env = "".join(f"\n          {name}: ${{{{ vars.{name} }}}}" for name in needed)
    checks = "".join(
        f"""
          if [ -z "${name}" ]; then
            echo "::error::set the repository variable {name}: {command("ci")} prints its value"
            exit 1
          fi"""
        for name in needed
    )
    return f"""
      - name: Settings
        env:{env}
        run: |
          if [ ! -f deploy.toml ]; then
            echo "::error file=deploy.toml::plan and up read deploy.toml: commit it (git add -f deploy.toml)"
            exit 1
          fi{checks}
      - uses: {AWS_CREDENTIALS.uses()}
        with:
          role-to-assume: ${{{{ vars.{role_variable} }}}}
          aws-region: {region}"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
