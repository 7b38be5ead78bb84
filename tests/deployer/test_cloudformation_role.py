"""cloudformation_role_arn (set by the workflow `deploy.py ci` writes): every change set names it as
RoleARN, so CloudFormation makes the changes as that role (and keeps it for the stack)
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html); the
deploy role's policy refuses a change set that names no role or another one."""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy.workflows import stacks

from .conftest import make_deployer

ROLE = "arn:aws:iam::123456789012:role/cloudformation-flaskcom-test"


def recorded_change_sets(deployer) -> list[dict]:
    calls: list[dict] = []
    client = deployer.aws.client("cloudformation")
    client.meta.events.register(
        "provide-client-params.cloudformation.CreateChangeSet", lambda params, **_: calls.append(dict(params))
    )
    return calls


@pytest.mark.parametrize(("role", "expected"), [(ROLE, ROLE), ("", None)], ids=["ci", "laptop"])
def test_the_change_set_runs_as_the_configured_role(settings, role, expected):
    deployer = make_deployer(dataclasses.replace(settings, cloudformation_role_arn=role))
    calls = recorded_change_sets(deployer)
    stacks.create_change_set(
        deployer.parts,
        settings.base_stack_name,
        "resources.yaml",
        settings.base_parameters(True),
        "resources",
    )
    assert [call.get("RoleARN") for call in calls] == [expected]
