"""The release command on a site's first deploy (fargate_deploy/release_hold.py): `service` creates the
site's stack held, runs the command from its service, in its network, and only then starts the site's
tasks; no task serves before the command exits 0.

Against the session's moto server, which does here what AWS does to a held stack (tests/moto_as_aws.py):
CloudFormation registers the stack's ScalableTarget, Application Auto Scaling moves the service into
the target's range, and a condition that flips updates the resources that choose by it. moto starts
the release's task (RunTask) but never runs a task to its end, so DescribeTasks of that one task is
answered here: moto's own answer for it, STOPPED with the container's exit code, as ECS describes a
task whose essential container exited (the shape of tests/tasks/answers.py, Stubber-checked there)."""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from fargate_deploy import one_off
from fargate_deploy.aws import Aws
from fargate_deploy.cli import main
from fargate_deploy.errors import DeploymentFailed, ExitCode
from fargate_deploy.operations import outputs_of, parameters_of
from tests.cli_output import after_target

from . import answers
from .conftest import make_deployer, put_image

pytestmark = [
    pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning"),
    pytest.mark.filterwarnings("ignore:No Moto CloudFormation support:UserWarning"),
]

RELEASE = "flask --app flasksite db upgrade"
STACK = "flaskcom-test-www"
SUSPENDED = ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")


@pytest.fixture
def released(settings):
    return dataclasses.replace(settings, release_command=RELEASE, desired_count=2, min_count=1)


@pytest.fixture
def first_deploy(aws, released, monkeypatch):
    """(the deploy workflows with a release command, base outputs): the base stack and an image, no site."""
    monkeypatch.setattr(Aws, "enable_termination_protection", lambda self, stack_name: None)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")  # the tasks a rollout reaches, in moto's ECS
    deployer = make_deployer(released)
    base = deployer.resources(yes=True).outputs
    put_image(base["RepositoryName"], "new5678")
    return deployer, base


def service_name() -> str:
    stack = boto3.session.Session().client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return outputs_of(stack)["ServiceName"]


def site_now(base: dict) -> dict:
    """What moto holds of the site: the service's desired count, its scalable target, the stack's hold."""
    session = boto3.session.Session()
    stack = session.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    (service,) = session.client("ecs").describe_services(
        cluster=base["ClusterName"], services=[outputs_of(stack)["ServiceName"]]
    )["services"]
    autoscaling = session.client("application-autoscaling")
    (target,) = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return {
        "hold": parameters_of(stack)["HoldForRelease"],
        "image": parameters_of(stack)["ImageTag"],
        "desired": service["desiredCount"],
        "range": (target["MinCapacity"], target["MaxCapacity"]),
        "suspended": {k: target["SuspendedState"][k] for k in SUSPENDED},
    }


def release_task_ends(monkeypatch, base: dict, exit_code: int, lines: list[str]) -> list[dict]:
    """DescribeTasks answers for a release's task as ECS does once its container exited; each answer
    first records the site as it is while the release runs (with the task's task definition)."""
    seen: list[dict] = []
    describe = Aws.describe_tasks

    def describe_tasks(self, cluster: str, task_arns: list[str]) -> list[dict]:
        ended = []
        for task in describe(self, cluster, task_arns):
            if task.get("startedBy") != one_off.STARTED_BY_RELEASE:
                ended.append(task)
                continue
            if task["taskArn"] not in {s["task"] for s in seen}:
                answers.write_log(lines, task_arn=task["taskArn"], group=base["LogGroupName"])
            seen.append({**site_now(base), "task": task["taskArn"], "definition": task["taskDefinitionArn"]})
            stopped = {
                "stopCode": "EssentialContainerExited",
                "stoppedReason": "Essential container in task exited",
            }
            container = {"name": "web", "lastStatus": "STOPPED", "exitCode": exit_code}
            ended.append({**task, "lastStatus": "STOPPED", "containers": [container], **stopped})
        return ended

    monkeypatch.setattr(Aws, "describe_tasks", describe_tasks)
    return seen


