"""The ECS rollout watcher with botocore's Stubber: moto runs no tasks, so real-shaped responses
(describe_services / list_tasks / describe_tasks / describe_target_health) stand in for ECS and ELB.
Stubber checks each response against botocore's model of the real API."""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy.errors import DeploymentFailed, ExitCode
from fargate_deploy.settings import Settings
from fargate_deploy.workflows import deploy
from fargate_deploy.workflows.parts import Timing
from tests.engine.parts import parts_over

from .conftest import stubbed_aws

CLUSTER = "flaskcom-prod-Cluster-AbC"
SERVICE = "flaskcom-prod-www-Service-XyZ"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/flask-www/0123456789abcdef"
TASKDEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/flaskcom-prod-www:7"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/flaskcom-prod-Cluster-AbC/5f3c1b2e9a0d4c8b"


def _service(state: str, running: int, pending: int, failed: int, events: list[str]) -> dict:
    return {
        "services": [
            {
                "serviceName": SERVICE,
                "serviceArn": f"arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/{SERVICE}",
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": running,
                "pendingCount": pending,
                "deployments": [
                    {
                        "id": "ecs-svc/1234567890123456789",
                        "status": "PRIMARY",
                        "taskDefinition": TASKDEF,
                        "desiredCount": 2,
                        "pendingCount": pending,
                        "runningCount": running,
                        "failedTasks": failed,
                        "rolloutState": state,
                        "rolloutStateReason": {
                            "IN_PROGRESS": "ECS deployment ecs-svc/1234567890123456789 in progress.",
                            "COMPLETED": "ECS deployment ecs-svc/1234567890123456789 completed.",
                            "FAILED": "ECS deployment circuit breaker: tasks failed to start.",
                        }[state],
                    }
                ],
                "events": [{"id": str(i), "message": m} for i, m in enumerate(events)],
            }
        ],
        "failures": [],
    }


def _health(state: str, description: str | None = None) -> dict:
    health = {"State": state}
    if description:
        health |= {"Reason": "Target.FailedHealthChecks", "Description": description}
    return {
        "TargetHealthDescriptions": [{"Target": {"Id": "10.40.10.7", "Port": 8080}, "TargetHealth": health}]
    }


@pytest.fixture
def stubbed():
    aws, stubs, clock = stubbed_aws("ecs", "elbv2")
    for stub in stubs.values():
        stub.activate()
    parts, streams = parts_over(aws, Settings(domain="example.com"), clock, timing=Timing(rollout_poll=10))
    yield parts, stubs["ecs"], stubs["elbv2"], clock, streams
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


HEALTH_502 = "Health checks failed with these codes: [502]"
DESCRIBE = {"cluster": CLUSTER, "services": [SERVICE]}
OUTPUTS = {"ServiceName": SERVICE, "TargetGroupArn": TG}


def test_failing_rollout_raises_with_stopped_reasons_and_events(stubbed, capsys):
    parts, ecs, elbv2, clock, streams = stubbed
    ecs.add_response("describe_services", _service("IN_PROGRESS", 0, 2, 0, []), DESCRIBE)
    elbv2.add_response("describe_target_health", _health("initial"), {"TargetGroupArn": TG})
    failing_events = [
        "(service flaskcom-prod-www-Service-XyZ) rolling back to deployment ecs-svc/987.",
        "(service flaskcom-prod-www-Service-XyZ) deployment ecs-svc/1234567890123456789 deployment failed: "
        "tasks failed to start.",
        "(service flaskcom-prod-www-Service-XyZ) has started 2 tasks: (task 5f3c1b2e9a0d4c8b).",
    ]
    ecs.add_response("describe_services", _service("FAILED", 0, 0, 2, failing_events), DESCRIBE)
    elbv2.add_response("describe_target_health", _health("unhealthy", HEALTH_502))
    ecs.add_response(
        "list_tasks",
        {"taskArns": [TASK]},
        {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "STOPPED", "maxResults": 100},
    )
    stopped = (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
        "retrieval failed: unable to retrieve secret from asm: AccessDeniedException"
    )
    ecs.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "taskArn": TASK,
                    "taskDefinitionArn": TASKDEF,
                    "lastStatus": "STOPPED",
                    "stopCode": "TaskFailedToStart",
                    "stoppedReason": stopped,
                    "containers": [{"name": "web", "lastStatus": "STOPPED"}],
                }
            ],
            "failures": [],
        },
        {"cluster": CLUSTER, "tasks": [TASK]},
    )
    elbv2.add_response("describe_target_health", _health("unhealthy", HEALTH_502))

    with pytest.raises(DeploymentFailed) as raised:
        deploy.watch_rollout(parts, OUTPUTS, CLUSTER)
    error = raised.value
    assert error.exit_code == ExitCode.DEPLOYMENT_FAILED == 1
    assert "circuit breaker: tasks failed to start" in error.message
    assert stopped in error.message
    assert "rolling back to deployment" in error.message
    assert "Health checks failed with these codes: [502]" in error.message
    assert "has started 2 tasks" not in error.message  # routine events are left out
    assert stopped in streams.err.getvalue()
    assert clock.sleeps == [10]


def test_successful_rollout_returns_completed_state(stubbed):
    parts, ecs, elbv2, clock, streams = stubbed
    ecs.add_response("describe_services", _service("IN_PROGRESS", 1, 1, 0, []), DESCRIBE)
    elbv2.add_response("describe_target_health", _health("initial"))
    ecs.add_response("describe_services", _service("IN_PROGRESS", 2, 0, 0, []), DESCRIBE)
    elbv2.add_response("describe_target_health", _health("healthy"))
    ecs.add_response("describe_services", _service("COMPLETED", 2, 0, 0, []), DESCRIBE)
    elbv2.add_response("describe_target_health", _health("healthy"))
    state = deploy.watch_rollout(parts, OUTPUTS, CLUSTER)
    assert state.running == 2 and state.rollout_state == "COMPLETED"
    assert clock.sleeps == [10, 10]


def test_rollout_that_never_finishes_fails_after_the_timeout(stubbed):
    parts, ecs, elbv2, clock, streams = stubbed
    parts = dataclasses.replace(parts, timing=dataclasses.replace(parts.timing, rollout_timeout=25))
    for _ in range(4):
        ecs.add_response("describe_services", _service("IN_PROGRESS", 0, 2, 0, []), DESCRIBE)
        elbv2.add_response("describe_target_health", _health("initial"))
    ecs.add_response("list_tasks", {"taskArns": []})
    elbv2.add_response("describe_target_health", _health("initial"))
    with pytest.raises(DeploymentFailed, match="did not finish in time"):
        deploy.watch_rollout(parts, OUTPUTS, CLUSTER)
    assert clock.now == 25  # the last poll at the bound
