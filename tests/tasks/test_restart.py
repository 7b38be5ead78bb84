"""`deploy.py restart` and `secret set --restart`: UpdateService with forceNewDeployment (no new image,
no stack change), then the deployment it started followed by its id, through the same follower as
`service`. ECS's service deployment API is not modelled by moto, so ECS answers through Stubber, shaped
like the real API (tests/engine/recorded_ecs.py); the secret itself goes to the session's moto server."""

from __future__ import annotations

import json
import os
import signal

import boto3

from fargate_deploy import invariants
from fargate_deploy.restart import restart_timeline
from fargate_deploy.workflows.parts import Timing
from tests.cli_output import after_target
from tests.docker_engine import REPO
from tests.engine import recorded_ecs as ecs

from . import answers
from .conftest import run

SINCE_OURS = {"cluster": ecs.CLUSTER, "service": ecs.SERVICE, "createdAt": {"after": ecs.at(10)}}
OURS = ecs.brief(ecs.OURS, ecs.OUR_REVISION, created=10)


def expect_restart(stubs) -> None:
    service = answers.answer_site(stubs)
    updated = {**service, "currentServiceDeployment": ecs.OURS}
    stubs["ecs"].add_response(
        "update_service",
        {"service": updated},
        {"cluster": ecs.CLUSTER, "service": ecs.SERVICE, "forceNewDeployment": True},
    )


def expect_rollout(stub, *states: tuple[str, int]) -> None:
    """Each poll of the follower: the deployment's state (status, running tasks of 2)."""
    for n, (status, running) in enumerate(states):
        if n:  # from the second poll on, newer deployments would supersede ours
            stub.add_response("list_service_deployments", {"serviceDeployments": [OURS]}, SINCE_OURS)
        stub.add_response(
            "describe_service_deployments",
            ecs.described(status, running=running, pending=2 - running),
            {"serviceDeploymentArns": [ecs.OURS]},
        )


def test_restart_rolls_the_tasks_and_follows_that_deployment_by_its_id(stubbed, monkeypatch, capsys):
    _, stubs, clock = stubbed
    expect_restart(stubs)
    expect_rollout(stubs["ecs"], ("IN_PROGRESS", 0), ("IN_PROGRESS", 1), ("SUCCESSFUL", 2))
    code, out, err = run(monkeypatch, capsys, ["restart"])
    assert code == 0, err
    assert (
        out == f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 succeeded: 2/2 tasks running\n"
    )
    assert "new tasks of flaskcom-prod-www:7 replace the running ones" in err
    assert len(clock.sleeps) == 2  # three polls, at the deployer's rollout pace