def change_sets(monkeypatch) -> list[tuple[str, str]]:
    """(type, HoldForRelease) of each change set the workflow creates, in order."""
    made: list[tuple[str, str]] = []
    create = Aws.create_change_set

    def create_change_set(self, **kwargs):
        made.append((kwargs["change_set_type"], kwargs["parameters"].get("HoldForRelease", "")))
        return create(self, **kwargs)

    monkeypatch.setattr(Aws, "create_change_set", create_change_set)
    return made


def test_a_first_deploy_runs_the_release_from_the_held_service_then_starts_the_tasks(
    first_deploy, monkeypatch
):
    deployer, base = first_deploy
    seen = release_task_ends(monkeypatch, base, 0, ["Running upgrade -> 3c4d"])
    made = change_sets(monkeypatch)

    result = deployer.deploy_service("new5678")

    assert result.image_tag == "new5678"
    assert made == [("CREATE", "true"), ("UPDATE", "false")]  # created held, then lifted
    # While the release ran: the stack held, its service at 0 tasks and its scaling unable to add one
    # (a MinCapacity of 1 would have moved the service to 1 when the target was registered).
    (during,) = seen
    assert {k: during[k] for k in ("hold", "desired", "range", "suspended")} == {
        "hold": "true", "desired": 0, "range": (0, 4), "suspended": dict.fromkeys(SUSPENDED, True),
    }  # fmt: skip
    assert f":task-definition/{STACK}-release:" in during["definition"]  # its own family
    err = deployer.stderr.getvalue()
    assert "Site www is new: creating its stack held (no task, autoscaling suspended)" in err
    assert "release | Running upgrade -> 3c4d" in err
    # After it: the site's count and scaling.
    assert site_now(base) == {
        "hold": "false", "image": "new5678", "desired": 2, "range": (1, 4),
        "suspended": dict.fromkeys(SUSPENDED, False),
    }  # fmt: skip

    # Autoscaling scales out; the next deploy runs the release beside the serving service, and keeps
    # the count (it sends no DesiredCount).
    boto3.session.Session().client("ecs").update_service(
        cluster=base["ClusterName"], service=service_name(), desiredCount=3
    )
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "3")
    put_image(base["RepositoryName"], "next9012")
    deployer.deploy_service("next9012")
    assert (seen[-1]["hold"], seen[-1]["desired"], seen[-1]["image"]) == ("false", 3, "new5678")
    assert made[2:] == [("UPDATE", "false")]
    assert (site_now(base)["desired"], site_now(base)["image"]) == (3, "next9012")


def test_a_failed_first_release_leaves_the_site_held_and_the_next_deploy_runs_it_first(
    first_deploy, monkeypatch
):
    deployer, base = first_deploy
    lines = [f"migration line {n}" for n in range(25)] + ["psycopg.OperationalError: connection refused"]
    release_task_ends(monkeypatch, base, 1, lines)
    made = change_sets(monkeypatch)

    with pytest.raises(DeploymentFailed) as failed:
        deployer.deploy_service("new5678")

    assert failed.value.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert failed.value.message == (
        f"service: the release command {RELEASE!r} on image new5678: exited 1 "
        "(EssentialContainerExited: Essential container in task exited); site www was created held: "
        "no task serves it, and the next deploy runs the release command again before any task starts"
    )
    assert failed.value.hint == (
        "fix the command or the app, push a new image, then: python3 deploy.py service --tag <tag>"
    )
    err = deployer.stderr.getvalue().splitlines()
    assert err[-1].endswith("release | psycopg.OperationalError: connection refused")
    assert sum("release | migration line 24" in line for line in err) == 2  # streamed, then the tail
    assert made == [("CREATE", "true")]  # no update: the hold stays
    now = site_now(base)
    assert (now["hold"], now["desired"], now["range"]) == ("true", 0, (0, 4))
    ecs = boto3.session.Session().client("ecs")
    left = ecs.list_task_definitions(familyPrefix=f"{STACK}-release", status="ACTIVE")["taskDefinitionArns"]
    assert left == []  # the release's revision is deregistered, failed or not

    # The next deploy (a fixed image): the release runs first again, beside the held service, and only
    # once it exits 0 does the update lift the hold.
    put_image(base["RepositoryName"], "fixed345")
    seen = release_task_ends(monkeypatch, base, 0, ["Running upgrade -> 3c4d"])
    deployer.deploy_service("fixed345")
    assert (seen[0]["hold"], seen[0]["desired"]) == ("true", 0)
    assert made[1:] == [("UPDATE", "false")]
    now = site_now(base)
    assert (now["hold"], now["image"], now["desired"], now["range"]) == ("false", "fixed345", 2, (1, 4))


