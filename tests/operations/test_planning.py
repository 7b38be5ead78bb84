"""operations.py over recorded-shape responses: table-driven, no AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.session import get_session

from fargate_deploy import operations
from fargate_deploy.errors import RefusedError

ALL_STATUSES = get_session().get_service_model("cloudformation").shape_for("StackStatus").enum


def _image(tag: str, minute: int) -> dict:
    return {"imageTags": [tag], "imagePushedAt": datetime(2026, 11, 24, 9, minute, tzinfo=UTC)}


IMAGES = [_image("b", 2), _image("a", 1), _image("c", 3)]


@pytest.mark.parametrize(
    ("current", "requested", "expected"),
    [
        ("c", None, "b"),  # previous of the newest
        ("b", None, "a"),  # previous of an older one
        (None, None, "c"),  # nothing known to run: newest
        ("gone", None, "c"),  # running tag no longer in ECR: newest other
        ("c", "a", "a"),  # explicit
    ],
)
def test_rollback_target(current, requested, expected):
    assert operations.rollback_target(IMAGES, current, requested) == expected


@pytest.mark.parametrize(
    ("current", "requested", "message"),
    [
        ("a", None, r"no image older than 'a' in ECR \(available: c, b, a\)"),
        ("c", "zzz", r"'zzz' is not in ECR \(available, newest first: c, b, a\)"),
        ("c", "c", r"'c' is already running"),
    ],
)
def test_rollback_refusals_list_the_tags(current, requested, message):
    with pytest.raises(RefusedError, match=message) as raised:
        operations.rollback_target(IMAGES, current, requested)
    assert raised.value.hint


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_every_status_gets_a_summary_and_a_next_command_only_when_action_is_needed(status):
    state = operations.stack_state("s", {"StackStatus": status}, "python3 deploy.py resources")
    assert state.summary
    stable = status in {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
    if stable:
        assert state.next_command is None
    if status in {"ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"}:
        assert state.next_command == "python3 deploy.py recover"


@pytest.mark.parametrize(
    ("status", "change_sets", "action"),
    [
        ("ROLLBACK_COMPLETE", [], "delete"),
        ("CREATE_FAILED", [], "delete"),
        ("ROLLBACK_FAILED", [], "delete"),
        ("DELETE_FAILED", [], "delete"),
        ("REVIEW_IN_PROGRESS", [{"ChangeSetName": "x", "ExecutionStatus": "AVAILABLE"}], "delete"),
        ("UPDATE_ROLLBACK_FAILED", [], "continue-rollback"),
        ("UPDATE_IN_PROGRESS", [], "wait"),
        ("UPDATE_COMPLETE", [{"ChangeSetName": "x", "ExecutionStatus": "AVAILABLE"}], "delete-change-sets"),
        ("UPDATE_COMPLETE", [], "none"),
        (None, [], "none"),
    ],
)
def test_recovery_for(status, change_sets, action):
    stack = {"StackStatus": status} if status else None
    assert operations.recovery_for("s", stack, change_sets).action == action


def test_destroy_plan_names_what_is_kept_and_how_to_remove_it():
    base = {
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [
            {"ParameterKey": "HostedZoneId", "ParameterValue": "Z0123"},
            {"ParameterKey": "CertificateArn", "ParameterValue": ""},
            {"ParameterKey": "SecretArn", "ParameterValue": "arn:aws:secretsmanager:eu-west-1:1:secret:k"},
        ],
    }
    resources = [
        {
            "LogicalResourceId": "Repository",
            "ResourceType": "AWS::ECR::Repository",
            "PhysicalResourceId": "r",
        },
        {"LogicalResourceId": "AccessLogs", "ResourceType": "AWS::S3::Bucket", "PhysicalResourceId": "b"},
        {"LogicalResourceId": "LogGroup", "ResourceType": "AWS::Logs::LogGroup", "PhysicalResourceId": "/l"},
    ]
    plan = operations.destroy_plan(
        region="eu-west-1",
        base_name="app-prod",
        base_stack=base,
        base_resources=resources,
        service_name="app-prod-www",
        service_stack={"StackStatus": "UPDATE_COMPLETE"},
    )
    assert plan.stacks == ("app-prod-www", "app-prod")
    assert [r.remove_command for r in plan.retained] == [
        "aws ecr delete-repository --repository-name r --force --region eu-west-1",
        "aws s3 rb s3://b --force --region eu-west-1",
        "aws logs delete-log-group --log-group-name /l --region eu-west-1",
        "aws route53 delete-hosted-zone --id Z0123  (after deleting its records other than NS/SOA)",
        "aws secretsmanager delete-secret --secret-id arn:aws:secretsmanager:eu-west-1:1:secret:k"
        " --region eu-west-1",
    ]


def test_destroy_plan_says_how_a_new_stack_keeps_the_sessions():
    secret = {"ResourceType": "AWS::SecretsManager::Secret", "PhysicalResourceId": "arn:aws:secretsmanager:x"}
    plan = operations.destroy_plan(
        region="eu-west-1",
        base_name="app-prod",
        base_stack={"StackStatus": "UPDATE_COMPLETE", "Parameters": []},
        base_resources=[secret],
        service_name="app-prod-www",
        service_stack=None,
    )
    (kept,) = plan.retained
    assert kept.identifier == "arn:aws:secretsmanager:x"
    assert "set secret_key_arn to it" in kept.what


def test_the_retained_types_are_exactly_what_the_base_template_keeps():
    from cfnlint.decode import decode

    template, _ = decode(str(operations_templates() / "resources.yaml"))
    kept = {
        resource["Type"]
        for resource in template["Resources"].values()
        if resource.get("DeletionPolicy") == "Retain"
    }
    assert kept == set(operations.RETAINED_RESOURCE_TYPES)


def test_destroy_plan_keeps_the_data_stores_and_says_how_to_remove_each():
    # Data stores (issue 16): the table and the uploads bucket are kept (Retain); the database leaves a
    # final snapshot (DeletionPolicy Snapshot) once its deletion protection is off.
    resources = [
        {
            "LogicalResourceId": "AppTable",
            "ResourceType": "AWS::DynamoDB::Table",
            "PhysicalResourceId": "t-1",
        },
        {
            "LogicalResourceId": "UploadsBucket",
            "ResourceType": "AWS::S3::Bucket",
            "PhysicalResourceId": "u-1",
        },
        {
            "LogicalResourceId": "DatabaseCluster",
            "ResourceType": "AWS::RDS::DBCluster",
            "PhysicalResourceId": "db-1",
        },
    ]
    plan = operations.destroy_plan(
        region="eu-west-1",
        base_name="app-prod",
        base_stack={"StackStatus": "UPDATE_COMPLETE", "Parameters": []},
        base_resources=resources,
        service_name="app-prod-www",
        service_stack=None,
    )
    table, bucket, snapshot = plan.retained
    assert (table.what, table.remove_command) == (
        "DynamoDB table and its items",
        "aws dynamodb delete-table --table-name t-1 --region eu-west-1",
    )
    assert (
        bucket.what.startswith("uploads bucket")
        and "s3api delete-bucket --bucket u-1" in bucket.remove_command
    )
    assert "aws rds modify-db-cluster --db-cluster-identifier db-1 --no-deletion-protection" in snapshot.what
    assert snapshot.remove_command.startswith(
        "aws rds describe-db-cluster-snapshots --db-cluster-identifier db-1"
    )
    assert "delete-db-cluster-snapshot" in snapshot.remove_command


def test_the_database_is_snapshotted_not_kept_and_deletion_protected():
    from cfnlint.decode import decode

    template, _ = decode(str(operations_templates() / "resources.yaml"))
    cluster = template["Resources"][operations.DATABASE_CLUSTER]
    assert cluster["DeletionPolicy"] == "Snapshot"
    assert cluster["Properties"]["DeletionProtection"] is True


def operations_templates():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "cloudformation"


def test_stuck_resource_prefers_the_resource_over_the_stack_event():
    events = [
        {
            "StackName": "s",
            "LogicalResourceId": "s",
            "ResourceStatus": "DELETE_FAILED",
            "ResourceStatusReason": "x",
        },
        {
            "StackName": "s",
            "LogicalResourceId": "Repository",
            "ResourceStatus": "DELETE_FAILED",
            "ResourceStatusReason": "The repository cannot be deleted because it still contains images",
        },
    ]
    assert operations.stuck_resource(events) == (
        "Repository",
        "The repository cannot be deleted because it still contains images",
    )
    assert operations.stuck_resource([]) is None


@pytest.mark.parametrize(
    ("message", "readable"),
    [
        (
            '{"source":"nginx","method":"POST","uri":"/api","status":502,"bytes":0,"request_time":1.5,'
            '"upstream_time":""}',
            "nginx 502 POST /api 0B 1.5s (upstream -s)",
        ),
        (
            '{"level":"error","logger":"gunicorn.error","message":"Worker timeout"}\n',
            "ERROR gunicorn.error: Worker timeout",
        ),
        ('{"level":"info","message":"x","exception":"Traceback..."}', "INFO x\nTraceback..."),
        ("plain text line\n", "plain text line"),
        ("[1, 2]", "[1, 2]"),
        ('{"other": 1}', '{"other": 1}'),
    ],
)
def test_log_messages_made_readable(message, readable):
    assert operations.format_log_message(message) == readable


def test_status_report_reads_the_primary_deployments_image():
    service = {
        "desiredCount": 2,
        "runningCount": 1,
        "pendingCount": 1,
        "deployments": [
            {
                "status": "PRIMARY",
                "taskDefinition": "td:2",
                "rolloutState": "IN_PROGRESS",
                "desiredCount": 2,
                "runningCount": 1,
                "pendingCount": 1,
            },
            {
                "status": "ACTIVE",
                "taskDefinition": "td:1",
                "rolloutState": "COMPLETED",
                "desiredCount": 0,
                "runningCount": 1,
                "pendingCount": 0,
            },
        ],
    }
    defs = {
        f"td:{n}": {"containerDefinitions": [{"name": "web", "image": f"1.dkr.ecr.x/r:tag{n}"}]}
        for n in (1, 2)
    }
    report = operations.status_report(
        base_name="b",
        base_stack={"StackStatus": "UPDATE_COMPLETE"},
        service_name="s",
        service_stack={
            "StackStatus": "UPDATE_IN_PROGRESS",
            "Outputs": [{"OutputKey": "Url", "OutputValue": "u"}],
        },
        service=service,
        task_definitions=defs,
        target_health=[{"TargetHealth": {"State": "healthy"}}, {"TargetHealth": {"State": "initial"}}],
        monthly_cost_usd=31.5,
    )
    assert report.image_tag == "tag2"
    assert [d.image_tag for d in report.deployments] == ["tag2", "tag1"]
    assert report.targets == {"healthy": 1, "initial": 1}
    lines = operations.report_lines(report)
    assert "deployment PRIMARY: IN_PROGRESS, image tag2, 1/2 running, 1 pending" in lines
    assert "targets: 1 healthy, 1 initial" in lines
    assert lines[-1] == (
        "estimated cost: $31.50/month at 1,000,000 requests"
        " (python3 deploy.py cost shows each line and the assumptions)"
    )


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_rollback_needs_a_stack_that_takes_an_update(status):
    stack = {"StackStatus": status}
    if operations.meaning_of(status).next_step.value == "update":
        operations.require_updatable("s", stack, "rollback")
    else:
        with pytest.raises(RefusedError, match=rf"rollback: stack s .* \({status}\)") as raised:
            operations.require_updatable("s", stack, "rollback")
        assert raised.value.hint.startswith("python3 deploy.py ")


WEB = {"containerDefinitions": [{"name": "web", "image": "123.dkr.ecr.us-east-1.amazonaws.com/r:abc1234"}]}
STACK = {"Parameters": [{"ParameterKey": "ImageTag", "ParameterValue": "def5678"}]}


@pytest.mark.parametrize(
    ("stack", "task_definition", "tag"),
    [
        (STACK, WEB, "abc1234"),  # what ECS runs wins over what the stack asked for
        (STACK, None, "def5678"),  # no task definition read: the stack's parameter
        (STACK, {"containerDefinitions": [{"name": "web", "image": "r"}]}, None),  # untagged: no guess
        (None, None, None),  # no stack yet
        (STACK, {"containerDefinitions": [{"name": "sidecar", "image": "x:1"}]}, None),
    ],
)
def test_the_image_tag_running_now_has_one_answer(stack, task_definition, tag):
    assert operations.running_image_tag(stack, task_definition) == tag
