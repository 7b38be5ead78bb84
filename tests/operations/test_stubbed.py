"""What moto cannot put a stack into: botocore's Stubber answers with responses shaped like the real
API (Stubber validates each against botocore's model). UPDATE_ROLLBACK_FAILED, an operation in
progress, and filter_log_events paging with nextToken."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
import pytest
from botocore.stub import ANY

from fargate_deploy.commands import operate
from fargate_deploy.errors import DeploymentFailed, RefusedError
from fargate_deploy.settings import Settings
from fargate_deploy.workflows import operate as workflows
from tests.engine.parts import stubbed_parts

BASE, SERVICE = "flaskcom-prod", "flaskcom-prod-www"
EDGE = "flaskcom-prod-edge"  # recover and destroy look for the edge stack too (issue 14); none here
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _stack(name: str, status: str, outputs: dict[str, str] | None = None) -> dict:
    return {
        "StackName": name,
        "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1",
        "StackStatus": status,
        "CreationTime": NOW,
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in (outputs or {}).items()],
    }


@pytest.fixture
def stubbed():
    parts, stubs, clock, streams = stubbed_parts(Settings(domain="example.com"), "cloudformation", "logs")
    yield parts, stubs, clock, streams
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _describe(stub, name: str, status: str | None, outputs=None) -> None:
    if status is None:
        stub.add_client_error(
            "describe_stacks",
            "ValidationError",
            f"Stack with id {name} does not exist",
            400,
            {"StackName": name},
        )
    else:
        stub.add_response("describe_stacks", {"Stacks": [_stack(name, status, outputs)]}, {"StackName": name})


def test_update_rollback_failed_is_recovered_and_reports_the_state_it_really_ended_in(stubbed):
    parts, stubs, _, streams = stubbed
    cfn = stubs["cloudformation"]
    _recover_looks_at(cfn, service="UPDATE_ROLLBACK_FAILED", base="UPDATE_COMPLETE")
    cfn.add_response("continue_update_rollback", {}, {"StackName": SERVICE})
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_IN_PROGRESS")  # the wait after continuing
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_IN_PROGRESS")
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_COMPLETE")
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_COMPLETE")  # the state it ended in, read once more
    result = workflows.recover(parts, yes=True, no_wait=False)
    assert [(r.stack_name, r.action, r.status) for r in result.stacks] == [
        (SERVICE, "continue-rollback", "UPDATE_ROLLBACK_COMPLETE"),
        (BASE, "none", "UPDATE_COMPLETE"),
    ]
    err = streams.err_lines()
    assert (
        "flaskcom-prod-www is stuck: rolling back a failed update itself failed (UPDATE_ROLLBACK_FAILED):"
        " will continue-rollback"
    ) in err
    assert (
        "Stack flaskcom-prod-www: continue-rollback done; it rolled back the last update and runs the "
        "previous version (UPDATE_ROLLBACK_COMPLETE)"
    ) in err
    assert operate.recover_lines(result) == [
        "stack flaskcom-prod-www: UPDATE_ROLLBACK_COMPLETE (rolled back the last update and runs the "
        "previous version) after continue-rollback",
        "stack flaskcom-prod: UPDATE_COMPLETE (is up)",
    ]


def test_a_continued_rollback_that_fails_again_is_reported_as_failed_not_recovered(stubbed):
    parts, stubs, _, _ = stubbed
    cfn = stubs["cloudformation"]
    _recover_looks_at(cfn, service="UPDATE_ROLLBACK_FAILED", base="UPDATE_COMPLETE")
    cfn.add_response("continue_update_rollback", {}, {"StackName": SERVICE})
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_IN_PROGRESS")
    _describe(cfn, SERVICE, "UPDATE_ROLLBACK_FAILED")
    reason = "The following resource(s) failed to update: [Service]."
    failed = _stack(SERVICE, "UPDATE_ROLLBACK_FAILED") | {"StackStatusReason": reason}
    cfn.add_response("describe_stacks", {"Stacks": [failed]}, {"StackName": SERVICE})
    with pytest.raises(DeploymentFailed) as raised:
        workflows.recover(parts, yes=True, no_wait=False)
    assert raised.value.message == (
        f"recover: stack {SERVICE} is stuck: rolling back a failed update itself failed "
        f"(UPDATE_ROLLBACK_FAILED): {reason}"
    )


def test_busy_stack_with_no_wait_is_refused_before_anything_changes(stubbed):
    parts, stubs, _, _ = stubbed
    _describe(stubs["cloudformation"], SERVICE, "UPDATE_IN_PROGRESS")
    with pytest.raises(RefusedError, match=r"flaskcom-prod-www is being updated \(UPDATE_IN_PROGRESS\)"):
        workflows.destroy(parts, yes=True, no_wait=True)


def test_busy_stack_is_waited_for_with_the_injected_sleep(stubbed):
    parts, stubs, clock, streams = stubbed
    cfn = stubs["cloudformation"]
    _describe(cfn, SERVICE, "UPDATE_IN_PROGRESS")
    _describe(cfn, SERVICE, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    _describe(cfn, SERVICE, "UPDATE_COMPLETE")
    stack = workflows.settled_stack(parts, SERVICE, no_wait=False)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert clock.sleeps == [5]
    assert streams.err_lines() == [
        "Stack flaskcom-prod-www: UPDATE_IN_PROGRESS – waiting for it to finish – 0s",
        "Stack flaskcom-prod-www: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS – waiting for it to finish – 0s",
        "✓ Stack flaskcom-prod-www: UPDATE_COMPLETE – 5s",
    ]


def test_recover_refuses_without_a_terminal_or_yes(stubbed):
    parts, stubs, _, _ = stubbed
    cfn = stubs["cloudformation"]
    _recover_looks_at(cfn, service="ROLLBACK_COMPLETE", base="CREATE_COMPLETE")
    with pytest.raises(RefusedError, match="without a terminal"):
        workflows.recover(parts, yes=False, no_wait=False)


def _recover_looks_at(cfn, *, service: str, base: str) -> None:
    """What recover reads first: no edge stack, then each stack's status and its change sets."""
    _describe(cfn, EDGE, None)
    _describe(cfn, SERVICE, service)
    cfn.add_response("list_change_sets", {"Summaries": []}, {"StackName": SERVICE})
    _describe(cfn, BASE, base)
    cfn.add_response("list_change_sets", {"Summaries": []}, {"StackName": BASE})


