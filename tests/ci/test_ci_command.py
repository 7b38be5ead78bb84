"""`deploy.py ci` against moto: the CI stack through the change-set path the other stacks take, the
workflow file (never over a changed one without --force), the OIDC provider reused or owned, and
what it tells the user to do next.

moto creates the stack's roles but skips AWS::IAM::OIDCProvider silently, so where a test needs the
account to hold GitHub's provider, it makes one through IAM's API, as a real account would have it.
"""

from __future__ import annotations

import dataclasses
import re

import boto3
import pytest

from fargate_deploy import ci
from fargate_deploy.ci_setup import CiOptions, github_repository, set_up_ci
from fargate_deploy.cli import main
from fargate_deploy.errors import RefusedError
from fargate_deploy.operations import UNEXECUTED, parameters_of
from tests.cli_output import after_target
from tests.deployer.conftest import make_deployer

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

GITHUB = ci.GitHub("octo-org/my-site")
PROVIDER_URL = "https://token.actions.githubusercontent.com"


@pytest.fixture
def deployed(settings):
    """The base stack, as `up` leaves it: `ci` reads its outputs."""
    make_deployer(settings).resources(yes=True)
    return settings


def workflow_at(tmp_path):
    return tmp_path / ".github" / "workflows" / "deploy.yml"


def run_ci(settings, tmp_path, **options):
    options.setdefault("yes", True)
    return set_up_ci(make_deployer(settings).parts, CiOptions(GITHUB, workflow_at(tmp_path), **options))


def ci_stack(settings) -> dict | None:
    client = boto3.session.Session().client("cloudformation")
    try:
        return client.describe_stacks(StackName=ci.stack_name(settings))["Stacks"][0]
    except client.exceptions.ClientError:
        return None


def change_sets(settings) -> list[dict]:
    """The CI stack's change sets not executed (moto lists every stack's, executed ones too)."""
    client = boto3.session.Session().client("cloudformation")
    name = ci.stack_name(settings)
    summaries = client.list_change_sets(StackName=name)["Summaries"]
    return [s for s in summaries if s["StackName"] == name and s["ExecutionStatus"] in UNEXECUTED]


def add_github_provider() -> str:
    iam = boto3.session.Session().client("iam")
    return iam.create_open_id_connect_provider(Url=PROVIDER_URL, ClientIDList=["sts.amazonaws.com"])[
        "OpenIDConnectProviderArn"
    ]


def test_creates_the_ci_stack_and_writes_the_workflow(deployed, tmp_path):
    result = run_ci(deployed, tmp_path)
    stack = ci_stack(deployed)
    assert stack["StackStatus"] == "CREATE_COMPLETE" and stack["EnableTerminationProtection"]
    base = boto3.session.Session().client("cloudformation").describe_stacks(StackName="flaskcom-test")
    base_outputs = {o["OutputKey"]: o["OutputValue"] for o in base["Stacks"][0]["Outputs"]}
    assert parameters_of(stack) == ci.role_stack_parameters(deployed, GITHUB, base_outputs)
    assert result.stack.created and result.workflow_action == "create"
    assert workflow_at(tmp_path).read_text() == ci.workflow_file(deployed, GITHUB, "us-east-1")
    roles = {r["RoleName"] for r in boto3.session.Session().client("iam").list_roles()["Roles"]}
    assert {"github-deploy-flaskcom-test", "github-plan-flaskcom-test"} <= roles
    assert result.variables == {
        "AWS_DEPLOY_ROLE_ARN": "arn:aws:iam::123456789012:role/github-deploy-flaskcom-test",
        "AWS_CLOUDFORMATION_ROLE_ARN": "arn:aws:iam::123456789012:role/cloudformation-flaskcom-test",
        "AWS_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/github-plan-flaskcom-test",
    }


def test_again_changes_nothing_and_a_changed_workflow_is_kept_unless_forced(deployed, tmp_path):
    run_ci(deployed, tmp_path)
    again = run_ci(deployed, tmp_path)
    assert not again.stack.changed and again.workflow_action == "unchanged"
    assert change_sets(deployed) == []  # the empty change set was deleted

    path = workflow_at(tmp_path)
    edited = path.read_text().replace("timeout-minutes: 90", "timeout-minutes: 120")
    path.write_text(edited)
    stack_before = ci_stack(deployed)
    with pytest.raises(RefusedError) as refused:
        run_ci(deployed, tmp_path)
    assert "was changed since deploy.py ci wrote it" in refused.value.message
    assert refused.value.hint == "keep your copy and compare, or overwrite it: python3 deploy.py ci --force"
    assert path.read_text() == edited and change_sets(deployed) == []
    assert ci_stack(deployed) == stack_before

    forced = run_ci(deployed, tmp_path, force=True)
    assert forced.workflow_action == "update" and ci.written_unchanged(path.read_text())

    # A file ci wrote for other settings (another branch) is its own: rewritten without --force.
    path.write_text(ci.workflow_file(deployed, ci.GitHub("octo-org/my-site", branch="release"), "us-east-1"))
    assert run_ci(deployed, tmp_path).workflow_action == "update"
    assert path.read_text() == ci.workflow_file(deployed, GITHUB, "us-east-1")


