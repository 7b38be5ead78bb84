"""follow_stack over recorded event streams, answered by botocore's Stubber (moto writes no per-resource
events); the clock moves only when the follower sleeps."""

from __future__ import annotations

import io

import pytest

from fargate_deploy.errors import ExitCode
from fargate_deploy.follow import follow_stack
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.waiting import Pace, WaitTimedOut
from tests.deployer.conftest import stubbed_aws
from tests.engine import recorded
from tests.engine.stubs import replay_stack, stack_answer

OLD_EVENT = recorded.stream(
    recorded.SERVICE_STACK,
    [(-86400, recorded.SERVICE_STACK, recorded.STACK_TYPE, "UPDATE_COMPLETE")],
)


@pytest.fixture
def cloudformation():
    aws, stubs, clock = stubbed_aws("cloudformation")
    clock.now = recorded.START.timestamp()
    stub = stubs["cloudformation"]
    stub.activate()
    err = io.StringIO()
    reporter = PlainReporter(stdout=io.StringIO(), stderr=err, clock=clock)
    yield aws, stub, clock, reporter, err
    stub.assert_no_pending_responses()
    stub.deactivate()


def test_a_rolled_back_update_returns_the_status_its_meaning_and_cloudformations_reason(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    polls = replay_stack(stub, recorded.SERVICE_UPDATE_ROLLED_BACK, every=30, older=OLD_EVENT)
    outcome = follow_stack(
        aws,
        reporter,
        recorded.SERVICE_STACK,
        since_event_id=OLD_EVENT[0]["EventId"],
        pace=Pace(interval=30, timeout=3600),
        planned=2,
    )
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE"
    assert outcome.meaning.summary == "rolled back the last update and runs the previous version"
    assert not outcome.succeeded
    assert outcome.reasons() == [
        f"Service (AWS::ECS::Service) UPDATE_FAILED: {recorded.CIRCUIT_BREAKER_REASON}"
    ]
    assert clock.now - recorded.START.timestamp() == 30 * (polls - 1)
    error = outcome.failure("service --tag v2")
    assert error.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert error.message == (
        f"service --tag v2: stack {recorded.SERVICE_STACK} rolled back the last update and runs the previous "
        f"version (UPDATE_ROLLBACK_COMPLETE): Service (AWS::ECS::Service) UPDATE_FAILED: "
        f"{recorded.CIRCUIT_BREAKER_REASON}"
    )
    assert error.hint == "fix the cause above, then run: python3 deploy.py service --tag v2"
    # The failure was printed when it happened, with the eventual consistency check only as progress.
    assert (
        f"✗ Service (AWS::ECS::Service) UPDATE_FAILED: {recorded.CIRCUIT_BREAKER_REASON}\n" in err.getvalue()
    )
    assert "failed" not in err.getvalue().split("✗")[0].lower()


def test_cancelled_resources_are_not_reasons_and_a_new_stack_is_followed_from_its_first_event(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    replay_stack(stub, recorded.BASE_CREATE_ROLLED_BACK, every=5, before="REVIEW_IN_PROGRESS")
    outcome = follow_stack(
        aws,
        reporter,
        recorded.BASE_STACK,
        since_event_id=None,
        pace=Pace(interval=5, timeout=600),
        planned=40,
    )
    assert outcome.status == "ROLLBACK_COMPLETE"
    assert [f.logical_id for f in outcome.failures] == ["Repository"]
    assert "Resource creation cancelled" not in err.getvalue()


def test_a_stack_still_in_review_right_after_execute_is_starting_not_finished(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    name = recorded.BASE_STACK
    stub.add_response("describe_stacks", stack_answer(name, "REVIEW_IN_PROGRESS"), {"StackName": name})
    for status in ("REVIEW_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"):
        stub.add_response("describe_stack_events", {"StackEvents": []})
        stub.add_response("describe_stacks", stack_answer(name, status))
    outcome = follow_stack(aws, reporter, name, since_event_id=None, pace=Pace(interval=5, timeout=600))
    assert outcome.status == "CREATE_COMPLETE" and outcome.succeeded


def test_a_stuck_rollback_reports_both_failures(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    replay_stack(stub, recorded.SERVICE_ROLLBACK_FAILED, every=60, older=OLD_EVENT)
    outcome = follow_stack(
        aws,
        reporter,
        recorded.SERVICE_STACK,
        since_event_id=OLD_EVENT[0]["EventId"],
        pace=Pace(interval=60, timeout=3600),
    )
    assert outcome.status == "UPDATE_ROLLBACK_FAILED"
    assert [f.reason for f in outcome.failures] == [
        recorded.CIRCUIT_BREAKER_REASON,
        recorded.ROLLBACK_UPDATE_REASON,
    ]


def test_a_delete_is_followed_through_the_stack_id_until_it_is_gone(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    name = recorded.BASE_STACK
    stub.add_response("describe_stacks", stack_answer(name, "DELETE_IN_PROGRESS"), {"StackName": name})
    stub.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": recorded.stack_id(name)})
    stub.add_response("describe_stacks", stack_answer(name, "DELETE_IN_PROGRESS"))
    stub.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": recorded.stack_id(name)})
    stub.add_response(
        "describe_stacks", stack_answer(name, "DELETE_COMPLETE"), {"StackName": recorded.stack_id(name)}
    )
    outcome = follow_stack(aws, reporter, name, since_event_id="x", pace=Pace(interval=5, timeout=600))
    assert outcome.status == "DELETE_COMPLETE" and outcome.succeeded


def test_a_blocked_delete_names_the_resource(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    replay_stack(stub, recorded.BASE_DELETE_FAILED, every=60, before="UPDATE_COMPLETE")
    outcome = follow_stack(aws, reporter, recorded.BASE_STACK, since_event_id=None, pace=Pace(60, 3600))
    assert outcome.status == "DELETE_FAILED"
    assert outcome.reasons() == [
        "LoadBalancerSecurityGroup (AWS::EC2::SecurityGroup) DELETE_FAILED: "
        + recorded.DEPENDENT_OBJECT_REASON
    ]


def test_the_wait_is_bounded_and_says_what_it_waited_for(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    name = recorded.SERVICE_STACK
    stub.add_response("describe_stacks", stack_answer(name, "UPDATE_COMPLETE"), {"StackName": name})
    busy = recorded.SERVICE_UPDATE_ROLLED_BACK[:6]
    for _ in range(5):  # checks at 0, 30, 60, 90 and at the bound, 100 s
        stub.add_response("describe_stack_events", {"StackEvents": recorded.api_order(busy)})
        stub.add_response("describe_stacks", stack_answer(name, "UPDATE_IN_PROGRESS"))
    with pytest.raises(WaitTimedOut) as raised:
        follow_stack(aws, reporter, name, since_event_id=None, pace=Pace(interval=30, timeout=100), planned=2)
    assert raised.value.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert raised.value.message == (
        f"gave up waiting for stack {name} to settle after 100s (last seen: Stack {name}: UPDATE_IN_PROGRESS "
        "– 1/2 resources done, 1 in progress (Service: waiting for ECS to settle))"
    )
    assert raised.value.hint.startswith("python3 deploy.py status")
    assert clock.now - recorded.START.timestamp() == 100


def test_no_stack_means_deleted_without_a_poll(cloudformation):
    aws, stub, clock, reporter, err = cloudformation
    stub.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id flaskcom-prod does not exist",
        http_status_code=400,
    )
    stub.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id flaskcom-prod does not exist",
        http_status_code=400,
    )
    outcome = follow_stack(aws, reporter, "flaskcom-prod", since_event_id=None, pace=Pace(5, 60))
    assert outcome.status == "DELETE_COMPLETE" and clock.sleeps == []
