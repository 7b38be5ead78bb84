"""The CI roles allow every AWS call the workflow's commands make, and nothing they do not make.

The calls are not listed by hand: they are recorded from the code, every request any `Aws` client
sends while the workflow's commands run, against moto where it models the API (`up` creating and
then updating both stacks, `status`, `logs`, `plan`) and against botocore's Stubber with answers
shaped like the real API where it does not (the ECS deployment follower: ListServiceDeployments,
DescribeServiceDeployments, DescribeServiceRevisions, and the stopped tasks and service events of a
rollback). Each request's IAM action is the API operation under the service's IAM prefix (botocore's
signing name). A new call in the deploy path fails here until ci-role.yaml allows it (a CI deploy
would otherwise stop with AccessDenied); an action the role allows that no command calls fails
too, unless it is one of the few listed below, each with its reason.
"""

from __future__ import annotations

import dataclasses
import io

import boto3
import pytest

from fargate_deploy import one_off_tasks
from fargate_deploy.aws import Aws
from fargate_deploy.cli import main
from fargate_deploy.follow import follow_deployment
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.waiting import Pace
from fargate_deploy.workflows import operate as day2
from fargate_deploy.workflows.parts import Parts
from tests.deployer.conftest import make_deployer, put_image, stubbed_aws, up_deployer
from tests.engine import recorded
from tests.engine import recorded_ecs as ecs
from tests.engine.test_follow_deployment import queue_alarm_rollback, watch
from tests.tasks import answers as tasks_answers
from tests.templates.render import ROOT, load, render
from tests.templates.test_ci_role import PARAMETERS, allowed_actions

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

# botocore's signing name is the IAM service prefix, except for CloudWatch, which signs as monitoring
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
IAM_PREFIX = {"monitoring": "cloudwatch"}

# "No permissions are required to perform this operation."
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}

# Actions the deploy role needs that the recorded requests do not name: made by docker, implied by a
# recorded request, or on a path the recording does not take (each says which).
NOT_RECORDED = {
    # docker push to the ECR repository after `docker login` with GetAuthorizationToken's password
    # (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html).
    "ecr:BatchCheckLayerAvailability": "docker push",
    "ecr:InitiateLayerUpload": "docker push",
    "ecr:UploadLayerPart": "docker push",
    "ecr:CompleteLayerUpload": "docker push",
    "ecr:PutImage": "docker push",
    "ecr:BatchGetImage": "docker push (reads the manifests already there)",
    # CreateChangeSet with RoleARN: "the user must have iam:PassRole permission"
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html);
    # RunTask of the release's task definition: its dependent action (the Service Authorization
    # Reference), for the site's execution and task roles.
    "iam:PassRole": "cloudformation:CreateChangeSet, ecs:RunTask",
    # The stack tags a deploy's change sets pass (flaskcom:app, flaskcom:environment). The Service
    # Authorization Reference lists no dependent action for CreateChangeSet, so whether CloudFormation
    # also authorizes them as TagResource when it executes a change set is known only in a real
    # account; the deploy role keeps it. The plan role goes without: a plan's change sets carry no
    # tags (fargate_deploy/plan_shell.py), and the role refuses one that does.
    "cloudformation:TagResource": "cloudformation:CreateChangeSet",
    # resources' phase 1, when the base stack made the zone: the name servers to delegate to
    # (tests/deployer/test_two_phase.py). Not in the recorded `up`, whose zone exists already.
    "route53:GetHostedZone": "workflows.deploy.name_servers",
    # status with database = "postgres" (issue 16): the cluster's state and its capacity now
    # (tests/operations/test_database_status.py); the recorded settings have no database.
    "rds:DescribeDBClusters": "status (database)",
    "cloudwatch:GetMetricStatistics": "status (database)",
}


@dataclasses.dataclass(frozen=True)
class Recorded:
    action: str  # the IAM action the request needs
    params: dict  # the request's parameters
    stack_tags: dict[str, str] | None = None  # a named stack's tags as the request found them


def tags_now(params: dict, region: str) -> dict[str, str] | None:
    """The tags of the stack a CloudFormation request names, read just before it is sent (what IAM
    evaluates as aws:ResourceTag/...), by a client the recorder does not hook; None: no such stack."""
    client = boto3.session.Session().client("cloudformation", region_name=region)
    try:
        (stack,) = client.describe_stacks(StackName=params["StackName"])["Stacks"]
    except client.exceptions.ClientError:
        return None
    return {tag["Key"]: tag["Value"] for tag in stack.get("Tags", [])}


class Recorder:
    """Every request of every client an Aws makes, as the IAM action it needs."""

    def __init__(self):
        self.actions: set[str] = set()
        self.requests: list[Recorded] = []
        self._hooked: set[int] = set()

    def record(self, model, params, context=None, **_) -> None:
        prefix = model.service_model.signing_name
        action = f"{IAM_PREFIX.get(prefix, prefix)}:{model.name}"
        self.actions.add(action)
        names_a_stack = prefix == "cloudformation" and "StackName" in params and model.name != "ListStacks"
        region = (context or {}).get("client_region")
        tags = tags_now(params, region) if names_a_stack and region else None
        self.requests.append(Recorded(action, dict(params), tags))

    def hook(self, client) -> None:
        if id(client) not in self._hooked:
            self._hooked.add(id(client))
            client.meta.events.register("provide-client-params", self.record)


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    original = Aws.client

    def client(self, service):
        made = original(self, service)
        recorder.hook(made)
        return made

    monkeypatch.setattr(Aws, "client", client)
    return recorder


