"""A pull request's plan of a stack that does not exist yet, as the plan role would run it.

A CREATE change set makes its stack, empty, in REVIEW_IN_PROGRESS; `plan` used to delete that stack,
which the plan role may not do (DeleteStack: a pull request could delete production), so such a plan
ended in AccessDenied in a real account while moto, which enforces no IAM, let it pass. Now each
recorded request of the plan is decided against the plan role's statements with
tests/ci/iam_policy.py (action, resource, conditions): no DeleteStack, no tags, all allowed. The
empty stack stays, and the deploy after it creates the stack there, as the deploy role allows.
fargate_deploy/plan_shell.py gives the AWS pages.
"""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from fargate_deploy import plan_shell
from fargate_deploy.cli import main
from fargate_deploy.workflows.parts import create_parts
from tests.ci.iam_policy import Request, decision
from tests.ci.test_role_resources import (
    CLOUDFORMATION_ROLE,
    ci_role_for_moto,
    refused,
    role_statements,
    stack_arn,
)
from tests.deployer.conftest import FAST, put_image
from tests.templates.render import ROOT, load, render
from tests.templates.test_ci_role import PARAMETERS, allowed_actions

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

BASE, SITE = "flaskcom-test", "flaskcom-test-www"
# The CI stack of the test settings (app flaskcom, environment test), made before any base stack: the
# base stack's names are not known yet, and plan reads none of them then.
BEFORE_THE_BASE = {
    **PARAMETERS,
    "EnvironmentName": "test",
    "RepositoryName": "none-yet",
    "ClusterName": "none-yet",
    "LogGroupName": "none-yet",
}


def ci_role_before_the_base():
    return render(load(ROOT / "cloudformation" / "ci-role.yaml"), **BEFORE_THE_BASE)


def run(monkeypatch, settings, *argv: str) -> int:
    """A command as the workflow runs it, against moto, waiting at the tests' pace."""
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    monkeypatch.setattr(
        "fargate_deploy.commands.options.create_parts",
        lambda *args, **kwargs: dataclasses.replace(create_parts(*args, **kwargs), timing=FAST),
    )
    return main(list(argv))


def stack_now(name: str) -> dict | None:
    client = boto3.session.Session().client("cloudformation")
    try:
        (stack,) = client.describe_stacks(StackName=name)["Stacks"]
    except client.exceptions.ClientError:
        return None
    return stack


def change_sets_of(name: str) -> list[str]:
    """The stack's change sets (moto's ListChangeSets answers those of every stack: filtered here)."""
    summaries = boto3.session.Session().client("cloudformation").list_change_sets(StackName=name)["Summaries"]
    return [s["ChangeSetName"] for s in summaries if s["StackName"] == name]


def test_a_pull_requests_plan_of_a_new_site_is_allowed_and_the_deploy_creates_it_after(
    recorder, settings, monkeypatch, capsys
):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    monkeypatch.chdir(ROOT)
    assert run(monkeypatch, settings, "resources", "--yes") == 0
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack_now(BASE)["Outputs"]}
    put_image(outputs["RepositoryName"], "9f8e7d6")  # a push of the main branch, the site not deployed yet
    capsys.readouterr()
    recorder.requests.clear()

    assert run(monkeypatch, settings, "plan") == 0  # the pull request job's plan (no CloudFormation role)

    plan_role = role_statements(ci_role_for_moto(), "PlanRole")
    creates = [r for r in recorder.requests if r.action == "cloudformation:CreateChangeSet"]
    assert [r.params["ChangeSetType"] for r in creates if r.params["StackName"] == SITE] == ["CREATE"]
    assert all(not r.params.get("Tags") for r in creates)
    assert "cloudformation:DeleteStack" not in {r.action for r in recorder.requests}
    assert refused(plan_role, recorder.requests) == []
    # The site's stack stays empty, without a change set; the plan says so and how it goes on.
    site = stack_now(SITE)
    assert site["StackStatus"] == "REVIEW_IN_PROGRESS" and change_sets_of(SITE) == []
    assert plan_shell.kept_empty_stack(SITE, site) in capsys.readouterr().err

    # The deploy from main after the merge: the site is created on that stack, as the deploy role allows.
    recorder.requests.clear()
    as_ci = dataclasses.replace(settings, cloudformation_role_arn=CLOUDFORMATION_ROLE)
    assert run(monkeypatch, as_ci, "service", "--tag", "9f8e7d6", "--yes") == 0
    assert stack_now(SITE)["StackStatus"] == "CREATE_COMPLETE"
    assert refused(role_statements(ci_role_for_moto(), "DeployRole"), recorder.requests) == []