def _event(event_id: str, ms: int, message: str) -> dict:
    return {
        "logStreamName": "web/web/0123456789abcdef",
        "timestamp": ms,
        "message": message,
        "ingestionTime": ms,
        "eventId": event_id,
    }


BASE_OUTPUTS = {"RepositoryName": "r", "RepositoryUri": "r", "ClusterName": "c"}


def test_logs_follow_every_page_by_next_token(stubbed):
    parts, stubs, _, streams = stubbed
    _describe(
        stubs["cloudformation"], BASE, "UPDATE_COMPLETE", BASE_OUTPUTS | {"LogGroupName": "/flaskcom/prod"}
    )
    _describe(stubs["cloudformation"], SERVICE, "UPDATE_COMPLETE")
    logs = stubs["logs"]
    expected = {
        "logGroupName": "/flaskcom/prod",
        "startTime": ANY,
        "interleaved": True,
        "filterPattern": '"GET"',
    }
    nginx = (
        '{"source":"nginx","time":"2026-11-24T10:00:00+00:00","method":"GET","uri":"/health","status":200,'
        '"bytes":42,"request_time":0.003,"upstream_time":"0.002","upstream":"unix:/tmp/gunicorn.sock",'
        '"forwarded_for":"","forwarded_proto":"https","user_agent":"ELB-HealthChecker/2.0"}'
    )
    logs.add_response(
        "filter_log_events",
        {"events": [_event("1", 1_700_000_000_000, nginx)], "nextToken": "page-2"},
        expected,
    )
    app = '{"time": "x", "level": "info", "logger": "flasksite", "message": "GET served"}'
    logs.add_response(
        "filter_log_events",
        {"events": [_event("2", 1_700_000_001_000, app)]},
        expected | {"nextToken": "page-2"},
    )
    result = workflows.logs(parts, since_seconds=600, text="GET", follow=False)
    assert result == workflows.LogsResult("/flaskcom/prod", 2)
    assert streams.out_lines() == [
        "22:13:20 01234567  nginx 200 GET /health 42B 0.003s (upstream 0.002s)",
        "22:13:21 01234567  INFO flasksite: GET served",
    ]


def test_logs_bad_since_is_refused():
    with pytest.raises(RefusedError, match="is not a duration"):
        operate.parse_since("ten minutes")
    assert operate.parse_since("10m") == 600 and operate.parse_since("2h") == 7200


