"""Stubber helpers: replay a recorded CloudFormation stream as the API would answer each poll.

moto writes no per-resource stack events, so these tests answer describe_stacks and
describe_stack_events with botocore's Stubber, which checks every response against botocore's model
of the real API.
"""

from __future__ import annotations

import datetime

from tests.engine import recorded


def stack_answer(name: str, status: str, reason: str = "") -> dict:
    stack = {
        "StackId": recorded.stack_id(name),
        "StackName": name,
        "StackStatus": status,
        "CreationTime": recorded.START - datetime.timedelta(days=30),
    }
    if reason:
        stack["StackStatusReason"] = reason
    return {"Stacks": [stack]}


def status_at(events: list[dict], when: datetime.datetime, before: str) -> tuple[str, str]:
    """The stack's status (and reason) at `when`: its newest own event by then, else `before`."""
    own = [e for e in events if e["LogicalResourceId"] == e["StackName"] and e["Timestamp"] <= when]
    if not own:
        return before, ""
    return own[-1]["ResourceStatus"], own[-1].get("ResourceStatusReason", "")


def replay_stack(stub, events: list[dict], *, every: float, before: str = "UPDATE_COMPLETE", older=()):
    """Queue the answers of follow_stack's polls, one every `every` seconds from recorded.START, until
    the recorded stream's last status; `older` events (before the operation) stay in every page."""
    name = events[0]["StackName"]
    stub.add_response("describe_stacks", stack_answer(name, before), {"StackName": name})
    polls = 0
    while True:
        when = recorded.START + datetime.timedelta(seconds=polls * every)
        visible = [e for e in events if e["Timestamp"] <= when]
        stub.add_response(
            "describe_stack_events",
            {"StackEvents": recorded.api_order([*older, *visible])},
            {"StackName": recorded.stack_id(name)},
        )
        status, reason = status_at(events, when, before)
        stub.add_response(
            "describe_stacks", stack_answer(name, status, reason), {"StackName": recorded.stack_id(name)}
        )
        polls += 1
        if len(visible) == len(events):
            return polls