def test_a_plan_in_a_new_account_keeps_the_empty_base_stack_and_plans_again_on_it(
    recorder, settings, monkeypatch, capsys
):
    monkeypatch.chdir(ROOT)
    assert run(monkeypatch, settings, "plan") == 0
    base = stack_now(BASE)
    assert base["StackStatus"] == "REVIEW_IN_PROGRESS" and change_sets_of(BASE) == []
    assert run(monkeypatch, settings, "plan") == 0  # a CREATE change set again, on the empty stack
    assert [
        r.params["ChangeSetType"] for r in recorder.requests if r.action.endswith(":CreateChangeSet")
    ] == [
        "CREATE",
        "CREATE",
    ]
    assert stack_now(BASE)["StackId"] == base["StackId"] and change_sets_of(BASE) == []
    assert "cloudformation:DeleteStack" not in {r.action for r in recorder.requests}
    # Before any base stack: the CI stack was made without its names (plan reads none of them yet).
    plan_role = role_statements(ci_role_before_the_base(), "PlanRole")
    assert refused(plan_role, recorder.requests) == []
    assert run(monkeypatch, settings, "resources", "--yes") == 0
    assert stack_now(BASE)["StackStatus"] == "CREATE_COMPLETE"


@pytest.fixture(scope="module")
def plan_role():
    return role_statements(ci_role_before_the_base(), "PlanRole")


@pytest.mark.parametrize(
    "action",
    [
        "cloudformation:DeleteStack",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:TagResource",
        "cloudformation:UpdateStack",
        "cloudformation:UpdateTerminationProtection",
    ],
)
@pytest.mark.parametrize("stack", [BASE, SITE, "flaskcom-test-edge"])
def test_the_plan_role_denies_changing_any_stack_whatever_its_tags(plan_role, action, stack):
    for tags in ({}, {"aws:ResourceTag/flaskcom:app": "flaskcom"}):
        assert decision(plan_role, Request(action, stack_arn(stack), tags)) == "Deny"


def test_the_plan_role_creates_change_sets_without_tags_only(plan_role):
    untagged = Request(
        "cloudformation:CreateChangeSet", stack_arn(SITE), {"cloudformation:ChangeSetName": "x"}
    )
    tagged = dataclasses.replace(untagged, context={"aws:TagKeys": ("k",), "aws:RequestTag/k": "v"})
    assert decision(plan_role, untagged) == "Allow"
    assert decision(plan_role, tagged) == "implicit deny"
    assert "cloudformation:DeleteStack" not in allowed_actions(ci_role_before_the_base(), "PlanRole")


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        ("REVIEW_IN_PROGRESS", True),
        ("CREATE_COMPLETE", False),
        ("UPDATE_ROLLBACK_COMPLETE", False),
        (None, False),
    ],
)
def test_the_line_names_only_an_empty_stack(status, kept):
    stack = {"StackName": SITE, "StackStatus": status} if status else None
    line = plan_shell.kept_empty_stack(SITE, stack)
    assert (line is not None) is kept
    if kept:
        assert (
            line.startswith(f"Stack {SITE}: kept empty (REVIEW_IN_PROGRESS") and "deploy.py recover" in line
        )


def test_a_plans_change_sets_carry_no_tags_a_deploys_carry_the_apps(settings):
    assert plan_shell.change_set_tags(settings, plan=True) == {}
    assert plan_shell.change_set_tags(settings, plan=False) == {
        "flaskcom:app": "flaskcom",
        "flaskcom:environment": "test",
    }
