"""The one bounded wait: our clock and sleep around botocore's waiter rules (acceptors)."""

from __future__ import annotations

import io

import boto3
import pytest

from fargate_deploy.errors import AwsError
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.waiting import Pace, WaitTimedOut, accepted_state, poll
from tests.deployer.conftest import FakeClock, stubbed_aws
from tests.engine import recorded
from tests.engine.stubs import stack_answer

CLOUDFORMATION = boto3.session.Session(region_name="us-east-1").client(
    "cloudformation", aws_access_key_id="testing", aws_secret_access_key="testing"
)


def acceptors(name: str):
    return CLOUDFORMATION.get_waiter(name).config.acceptors


def error(code: str, message: str) -> dict:
    return {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}


@pytest.mark.parametrize(
    ("waiter", "response", "state"),
    [
        ("change_set_create_complete", {"Status": "CREATE_PENDING"}, None),
        ("change_set_create_complete", {"Status": "CREATE_IN_PROGRESS"}, None),
        ("change_set_create_complete", {"Status": "CREATE_COMPLETE"}, "success"),
        # "The submitted information didn't contain changes" also comes as FAILED: the caller reads it.
        ("change_set_create_complete", {"Status": "FAILED"}, "failure"),
        ("change_set_create_complete", error("ValidationError", "ChangeSet [x] does not exist"), "failure"),
        ("stack_delete_complete", {"Stacks": [{"StackStatus": "DELETE_IN_PROGRESS"}]}, None),
        ("stack_delete_complete", {"Stacks": [{"StackStatus": "DELETE_COMPLETE"}]}, "success"),
        ("stack_delete_complete", error("ValidationError", "Stack with id s does not exist"), "success"),
        ("stack_delete_complete", {"Stacks": [{"StackStatus": "DELETE_FAILED"}]}, "failure"),
        # An error no acceptor expects ends the wait as a failure, as botocore's Waiter does.
        ("stack_delete_complete", error("AccessDenied", "not authorized"), "failure"),
    ],
)
def test_botocores_acceptors_decide(waiter, response, state):
    assert accepted_state(acceptors(waiter), response) == state


def test_poll_returns_what_the_check_found_and_sleeps_only_through_the_injected_sleep():
    clock = FakeClock()
    answers = iter([None, None, "done"])
    found = poll(lambda: next(answers), what="x", pace=Pace(10, 60), clock=clock, sleep=clock.sleep)
    assert found == "done" and clock.sleeps == [10, 10]


def test_poll_checks_once_more_at_the_bound_then_says_what_it_waited_for():
    clock = FakeClock()
    checks = []

    def check():
        checks.append(clock.now)

    with pytest.raises(WaitTimedOut) as raised:
        poll(
            check,
            what="the certificate to be issued",
            pace=Pace(interval=30, timeout=75),
            clock=clock,
            sleep=clock.sleep,
            last_seen=lambda: "PENDING_VALIDATION",
            hint="python3 deploy.py status",
        )
    assert checks == [0, 30, 60, 75]
    assert (
        raised.value.message
        == "gave up waiting for the certificate to be issued after 75s (last seen: PENDING_VALIDATION)"
    )
    assert raised.value.hint == "python3 deploy.py status"


def test_a_long_poll_interval_still_beats_every_15_seconds_in_a_ci_log():
    clock = FakeClock()
    clock.now = recorded.START.timestamp()
    err = io.StringIO()
    reporter = PlainReporter(stdout=io.StringIO(), stderr=err, clock=clock)
    answers = iter([None, None, "delegated"])

    def check():
        reporter.progress("dns", "example.com: NS records point elsewhere")
        return next(answers)

    poll(
        check,
        what="x",
        pace=Pace(interval=40, timeout=600),
        clock=clock,
        sleep=clock.sleep,
        tick=reporter.tick,
        until_tick=reporter.seconds_until_heartbeat,
    )
    assert err.getvalue().splitlines() == [
        "10:00:00 example.com: NS records point elsewhere – 0s",
        "10:00:15 still waiting: example.com: NS records point elsewhere – 15s",
        "10:00:30 still waiting: example.com: NS records point elsewhere – 30s",
        "10:00:45 still waiting: example.com: NS records point elsewhere – 45s",
        "10:01:00 still waiting: example.com: NS records point elsewhere – 60s",
        "10:01:15 still waiting: example.com: NS records point elsewhere – 75s",
    ]
    assert clock.sleeps == [15, 15, 10, 5, 15, 15, 5]  # slices ending at 40 and 80 s, the polls


