"""status, rollback and destroy through `main([...])` against the real moto server with the real templates.

The test process's moto moves an ECS service to the task definition an update brings (as ECS does),
deletes a base stack's route tables with it, and implements termination protection
(tests/moto_as_aws.py), so these tests assert what runs and what is left, not what moto happens to keep.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest

from fargate_deploy.cli import main

from .conftest import make_deployer, plain_lines, put_image, set_status, snapshot

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


@pytest.fixture
def deployed(aws, cli_settings, monkeypatch):
    """Base stack, two images, the service stack on abc1234 then def5678."""
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(cli_settings)
    base = deployer.resources(yes=True)
    repository = base.outputs["RepositoryName"]
    put_image(repository, "abc1234")
    deployer.deploy_service("abc1234")
    time.sleep(1.1)  # moto's imagePushedAt has one-second resolution: keep the two pushes in order
    put_image(repository, "def5678")
    deployer.deploy_service("def5678")
    return base.outputs


def _image_tag() -> str:
    """The image the service's PRIMARY deployment runs (ECS's answer, not the stack parameter)."""
    session = boto3.session.Session()
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for name in ("flaskcom-test", "flaskcom-test-www")
        for o in session.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    }
    ecs = session.client("ecs")
    (service,) = ecs.describe_services(cluster=outputs["ClusterName"], services=[outputs["ServiceName"]])[
        "services"
    ]
    primary = next(d for d in service["deployments"] if d["status"] == "PRIMARY")
    task = ecs.describe_task_definition(taskDefinition=primary["taskDefinition"])["taskDefinition"]
    return task["containerDefinitions"][0]["image"].rsplit(":", 1)[1]


def test_status_json_reports_both_stacks_and_the_service(deployed, cli_settings, capsys):
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["base"] == {
        "name": "flaskcom-test",
        "status": "CREATE_COMPLETE",
        "summary": "is up",
        "next_command": None,
    }
    assert report["service"]["status"] == "UPDATE_COMPLETE"
    assert report["url"] == "https://example.com"  # HostName '' → the base DomainName
    assert report["running"] == 1 and report["desired"] == 1
    # The second deploy's task definition reached the service: one PRIMARY deployment, on def5678.
    assert [(d["status"], d["image_tag"]) for d in report["deployments"]] == [("PRIMARY", "def5678")]
    assert report["image_tag"] == "def5678"
    # The same estimate `deploy.py cost` prints for these settings at the default traffic.
    from fargate_deploy import cost

    expected = cost.estimate(
        cost.Inputs.from_settings(cli_settings, 1_000_000), cost.load_prices("us-east-1")
    )
    assert report["monthly_cost_usd"] == round(expected.total, 2) and report["monthly_cost_usd"] > 0


def test_status_text_when_nothing_exists(aws, cli_settings, capsys):
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "base stack flaskcom-test: missing (does not exist yet)" in out
    assert "next: python3 deploy.py resources" in out
    assert "next: python3 deploy.py service" in out


def test_rollback_goes_to_the_previous_tag_then_to_a_given_one(deployed, capsys):
    assert _image_tag() == "def5678"
    assert main(["rollback", "--yes"]) == 0
    assert _image_tag() == "abc1234"
    assert "runs image abc1234" in capsys.readouterr().out
    assert main(["rollback", "--to", "def5678", "--yes"]) == 0
    assert _image_tag() == "def5678"


def test_rollback_to_a_tag_not_in_ecr_lists_the_available_ones(deployed, capsys):
    before = snapshot()
    assert main(["rollback", "--to", "nope999", "--yes"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith(", region us-east-1 (from AWS_REGION), profile default")  # the target line
    assert err[-2] == (
        "error: rollback: image tag 'nope999' is not in ECR (available, newest first: def5678, abc1234)"
    )
    assert err[-1].startswith("hint: python3 deploy.py rollback --to")
    assert snapshot() == before


def test_destroy_deletes_the_service_stack_then_the_base_and_keeps_what_the_template_retains(
    deployed, capsys
):
    client = boto3.session.Session().client("cloudformation")
    vpc_id = deployed["VpcId"]
    assert main(["destroy", "--yes"]) == 0
    err = plain_lines(capsys.readouterr().err)
    assert "Will delete stacks, in order: flaskcom-test-www, flaskcom-test" in err
    assert "Will keep: ECR repository and its images flaskcom-test" in err
    assert any(line.startswith("Will keep: hosted zone") for line in err)
    assert [line for line in err if line.startswith("✓")] == [
        "✓ Stack flaskcom-test-www: deleted",
        "✓ Stack flaskcom-test: deleted",
    ]
    live = {s["StackName"]: s["StackStatus"] for s in client.list_stacks()["StackSummaries"]}
    assert live == {"flaskcom-test-www": "DELETE_COMPLETE", "flaskcom-test": "DELETE_COMPLETE"}
    ec2 = boto3.session.Session().client("ec2")
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"] == []
    # The retained repository and its images outlive the stacks, as the template's DeletionPolicy says.
    images = boto3.session.Session().client("ecr").describe_images(repositoryName="flaskcom-test")
    assert sorted(t for d in images["imageDetails"] for t in d["imageTags"]) == ["abc1234", "def5678"]


def test_destroy_without_a_terminal_or_yes_changes_nothing(deployed, capsys):
    before = snapshot()
    assert main(["destroy"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-2] == "error: destroy: refusing to ask for confirmation without a terminal"
    assert err[-1] == "hint: run it in a terminal, or add --yes: python3 deploy.py destroy --yes"
    assert snapshot() == before
    # Termination protection is lifted only after the confirmation: both stacks are still protected.
    client = boto3.session.Session().client("cloudformation")
    for name in ("flaskcom-test-www", "flaskcom-test"):
        assert client.describe_stacks(StackName=name)["Stacks"][0]["EnableTerminationProtection"]


def test_destroy_with_the_wrong_domain_typed_changes_nothing(deployed, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("click.prompt", lambda *args, **kwargs: "example.org")
    before = snapshot()
    assert main(["destroy"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        err[-2] == "error: destroy: not confirmed ('example.org' is not 'example.com'); nothing was changed"
    )
    assert snapshot() == before


def test_recover_deletes_a_service_stack_left_in_rollback_complete(deployed, capsys):
    set_status("flaskcom-test-www", "ROLLBACK_COMPLETE")
    assert main(["status"]) == 0
    assert "  next: python3 deploy.py recover" in capsys.readouterr().out
    assert main(["recover", "--yes"]) == 0
    assert "Stack flaskcom-test-www: deleted" in capsys.readouterr().err
    assert set(snapshot()["stacks"]) == {"flaskcom-test"}


def test_recover_deletes_a_leftover_review_in_progress_stack(aws, cli_settings, capsys):
    client = boto3.session.Session().client("cloudformation")
    client.create_change_set(
        StackName="flaskcom-test-www",
        ChangeSetName="left-over",
        ChangeSetType="CREATE",
        TemplateBody='{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}',
    )
    assert snapshot()["stacks"] == {"flaskcom-test-www": "REVIEW_IN_PROGRESS"}
    assert main(["recover", "--yes"]) == 0
    assert "exists only as an unexecuted change set" in capsys.readouterr().err
    assert snapshot()["stacks"] == {}


def test_recover_deletes_stale_change_sets_of_a_stable_stack(deployed, capsys):
    client = boto3.session.Session().client("cloudformation")
    client.create_change_set(
        StackName="flaskcom-test-www",
        ChangeSetName="never-executed",
        ChangeSetType="UPDATE",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "ImageTag", "ParameterValue": "abc1234"}],
    )
    assert client.list_change_sets(StackName="flaskcom-test-www")["Summaries"]
    before = snapshot()
    assert main(["recover", "--yes"]) == 0
    assert "flaskcom-test-www 1 unexecuted change set(s): will delete-change-sets" in capsys.readouterr().err
    left = client.list_change_sets(StackName="flaskcom-test-www")["Summaries"]
    assert [c["ExecutionStatus"] for c in left if c["ChangeSetName"] == "never-executed"] == []
    assert snapshot() == before  # the stacks themselves untouched


def test_destroy_json_lists_what_was_deleted_and_what_was_kept(deployed, capsys):
    assert main(["destroy", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["deleted"] == ["flaskcom-test-www", "flaskcom-test"]
    kept = {item["what"]: item for item in result["retained"]}
    repository = kept["ECR repository and its images"]
    assert repository == {
        "what": "ECR repository and its images",
        "identifier": "flaskcom-test",
        "remove_command": (
            "aws ecr delete-repository --repository-name flaskcom-test --force --region us-east-1"
        ),
    }
    assert set(kept) >= {"ECR repository and its images", "log group"}


def test_recover_json_reports_the_state_each_stack_ended_in(deployed, capsys):
    set_status("flaskcom-test-www", "ROLLBACK_COMPLETE")
    assert main(["recover", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "stacks": [
            {
                "stack_name": "flaskcom-test-www",
                "action": "delete",
                "reason": "failed to create and was rolled back; it can only be deleted (ROLLBACK_COMPLETE)",
                "status": None,
                "summary": "does not exist",
            },
            {
                "stack_name": "flaskcom-test",
                "action": "none",
                "reason": "is up (CREATE_COMPLETE)",
                "status": "CREATE_COMPLETE",
                "summary": "is up",
            },
        ]
    }


def test_rollback_json_is_the_result(deployed, capsys):
    assert main(["rollback", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "stack_name": "flaskcom-test-www",
        "from_tag": "def5678",
        "image_tag": "abc1234",
        "url": "https://example.com",
        "stack_changed": True,
    }
