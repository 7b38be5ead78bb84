"""The rules that pick failures from a stack's events, over recorded streams (tests/engine/recorded.py)."""

from __future__ import annotations

import pytest

from fargate_deploy.stack_events import FailedResource, failed_resources, tally
from tests.engine import recorded

FAILURES = {
    "circuit breaker, rolled back": (
        recorded.SERVICE_UPDATE_ROLLED_BACK,
        [FailedResource("Service", "AWS::ECS::Service", "UPDATE_FAILED", recorded.CIRCUIT_BREAKER_REASON)],
    ),
    # The certificate was cancelled because the repository failed: only the repository is a cause.
    "create with a cancelled resource": (
        recorded.BASE_CREATE_ROLLED_BACK,
        [FailedResource("Repository", "AWS::ECR::Repository", "CREATE_FAILED", recorded.REPOSITORY_REASON)],
    ),
    "nested stack": (
        recorded.NESTED_STACK_FAILED,
        [
            FailedResource(
                "EdgeCertificate", "AWS::CloudFormation::Stack", "CREATE_FAILED", recorded.EMBEDDED_REASON
            )
        ],
    ),
    # Both the update's failure and the rollback's own: the second is why the stack is stuck.
    "rollback failed too": (
        recorded.SERVICE_ROLLBACK_FAILED,
        [
            FailedResource("Service", "AWS::ECS::Service", "UPDATE_FAILED", recorded.CIRCUIT_BREAKER_REASON),
            FailedResource("Service", "AWS::ECS::Service", "UPDATE_FAILED", recorded.ROLLBACK_UPDATE_REASON),
        ],
    ),
    "delete blocked": (
        recorded.BASE_DELETE_FAILED,
        [
            FailedResource(
                "LoadBalancerSecurityGroup",
                "AWS::EC2::SecurityGroup",
                "DELETE_FAILED",
                recorded.DEPENDENT_OBJECT_REASON,
            )
        ],
    ),
    # ECS's eventual consistency check keeps the service in progress: not a failure.
    "success with an eventual consistency check": (recorded.SERVICE_UPDATE_COMPLETE, []),
}


@pytest.mark.parametrize(("events", "expected"), FAILURES.values(), ids=FAILURES.keys())
def test_failed_resources(events, expected):
    assert list(failed_resources(events)) == expected


def test_a_failure_line_keeps_cloudformations_words():
    (failure,) = failed_resources(recorded.SERVICE_UPDATE_ROLLED_BACK)
    assert failure.line() == f"Service (AWS::ECS::Service) UPDATE_FAILED: {recorded.CIRCUIT_BREAKER_REASON}"


def test_a_failure_without_a_reason_says_so():
    event = {**recorded.SERVICE_UPDATE_ROLLED_BACK[6]}
    del event["ResourceStatusReason"]
    assert failed_resources([event])[0].reason == "(CloudFormation gave no reason)"


def test_the_same_failure_twice_is_reported_once():
    event = recorded.SERVICE_UPDATE_ROLLED_BACK[6]
    assert len(failed_resources([event, {**event, "EventId": "again"}])) == 1


def prefix_until(events, status):
    """The events up to and including the first with this resource status."""
    index = next(i for i, e in enumerate(events) if e["ResourceStatus"] == status)
    return events[: index + 1]


@pytest.mark.parametrize(
    ("events", "status", "line"),
    [
        (
            recorded.SERVICE_UPDATE_ROLLED_BACK[:6],
            "UPDATE_IN_PROGRESS",
            "Stack flaskcom-prod-www: UPDATE_IN_PROGRESS – 1/2 resources done, 1 in progress "
            "(Service: waiting for ECS to settle)",
        ),
        (
            prefix_until(recorded.SERVICE_UPDATE_ROLLED_BACK, "UPDATE_FAILED"),
            "UPDATE_IN_PROGRESS",
            "Stack flaskcom-prod-www: UPDATE_IN_PROGRESS – 1/2 resources done, 0 in progress",
        ),
        (
            recorded.SERVICE_UPDATE_COMPLETE,
            "UPDATE_COMPLETE",
            "Stack flaskcom-prod-www: UPDATE_COMPLETE – 2/2 resources done, 0 in progress",
        ),
        (
            recorded.BASE_CREATE_ROLLED_BACK[:5],
            "CREATE_IN_PROGRESS",
            "Stack flaskcom-prod: CREATE_IN_PROGRESS – 0/40 resources done, 3 in progress",
        ),
        (
            [],
            "UPDATE_IN_PROGRESS",
            "Stack flaskcom-prod: UPDATE_IN_PROGRESS – 0/40 resources done, 0 in progress",
        ),
    ],
)
def test_tally_is_rains_progress_line(events, status, line):
    stack = events[0]["StackName"] if events else "flaskcom-prod"
    planned = 2 if stack == "flaskcom-prod-www" else 40
    assert tally(events, stack_name=stack, status=status, planned=planned).line() == line