def run_up_twice(settings, monkeypatch) -> None:
    """`up` creating both stacks, then `up` after a commit updating them (docker faked), then status."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    commits = ["9f8e7d6"]
    deployer = up_deployer(settings, commits)
    deployer.up(tag=None, allow_dirty=False, yes=True)
    commits.append("1a2b3c4")
    deployer.up(tag=None, allow_dirty=False, yes=True)
    reporter = PlainReporter(stdout=io.StringIO(), stderr=io.StringIO())
    day2.status(Parts(settings=settings, aws=deployer.aws, reporter=reporter))


def run_logs(settings, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    assert main(["logs", "--since", "5m"]) == 0


def run_follower() -> None:
    """The ECS deployment follower over a rollout ECS rolled back (the path with the most calls)."""
    aws, stubs, clock = stubbed_aws("ecs")
    clock.now = recorded.START.timestamp()
    stubs["ecs"].activate()
    reporter = PlainReporter(stdout=io.StringIO(), stderr=io.StringIO(), clock=clock)
    queue_alarm_rollback(stubs["ecs"])
    follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    stubs["ecs"].assert_no_pending_responses()


def run_release(settings) -> None:
    """The release command before a site's update (the site `up` made, its stacks read from moto): ECS
    through Stubber (moto never ends a task), shaped like the real API (tests/tasks/answers.py); the
    log stream read from moto."""
    aws, stubs, clock = stubbed_aws("ecs")
    stub = stubs["ecs"]
    stub.activate()
    service = tasks_answers.site_service()
    stub.add_response("describe_services", {"services": [service], "failures": []})
    current = {
        "taskDefinitionArn": ecs.TASK_DEFINITION, "family": "flaskcom-test-www-x", "revision": 7,
        "executionRoleArn": f"arn:aws:iam::{recorded.ACCOUNT}:role/flaskcom-test-www-TaskExecutionRole-1",
        "containerDefinitions": [{"name": "web", "image": "r:old"}],
    }  # fmt: skip
    release_arn = f"{ecs.PREFIX}:task-definition/flaskcom-test-www-release:1"
    stub.add_response("describe_task_definition", {"taskDefinition": current})
    stub.add_response(
        "register_task_definition",
        {
            "taskDefinition": {
                **current,
                "taskDefinitionArn": release_arn,
                "family": "flaskcom-test-www-release",
            }
        },
    )
    stub.add_response("run_task", tasks_answers.started())
    stub.add_response(
        "describe_tasks",
        {"tasks": [tasks_answers.task(tasks_answers.TASK_ARN, "STOPPED", exitCode=0)], "failures": []},
    )
    stub.add_response("deregister_task_definition", {})
    released = dataclasses.replace(settings, release_command="flask db upgrade")
    reporter = PlainReporter(stdout=io.StringIO(), stderr=io.StringIO(), clock=clock)
    one_off_tasks.release(
        aws, released, reporter, image="r:new", image_tag="new", pace=Pace(interval=5, timeout=60)
    )
    stub.assert_no_pending_responses()


@pytest.fixture(scope="module")
def ci_role():
    return render(load(ROOT / "cloudformation" / "ci-role.yaml"), **PARAMETERS)


def uncovered(called: set[str], allowed: set[str]) -> list[str]:
    return sorted(called - allowed - NEEDS_NO_PERMISSION)


def test_the_deploy_role_allows_every_call_of_up_status_logs_and_the_followers(
    ci_role, recorder, settings, monkeypatch, tmp_path
):
    run_up_twice(settings, monkeypatch)
    run_logs(settings, monkeypatch, tmp_path)
    run_follower()
    run_release(settings)
    called = recorder.actions
    # The recording saw the deploy: a test that recorded nothing would pass for nothing.
    assert {
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
        "ecr:GetAuthorizationToken",
        "ecs:ListServiceDeployments",
        "ecs:DescribeServiceRevisions",
        "logs:FilterLogEvents",
        "ssm:PutParameter",
        "ecs:RunTask",
        "logs:GetLogEvents",
    } <= called
    allowed = allowed_actions(ci_role, "DeployRole")
    missing = uncovered(called, allowed)
    assert not missing, f"allow these in DeployRole of cloudformation/ci-role.yaml: {missing}"
    unused = sorted(allowed - called - set(NOT_RECORDED))
    assert not unused, f"no command calls these: remove them from DeployRole (least privilege): {unused}"


def test_the_plan_role_allows_every_call_of_plan(ci_role, recorder, settings, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)  # a pull request plans against stacks a deploy made
    put_image(base.outputs["RepositoryName"], "9f8e7d6")
    recorder.actions.clear()
    deployer.plan()  # a pull request that adds the site: a CREATE change set, the newest image tag
    plan_of_a_new_site = set(recorder.actions)
    deployer.deploy_service("9f8e7d6")  # so the plan covers the site too (its rule, the other sites)
    recorder.actions.clear()
    deployer.plan()  # the pull request job runs check (no AWS) and plan
    called = recorder.actions | plan_of_a_new_site
    assert {"cloudformation:CreateChangeSet", "ecr:DescribeImages"} <= called
    allowed = allowed_actions(ci_role, "PlanRole")
    missing = uncovered(called, allowed)
    assert not missing, f"allow these in PlanRole of cloudformation/ci-role.yaml: {missing}"
    unused = sorted(allowed - called)
    assert not unused, f"plan calls none of these: remove them from PlanRole: {unused}"