def test_a_restart_ecs_rolled_back_exits_1_in_ecs_s_words(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    expect_restart(stubs)
    stub = stubs["ecs"]
    expect_rollout(stub, ("IN_PROGRESS", 0))
    stub.add_response("list_service_deployments", {"serviceDeployments": [OURS]}, SINCE_OURS)
    reason = "Service deployment rolled back because the circuit breaker threshold was exceeded."
    stub.add_response(
        "describe_service_deployments",
        ecs.described("ROLLBACK_SUCCESSFUL", reason=reason, rollback_reason=reason, breaker_failures=3),
        {"serviceDeploymentArns": [ecs.OURS]},
    )
    stopped = ecs.task(
        1, ecs.TASK_DEFINITION, "ecs-svc/9876543210987654321", 60, "Essential container in task exited", 1
    )
    stub.add_response(
        "describe_services", ecs.service([]), {"cluster": ecs.CLUSTER, "services": [ecs.SERVICE]}
    )
    stub.add_response("list_tasks", {"taskArns": [stopped["taskArn"]]})
    stub.add_response("describe_tasks", {"tasks": [stopped], "failures": []})
    code, out, err = run(monkeypatch, capsys, ["restart"])
    assert (code, out) == (1, "")
    assert f"error: restart: Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 rolled back" in err
    assert reason in err


def test_secret_set_restart_stores_the_value_then_rolls_the_tasks(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    expect_restart(stubs)
    expect_rollout(stubs["ecs"], ("IN_PROGRESS", 0), ("SUCCESSFUL", 2))
    code, out, err = run(
        monkeypatch, capsys, ["secret", "set", "API_TOKEN", "--restart"], stdin="s3cr3t-value\n"
    )
    assert code == 0, err
    stored = (
        boto3.session.Session()
        .client("ssm")
        .get_parameter(Name="/flaskcom-test-www/secrets", WithDecryption=True)
    )
    assert '"API_TOKEN"' in stored["Parameter"]["Value"]
    assert out.splitlines()[-1].endswith("succeeded: 2/2 tasks running")
    assert "s3cr3t-value" not in out + err


def test_secret_set_restart_without_a_service_stores_nothing(aws, project, monkeypatch, capsys):
    """Refused before the value is read: restarting is what was asked, and there is nothing to restart."""
    code, out, err = run(monkeypatch, capsys, ["secret", "set", "API_TOKEN", "--restart"], stdin="v")
    assert (code, out) == (2, "")
    assert (
        after_target(err)[0]
        == "error: secret set --restart: the base stack flaskcom-test is not ready (it does not exist)"
    )
    ssm = boto3.session.Session().client("ssm")
    assert ssm.describe_parameters()["Parameters"] == []


def test_restart_without_a_service_is_refused(aws, project, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["restart"])
    assert (code, out) == (2, "")
    assert after_target(err) == [
        "error: restart: the base stack flaskcom-test is not ready (it does not exist)",
        "hint: python3 deploy.py up",
    ]


def test_the_readme_s_restart_timeline_is_the_template_s():
    """README's numbers, recomputed from service.yaml (the waits `check` reads) and the follower's pace."""
    template = invariants.load_template(REPO / "cloudformation" / "service.yaml")
    alarm = template["Resources"]["Target5xxAlarm"]["Properties"]
    bake = int(alarm["Period"]) * int(alarm["EvaluationPeriods"])
    timeline = restart_timeline(invariants.rollout_waits(), poll=Timing().rollout_poll, bake=bake)
    assert (timeline.new_tasks_in_service, timeline.old_tasks_gone, timeline.follower_returns) == (
        20,
        70,
        380,
    )
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"| the new tasks take requests | {timeline.new_tasks_in_service} |" in readme
    assert f"| {timeline.new_tasks_in_service} → {timeline.old_tasks_gone} |" in readme
    assert f"| the command returns | {timeline.follower_returns} |" in readme


def test_a_stop_signal_stops_following_and_ecs_goes_on(stubbed, monkeypatch, capsys):
    aws, stubs, clock = stubbed
    expect_restart(stubs)
    expect_rollout(stubs["ecs"], ("IN_PROGRESS", 0))
    sleep = clock.sleep

    def interrupted(seconds: float) -> None:
        sleep(seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    aws.sleep = interrupted
    before = signal.getsignal(signal.SIGTERM)
    code, out, err = run(monkeypatch, capsys, ["restart"])
    assert (code, out) == (130, "")
    assert "stopped following; ECS goes on with the deployment: python3 deploy.py status" in err
    assert signal.getsignal(signal.SIGTERM) == before


def test_restart_json_is_one_document_naming_the_deployment_it_followed(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    expect_restart(stubs)
    expect_rollout(stubs["ecs"], ("IN_PROGRESS", 0), ("SUCCESSFUL", 2))
    code, out, err = run(monkeypatch, capsys, ["restart", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert (result["cluster"], result["service"], result["deployment_arn"]) == (
        ecs.CLUSTER,
        ecs.SERVICE,
        ecs.OURS,
    )
    # the text form's one line, as data
    deployment = "ECS deployment NCWGC2ZR-taawPAYrIaU5"
    assert result["summary"] == f"Service {ecs.SERVICE}: {deployment} succeeded: 2/2 tasks running"
