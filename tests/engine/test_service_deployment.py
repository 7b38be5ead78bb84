"""The pure rules for the ECS deployment we started (fargate_deploy/service_deployment.py)."""

from __future__ import annotations

import botocore.session
import pytest

from fargate_deploy.errors import ExitCode
from fargate_deploy.service_deployment import (
    STATUS_PHASES,
    DeploymentOutcome,
    Phase,
    deployment_state,
    failure_events,
    is_failure_event,
    our_deployment,
    stopped_task_reasons,
)
from tests.engine import recorded_ecs as ecs

ECS_MODEL = botocore.session.get_session().get_service_model("ecs")


def test_every_service_deployment_status_has_a_phase():
    assert set(STATUS_PHASES) == set(ECS_MODEL.shape_for("ServiceDeploymentStatus").enum)


EARLIER = ecs.brief(ecs.EARLIER, ecs.OLD_REVISION, created=-3600, status="SUCCESSFUL")
OURS = ecs.brief(ecs.OURS, ecs.OUR_REVISION, created=10)
THEIRS_AFTER = ecs.brief(ecs.THEIRS, ecs.THEIR_REVISION, created=40)
THEIRS_BEFORE = ecs.brief(ecs.THEIRS, ecs.THEIR_REVISION, created=5)


@pytest.mark.parametrize(
    ("briefs", "task_definition", "ours", "newer"),
    [
        ([OURS, EARLIER], ecs.TASK_DEFINITION, ecs.OURS, []),
        ([EARLIER], ecs.TASK_DEFINITION, None, []),  # ECS has not created it yet
        ([THEIRS_AFTER, OURS, EARLIER], ecs.TASK_DEFINITION, ecs.OURS, [ecs.THEIRS]),
        # Someone else's started between our update and ours: it deploys another task definition.
        ([OURS, THEIRS_BEFORE], ecs.TASK_DEFINITION, ecs.OURS, []),
        ([THEIRS_BEFORE], ecs.TASK_DEFINITION, None, []),
        # Without our task definition, the first created after our update is ours.
        ([THEIRS_AFTER, OURS, EARLIER], None, ecs.OURS, [ecs.THEIRS]),
    ],
    ids=["ours", "not yet", "superseded", "someone else's first", "only someone else's", "by time"],
)
def test_which_deployment_is_ours(briefs, task_definition, ours, newer):
    found = our_deployment(
        briefs, since=ecs.at(0), task_definition=task_definition, revisions=ecs.REVISION_TASK_DEFINITIONS
    )
    assert (found.ours or {}).get("serviceDeploymentArn") == ours
    assert [b["serviceDeploymentArn"] for b in found.newer] == newer


def only(answer: dict) -> dict:
    return answer["serviceDeployments"][0]


@pytest.mark.parametrize(
    ("answer", "newer", "phase", "line"),
    [
        (
            ecs.described("PENDING"),
            [],
            Phase.PENDING,
            "ECS deployment NCWGC2ZR-taawPAYrIaU5: pending – 0/2 running, 0 pending",
        ),
        (
            ecs.described("IN_PROGRESS", running=1, pending=1, breaker_failures=1),
            [],
            Phase.IN_PROGRESS,
            "ECS deployment NCWGC2ZR-taawPAYrIaU5: in progress – 1/2 running, 1 pending, "
            "circuit breaker: 1 failed task (threshold 3)",
        ),
        (
            ecs.described("ROLLBACK_IN_PROGRESS", triggered=(ecs.ALARM_5XX,)),
            [],
            Phase.ROLLING_BACK,
            f"ECS deployment NCWGC2ZR-taawPAYrIaU5: rolling back – 0/2 running, 0 pending, "
            f"alarm in ALARM: {ecs.ALARM_5XX}",
        ),
        (ecs.described("SUCCESSFUL", running=2), [], Phase.SUCCEEDED, None),
        (ecs.described("ROLLBACK_SUCCESSFUL"), [], Phase.ROLLED_BACK, None),
        (ecs.described("ROLLBACK_FAILED"), [], Phase.ROLLBACK_FAILED, None),
        (ecs.described("STOPPED"), [], Phase.FAILED, None),
        (
            ecs.described("IN_PROGRESS", running=1),
            [THEIRS_AFTER],
            Phase.SUPERSEDED,
            "ECS deployment NCWGC2ZR-taawPAYrIaU5: superseded – 1/2 running, 0 pending, "
            "superseded by r9i43YFjvgF_xlg7m2eJ1r",
        ),
        (ecs.described("STOPPED"), [THEIRS_AFTER], Phase.SUPERSEDED, None),
        # Ours ended before the newer one came (or was rolled back by ECS): its own state stands.
        (ecs.described("SUCCESSFUL", running=2), [THEIRS_AFTER], Phase.SUCCEEDED, None),
        (ecs.described("ROLLBACK_SUCCESSFUL"), [THEIRS_AFTER], Phase.ROLLED_BACK, None),
    ],
)
def test_deployment_state(answer, newer, phase, line):
    state = deployment_state(only(answer), newer)
    assert state.phase is phase
    if line:
        assert state.line() == line


