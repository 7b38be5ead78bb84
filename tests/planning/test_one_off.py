"""One-off tasks, pure (the `run` and release commands come with the engine's second wave): the RunTask
request from the service, the release's task definition, and what DescribeTasks says happened.
moto runs no task, so there is no exit code or stopped reason to read from it: the answers here go
through botocore's Stubber, which checks them against the ECS API's own shapes."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from fargate_deploy import one_off

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/flaskcom-prod/0123456789abcdef0123456789abcdef"
SERVICE = {
    "serviceName": "flaskcom-prod-www-Service-AbC",
    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/flaskcom-prod-www-x:7",
    "platformVersion": "LATEST",
    "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    "networkConfiguration": {
        "awsvpcConfiguration": {
            "subnets": ["subnet-0a", "subnet-0b"],
            "securityGroups": ["sg-0task"],
            "assignPublicIp": "ENABLED",
        }
    },
}


def ecs():
    return boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    ).client("ecs")


def test_the_request_runs_the_service_s_task_in_its_network_on_demand_with_the_command_replaced():
    request = one_off.run_task_request(SERVICE, cluster="flaskcom-prod", command=["flask", "db", "upgrade"])
    assert request == {
        "cluster": "flaskcom-prod",
        "taskDefinition": SERVICE["taskDefinition"],
        "count": 1,
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],  # not the service's Spot
        "platformVersion": "LATEST",
        "networkConfiguration": SERVICE["networkConfiguration"],
        "overrides": {"containerOverrides": [{"name": "web", "command": ["flask", "db", "upgrade"]}]},
        "startedBy": "deploy-py/run",
        "propagateTags": "TASK_DEFINITION",
        "enableECSManagedTags": True,
        "enableExecuteCommand": False,
    }
    # The shapes RunTask accepts (botocore's model of the API).
    report = ParamValidator().validate(
        request, ecs().meta.service_model.operation_model("RunTask").input_shape
    )
    assert not report.has_errors(), report.generate_report()


def test_a_release_runs_the_new_task_definition_with_the_new_settings():
    request = one_off.run_task_request(
        SERVICE, cluster="c", command=["flask", "db", "upgrade"], started_by=one_off.STARTED_BY_RELEASE,
        task_definition="arn:aws:ecs:us-east-1:123456789012:task-definition/flaskcom-prod-www-release:1",
        environment={"APP_SETTINGS_JSON": '{"A":"1"}'},
    )  # fmt: skip
    assert request["taskDefinition"].endswith("flaskcom-prod-www-release:1")
    assert request["overrides"]["containerOverrides"][0]["environment"] == [
        {"name": "APP_SETTINGS_JSON", "value": '{"A":"1"}'}
    ]
    assert request["startedBy"] == "deploy-py/release"


@pytest.mark.parametrize("started_by", ["deploy.py run", "x" * 129, ""])
def test_started_by_keeps_to_what_run_task_allows(started_by):
    with pytest.raises(ValueError):
        one_off.run_task_request(SERVICE, cluster="c", command=["true"], started_by=started_by)


def test_no_command_is_refused():
    with pytest.raises(ValueError, match="needs a command"):
        one_off.run_task_request(SERVICE, cluster="c", command=[])


def test_the_release_task_definition_is_the_service_s_on_the_new_image_in_a_family_of_its_own():
    current = {
        "taskDefinitionArn": SERVICE["taskDefinition"], "revision": 7, "status": "ACTIVE",
        "requiresAttributes": [{"name": "x"}], "compatibilities": ["EC2", "FARGATE"],
        "registeredAt": "2026-12-02T00:00:00Z", "registeredBy": "arn:aws:iam::123456789012:role/cfn",
        "family": "flaskcom-prod-www-x", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "taskRoleArn": "arn:aws:iam::123456789012:role/task",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": [{"name": "web", "image": "123.dkr.ecr.us-east-1.amazonaws.com/r:old",
                                  "secrets": [{"name": "APP_SECRETS_JSON", "valueFrom": "arn:aws:ssm:x"}]}],
    }  # fmt: skip
    registered = one_off.release_task_definition(
        current, "123.dkr.ecr.us-east-1.amazonaws.com/r:new", "stack-release"
    )
    assert registered["family"] == "stack-release"
    assert registered["containerDefinitions"][0]["image"].endswith(":new")
    assert registered["containerDefinitions"][0]["secrets"] == current["containerDefinitions"][0]["secrets"]
    assert current["containerDefinitions"][0]["image"].endswith(":old")  # the answer is not changed
    shape = ecs().meta.service_model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(registered, shape)
    assert not report.has_errors(), report.generate_report()


def test_the_log_stream_is_prefix_container_and_task_id():
    assert one_off.log_stream(TASK_ARN) == "web/web/0123456789abcdef0123456789abcdef"


def stopped(stop_code: str, stopped_reason: str, /, **web) -> dict:
    return {
        "taskArn": TASK_ARN,
        "lastStatus": "STOPPED",
        "stopCode": stop_code,
        "stoppedReason": stopped_reason,
        "containers": [{"name": "web", **web}],
    }


EXITED = ("EssentialContainerExited", "Essential container in task exited")
OOM = "OutOfMemoryError: Container killed due to memory usage"
PULL = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
    "123.dkr.ecr.us-east-1.amazonaws.com/r:nope: not found"
)
SECRETS = (
    "ResourceInitializationError: unable to pull secrets or registry auth: retrieve secret from ssm: "
    "AccessDeniedException"
)
SPOT = ("SpotInterruption", "Your Spot Task was interrupted.")


@pytest.mark.parametrize(
    ("task", "outcome"),
    [
        pytest.param({"taskArn": TASK_ARN, "lastStatus": "RUNNING", "containers": [{"name": "web"}]},
                     one_off.TaskOutcome(False, None, ""), id="running"),
        pytest.param(stopped(*EXITED, exitCode=0), one_off.TaskOutcome(True, 0, ""), id="exit-0"),
        pytest.param(stopped(*EXITED, exitCode=3), one_off.TaskOutcome(True, 3, ": ".join(EXITED)),
                     id="exit-3-is-the-command-s"),
        pytest.param(stopped(*EXITED, exitCode=137, reason=OOM), one_off.TaskOutcome(True, 137, OOM),
                     id="killed-for-memory"),
        pytest.param(stopped("TaskFailedToStart", PULL, lastStatus="STOPPED"),
                     one_off.TaskOutcome(True, 1, f"TaskFailedToStart: {PULL}"), id="image-pull-error"),
        pytest.param(stopped("TaskFailedToStart", SECRETS),
                     one_off.TaskOutcome(True, 1, f"TaskFailedToStart: {SECRETS}"), id="secrets-unreadable"),
        pytest.param(stopped(*SPOT), one_off.TaskOutcome(True, 1, ": ".join(SPOT)), id="interrupted"),
    ],
)  # fmt: skip
def test_what_describe_tasks_means_for_the_command(task, outcome):
    client = ecs()
    with Stubber(client) as stub:  # the answer must have DescribeTasks' shape
        stub.add_response(
            "describe_tasks", {"tasks": [task], "failures": []}, {"cluster": "c", "tasks": [TASK_ARN]}
        )
        (answered,) = client.describe_tasks(cluster="c", tasks=[TASK_ARN])["tasks"]
    assert one_off.task_outcome(answered) == outcome


def test_the_outcome_line_says_the_exit_code_and_ecs_s_reason():
    assert one_off.TaskOutcome(True, 0, "").line("flask db upgrade") == "flask db upgrade: exited 0"
    assert (
        one_off.TaskOutcome(True, 1, "TaskFailedToStart: x").line("release")
        == "release: exited 1 (TaskFailedToStart: x)"
    )
    assert one_off.TaskOutcome(False, None, "").line("run") == "run: still running"


def test_run_task_failures_are_the_reason_when_nothing_started():
    client = ecs()
    failure = {
        "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
        "reason": "RESOURCE:ENI",
        "detail": "no ENI",
    }
    answer = {"tasks": [], "failures": [failure]}
    with Stubber(client) as stub:
        stub.add_response("run_task", answer)
        response = client.run_task(taskDefinition="td")
    assert one_off.run_failures(response) == "RESOURCE:ENI: no ENI"
    assert one_off.run_failures({"tasks": [{"taskArn": TASK_ARN}], "failures": []}) is None
    assert one_off.run_failures({"tasks": [], "failures": []}) == "RunTask started no task and gave no reason"


def test_overrides_keep_within_run_task_s_8192_characters():
    """RunTask: "A total of 8192 characters are allowed for overrides. This limit includes the JSON
    formatting characters of the override structure" (botocore's model of the API says it too)."""
    doc = ecs().meta.service_model.operation_model("RunTask").input_shape.members["overrides"].documentation
    assert "A total of 8192 characters are allowed for overrides" in doc
    envelope = len('{"containerOverrides":[{"name":"web","command":[""]}]}')
    fits = ["x" * (one_off.OVERRIDES_LIMIT - envelope)]
    assert one_off.run_task_request(SERVICE, cluster="c", command=fits)["overrides"]
    with pytest.raises(ValueError, match="RunTask allows 8192"):
        one_off.run_task_request(SERVICE, cluster="c", command=[fits[0] + "x"])
