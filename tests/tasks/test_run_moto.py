"""`deploy.py run` against a site deployed in the session's moto server: moto models RunTask, so the
task it starts is read back from the emulator (its task definition, network, command, startedBy).
moto never runs a task to its end, so following one is tested with Stubber (test_run_followed.py)."""

from __future__ import annotations

import boto3
import pytest

from fargate_deploy import one_off
from tests.cli_output import after_target

from .conftest import run

pytestmark = [
    pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning"),
    pytest.mark.filterwarnings("ignore:No Moto CloudFormation support:UserWarning"),
]


def test_run_detach_starts_one_task_like_the_service_s_with_the_command_replaced(
    deployed, monkeypatch, capsys
):
    base, service_out = deployed
    code, out, err = run(
        monkeypatch, capsys, ["run", "--detach", "--", "flask", "--app", "flasksite", "init-db"]
    )
    assert code == 0, err
    task_arn = out.strip()
    ecs = boto3.session.Session().client("ecs")
    (service,) = ecs.describe_services(cluster=base["ClusterName"], services=[service_out["ServiceName"]])[
        "services"
    ]
    (task,) = ecs.describe_tasks(cluster=base["ClusterName"], tasks=[task_arn])["tasks"]
    assert task["taskDefinitionArn"] == service["taskDefinition"]
    assert task["startedBy"] == one_off.STARTED_BY_RUN
    assert task["overrides"]["containerOverrides"] == [
        {"name": "web", "command": ["flask", "--app", "flasksite", "init-db"]}
    ]
    # On-demand FARGATE, whatever the service uses; moto keeps no network configuration on a task
    # (the Stubber tests assert the whole request, the service's subnets and security group with it).
    assert (task["capacityProviderName"], task["platformVersion"]) == ("FARGATE", "LATEST")


def test_run_with_no_command_exits_2_and_starts_nothing(deployed, monkeypatch, capsys):
    base, _ = deployed
    ecs = boto3.session.Session().client("ecs")
    before = ecs.list_tasks(cluster=base["ClusterName"])["taskArns"]
    for argv in (["run"], ["run", "--"], ["run", "--detach", "--"]):
        code, out, err = run(monkeypatch, capsys, argv)
        assert (code, out) == (2, "")
        lines = after_target(err)
        assert len(lines) == 2 and lines[0] == "error: run: no command to run; nothing was started"
        assert lines[1] == "hint: python3 deploy.py run -- flask --app flasksite routes"
    assert ecs.list_tasks(cluster=base["ClusterName"])["taskArns"] == before


def test_run_before_the_site_has_a_service_is_refused(aws, settings, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(monkeypatch, capsys, ["run", "--", "true"])
    assert (code, out) == (2, "")
    assert after_target(err)[0] == "error: run: the base stack flaskcom-test is not ready (it does not exist)"
