"""resources / plan / service against the real moto server (stacks, exports, VPC, load balancer,
listeners, ECR, the ECS service), with the AWS rules moto lacks added in the test process
(tests/moto_as_aws.py): termination protection, a new task definition reaching the service."""

from __future__ import annotations

import base64
import dataclasses

import boto3
import click
import pytest
from botocore.exceptions import ClientError

from fargate_deploy import images
from fargate_deploy.commands.deploy import up_line
from fargate_deploy.errors import ConfigError, RefusedError
from fargate_deploy.workflows import deploy

from .conftest import make_deployer, put_image, up_deployer

# moto warns (UserWarning) for each resource type its CloudFormation skips; under `filterwarnings =
# error` that warning would become an HTTP 500 inside the in-process server.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


def protected(stack_name: str) -> bool:
    """What DescribeStacks says of the stack's termination protection (the test process's moto
    implements UpdateTerminationProtection and refuses to delete a protected stack: tests/moto_as_aws.py)."""
    stack = boto3.session.Session().client("cloudformation").describe_stacks(StackName=stack_name)
    return stack["Stacks"][0]["EnableTerminationProtection"]


def test_resources_creates_base_stack_with_exports(aws, settings):
    deployer = make_deployer(settings)
    result = deployer.resources(yes=True)
    assert result.created and result.changed
    assert protected("flaskcom-test")
    session = boto3.session.Session()
    stack = session.client("cloudformation").describe_stacks(StackName="flaskcom-test")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = result.outputs
    exports = {e["Name"]: e["Value"] for e in session.client("cloudformation").list_exports()["Exports"]}
    for key in ("VpcId", "LoadBalancerArn", "HttpsListenerArn", "ClusterName", "RepositoryUri"):
        assert exports[f"flaskcom-test-{key}"] == outputs[key]
    assert session.client("ec2").describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"]
    elbv2 = session.client("elbv2")
    assert elbv2.describe_load_balancers(LoadBalancerArns=[outputs["LoadBalancerArn"]])["LoadBalancers"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=outputs["LoadBalancerArn"])["Listeners"]
    assert sorted(listener["Port"] for listener in listeners) == [80, 443]
    repos = session.client("ecr").describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in repos] == [outputs["RepositoryName"]]


def test_update_with_no_changes_is_success(aws, settings):
    deployer = make_deployer(settings)
    deployer.resources(yes=True)
    again = deployer.resources(yes=True)
    assert not again.created
    assert again.outputs["VpcId"]


def test_plan_executes_nothing(aws, settings):
    deployer = make_deployer(settings)
    summaries = deployer.plan()
    assert len(summaries) == 1 and summaries[0].counts["add"] > 10
    client = boto3.session.Session().client("cloudformation")
    stacks = [
        (s["StackName"], s["StackStatus"])
        for s in client.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    ]
    # Only the empty stack the CREATE change set made stays, without resources (plan_shell.py).
    assert stacks == [("flaskcom-test", "REVIEW_IN_PROGRESS")]
    assert (
        boto3.session.Session()
        .client("ec2")
        .describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
        == []
    )


def test_not_a_tty_without_yes_is_refused_and_changes_nothing(aws, settings):
    deployer = make_deployer(settings, interactive=False)
    with pytest.raises(RefusedError, match="stdin is not a terminal"):
        deployer.resources(yes=False)
    assert deployer.aws.describe_stack("flaskcom-test") is None


def test_declined_change_set_is_deleted(aws, settings):
    deployer = make_deployer(settings, interactive=True, confirm=lambda text: False)
    with pytest.raises(RefusedError, match="declined"):
        deployer.resources(yes=False)
    client = boto3.session.Session().client("cloudformation")
    stack = deployer.aws.describe_stack("flaskcom-test")
    # A declined CREATE leaves at most the empty REVIEW_IN_PROGRESS shell, with no change sets.
    assert stack is None or (
        stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        and client.list_change_sets(StackName="flaskcom-test")["Summaries"] == []
    )


def test_ctrl_c_at_the_prompt_deletes_the_change_set(aws, settings):
    def interrupted(text):
        raise click.exceptions.Abort()

    deployer = make_deployer(settings, interactive=True, confirm=interrupted)
    with pytest.raises(click.exceptions.Abort):
        deployer.resources(yes=False)
    client = boto3.session.Session().client("cloudformation")
    assert client.list_change_sets(StackName="flaskcom-test")["Summaries"] == []


def test_service_create_then_update_with_new_tag(aws, settings, monkeypatch):
    # moto's documented knob: report this many running tasks, so the rollout reads COMPLETED.
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    repository = base.outputs["RepositoryName"]
    with pytest.raises(RefusedError, match="has no images"):
        deployer.deploy_service(None)
    put_image(repository, "abc1234")
    with pytest.raises(RefusedError, match="not in repository"):
        deployer.deploy_service("nope999")
    created = deployer.deploy_service(None)  # newest pushed
    assert created.image_tag == "abc1234" and created.stack.created
    assert created.rollout is not None and created.rollout.running == 1
    client = boto3.session.Session().client("cloudformation")
    stack = client.describe_stacks(StackName="flaskcom-test-www")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["ImageTag"] == "abc1234" and params["BaseStackName"] == "flaskcom-test"
    ecs = boto3.session.Session().client("ecs")
    service = ecs.describe_services(
        cluster=base.outputs["ClusterName"], services=[created.stack.outputs["ServiceName"]]
    )
    assert service["services"][0]["status"] == "ACTIVE"

    put_image(repository, "def5678")
    updated = deployer.deploy_service("def5678")
    assert updated.stack.changed and not updated.stack.created
    stack = client.describe_stacks(StackName="flaskcom-test-www")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["ImageTag"] == "def5678"
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert protected("flaskcom-test") and protected("flaskcom-test-www")
    # The service itself moved: its PRIMARY deployment runs the new task definition, with the new image.
    (running,) = ecs.describe_services(
        cluster=base.outputs["ClusterName"], services=[created.stack.outputs["ServiceName"]]
    )["services"]
    primary = next(d for d in running["deployments"] if d["status"] == "PRIMARY")
    (container,) = ecs.describe_task_definition(taskDefinition=primary["taskDefinition"])["taskDefinition"][
        "containerDefinitions"
    ]
    assert container["image"].endswith(":def5678")
    assert primary["taskDefinition"] == updated.stack.outputs["TaskDefinitionArn"]