def test_commands_are_registered():
    assert {c.name for c in operate.COMMANDS} == {"status", "logs", "rollback", "destroy", "recover"}
    assert all(isinstance(c, click.Command) for c in operate.COMMANDS)


def test_destroy_failing_midway_names_the_stuck_resource_and_the_next_command(stubbed, monkeypatch):
    parts, stubs, _, _ = stubbed
    cfn = stubs["cloudformation"]
    _describe(cfn, SERVICE, None)
    _describe(cfn, BASE, "UPDATE_COMPLETE")
    _describe(cfn, EDGE, None)
    cfn.add_response("describe_stack_resources", {"StackResources": []}, {"StackName": BASE})
    cfn.add_response(
        "update_termination_protection",
        {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod/1"},
        {"StackName": BASE, "EnableTerminationProtection": False},
    )
    cfn.add_response("delete_stack", {}, {"StackName": BASE})
    # The waiter polls describe_stacks until DELETE_FAILED, then gives up.
    _describe(cfn, BASE, "DELETE_FAILED")
    reason = "The vpc 'vpc-0abc' has dependencies and cannot be deleted."
    event = {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod/1",
        "StackName": BASE,
        "Timestamp": NOW,
    }
    cfn.add_response(
        "describe_stack_events",
        {
            "StackEvents": [
                event | {"EventId": "3", "LogicalResourceId": BASE, "ResourceStatus": "DELETE_FAILED"},
                event
                | {
                    "EventId": "2",
                    "LogicalResourceId": "Vpc",
                    "ResourceStatus": "DELETE_FAILED",
                    "ResourceStatusReason": reason,
                },
                event | {"EventId": "1", "LogicalResourceId": BASE, "ResourceStatus": "DELETE_IN_PROGRESS"},
            ]
        },
        {"StackName": BASE},
    )
    with pytest.raises(DeploymentFailed) as raised:
        workflows.destroy(parts, yes=True, no_wait=False)
    assert raised.value.message == f"destroy: stack {BASE} could not be deleted: resource Vpc: {reason}"
    assert raised.value.hint == "fix or empty that resource, then run: python3 deploy.py destroy"


def test_logs_follow_polls_again_after_the_last_page(stubbed):
    parts, stubs, clock, streams = stubbed
    _describe(stubs["cloudformation"], BASE, "UPDATE_COMPLETE", BASE_OUTPUTS | {"LogGroupName": "/g"})
    _describe(stubs["cloudformation"], SERVICE, "UPDATE_COMPLETE")
    logs = stubs["logs"]
    expected = {"logGroupName": "/g", "startTime": ANY, "interleaved": True}
    first = int(time.time() * 1000)  # newer than the --since start, so the next poll starts here
    logs.add_response("filter_log_events", {"events": [_event("1", first, "first")]}, expected)
    # The next poll returns the same event again (startTime is inclusive) plus a new one: shown once each.
    logs.add_response(
        "filter_log_events",
        {"events": [_event("1", first, "first"), _event("2", first + 2000, "second")]},
        {"logGroupName": "/g", "startTime": first, "interleaved": True},
    )

    def sleep(seconds):
        clock.sleeps.append(seconds)
        if len(clock.sleeps) == 2:
            raise KeyboardInterrupt  # Ctrl-C ends --follow

    parts.aws.sleep = sleep
    with pytest.raises(KeyboardInterrupt):
        workflows.logs(parts, since_seconds=3600, text=None, follow=True)
    assert [line.split("  ", 1)[1] for line in streams.out_lines()] == ["first", "second"]
    assert clock.sleeps == [2, 2]


def test_rollback_of_a_site_still_held_for_its_first_release_is_refused_before_anything_changes(stubbed):
    parts, stubs, _, _ = stubbed
    cfn = stubs["cloudformation"]
    _describe(cfn, BASE, "UPDATE_COMPLETE", {"RepositoryName": "r", "RepositoryUri": "u", "ClusterName": "c"})
    held = _stack(SERVICE, "CREATE_COMPLETE") | {
        "Parameters": [{"ParameterKey": "HoldForRelease", "ParameterValue": "true"}]
    }
    cfn.add_response("describe_stacks", {"Stacks": [held]}, {"StackName": SERVICE})
    with pytest.raises(
        RefusedError, match=rf"rollback: site stack {SERVICE} is held: no release has"
    ) as raised:
        workflows.rollback(parts, tag=None, yes=True, no_wait=True)
    assert (
        raised.value.hint
        == "fix the command or the app, push a new image, then: python3 deploy.py service --tag <tag>"
    )