@pytest.fixture
def cloudformation():
    aws, stubs, clock = stubbed_aws("cloudformation")
    stub = stubs["cloudformation"]
    stub.activate()
    yield aws, stub, clock
    stub.assert_no_pending_responses()
    stub.deactivate()


def change_set(status: str, reason: str = "") -> dict:
    answer = {
        "ChangeSetName": "deploy-py-0a1b2c3d4e5f",
        "ChangeSetId": "arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-py-0a1b2c3d4e5f/5d1c",
        "StackName": recorded.SERVICE_STACK,
        "StackId": recorded.stack_id(recorded.SERVICE_STACK),
        "ExecutionStatus": "UNAVAILABLE" if status != "CREATE_COMPLETE" else "AVAILABLE",
        "Status": status,
        "Changes": [],
    }
    if reason:
        answer["StatusReason"] = reason
    return answer


CHANGE_SET = {"StackName": recorded.SERVICE_STACK, "ChangeSetName": "deploy-py-0a1b2c3d4e5f"}


def test_waiting_for_a_change_set_uses_the_waiters_rules_and_our_clock(cloudformation):
    aws, stub, clock = cloudformation
    for status in ("CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"):
        stub.add_response("describe_change_set", change_set(status), CHANGE_SET)
    answer = aws.wait_for_change_set(recorded.SERVICE_STACK, "deploy-py-0a1b2c3d4e5f", pace=Pace(2, 600))
    assert answer["Status"] == "CREATE_COMPLETE"
    assert clock.sleeps == [2, 2]


def test_a_change_set_without_changes_is_an_answer_not_an_error(cloudformation):
    aws, stub, clock = cloudformation
    reason = (
        "The submitted information didn't contain changes. "
        "Submit different information to create a change set."
    )
    stub.add_response("describe_change_set", change_set("FAILED", reason), CHANGE_SET)
    answer = aws.wait_for_change_set(recorded.SERVICE_STACK, "deploy-py-0a1b2c3d4e5f", pace=Pace(2, 600))
    assert (answer["Status"], answer["StatusReason"]) == ("FAILED", reason)


def test_a_change_set_that_vanished_is_an_error_in_aws_words(cloudformation):
    aws, stub, clock = cloudformation
    stub.add_client_error(
        "describe_change_set", "ValidationError", "ChangeSet [deploy-py-0a1b2c3d4e5f] does not exist"
    )
    with pytest.raises(AwsError) as raised:
        aws.wait_for_change_set(recorded.SERVICE_STACK, "deploy-py-0a1b2c3d4e5f", pace=Pace(2, 600))
    assert raised.value.message == (
        f"waiting for change set deploy-py-0a1b2c3d4e5f of stack {recorded.SERVICE_STACK}: "
        "ChangeSet [deploy-py-0a1b2c3d4e5f] does not exist (ValidationError)"
    )


def test_a_change_set_that_never_finishes_times_out_with_its_last_status(cloudformation):
    aws, stub, clock = cloudformation
    for _ in range(4):  # at 0, 2, 4 and the bound, 5 s
        stub.add_response("describe_change_set", change_set("CREATE_IN_PROGRESS"))
    with pytest.raises(WaitTimedOut, match=r"after 5s \(last seen: CREATE_IN_PROGRESS\)"):
        aws.wait_for_change_set(recorded.SERVICE_STACK, "deploy-py-0a1b2c3d4e5f", pace=Pace(2, 5))


def test_waiting_for_a_delete_ends_when_the_stack_is_gone(cloudformation):
    aws, stub, clock = cloudformation
    name = recorded.BASE_STACK
    stub.add_response("describe_stacks", stack_answer(name, "DELETE_IN_PROGRESS"), {"StackName": name})
    stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {name} does not exist")
    waited = aws.wait_for_stack_deleted(name, pace=Pace(5, 3600))
    assert waited.succeeded and clock.sleeps == [5]


def test_a_failed_delete_is_returned_with_the_stacks_answer(cloudformation):
    aws, stub, clock = cloudformation
    name = recorded.BASE_STACK
    stub.add_response(
        "describe_stacks", stack_answer(name, "DELETE_FAILED", "The following resource(s) failed")
    )
    waited = aws.wait_for_stack_deleted(name, pace=Pace(5, 3600))
    assert not waited.succeeded
    assert waited.response["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
