"""The CI roles allow each recorded request as IAM would decide it: action, resource and conditions.

The same recordings as test_role_covers_the_calls.py (`up` twice, `status`, `logs`, and `plan`
against moto). Each request becomes what IAM evaluates: its resource, named the way the Service
Authorization Reference names it, and its request context (the condition keys it carries: the
change set's RoleArn and tags, the stack's tags as the request found them, the cluster of ListTasks,
...), plus the iam:PassRole a RoleARN implies; tests/ci/iam_policy.py decides it against the role's
statements rendered for the stacks moto made. moto enforces no IAM policy, so this is where a role
that would end in AccessDenied in a real account fails. A request this test cannot name a resource
for fails here, so a new call is checked too, not only allowed.
"""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from tests.ci.iam_policy import Request, decision
from tests.ci.test_role_covers_the_calls import NEEDS_NO_PERMISSION, Recorded, run_logs, run_up_twice
from tests.deployer.conftest import make_deployer, put_image
from tests.templates.render import PSEUDO, ROOT, load, render
from tests.templates.test_ci_role import statements, substitute

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

REGION, ACCOUNT = PSEUDO["AWS::Region"], PSEUDO["AWS::AccountId"]
PREFIX = f"arn:aws:{{service}}:{REGION}:{ACCOUNT}"
NO_RESOURCE = "*"  # actions IAM gives no resource-level permission
CI_STACK_ARN = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/github-flaskcom-test/id"


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


def context_of(recorded: Recorded) -> dict:
    """The condition keys the request carries, as the Service Authorization Reference lists them for
    its action (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html:
    CreateChangeSet: aws:RequestTag/${TagKey}, aws:TagKeys, cloudformation:ChangeSetName,
    cloudformation:RoleArn, ...; DeleteStack: aws:ResourceTag/${TagKey}, cloudformation:RoleArn)."""
    action, params = recorded.action, recorded.params
    context: dict = {}
    if action.startswith("cloudformation:"):
        for key, value in (recorded.stack_tags or {}).items():
            context[f"aws:ResourceTag/{key}"] = value
        if params.get("RoleARN"):
            context["cloudformation:RoleArn"] = params["RoleARN"]
        if "ChangeSetName" in params:
            context["cloudformation:ChangeSetName"] = params["ChangeSetName"]
        tags = params.get("Tags") or []
        if tags:
            context["aws:TagKeys"] = tuple(tag["Key"] for tag in tags)
            for tag in tags:
                context[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
    if action == "ecs:ListTasks":
        cluster = params["cluster"]
        context["ecs:cluster"] = cluster if cluster.startswith("arn:") else arn("ecs", f"cluster/{cluster}")
    if action == "iam:CreateServiceLinkedRole":
        context["iam:AWSServiceName"] = params["AWSServiceName"]
    return context


def requests_of(recorded: Recorded) -> list[Request]:
    """What IAM authorizes for one API request: the action on each resource, and the iam:PassRole a
    change set's RoleARN needs ("the user must have iam:PassRole permission",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html)."""
    context = context_of(recorded)
    resources = resources_of(recorded.action, recorded.params)
    found = [Request(recorded.action, resource, context) for resource in resources]
    if recorded.action == "cloudformation:CreateChangeSet" and recorded.params.get("RoleARN"):
        passed = {"iam:PassedToService": "cloudformation.amazonaws.com"}
        found.append(Request("iam:PassRole", recorded.params["RoleARN"], passed))
    return found


def resolved(node, rendered):
    """A statement as IAM holds it once CloudFormation made the role: ${...} substituted, the
    CloudFormation role's GetAtt Arn and this stack's Ref AWS::StackId filled in."""
    node = substitute(node, rendered.parameters)
    if isinstance(node, dict) and set(node) == {"Fn::GetAtt"}:
        logical, attribute = node["Fn::GetAtt"]
        assert attribute == "Arn", node
        name = substitute(rendered.properties(logical)["RoleName"], rendered.parameters)
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"
    if node == {"Ref": "AWS::StackId"}:
        return CI_STACK_ARN
    if isinstance(node, dict):
        return {key: resolved(item, rendered) for key, item in node.items()}
    if isinstance(node, list):
        return [resolved(item, rendered) for item in node]
    return node


def role_statements(rendered, role: str) -> list[dict]:
    return [resolved(statement, rendered) for statement in statements(rendered, role)]


def ci_role_for_moto() -> object:
    """ci-role.yaml rendered for the base stack moto made."""
    base = boto3.session.Session().client("cloudformation").describe_stacks(StackName="flaskcom-test")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in base["Stacks"][0]["Outputs"]}
    return render(
        load(ROOT / "cloudformation" / "ci-role.yaml"),
        GitHubRepository="octo-org/my-site",
        AppName="flaskcom",
        EnvironmentName="test",
        **{key: outputs[key] for key in ("RepositoryName", "ClusterName", "LogGroupName")},
    )


def refused(statements_: list[dict], recorded: list[Recorded]) -> list[str]:
    return sorted(
        {
            f"{request.action} on {request.resource} ({decision(statements_, request)}; {request.context})"
            for one in recorded
            if one.action not in NEEDS_NO_PERMISSION
            for request in requests_of(one)
            if decision(statements_, request) != "Allow"
        }
    )


CLOUDFORMATION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/cloudformation-flaskcom-test"


def test_every_request_of_the_deploy_is_allowed_on_its_resource(recorder, settings, monkeypatch, tmp_path):
    # The workflow's deploy job sets FLASKCOM_CLOUDFORMATION_ROLE_ARN (fargate_deploy/ci.py): every
    # change set names the CloudFormation role, which the deploy role's CreateChangeSet requires.
    as_ci = dataclasses.replace(settings, cloudformation_role_arn=CLOUDFORMATION_ROLE)
    run_up_twice(as_ci, monkeypatch)
    run_logs(as_ci, monkeypatch, tmp_path)
    role = role_statements(ci_role_for_moto(), "DeployRole")
    assert len(recorder.requests) > 50  # the deploy was recorded
    change_sets = [r for r in recorder.requests if r.action == "cloudformation:CreateChangeSet"]
    assert change_sets and all(r.params.get("RoleARN") == CLOUDFORMATION_ROLE for r in change_sets)
    denied = refused(role, recorder.requests)
    assert denied == [], "DeployRole of cloudformation/ci-role.yaml does not allow: " + "; ".join(denied)


def test_every_request_of_a_pull_requests_plan_is_allowed(recorder, settings, monkeypatch):
    """The pull-request job's plan of stacks a deploy made (the plan job sets no CloudFormation role)."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "9f8e7d6")
    deployer.deploy_service("9f8e7d6")
    recorder.requests.clear()
    deployer.plan()
    role = role_statements(ci_role_for_moto(), "PlanRole")
    assert any(r.action == "cloudformation:CreateChangeSet" for r in recorder.requests)
    denied = refused(role, recorder.requests)
    assert denied == [], "PlanRole of cloudformation/ci-role.yaml does not allow: " + "; ".join(denied)
