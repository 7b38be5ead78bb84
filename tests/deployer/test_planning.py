"""Planning functions, table-driven over recorded (real-shaped) responses: no AWS, no network."""

from __future__ import annotations

import dns.resolver
import pytest

from fargate_deploy import changeset, delegation, images, rollout
from fargate_deploy.errors import RefusedError

CHANGE_SET = {
    "StackName": "flaskcom-prod",
    "ChangeSetName": "deploy-py-1",
    "Status": "CREATE_COMPLETE",
    "ExecutionStatus": "AVAILABLE",
    "Changes": [
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "LoadBalancer",
                "ResourceType": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Replacement": "False",
                "Details": [{"Target": {"Attribute": "Properties", "Name": "LoadBalancerAttributes"}}],
            },
        },
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "Vpc",
                "ResourceType": "AWS::EC2::VPC",
                "Replacement": "True",
                "Details": [{"Target": {"Attribute": "Properties", "Name": "CidrBlock"}}],
            },
        },
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Add",
                "LogicalResourceId": "NatGateway1",
                "ResourceType": "AWS::EC2::NatGateway",
            },
        },
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Remove",
                "LogicalResourceId": "OldRule",
                "ResourceType": "AWS::Events::Rule",
            },
        },
        {
            "Type": "Resource",
            "ResourceChange": {
                "Action": "Modify",
                "LogicalResourceId": "TaskDefinition",
                "ResourceType": "AWS::ECS::TaskDefinition",
                "Replacement": "Conditional",
            },
        },
    ],
}


def test_change_set_rows_in_rain_style():
    summary = changeset.summarize(CHANGE_SET)
    assert [row.line() for row in summary.rows] == [
        "- OldRule (AWS::Events::Rule)",
        "! TaskDefinition (AWS::ECS::TaskDefinition) — may be replaced",
        "! Vpc (AWS::EC2::VPC) — replacement: CidrBlock",
        "> LoadBalancer (AWS::ElasticLoadBalancingV2::LoadBalancer): LoadBalancerAttributes",
        "+ NatGateway1 (AWS::EC2::NatGateway)",
    ]
    assert summary.counts == {"add": 1, "modify": 1, "remove": 1, "replace": 2}
    assert summary.headline() == "Stack flaskcom-prod: 1 to add, 1 to modify, 2 to replace, 1 to remove"
    assert not summary.no_changes and not summary.failed


@pytest.mark.parametrize(
    ("status", "reason", "no_changes", "failed"),
    [
        (
            "FAILED",
            "The submitted information didn't contain changes. "
            "Submit different information to create a change set.",
            True,
            False,
        ),
        ("FAILED", "No updates are to be performed.", True, False),
        ("FAILED", "Parameter 'Cpu' must be one of AllowedValues", False, True),
        ("CREATE_COMPLETE", "", False, False),
    ],
)
def test_no_change_answers_are_success(status, reason, no_changes, failed):
    summary = changeset.summarize({"StackName": "s", "Status": status, "StatusReason": reason, "Changes": []})
    assert (summary.no_changes, summary.failed) == (no_changes, failed)


def _deployment(state, running=0, desired=2, pending=0, failed=0, extra=()):
    return {
        "serviceName": "svc",
        "desiredCount": desired,
        "deployments": [
            {
                "status": "PRIMARY",
                "rolloutState": state,
                "rolloutStateReason": f"ECS deployment {state.lower()}",
                "runningCount": running,
                "desiredCount": desired,
                "pendingCount": pending,
                "failedTasks": failed,
                "taskDefinition": "td:2",
            },
            *extra,
        ],
    }


@pytest.mark.parametrize(
    ("service", "phase", "line"),
    [
        (
            _deployment("IN_PROGRESS", pending=2),
            rollout.Phase.IN_PROGRESS,
            "rollout in_progress: 0/2 running, 2 pending, 0 failed",
        ),
        (
            _deployment("COMPLETED", running=2),
            rollout.Phase.COMPLETED,
            "rollout completed: 2/2 running, 0 pending, 0 failed",
        ),
        (
            _deployment("COMPLETED", running=1),
            rollout.Phase.IN_PROGRESS,
            "rollout completed: 1/2 running, 0 pending, 0 failed",
        ),
        (
            _deployment("FAILED", failed=3),
            rollout.Phase.FAILED,
            "rollout failed: 0/2 running, 0 pending, 3 failed",
        ),
        (
            _deployment("IN_PROGRESS", running=1, extra=[{"status": "ACTIVE", "runningCount": 2}]),
            rollout.Phase.IN_PROGRESS,
            "rollout in_progress: 1/2 running, 0 pending, 0 failed, 1 old deployment(s) draining",
        ),
    ],
)
def test_rollout_state(service, phase, line):
    state = rollout.rollout_state(service)
    assert (state.phase, state.line()) == (phase, line)


