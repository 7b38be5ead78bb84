"""The release command on a site's first deploy (fargate_deploy/release_hold.py): the site's stack is
created held, the command runs from its service, in its network, and no task serves before it exits 0.

Against the session's moto server, which does here what AWS does to a held stack (tests/moto_as_aws.py):
CloudFormation registers the stack's ScalableTarget, Application Auto Scaling moves the service into
the target's range, and a condition that flips updates the resources that choose by it. moto starts
the release's task (RunTask) but never runs a task to its end, so DescribeTasks of that one task is
answered here: moto's own answer for it, STOPPED with the container's exit code, as ECS describes a
task whose essential container exited (the shape of tests/tasks/answers.py, Stubber-checked there)."""

from __future__ import annotations

import dataclasses
import io

import boto3
import pytest

from fargate_deploy import one_off, one_off_tasks, release_hold, site_parameters
from fargate_deploy.aws import Aws
from fargate_deploy.errors import DeploymentFailed, ExitCode, RefusedError
from fargate_deploy.operations import outputs_of, parameters_of
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.waiting import Pace

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
def first_deploy(aws, settings, monkeypatch):
    """(deployer with a release command, base outputs): the base stack and an image, no site yet."""
    monkeypatch.setattr(Aws, "enable_termination_protection", lambda self, stack_name: None)
    released = dataclasses.replace(settings, release_command=RELEASE, desired_count=2, min_count=1)
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
        "desired": service["desiredCount"],
        "range": (target["MinCapacity"], target["MaxCapacity"]),
        "suspended": {k: target["SuspendedState"][k] for k in SUSPENDED},
    }


def release_task_ends(monkeypatch, aws: Aws, base: dict, exit_code: int, lines: list[str]) -> list[dict]:
    """DescribeTasks answers for the release's task as ECS does once its container exited; each answer
    first records the site as it is while the release runs."""
    seen: list[dict] = []
    describe = aws.describe_tasks

    def describe_tasks(cluster: str, task_arns: list[str]) -> list[dict]:
        found = describe(cluster, task_arns)
        ended = []
        for task in found:
            if task.get("startedBy") != one_off.STARTED_BY_RELEASE:
                ended.append(task)
                continue
            if not seen:
                answers.write_log(lines, task_arn=task["taskArn"], group=base["LogGroupName"])
            seen.append({**site_now(base), "task_definition": task["taskDefinitionArn"]})
            stopped = {
                "stopCode": "EssentialContainerExited",
                "stoppedReason": "Essential container in task exited",
            }
            container = {"name": "web", "lastStatus": "STOPPED", "exitCode": exit_code}
            ended.append({**task, "lastStatus": "STOPPED", "containers": [container], **stopped})
        return ended

    monkeypatch.setattr(aws, "describe_tasks", describe_tasks)
    return seen


def parameters(deployer, base: dict, *, held: bool = False) -> dict[str, str]:
    """The site's parameters as the service workflow builds them for this stack."""
    current = deployer.aws.describe_stack(STACK)
    return site_parameters.service_parameters(
        deployer.settings, base, image_tag="new5678", creating=release_hold.sends_desired_count(current),
        rule_priority=100, held=held,
    )  # fmt: skip


def release(deployer, base: dict, reporter) -> one_off_tasks.ReleaseResult | None:
    return one_off_tasks.release(
        deployer.aws, deployer.settings, reporter, image=f"{base['RepositoryUri']}:new5678",
        image_tag="new5678", pace=Pace(0.05, 60),
        create_held=lambda: deployer.apply(STACK, "service.yaml", parameters(deployer, base, held=True),
                                           yes=True, command="service --tag new5678"),
    )  # fmt: skip


@pytest.fixture
def reporter():
    """The release's reporter; what it wrote is `reporter.stderr.getvalue()`."""
    return PlainReporter(stdout=io.StringIO(), stderr=io.StringIO())