def test_registering_the_lifted_range_on_the_held_service_would_start_a_task(first_deploy, monkeypatch):
    """The test process's moto moves a service into its scalable target's range when the target is
    registered, as Application Auto Scaling does: the lifted stack's MinCapacity of 1, registered while
    the service is held at 0, starts a task. So the held stack's MinCapacity 0 is what keeps it at 0."""
    deployer, base = first_deploy
    release_task_ends(monkeypatch, base, 1, ["failed"])
    with pytest.raises(DeploymentFailed):
        deployer.deploy_service("new5678")
    assert site_now(base)["desired"] == 0
    boto3.session.Session().client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=f"service/{base['ClusterName']}/{service_name()}",
        ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4,
    )  # fmt: skip
    assert site_now(base)["desired"] == 1


# --- through the command line ---


@pytest.fixture
def cli(first_deploy, released, monkeypatch, tmp_path, capsys):
    """main([...]) with the released settings; (exit code, stdout, stderr lines after the target)."""
    monkeypatch.chdir(tmp_path)

    def run(argv: list[str], settings=released) -> tuple[int, str, list[str]]:
        monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out, after_target(captured.err)

    return run


def test_plan_of_a_new_site_says_it_is_created_held_for_the_release(cli):
    code, out, _ = cli(["plan"])
    assert code == 0
    assert (
        "release: site www is new: its stack is created with no task and autoscaling suspended, "
        f"{RELEASE!r} runs as a one-off task on the new image in the service's network, and only if it "
        "exits 0 does the service start 2 tasks; if it fails, no task serves"
    ) in out.splitlines()


def test_a_failed_first_release_exits_1_with_its_tail_and_no_task(cli, first_deploy, monkeypatch):
    _, base = first_deploy
    release_task_ends(monkeypatch, base, 3, ["alembic.util.exc.CommandError: Can't locate revision"])
    code, _, err = cli(["service", "--tag", "new5678", "--yes"])
    assert code == 1
    assert any(
        line.endswith("release | alembic.util.exc.CommandError: Can't locate revision") for line in err
    )
    assert err[-2].startswith(f"error: service: the release command {RELEASE!r} on image new5678: exited 3 ")
    assert (
        err[-1]
        == "hint: fix the command or the app, push a new image, then: python3 deploy.py service --tag <tag>"
    )
    assert (site_now(base)["hold"], site_now(base)["desired"]) == ("true", 0)
    code, out, _ = cli(["plan"])
    assert (
        f"release: site www is held (no task serves: its first release did not succeed); {RELEASE!r} "
        "runs first, and only if it exits 0 does the service start 2 tasks"
    ) in out.splitlines()


def test_a_release_command_runtask_would_refuse_exits_2_and_creates_nothing(cli, released):
    too_long = dataclasses.replace(released, release_command="flask " + "x" * 8200)
    code, out, err = cli(["service", "--tag", "new5678", "--yes"], settings=too_long)
    assert (code, out, len(err)) == (2, "", 2)
    assert err[0].startswith("error: service: the release command: the command (with its settings) is ")
    assert err[0].endswith(" characters as RunTask overrides; RunTask allows 8192; nothing was changed")
    assert err[1] == "hint: shorten release_command in deploy.toml"
    stacks = boto3.session.Session().client("cloudformation").list_stacks()["StackSummaries"]
    assert STACK not in {s["StackName"] for s in stacks}