def test_a_workflow_another_tool_wrote_is_refused_before_anything_changes(settings, tmp_path):
    path = workflow_at(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("name: deploy\non: push\n")
    with pytest.raises(RefusedError):
        run_ci(settings, tmp_path)
    assert ci_stack(settings) is None and path.read_text() == "name: deploy\non: push\n"


def test_the_accounts_github_provider_is_reused(deployed, tmp_path):
    existing = add_github_provider()
    run_ci(deployed, tmp_path)
    assert parameters_of(ci_stack(deployed))["ExistingOidcProviderArn"] == existing


def test_the_provider_the_stack_made_stays_the_stacks(deployed, tmp_path):
    run_ci(deployed, tmp_path)
    add_github_provider()  # what the stack's GitHubOidcProvider is in a real account (moto skips it)
    run_ci(deployed, tmp_path)
    assert parameters_of(ci_stack(deployed))["ExistingOidcProviderArn"] == ""


def test_refused_as_the_cloudformation_role(settings, tmp_path):
    as_role = dataclasses.replace(settings, cloudformation_role_arn="arn:aws:iam::123456789012:role/x")
    with pytest.raises(RefusedError, match="not as the CloudFormation role"):
        run_ci(as_role, tmp_path)
    assert ci_stack(settings) is None and not workflow_at(tmp_path).exists()


def test_before_the_base_stack_exists_it_says_to_deploy_first(settings, tmp_path):
    with pytest.raises(RefusedError) as refused:
        run_ci(settings, tmp_path)
    assert refused.value.hint == "python3 deploy.py resources"
    assert ci_stack(settings) is None and not workflow_at(tmp_path).exists()


@pytest.fixture
def cli(settings, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    monkeypatch.setattr("fargate_deploy.commands.ci.REPO", tmp_path)
    return settings


def test_the_command_says_what_it_wrote_and_what_to_do_next(cli, deployed, tmp_path, capsys):
    assert main(["ci", "--yes", "--repository", "octo-org/my-site"]) == 0
    out = capsys.readouterr().out.splitlines()
    planned = r"Stack github-flaskcom-test: \d+ to add, 0 to modify, 0 to replace, 0 to remove"
    assert re.fullmatch(planned, out[0])
    assert out[-7:] == [
        "Stack github-flaskcom-test: done",
        "Wrote .github/workflows/deploy.yml: pull requests test, check and plan; pushes to main also "
        "deploy (up).",
        "Next: set these repository variables of octo-org/my-site (Settings → Secrets and variables → "
        "Actions → Variables), for example with GitHub's CLI:",
        "  gh variable set AWS_DEPLOY_ROLE_ARN --repo octo-org/my-site --body "
        "arn:aws:iam::123456789012:role/github-deploy-flaskcom-test",
        "  gh variable set AWS_CLOUDFORMATION_ROLE_ARN --repo octo-org/my-site --body "
        "arn:aws:iam::123456789012:role/cloudformation-flaskcom-test",
        "  gh variable set AWS_PLAN_ROLE_ARN --repo octo-org/my-site --body "
        "arn:aws:iam::123456789012:role/github-plan-flaskcom-test",
        "Then commit and push: git add -f deploy.toml .github/workflows/deploy.yml && "
        "git commit -m 'Deploy from GitHub Actions' && git push",
    ]


def test_without_a_github_remote_it_asks_for_the_repository(cli, tmp_path, capsys):
    assert main(["ci", "--yes"]) == 2  # tmp_path is no git work tree: no origin remote
    err = after_target(capsys.readouterr().err)
    assert err == [
        "error: ci: the origin remote is not a GitHub repository, so which repository deploys is not known",
        "hint: give it: python3 deploy.py ci --repository OWNER/NAME",
    ]


@pytest.mark.parametrize(
    ("url", "repository"),
    [
        ("https://github.com/octo-org/my-site.git\n", "octo-org/my-site"),
        ("https://github.com/octo-org/my-site", "octo-org/my-site"),
        ("git@github.com:octo-org/my-site.git", "octo-org/my-site"),
        ("ssh://git@github.com/octo-org/my.site.git", "octo-org/my.site"),
        ("https://gitlab.example/octo-org/my-site.git", None),
        ("/srv/git/my-site.git", None),
    ],
)
def test_the_repository_from_the_origin_remote(url, repository):
    assert github_repository(url) == repository