@pytest.mark.parametrize(
    ("message", "failure"),
    [
        ("has stopped 1 running tasks: (task 5f3c1b2e9a0d4c8b).", False),
        ("has started 2 tasks: (task 5f3c1b2e9a0d4c8b) (task 9a8b7c6d5e4f3a2b).", False),
        ("has begun draining connections on 1 tasks.", False),
        (
            "registered 1 targets in (target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1)",
            False,
        ),
        (
            "deregistered 1 targets in (target-group arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t)",
            False,
        ),
        ("has reached a steady state.", False),
        ("(deployment ecs-svc/1234567890123456789) deployment completed.", False),
        (
            "(task 5f3c1b2e9a0d4c8b) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:"
            "us-east-1:1:targetgroup/t/1) due to (reason Health checks failed with these codes: [502]).",
            True,
        ),
        ("(task 5f3c1b2e9a0d4c8b) failed container health checks.", True),
        ("was unable to place a task. Reason: Capacity is unavailable at this time.", True),
        ("rolling back to deployment ecs-svc/1234567890123456789.", True),
        ("(deployment ecs-svc/9876543210987654321) deployment failed: alarm detected.", True),
    ],
)
def test_routine_service_events_are_not_failure_reasons(message, failure):
    assert is_failure_event(f"(service {ecs.SERVICE}) {message}") is failure


def test_failure_events_are_newer_than_our_update_oldest_first_and_once():
    answer = ecs.service(
        [
            (-600, "(task 0ld) failed container health checks."),  # before our update: not ours
            (20, "has started 2 tasks: (task 5f3c)."),
            (
                80,
                "(task 5f3c) (port 8080) is unhealthy in (target-group tg) due to (reason 502)",
            ),
            (90, "has stopped 1 running tasks: (task 5f3c)."),
            (
                95,
                "(task 5f3c) (port 8080) is unhealthy in (target-group tg) due to (reason 502)",
            ),
            (300, "rolling back to deployment ecs-svc/1234567890123456789."),
        ]
    )["services"][0]
    assert failure_events(answer, since=ecs.at(0)) == (
        f"(service {ecs.SERVICE}) (task 5f3c) (port 8080) is unhealthy in (target-group tg) due to "
        "(reason 502)",
        f"(service {ecs.SERVICE}) rolling back to deployment ecs-svc/1234567890123456789.",
    )
    assert failure_events(answer, since=ecs.at(0), limit=1) == (
        f"(service {ecs.SERVICE}) rolling back to deployment ecs-svc/1234567890123456789.",
    )


def test_only_the_stopped_tasks_of_our_deployment_are_reasons():
    ours = "ecs-svc/9876543210987654321"
    tasks = [
        ecs.task(1, ecs.TASK_DEFINITION, ours, 30, "Essential container in task exited", 3),
        ecs.task(
            2,
            ecs.OLD_TASK_DEFINITION,
            "ecs-svc/1234567890123456789",
            40,
            "Scaling activity initiated by (deployment ecs-svc/9876543210987654321)",
            None,
        ),
        ecs.task(
            3,
            ecs.TASK_DEFINITION,
            "ecs-svc/5555555555555555555",
            45,
            "Task stopped by someone else's deployment",
            None,
        ),
        ecs.task(4, ecs.TASK_DEFINITION, ours, -100, "An older task of the same revision", None),
        ecs.task(5, ecs.TASK_DEFINITION, ours, 50, "Essential container in task exited", 3),  # same reason
    ]
    assert stopped_task_reasons(
        tasks, task_definition=ecs.TASK_DEFINITION, started_by=ours, since=ecs.at(0)
    ) == ("Essential container in task exited; web exited with 3",)


@pytest.mark.parametrize(
    ("answer", "newer", "code", "summary"),
    [
        (
            ecs.described("SUCCESSFUL", running=2),
            [],
            ExitCode.DONE,
            f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 succeeded: 2/2 tasks running",
        ),
        (
            ecs.described(
                "ROLLBACK_SUCCESSFUL",
                triggered=(ecs.ALARM_5XX,),
                rollback_reason="Service deployment rolled back because a CloudWatch alarm went into ALARM.",
            ),
            [],
            ExitCode.DEPLOYMENT_FAILED,
            f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 rolled back: alarm {ecs.ALARM_5XX} "
            "went into ALARM; Service deployment rolled back because a CloudWatch alarm went into ALARM.",
        ),
        (
            ecs.described(
                "ROLLBACK_SUCCESSFUL",
                breaker_failures=3,
                breaker_status="TRIGGERED",
                rollback_reason="ECS deployment circuit breaker: tasks failed to start.",
            ),
            [],
            ExitCode.DEPLOYMENT_FAILED,
            f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 rolled back: "
            "circuit breaker counted "
            "3 failed tasks (threshold 3); ECS deployment circuit breaker: tasks failed to start.",
        ),
        (
            ecs.described("STOPPED", reason="Service deployment stopped by a user."),
            [],
            ExitCode.DEPLOYMENT_FAILED,
            f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 failed: "
            "Service deployment stopped by a user.",
        ),
        (
            ecs.described("IN_PROGRESS", running=1),
            [THEIRS_AFTER],
            ExitCode.DONE,
            f"Service {ecs.SERVICE}: ECS deployment NCWGC2ZR-taawPAYrIaU5 superseded by "
            "r9i43YFjvgF_xlg7m2eJ1r before it finished; the service follows that deployment now "
            "(not a failure of this one)",
        ),
    ],
    ids=["succeeded", "alarm rollback", "circuit breaker rollback", "stopped", "superseded"],
)
def test_the_outcome_says_what_happened_in_ecss_words(answer, newer, code, summary):
    outcome = DeploymentOutcome(service=ecs.SERVICE, state=deployment_state(only(answer), newer))
    assert outcome.exit_code == code
    assert outcome.summary() == summary


def test_no_deployment_is_nothing_to_roll_out():
    outcome = DeploymentOutcome(service=ecs.SERVICE, state=None)
    assert outcome.phase is Phase.NONE and outcome.exit_code == ExitCode.DONE
    assert (
        outcome.summary()
        == f"Service {ecs.SERVICE}: the update started no ECS deployment (nothing to roll out)"
    )
