"""The deploy role allows each recorded request on the resource it names, not only its action.

The same recording as test_role_covers_the_calls.py (`up` twice, `status`, `logs` against moto),
each request's resource built the way the Service Authorization Reference names it, and matched
against the Resource patterns of the DeployRole statements that allow its action, rendered for the
stacks moto made (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
"*" matches any run of characters within one ARN). A request this test cannot name a resource for
fails here, so a new call is checked too, not only allowed.
"""

from __future__ import annotations

import fnmatch

import boto3
import pytest

from tests.ci.test_role_covers_the_calls import NEEDS_NO_PERMISSION, run_logs, run_up_twice
from tests.templates.render import PSEUDO, ROOT, load, render
from tests.templates.test_ci_role import as_list, statements, substitute

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

REGION, ACCOUNT = PSEUDO["AWS::Region"], PSEUDO["AWS::AccountId"]
PREFIX = f"arn:aws:{{service}}:{REGION}:{ACCOUNT}"
NO_RESOURCE = "*"  # actions IAM gives no resource-level permission


def arn(service: str, resource: str) -> str:
    return f"{PREFIX.format(service=service)}:{resource}"


def stack_arn(name: str) -> str:
    return name if name.startswith("arn:") else arn("cloudformation", f"stack/{name}/id")


def resources_of(action: str, params: dict) -> list[str]:
    """The ARNs a request acts on, as IAM evaluates them."""
    service, name = action.split(":", 1)
    if service == "cloudformation" and "StackName" in params:
        return [stack_arn(params["StackName"])]
    if action in ("ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:ListTasks",
                  "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeRules",
                  "cloudformation:ListStacks"):  # fmt: skip
        return [NO_RESOURCE]
    if service == "ecr" and "repositoryName" in params:
        return [arn("ecr", f"repository/{params['repositoryName']}")]
    if action == "ecs:DescribeServices":
        return [arn("ecs", f"service/{params['cluster']}/{s}") for s in params["services"]]
    if action == "ecs:DescribeTasks":
        return list(params["tasks"])
    if service == "logs" and "logGroupName" in params:
        return [arn("logs", f"log-group:{params['logGroupName']}")]
    if service == "ssm" and "Name" in params:
        return [arn("ssm", f"parameter/{params['Name'].lstrip('/')}")]
    if service == "route53" and ("Id" in params or "HostedZoneId" in params):
        zone = params.get("Id") or params["HostedZoneId"]
        return [f"arn:aws:route53:::hostedzone/{zone.rsplit('/', 1)[-1]}"]
    if action == "iam:CreateServiceLinkedRole":  # the role it makes, named by the service
        return [f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"]
    raise AssertionError(f"{action}: say in resources_of which resource it acts on ({sorted(params)})")


def allows(rendered, action: str, resource: str) -> bool:
    matching = []
    for statement in statements(rendered, "DeployRole"):
        if action not in as_list(statement["Action"]):
            continue
        patterns = [
            p for p in as_list(substitute(statement["Resource"], rendered.parameters)) if isinstance(p, str)
        ]
        if any(fnmatch.fnmatchcase(resource, pattern) for pattern in patterns):
            matching.append(statement["Effect"])
    return "Allow" in matching and "Deny" not in matching


def test_every_request_of_the_deploy_is_allowed_on_its_resource(recorder, settings, monkeypatch, tmp_path):
    run_up_twice(settings, monkeypatch)
    run_logs(settings, monkeypatch, tmp_path)
    base = boto3.session.Session().client("cloudformation").describe_stacks(StackName="flaskcom-test")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in base["Stacks"][0]["Outputs"]}
    role = render(
        load(ROOT / "cloudformation" / "ci-role.yaml"),
        GitHubRepository="octo-org/my-site",
        AppName="flaskcom",
        EnvironmentName="test",
        **{key: outputs[key] for key in ("RepositoryName", "ClusterName", "LogGroupName")},
    )
    denied = sorted(
        {
            f"{action} on {resource}"
            for action, params in recorder.requests
            if action not in NEEDS_NO_PERMISSION
            for resource in resources_of(action, params)
            if not allows(role, action, resource)
        }
    )
    assert len(recorder.requests) > 50  # the deploy was recorded
    assert denied == [], "DeployRole of cloudformation/ci-role.yaml does not allow: " + "; ".join(denied)
