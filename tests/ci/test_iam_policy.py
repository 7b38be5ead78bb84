"""The policy evaluator the CI role tests decide requests with decides them as IAM documents it
(the rules and their pages are in tests/ci/iam_policy.py)."""

from __future__ import annotations

import pytest

from tests.ci.iam_policy import Request, decision

NONE = "implicit deny"  # no statement allows it
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-test-www/id"
OTHER_STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/id"
MARKED = {"aws:ResourceTag/flaskcom:plan": "shell"}
MARKED_OTHERWISE = {"aws:ResourceTag/flaskcom:plan": "x"}
TAGGED = {"aws:TagKeys": ("k",)}
DELETE_MARKED_ONLY = {
    "Effect": "Allow",
    "Action": "cloudformation:DeleteStack",
    "Resource": "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-test-*/*",
    "Condition": {"StringEquals": {"aws:ResourceTag/flaskcom:plan": "shell"}},
}
CHANGE_SETS_WITHOUT_TAGS = {
    "Effect": "Allow",
    "Action": "cloudformation:CreateChangeSet",
    "Resource": "arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-test-*/*",
    "Condition": {"Null": {"aws:TagKeys": "true"}},
}


@pytest.mark.parametrize(
    ("statements", "request_", "expected"),
    [
        # A tag condition on the resource: a stack without the tag (or with another value) is refused.
        ([DELETE_MARKED_ONLY], Request("cloudformation:DeleteStack", STACK), NONE),
        ([DELETE_MARKED_ONLY], Request("cloudformation:DeleteStack", STACK, MARKED_OTHERWISE), NONE),
        ([DELETE_MARKED_ONLY], Request("cloudformation:DeleteStack", STACK, MARKED), "Allow"),
        # Outside the Resource pattern, or another action: no statement applies.
        ([DELETE_MARKED_ONLY], Request("cloudformation:DeleteStack", OTHER_STACK, MARKED), NONE),
        ([DELETE_MARKED_ONLY], Request("cloudformation:UpdateStack", STACK), NONE),
        # Null: "true" allows only a request without the key (no tags), "false" only one with it.
        ([CHANGE_SETS_WITHOUT_TAGS], Request("cloudformation:CreateChangeSet", STACK), "Allow"),
        ([CHANGE_SETS_WITHOUT_TAGS], Request("cloudformation:CreateChangeSet", STACK, TAGGED), NONE),
        # An explicit Deny wins over an Allow.
        ([CHANGE_SETS_WITHOUT_TAGS, {"Effect": "Deny", "Action": "cloudformation:*", "Resource": "*"}],
         Request("cloudformation:CreateChangeSet", STACK), "Deny"),
    ],
)  # fmt: skip
def test_decisions(statements, request_, expected):
    assert decision(statements, request_) == expected


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        ({"StringEquals": {"k": "v"}}, {}, False),  # a missing key does not match
        ({"StringEqualsIfExists": {"k": "v"}}, {}, True),  # ...IfExists: absent passes
        ({"StringEqualsIfExists": {"k": "v"}}, {"k": "w"}, False),
        ({"StringNotEquals": {"k": "v"}}, {}, True),  # a negated operator with the key missing is true
        ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),  # values are ORed
        ({"StringEquals": {"k": "v", "j": "w"}}, {"k": "v"}, False),  # keys are ANDed
        ({"StringLike": {"k": "arn:*:role/x-*"}}, {"k": "arn:aws:iam::1:role/x-y"}, True),
        ({"ArnEquals": {"k": "arn:aws:iam::1:role/a"}}, {"k": "arn:aws:iam::1:role/b"}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ("a", "c")}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, True),  # no keys at all
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ("b", "a")}, True),
    ],
)
def test_conditions(condition, context, holds):
    statement = {"Effect": "Allow", "Action": "s:A", "Resource": "*", "Condition": condition}
    assert (decision([statement], Request("s:A", "r", context)) == "Allow") is holds


def test_an_operator_it_does_not_know_fails_loudly():
    condition = {"DateLessThan": {"k": "x"}}
    statement = {"Effect": "Allow", "Action": "s:A", "Resource": "*", "Condition": condition}
    with pytest.raises(AssertionError, match="DateLessThan"):
        decision([statement], Request("s:A", "r", {"k": "x"}))
