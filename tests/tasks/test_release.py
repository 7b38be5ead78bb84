"""The release command: `service` (and so `up`) runs it as a one-off task on the new image, with the
new settings, before the service stack is updated; when it fails the deploy stops there (exit 1, its
last log lines) and the stack, and so the running tasks, keep the old image.

The site is deployed in the session's moto server. moto never runs a task to its end, so for the
release ECS answers through Stubber, seeded with moto's own answers for the service and its task
definition (shaped like the real API, and checked against it by Stubber); the task's log is written
to moto's CloudWatch Logs, CloudFormation, ECR and Parameter Store stay moto's."""

from __future__ import annotations

import dataclasses
import io

import boto3
import pytest
from botocore.stub import Stubber

from fargate_deploy import app_env, one_off
from fargate_deploy.aws import Aws
from fargate_deploy.errors import DeploymentFailed, ExitCode
from fargate_deploy.operations import parameters_of
from fargate_deploy.workflows import deploy
from tests.deployer.conftest import make_deployer, put_image

from . import answers

pytestmark = [
    pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning"),
    pytest.mark.filterwarnings("ignore:No Moto CloudFormation support:UserWarning"),
]

RELEASE = "flask --app flasksite db upgrade"


def answer(response: dict) -> dict:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture
def release_site(deployed, settings):
    """(deployer with release_command and ECS stubbed, stub, moto's ECS client, what the release expects)."""
    base, service_out = deployed
    put_image(base["RepositoryName"], "new5678")
    moto_ecs = boto3.session.Session().client("ecs")
    cluster, name = base["ClusterName"], service_out["ServiceName"]
    service = answer(moto_ecs.describe_services(cluster=cluster, services=[name]))
    current = answer(
        moto_ecs.describe_task_definition(taskDefinition=service["services"][0]["taskDefinition"])
    )
    aws = Aws(boto3.session.Session())
    client = boto3.session.Session().client("ecs")
    aws._clients["ecs"] = client
    stub = Stubber(client)
    released = dataclasses.replace(settings, release_command=RELEASE, env={"GREETING": "new"})
    image = f"{base['RepositoryUri']}:new5678"
    family = "flaskcom-test-www-release"
    release_arn = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:1"
    registered = {
        **current["taskDefinition"],
        "family": family,
        "revision": 1,
        "taskDefinitionArn": release_arn,
    }
    registered["containerDefinitions"] = [{**c, "image": image} for c in registered["containerDefinitions"]]
    task_arn = f"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/0123456789abcdef0123456789abcdef"
    stub.add_response("describe_services", service, {"cluster": cluster, "services": [name]})
    stub.add_response(
        "describe_task_definition",
        current,
        {"taskDefinition": current["taskDefinition"]["taskDefinitionArn"]},
    )
    stub.add_response(
        "register_task_definition",
        {"taskDefinition": registered},
        one_off.release_task_definition(current["taskDefinition"], image, family),
    )
    request = one_off.run_task_request(
        service["services"][0], cluster=cluster, command=RELEASE.split(),
        started_by=one_off.STARTED_BY_RELEASE, task_definition=release_arn,
        environment={"APP_SETTINGS_JSON": app_env.settings_json({"GREETING": "new"}), "IMAGE_TAG": "new5678"},
    )  # fmt: skip
    stub.add_response("run_task", answers.started(task_arn, registered["taskDefinitionArn"]), request)
    deployer = make_deployer(released, aws)
    return deployer, stub, base, task_arn, registered["taskDefinitionArn"]


def test_a_failing_release_stops_the_deploy_before_the_service_is_updated(release_site):
    deployer, stub, base, task_arn, release_definition = release_site
    stub.add_response(
        "describe_tasks",
        {"tasks": [answers.task(task_arn, "STOPPED", exitCode=1, stopCode="EssentialContainerExited",
                                stoppedReason="Essential container in task exited")], "failures": []},
        {"cluster": base["ClusterName"], "tasks": [task_arn]},
    )  # fmt: skip
    stub.add_response("deregister_task_definition", {}, {"taskDefinition": release_definition})
    lines = [f"migration line {n}" for n in range(30)] + ["sqlalchemy.exc.OperationalError: no such table"]
    answers.write_log(lines, task_arn=task_arn, group=base["LogGroupName"])
    cloudformation = boto3.session.Session().client("cloudformation")
    change_sets = cloudformation.list_change_sets(StackName="flaskcom-test-www")["Summaries"]

    with stub, pytest.raises(DeploymentFailed) as failed:
        deployer.deploy_service("new5678")
    stub.assert_no_pending_responses()  # and no UpdateService: Stubber refuses a call it has no answer for

    assert failed.value.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert failed.value.message == (
        f"service: the release command {RELEASE!r} on image new5678: exited 1 "
        "(EssentialContainerExited: Essential container in task exited); the service was not updated "
        "and keeps serving image abc1234"
    )
    err = deployer.stderr.getvalue()
    tail = err[err.index("migration line 9\n") :]  # the last 20 lines again, after the streamed ones
    assert tail.splitlines()[-1].endswith("release | sqlalchemy.exc.OperationalError: no such table")
    assert sum("release | migration line 29" in line for line in err.splitlines()) == 2
    # Nothing was planned or changed on the service stack: no change set, the old image's tag.
    assert cloudformation.list_change_sets(StackName="flaskcom-test-www")["Summaries"] == change_sets
    stack = cloudformation.describe_stacks(StackName="flaskcom-test-www")["Stacks"][0]
    assert parameters_of(stack)["ImageTag"] == "abc1234"


def test_a_release_that_succeeds_runs_before_the_service_update(release_site, monkeypatch):
    deployer, stub, base, task_arn, release_definition = release_site
    exited = answers.task(task_arn, "STOPPED", exitCode=0, stopCode="EssentialContainerExited")
    stub.add_response(
        "describe_tasks",
        {"tasks": [exited], "failures": []},
        {"cluster": base["ClusterName"], "tasks": [task_arn]},
    )
    stub.add_response("deregister_task_definition", {}, {"taskDefinition": release_definition})
    answers.write_log(["Running upgrade 1a2b -> 3c4d"], task_arn=task_arn, group=base["LogGroupName"])
    order: list[str] = []
    deregister = deployer.aws.deregister_task_definition

    def then_moto(arn: str) -> None:  # from here on ECS is moto's again (the update and its rollout)
        deregister(arn)
        order.append("release done")
        deployer.aws._clients["ecs"] = boto3.session.Session().client("ecs")

    monkeypatch.setattr(deployer.aws, "deregister_task_definition", then_moto)
    create = deployer.aws.create_change_set
    monkeypatch.setattr(
        deployer.aws, "create_change_set", lambda **kw: order.append("change set") or create(**kw)
    )
    with stub:
        result = deployer.deploy_service("new5678")
    assert order == ["release done", "change set"]
    assert result.image_tag == "new5678"
    assert "release | Running upgrade 1a2b -> 3c4d" in deployer.stderr.getvalue()


def test_plan_prints_what_the_release_command_will_do(aws, project, monkeypatch, capsys):
    """The plan workflow's release line (release_hold.plan_line, table-tested in tests/planning)."""
    (project / "deploy.toml").write_text(f'release_command = "{RELEASE}"\n' + answers.DEPLOY_TOML)
    line = f"release: {RELEASE!r} runs as a one-off task on the new image before the service is updated"
    monkeypatch.setattr(deploy, "plan", lambda parts: deploy.PlanResult((), release=line))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    from fargate_deploy import cli

    assert cli.main(["plan"]) == 0
    assert line in capsys.readouterr().out.splitlines()