def test_the_first_release_runs_from_the_held_service_before_any_task_then_the_hold_is_lifted(
    first_deploy, monkeypatch, reporter
):
    deployer, base = first_deploy
    seen = release_task_ends(monkeypatch, deployer.aws, base, 0, ["Running upgrade -> 3c4d"])

    released = release(deployer, base, reporter)

    assert released is not None and released.created_held
    assert released.run.outcome.exit_code == 0
    # While the release ran: the stack held, its service at 0 tasks and its scaling unable to add one
    # (a MinCapacity of 1 would have moved the service to 1 when the target was registered).
    assert seen[0] == {
        "hold": "true",
        "desired": 0,
        "range": (0, 4),
        "suspended": dict.fromkeys(SUSPENDED, True),
        "task_definition": seen[0]["task_definition"],
    }
    assert "-release:" in seen[0]["task_definition"]  # the release's own family, deregistered after
    err = reporter.stderr.getvalue()
    assert "release | Running upgrade -> 3c4d" in err
    assert "Site www is new: creating its stack held" in err

    # The update after it lifts the hold with the site's count and scaling.
    lifting = parameters(deployer, base)
    assert (lifting["HoldForRelease"], lifting["DesiredCount"]) == ("false", "2")
    deployer.apply(STACK, "service.yaml", lifting, yes=True, command="service --tag new5678")
    assert site_now(base) == {
        "hold": "false",
        "desired": 2,
        "range": (1, 4),
        "suspended": dict.fromkeys(SUSPENDED, False),
    }

    # Autoscaling scales out; the next deploy runs the release beside the service and keeps that count.
    boto3.session.Session().client("ecs").update_service(
        cluster=base["ClusterName"], service=service_name(), desiredCount=3
    )
    assert release_hold.step(RELEASE, deployer.aws.describe_stack(STACK)) is release_hold.Step.BESIDE
    later = parameters(deployer, base)
    assert (later["HoldForRelease"], later["DesiredCount"]) == ("false", "")
    deployer.apply(STACK, "service.yaml", {**later, "ImageTag": "new5678"}, yes=True, command="service")
    assert site_now(base)["desired"] == 3


def test_the_held_stack_is_what_keeps_autoscaling_from_starting_a_task(first_deploy, monkeypatch, reporter):
    """The test process's moto moves a service into its scalable target's range when the target is
    registered, as Application Auto Scaling does: the same registration with MinCapacity 1 (what the
    stack has once the hold is lifted) would start a task before the release ran."""
    deployer, base = first_deploy
    release_task_ends(monkeypatch, deployer.aws, base, 0, ["done"])
    release(deployer, base, reporter)
    assert site_now(base)["desired"] == 0
    boto3.session.Session().client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=f"service/{base['ClusterName']}/{service_name()}",
        ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4,
    )  # fmt: skip
    assert site_now(base)["desired"] == 1


def test_a_failed_first_release_leaves_the_site_held_and_the_next_deploy_runs_it_first(
    first_deploy, monkeypatch, reporter
):
    deployer, base = first_deploy
    lines = [f"migration line {n}" for n in range(25)] + ["psycopg.OperationalError: connection refused"]
    release_task_ends(monkeypatch, deployer.aws, base, 1, lines)

    with pytest.raises(DeploymentFailed) as failed:
        release(deployer, base, reporter)

    assert failed.value.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert failed.value.message == (
        f"service: the release command {RELEASE!r} on image new5678: exited 1 "
        "(EssentialContainerExited: Essential container in task exited); site www was created held: "
        "no task serves it, and the next deploy runs the release command again before any task starts"
    )
    assert failed.value.hint == (
        "fix the command or the app, push a new image, then: python3 deploy.py service --tag <tag>"
    )
    err = reporter.stderr.getvalue()
    assert err.splitlines()[-1].endswith("release | psycopg.OperationalError: connection refused")
    assert sum("release | migration line 24" in line for line in err.splitlines()) == 2  # streamed, tail
    now = site_now(base)
    assert (now["hold"], now["desired"], now["range"][0]) == ("true", 0, 0)
    ecs = boto3.session.Session().client("ecs")
    families = ecs.list_task_definitions(familyPrefix=f"{STACK}-release", status="ACTIVE")[
        "taskDefinitionArns"
    ]
    assert families == []  # the release's revision is deregistered, failed or not

    # The next deploy: the site is held, so the release runs first again (beside the held service);
    # this time it succeeds, and only then does the update lift the hold.
    assert release_hold.step(RELEASE, deployer.aws.describe_stack(STACK)) is release_hold.Step.HELD
    seen = release_task_ends(monkeypatch, deployer.aws, base, 0, ["Running upgrade -> 3c4d"])
    again = release(deployer, base, reporter)
    assert again is not None and not again.created_held
    assert (seen[0]["hold"], seen[0]["desired"]) == ("true", 0)
    deployer.apply(STACK, "service.yaml", parameters(deployer, base), yes=True, command="service")
    assert site_now(base)["desired"] == 2


def test_a_release_command_runtask_would_refuse_creates_nothing(first_deploy, reporter):
    deployer, base = first_deploy
    deployer.settings = dataclasses.replace(deployer.settings, release_command="flask " + "x" * 8200)
    with pytest.raises(RefusedError) as refused:
        release(deployer, base, reporter)
    assert refused.value.exit_code == ExitCode.REFUSED
    assert refused.value.message.startswith(
        "service: the release command: the command (with its settings) is "
    )
    assert refused.value.message.endswith("; RunTask allows 8192; nothing was changed")
    assert deployer.aws.describe_stack(STACK) is None