def test_ecr_login_against_moto(aws, settings):
    calls = []
    deployer = make_deployer(settings, run=lambda argv, **kw: calls.append((argv, kw)))
    deploy.ecr_login(deployer.parts)
    ((argv, kw),) = calls
    token = boto3.session.Session().client("ecr").get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    assert argv[:5] == ["docker", "login", "--username", user, "--password-stdin"]
    assert password not in " ".join(argv) and kw["stdin"] == password


def test_push_checks_ecr_before_building_and_verifies_after(aws, settings):
    """ECR's side of push against moto: describe_images says whether the tag exists (an existing tag in
    the immutable repository is refused before any docker command); the docker steps are recorded."""
    ran = []
    repository_images = []

    def run(argv, **kwargs):
        ran.append(argv[1])
        if argv[1] == "push":  # what a real push does to ECR, done through moto's API
            put_image(repository_images[0], argv[2].rsplit(":", 1)[1])

    deployer = make_deployer(settings, run=run, git_state=lambda: images.parse_git_state("1a2b3c4\n", ""))
    base = deployer.resources(yes=True)
    repository_images.append(base.outputs["RepositoryName"])
    assert not deployer.aws.ecr_image_exists(base.outputs["RepositoryName"], "1a2b3c4")
    assert deployer.push(tag=None, allow_dirty=False) == "1a2b3c4"
    assert ran == ["build", "login", "tag", "push"]
    assert deployer.aws.ecr_image_exists(base.outputs["RepositoryName"], "1a2b3c4")
    ran.clear()
    with pytest.raises(RefusedError, match="already exists"):
        deployer.push(tag="1a2b3c4", allow_dirty=False)
    assert ran == []


def test_push_refuses_a_dirty_tree_and_a_bad_tag(aws, settings):
    ran = []
    dirty = images.parse_git_state("1a2b3c4\n", " M flask.com/app.py\n")
    deployer = make_deployer(settings, run=lambda argv, **kw: ran.append(argv), git_state=lambda: dirty)
    deployer.resources(yes=True)
    with pytest.raises(RefusedError, match="uncommitted changes"):
        deployer.push(tag=None, allow_dirty=False)
    with pytest.raises(RefusedError, match="not valid for ECR"):
        deployer.push(tag="-bad", allow_dirty=False)
    assert ran == []


def test_up_then_up_again_reuses_the_pushed_tag(aws, settings, monkeypatch, capsys):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    ran = []
    deployer = up_deployer(settings, ["9f8e7d6"], ran)
    first = deployer.up(tag=None, allow_dirty=False, yes=True)
    assert first.service.image_tag == "9f8e7d6" and ran == ["build", "login", "tag", "push"]
    assert up_line(first).startswith("Done: https://example.com runs image 9f8e7d6")
    ran.clear()
    again = deployer.up(tag=None, allow_dirty=False, yes=True)  # same commit: nothing to build
    assert again.service.image_tag == "9f8e7d6" and ran == [] and not again.push.built
    assert "(base stack unchanged, " in up_line(again)


def test_a_certificate_of_another_region_is_refused_before_anything_is_created(aws, settings):
    """AWS_REGION (us-east-1 here) wins over deploy.toml, so the region check also runs at deploy time:
    an ALB takes certificates of its own region only (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html)."""
    elsewhere = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    deployer = make_deployer(dataclasses.replace(settings, certificate_arn=elsewhere))
    refused = "a certificate in eu-west-1, but the stacks are in us-east-1"
    with pytest.raises(ConfigError, match=refused):
        deployer.resources(yes=True)
    with pytest.raises(ConfigError, match=refused):
        deployer.plan()
    assert deployer.aws.describe_stack("flaskcom-test") is None


def test_a_stack_deploy_py_created_refuses_deletion_until_protection_is_lifted(aws, settings):
    """Termination protection for real: "If a user attempts to delete a stack with termination
    protection enabled, the deletion fails and the stack, including its status, remains unchanged"
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html)."""
    deployer = make_deployer(settings)
    deployer.resources(yes=True)
    client = boto3.session.Session().client("cloudformation")
    with pytest.raises(
        ClientError, match=r"Stack \[flaskcom-test\] cannot be deleted while TerminationProtection"
    ):
        client.delete_stack(StackName="flaskcom-test")
    assert deployer.aws.describe_stack("flaskcom-test")["StackStatus"] == "CREATE_COMPLETE"
    deployer.aws.disable_termination_protection("flaskcom-test")
    assert not protected("flaskcom-test")
    client.delete_stack(StackName="flaskcom-test")
    assert deployer.aws.describe_stack("flaskcom-test") is None
