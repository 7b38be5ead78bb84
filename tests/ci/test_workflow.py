"""The workflow `deploy.py ci` writes: what each event runs, the pins, and actionlint + zizmor clean.

actionlint and zizmor live in their own virtualenv (.tools/workflow-lint, as checkov does); each is
also shown failing on a broken copy, so a gate that checked nothing would be caught.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from fargate_deploy import ci
from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import load_settings
from tests.templates.conftest import run_tool, tool_bin

ROLES = ci.Roles(
    deploy="arn:aws:iam::123456789012:role/github-deploy-flaskcom-prod",
    cloudformation="arn:aws:iam::123456789012:role/cloudformation-flaskcom-prod",
    plan="arn:aws:iam::123456789012:role/github-plan-flaskcom-prod",
)
PLAN_ROLE = "${{ vars.AWS_PLAN_ROLE_ARN }}"
DEPLOY_ROLE = "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
CLOUDFORMATION_ROLE = "${{ vars.AWS_CLOUDFORMATION_ROLE_ARN }}"


def settings(**overrides):
    return load_settings(env={}, overrides={"domain": "example.com", **overrides})


def rendered(github=None, **overrides) -> str:
    return ci.workflow(settings(**overrides), github or ci.GitHub("octo-org/my-site"), "eu-west-1")


def parsed(text: str) -> dict:
    document = yaml.safe_load(text)
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


def steps(job: dict) -> list[str]:
    return [step.get("run") or step["uses"].split("@")[0] for step in job["steps"]]


def test_pull_requests_test_check_and_plan_as_the_plan_role():
    document = parsed(rendered())
    assert document["on"] == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}
    plan = document["jobs"]["plan"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert steps(plan)[2:] == [
        "make test",
        "python3 deploy.py check",
        steps(plan)[4],
        "aws-actions/configure-aws-credentials",
        steps(plan)[6],
    ]
    assert plan["steps"][4]["env"] == {"AWS_PLAN_ROLE_ARN": PLAN_ROLE}  # checked, through env
    assert plan["steps"][5]["with"] == {"role-to-assume": PLAN_ROLE, "aws-region": "eu-west-1"}
    assert "python3 deploy.py plan 2>&1 | tee plan.txt" in plan["steps"][6]["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in plan["steps"][6]["run"]
    assert "FLASKCOM_CLOUDFORMATION_ROLE_ARN" not in str(plan)  # the plan role may pass no role


def test_pushes_to_the_branch_also_deploy_as_the_deploy_role_one_at_a_time():
    deploy = parsed(rendered())["jobs"]["deploy"]
    assert deploy["if"] == "github.event_name == 'push'"
    assert deploy["concurrency"] == {"group": "deploy-flaskcom-prod", "cancel-in-progress": False}
    assert deploy["steps"][5]["with"]["role-to-assume"] == DEPLOY_ROLE
    assert deploy["env"] == {"FLASKCOM_CLOUDFORMATION_ROLE_ARN": CLOUDFORMATION_ROLE}
    assert deploy["steps"][4]["env"] == {
        "AWS_DEPLOY_ROLE_ARN": DEPLOY_ROLE,
        "AWS_CLOUDFORMATION_ROLE_ARN": CLOUDFORMATION_ROLE,
    }
    assert steps(deploy)[6] == "python3 deploy.py up --yes"
    summary = steps(deploy)[7]
    assert "python3 deploy.py status --json > status.json" in summary and "GITHUB_STEP_SUMMARY" in summary


def test_only_the_token_no_secrets_and_least_permissions():
    text = rendered()
    document = parsed(text)
    assert "secrets." not in text
    assert "arn:" not in text and "123456789012" not in text  # no account: the ARNs are variables
    assert document["permissions"] == {}
    for job in document["jobs"].values():
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["steps"][0]["with"] == {"persist-credentials": False}


def test_every_action_is_pinned_by_a_full_commit_sha_with_its_tag():
    uses = re.findall(r"uses: (\S+)@(\S+) # (\S+)", rendered())
    assert {repository for repository, _, _ in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "aws-actions/configure-aws-credentials",
    }
    for _, sha, tag in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", sha) and tag.startswith("v")
    assert len(re.findall(r"uses: ", rendered())) == len(uses)


def test_an_environment_and_another_branch_and_arm64():
    document = parsed(rendered(ci.GitHub("octo-org/my-site", "release", "production"), architecture="ARM64"))
    assert document["on"]["push"] == {"branches": ["release"]}
    assert document["jobs"]["deploy"]["environment"] == "production"
    assert document["jobs"]["deploy"]["runs-on"] == "ubuntu-24.04-arm"


def test_without_a_plan_role_pull_requests_run_tests_and_check_only():
    github = ci.GitHub("octo-org/my-site", pull_request_plans=False)
    plan = parsed(rendered(github))["jobs"]["plan"]
    assert steps(plan)[-2:] == ["make test", "python3 deploy.py check"]


def test_the_repository_variables_and_how_to_set_them():
    assert ci.repository_variables(ROLES) == {
        "AWS_DEPLOY_ROLE_ARN": ROLES.deploy,
        "AWS_CLOUDFORMATION_ROLE_ARN": ROLES.cloudformation,
        "AWS_PLAN_ROLE_ARN": ROLES.plan,
    }
    assert "AWS_PLAN_ROLE_ARN" not in ci.repository_variables(ci.Roles(ROLES.deploy, ROLES.cloudformation))
    assert ci.set_variable_command("o/r", "AWS_DEPLOY_ROLE_ARN", ROLES.deploy) == (
        f"gh variable set AWS_DEPLOY_ROLE_ARN --repo o/r --body {ROLES.deploy}"
    )


# --- the file: written by ci (checksum) or changed by a person ---


def test_the_checksum_tells_a_file_ci_wrote_from_one_a_person_changed():
    text = ci.workflow_file(settings(), ci.GitHub("octo-org/my-site"), "eu-west-1")
    assert text.startswith(ci.CHECKSUM_PREFIX) and ci.written_unchanged(text)
    assert not ci.written_unchanged(text.replace("timeout-minutes: 90", "timeout-minutes: 91"))
    assert not ci.written_unchanged(rendered())  # no checksum line at all


@pytest.mark.parametrize(
    ("existing", "force", "action"),
    [
        (None, False, "create"),
        ("NEW", False, "unchanged"),
        ("OLDER", False, "update"),  # ci wrote it for other settings, nobody changed it
        ("CHANGED", False, "refuse"),
        ("CHANGED", True, "update"),
        ("FOREIGN", False, "refuse"),
        ("FOREIGN", True, "update"),
    ],
)
def test_what_is_done_with_the_workflow_file(existing, force, action):
    new = ci.stamped("name: deploy # new\n")
    files = {
        None: None,
        "NEW": new,
        "OLDER": ci.stamped("name: deploy # older\n"),
        "CHANGED": ci.stamped("name: deploy # older\n").replace("older", "edited"),
        "FOREIGN": "name: deploy\n",
    }
    assert ci.write_action(files[existing], new, force) == action


GITHUB_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
OTHER_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/gitlab.example"


@pytest.mark.parametrize(
    ("stack_parameters", "providers", "expected"),
    [
        (None, [], ""),  # new stack, no provider: the stack makes it
        (None, [OTHER_PROVIDER, GITHUB_PROVIDER], GITHUB_PROVIDER),  # new stack: reuse the account's
        ({"ExistingOidcProviderArn": ""}, [GITHUB_PROVIDER], ""),  # the stack's own: keep it its own
        ({"ExistingOidcProviderArn": GITHUB_PROVIDER}, [GITHUB_PROVIDER], GITHUB_PROVIDER),
    ],
)
def test_the_oidc_provider_parameter(stack_parameters, providers, expected):
    assert ci.oidc_provider_parameter(stack_parameters, providers) == expected


@pytest.mark.parametrize(
    ("github", "message"),
    [
        (lambda: ci.GitHub("my-site"), "ci: GitHub repository 'my-site' is not valid"),
        (lambda: ci.GitHub("octo-org/my-site", branch="a b"), "ci: GitHub branch 'a b' is not valid"),
        (lambda: ci.GitHub("o/r", environment="x\ny"), "ci: GitHub environment 'x\\ny' is not valid"),
    ],
)
def test_bad_github_names_are_refused(github, message):
    with pytest.raises(ConfigError) as raised:
        github()
    assert raised.value.message == message


def test_the_role_stack_parameters_come_from_settings_and_the_base_stack():
    outputs = {"RepositoryName": "r", "ClusterName": "c", "LogGroupName": "l", "VpcId": "vpc-1"}
    parameters = ci.role_stack_parameters(settings(), ci.GitHub("octo-org/my-site"), outputs)
    assert parameters == {
        "GitHubRepository": "octo-org/my-site",
        "DeployBranch": "main",
        "GitHubEnvironment": "",
        "PullRequestPlans": "true",
        "ExistingOidcProviderArn": "",
        "AppName": "flaskcom",
        "EnvironmentName": "prod",
        "RepositoryName": "r",
        "ClusterName": "c",
        "LogGroupName": "l",
    }
    assert ci.stack_name(settings()) == "github-flaskcom-prod"


def test_the_role_stack_needs_the_base_stack_first():
    with pytest.raises(ConfigError) as raised:
        ci.role_stack_parameters(settings(), ci.GitHub("octo-org/my-site"), {})
    assert raised.value.hint == "deploy once from here first: python3 deploy.py up"


def test_the_parameters_are_the_templates():
    from tests.templates.render import ROOT, load

    declared = set(load(ROOT / "cloudformation" / ci.TEMPLATE)["Parameters"])
    outputs = {"RepositoryName": "r", "ClusterName": "c", "LogGroupName": "l"}
    assert set(ci.role_stack_parameters(settings(), ci.GitHub("o/r"), outputs)) == declared


# --- the linters ---


@pytest.fixture(scope="module")
def lint_bin():
    return tool_bin("workflow-lint")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".github" / "workflows" / "deploy.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"architecture": "ARM64"},
        {"github": ci.GitHub("o/r", "main", "production")},
        {"github": ci.GitHub("o/r", pull_request_plans=False)},
    ],
    ids=["default", "arm64", "environment", "no-plans"],
)
def test_actionlint_and_zizmor_pass(lint_bin, tmp_path, variant):
    github = variant.pop("github", None)
    path = write(tmp_path, ci.workflow_file(settings(**variant), github or ci.GitHub("o/r"), "eu-west-1"))
    linted = run_tool([lint_bin / "actionlint", "-no-color", path], cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    # The pedantic persona: also every finding that is only a matter of style.
    audited = run_tool(
        [lint_bin / "zizmor", "--offline", "--no-progress", "--persona=pedantic", path], cwd=tmp_path
    )
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "No findings to report" in audited.stdout + audited.stderr


def test_the_linters_fail_a_broken_workflow(lint_bin, tmp_path):
    text = rendered().replace(f"{ci.CHECKOUT.sha} # {ci.CHECKOUT.tag}", "v7")
    text = text.replace("if: github.event_name == 'push'", "if: github.event_nam == 'push'")
    path = write(tmp_path, text)
    linted = run_tool([lint_bin / "actionlint", "-no-color", path], cwd=tmp_path)
    assert linted.returncode != 0 and "event_nam" in linted.stdout
    audited = run_tool([lint_bin / "zizmor", "--offline", "--no-progress", path], cwd=tmp_path)
    assert audited.returncode != 0 and "unpinned-uses" in audited.stdout + audited.stderr