def test_stopped_reasons_and_relevant_events():
    tasks = [
        {
            "stoppedReason": "Essential container in task exited",
            "containers": [{"name": "web", "exitCode": 3}],
        },
        {
            "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
            "containers": [{"name": "web", "reason": "CannotPullContainerError: not found"}],
        },
        {
            "stoppedReason": "Essential container in task exited",
            "containers": [{"name": "web", "exitCode": 3}],
        },
    ]
    assert rollout.stopped_reasons(tasks) == [
        "Essential container in task exited; web exited with 3",
        "CannotPullContainerError: pull image manifest has been retried 5 time(s); "
        "CannotPullContainerError: not found",
    ]
    service = {
        "events": [
            {"message": "(service svc) has reached a steady state."},
            {"message": "(service svc) (task 1) failed container health checks."},
            {"message": "(service svc) has started 1 tasks: (task 1)."},
            {"message": "(service svc) rolling back to deployment ecs-svc/1."},
        ]
    }
    assert rollout.relevant_events(service) == [
        "(service svc) (task 1) failed container health checks.",
        "(service svc) rolling back to deployment ecs-svc/1.",
    ]


def test_target_health():
    health = rollout.target_health(
        [
            {"TargetHealth": {"State": "healthy"}},
            {
                "TargetHealth": {
                    "State": "unhealthy",
                    "Description": "Health checks failed with these codes: [502]",
                }
            },
            {"TargetHealth": {"State": "draining"}},
        ]
    )
    assert health.line() == "targets: 1 healthy, 1 unhealthy, 1 other"
    assert health.reasons == ("Health checks failed with these codes: [502]",)


@pytest.mark.parametrize(
    ("seen", "error", "delegated", "line"),
    [
        (
            ["ns-1.awsdns-01.org.", "NS-2.awsdns-02.com"],
            "",
            True,
            "the domain's NS records point to the hosted zone",
        ),
        (
            ["ns1.registrar-parking.net."],
            "",
            False,
            "NS records point to ns1.registrar-parking.net (not the hosted zone)",
        ),
        (
            [],
            "example.com does not exist in DNS yet",
            False,
            "NS lookup: example.com does not exist in DNS yet",
        ),
        (["ns-1.awsdns-01.org"], "", False, "NS records point to ns-1.awsdns-01.org (not the hosted zone)"),
    ],
)
def test_delegation(seen, error, delegated, line):
    state = delegation.is_delegated(["ns-1.awsdns-01.org", "ns-2.awsdns-02.com"], seen, error)
    assert (state.delegated, state.line()) == (delegated, line)


class _Resolver:
    """Stands in for dns.resolver.Resolver: an NXDOMAIN, then an answer."""

    def __init__(self, answers):
        self.answers = list(answers)

    def resolve(self, name, rdtype, lifetime):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [type("NS", (), {"target": dns.name.from_text(n)})() for n in answer]


def test_resolve_name_servers_turns_dns_errors_into_answers():
    resolver = _Resolver([dns.resolver.NXDOMAIN(), ["ns-1.awsdns-01.org"]])
    assert delegation.resolve_name_servers("example.com", resolver) == (
        [],
        "example.com does not exist in DNS yet",
    )
    assert delegation.resolve_name_servers("example.com", resolver) == (["ns-1.awsdns-01.org."], "")


@pytest.mark.parametrize(
    ("sha", "status", "allow_dirty", "tag"),
    [
        ("1a2b3c4\n", "", False, "1a2b3c4"),
        ("1a2b3c4\n", " M app.py\n", True, "1a2b3c4-dirty"),
    ],
)
def test_default_tag(sha, status, allow_dirty, tag):
    assert images.default_tag(images.parse_git_state(sha, status), allow_dirty) == tag


@pytest.mark.parametrize(
    ("sha", "status", "message"),
    [
        ("1a2b3c4\n", " M app.py\n?? new.txt\n", "uncommitted changes \\(app.py, new.txt\\)"),
        ("", "", "not a git work tree"),
    ],
)
def test_default_tag_refusals(sha, status, message):
    with pytest.raises(RefusedError, match=message):
        images.default_tag(images.parse_git_state(sha, status), allow_dirty=False)


@pytest.mark.parametrize("tag", ["v1", "1a2b3c4", "release_2024.05-1", "a" * 128])
def test_valid_tags(tag):
    assert images.validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "-x", ".x", "a/b", "a:b", "a" * 129, "tag with space"])
def test_invalid_tags(tag):
    with pytest.raises(RefusedError, match="not valid for ECR"):
        images.validate_tag(tag)


def test_newest_tag():
    details = [
        {"imageTags": ["old"], "imagePushedAt": 1},
        {"imageTags": ["new"], "imagePushedAt": 3},
        {"imagePushedAt": 5},  # untagged
    ]
    assert images.newest_tag(details) == "new"
    assert images.newest_tag([]) is None
