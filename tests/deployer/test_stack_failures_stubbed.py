"""A service-stack update that CloudFormation rolls back, with botocore's Stubber (moto reports no
per-resource events and runs no tasks): the failed resource's reason and ECS's own reasons reach the
user, and the exit code is 1. Plus the refusals for stacks in states a change set cannot fix."""

from __future__ import annotations

import datetime

import pytest
from botocore.stub import ANY

from fargate_deploy import stack_status
from fargate_deploy.changeset import ChangeRow, ChangeSetSummary
from fargate_deploy.errors import DeploymentFailed, RefusedError
from fargate_deploy.settings import Settings
from fargate_deploy.workflows import deploy, stacks
from tests.engine.parts import parts_over

from .conftest import stubbed_aws

STACK = "flaskcom-prod-www"
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
CLUSTER = "flaskcom-prod-Cluster-AbC"
NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)


def _stack(status: str) -> dict:
    return {"Stacks": [{"StackName": STACK, "StackId": STACK_ID, "StackStatus": status, "CreationTime": NOW}]}


def _event(n: int, logical: str, kind: str, status: str, reason: str = "") -> dict:
    event = {
        "StackId": STACK_ID,
        "EventId": f"e{n}",
        "StackName": STACK,
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "Timestamp": NOW + datetime.timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def test_rolled_back_service_update_exits_1_with_cloudformation_and_ecs_reasons():
    aws, stubs, clock = stubbed_aws("cloudformation", "ecs")
    cfn, ecs = stubs["cloudformation"], stubs["ecs"]
    service_failed = (
        'Resource handler returned message: "Error occurred during operation '
        "'ECS Deployment Circuit Breaker was triggered'.\" "
        "(RequestToken: 1b2c, HandlerErrorCode: GeneralServiceException)"
    )
    old = [_event(1, STACK, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE")]
    cfn.add_response("describe_stack_events", {"StackEvents": old}, {"StackName": STACK})
    cfn.add_response("execute_change_set", {}, {"StackName": STACK, "ChangeSetName": "cs"})
    cfn.add_response("describe_stacks", _stack("UPDATE_IN_PROGRESS"), {"StackName": STACK})
    new = [
        _event(5, "Service", "AWS::ECS::Service", "UPDATE_FAILED", service_failed),
        _event(
            4, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS", "Eventual consistency check initiated"
        ),
        _event(3, "TaskDefinition", "AWS::ECS::TaskDefinition", "UPDATE_COMPLETE"),
        _event(2, STACK, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"),
    ]
    # The follower asks by the stack's id: it keeps answering after a delete, the name does not.
    cfn.add_response("describe_stack_events", {"StackEvents": new + old}, {"StackName": STACK_ID})
    cfn.add_response("describe_stacks", _stack("UPDATE_ROLLBACK_COMPLETE"), {"StackName": STACK_ID})
    ecs.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": STACK,
                    "deployments": [
                        {"status": "PRIMARY", "rolloutState": "FAILED", "taskDefinition": "td:6"}
                    ],
                    "events": [
                        {"id": "1", "message": f"(service {STACK}) (task 9a) failed container health checks."}
                    ],
                }
            ]
        },
        {"cluster": CLUSTER, "services": [STACK]},
    )
    task = "arn:aws:ecs:us-east-1:123456789012:task/c/9a"
    ecs.add_response(
        "list_tasks",
        {"taskArns": [task]},
        {"cluster": CLUSTER, "serviceName": STACK, "desiredStatus": "STOPPED", "maxResults": ANY},
    )
    ecs.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "stoppedReason": "Task failed ELB health checks in (target-group "
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/flask-www/0123456789abcdef)",
                    "containers": [{"name": "web", "exitCode": 0}],
                }
            ]
        },
        {"cluster": CLUSTER, "tasks": [task]},
    )
    for stub in stubs.values():
        stub.activate()
    parts, streams = parts_over(aws, Settings(domain="example.com"), clock)
    summary = ChangeSetSummary(
        STACK,
        "cs",
        "CREATE_COMPLETE",
        "",
        (ChangeRow(">", "Service", "AWS::ECS::Service", "Modify", "False"),),
    )
    ecs_service = deploy.ServiceLookup(parts, CLUSTER)
    with pytest.raises(DeploymentFailed) as raised:
        stacks.execute(parts, summary, "service --tag v2", failure_details=ecs_service.failure_details)
    message = raised.value.message
    assert raised.value.exit_code == 1
    assert message.startswith(f"service --tag v2: stack {STACK} rolled back the last update")
    assert "ECS Deployment Circuit Breaker was triggered" in message
    assert "task stopped: Task failed ELB health checks" in message
    assert "service event: (service flaskcom-prod-www) (task 9a) failed container health checks." in message
    assert "Eventual consistency" not in message  # progress, not a failure
    assert raised.value.hint == "fix the cause above, then run: python3 deploy.py service --tag v2"
    assert "ECS Deployment Circuit Breaker" in streams.err.getvalue()  # reported as it happened
    for stub in stubs.values():
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("status", "hint_start"),
    [
        ("ROLLBACK_COMPLETE", "python3 deploy.py recover (deletes the empty stack)"),
        ("CREATE_FAILED", "python3 deploy.py recover (deletes the empty stack)"),
        ("UPDATE_ROLLBACK_FAILED", "python3 deploy.py recover (continues the rollback)"),
        ("UPDATE_IN_PROGRESS", "wait until it finishes"),
        ("DELETE_FAILED", "fix what blocked the delete"),
    ],
)
def test_states_a_change_set_cannot_fix_are_refused_with_the_next_step(status, hint_start):
    refused = stack_status.refusal("s", status, "resources")
    assert isinstance(refused, RefusedError)
    assert refused.hint.startswith(hint_start) and f"({status})" in refused.message


@pytest.mark.parametrize(
    "status", ["CREATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS", "UPDATE_FAILED"]
)
def test_states_a_change_set_can_move_on_pass(status):
    assert stack_status.refusal("s", status, "resources") is None
