"""Following the ECS deployment we started, by its id, with botocore's Stubber: moto does not model
ECS's service deployment API (ListServiceDeployments / DescribeServiceDeployments /
DescribeServiceRevisions) and runs no tasks, so every answer here is shaped like the real API
(tests/engine/recorded_ecs.py) and checked by Stubber against botocore's model. No test sleeps:
the clock moves only when the follower sleeps."""

from __future__ import annotations

import io

import pytest
from botocore.stub import ANY

from fargate_deploy.errors import ExitCode
from fargate_deploy.follow import DeploymentWatch, follow_deployment, follow_stack
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.service_deployment import Phase
from fargate_deploy.waiting import Pace, WaitTimedOut
from tests.deployer.conftest import stubbed_aws
from tests.engine import recorded
from tests.engine import recorded_ecs as ecs
from tests.engine.stubs import replay_stack

LIST = {"cluster": ecs.CLUSTER, "service": ecs.SERVICE, "createdAt": {"after": ecs.at(0)}}
OUR_TASK = "ecs-svc/9876543210987654321"
STOPPED_TASKS = [
    ecs.task(1, ecs.TASK_DEFINITION, OUR_TASK, 60, "Essential container in task exited", 1),
    # A task of the deployment that ran before ours, stopped by the rollback's scale-in: not a reason.
    ecs.task(
        2, ecs.OLD_TASK_DEFINITION, "ecs-svc/1234567890123456789", -3000, "Scaling activity initiated", None
    ),
]
EVENTS = [
    (12, "has started 2 tasks: (task 5f3c1b2e9a0d4c8b0001) (task 5f3c1b2e9a0d4c8b0003)."),
    (
        95,
        "(task 5f3c1b2e9a0d4c8b0003) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:"
        "us-east-1:123456789012:targetgroup/flask-www/0123456789abcdef) due to (reason Health checks failed "
        "with these codes: [500]).",
    ),
    (130, "has stopped 1 running tasks: (task 5f3c1b2e9a0d4c8b0001)."),
    (300, "rolling back to deployment ecs-svc/1234567890123456789."),
]
ROLLBACK_REASON = "Service deployment rolled back because a CloudWatch alarm went into ALARM."
OURS_NAME = "ECS deployment NCWGC2ZR-taawPAYrIaU5"


@pytest.fixture
def ecs_stub():
    aws, stubs, clock = stubbed_aws("ecs", "cloudformation")
    clock.now = recorded.START.timestamp()
    for stub in stubs.values():
        stub.activate()
    err = io.StringIO()
    reporter = PlainReporter(stdout=io.StringIO(), stderr=err, clock=clock)
    yield aws, stubs, clock, reporter, err
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def answer_poll(stub, briefs, described=None, *, revisions=None):
    stub.add_response("list_service_deployments", {"serviceDeployments": briefs}, LIST)
    if revisions:
        stub.add_response(
            "describe_service_revisions", ecs.revisions(*revisions), {"serviceRevisionArns": list(revisions)}
        )
    if described is not None:
        stub.add_response("describe_service_deployments", described, {"serviceDeploymentArns": [ecs.OURS]})


def answer_failure_details(stub):
    stub.add_response(
        "describe_services", ecs.service(EVENTS), {"cluster": ecs.CLUSTER, "services": [ecs.SERVICE]}
    )
    arns = [t["taskArn"] for t in STOPPED_TASKS]
    stub.add_response(
        "list_tasks",
        {"taskArns": arns},
        {"cluster": ecs.CLUSTER, "serviceName": ecs.SERVICE, "desiredStatus": "STOPPED", "maxResults": ANY},
    )
    stub.add_response(
        "describe_tasks", {"tasks": STOPPED_TASKS, "failures": []}, {"cluster": ecs.CLUSTER, "tasks": arns}
    )


OURS = ecs.brief(ecs.OURS, ecs.OUR_REVISION, created=10)


def queue_alarm_rollback(stub):
    answer_poll(stub, [])  # 10:00:00 ECS has not created it yet
    answer_poll(stub, [OURS], ecs.described("IN_PROGRESS", pending=2), revisions=[ecs.OUR_REVISION])
    answer_poll(stub, [OURS], ecs.described("IN_PROGRESS", pending=2))
    answer_poll(stub, [OURS], ecs.described("IN_PROGRESS", running=2))
    answer_poll(stub, [OURS], ecs.described("ROLLBACK_IN_PROGRESS", running=2, triggered=(ecs.ALARM_5XX,)))
    answer_poll(
        stub,
        [OURS],
        ecs.described(
            "ROLLBACK_SUCCESSFUL",
            triggered=(ecs.ALARM_5XX,),
            rollback_reason=ROLLBACK_REASON,
            reason=ROLLBACK_REASON,
        ),
    )
    answer_failure_details(stub)


def watch(aws, reporter, **kwargs):
    kwargs.setdefault("since", ecs.at(0))
    kwargs.setdefault("task_definition", ecs.TASK_DEFINITION)
    return DeploymentWatch(aws, reporter, cluster=ecs.CLUSTER, service=ecs.SERVICE, **kwargs)


def test_a_rollout_ecs_rolled_back_on_an_alarm_in_a_ci_log(ecs_stub):
    """The CI renderer over a recorded rollout: the whole log, line for line."""
    aws, stubs, clock, reporter, err = ecs_stub
    queue_alarm_rollback(stubs["ecs"])
    outcome = follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    assert outcome.phase is Phase.ROLLED_BACK and outcome.exit_code == ExitCode.DEPLOYMENT_FAILED
    unhealthy = EVENTS[1][1]
    assert err.getvalue().splitlines() == [
        f"10:00:00 Service {ecs.SERVICE}: waiting for ECS to start the deployment – 0s",
        f"10:00:10 {OURS_NAME}: in progress – 0/2 running, 2 pending – 10s",
        f"10:00:25 still waiting: {OURS_NAME}: in progress – 0/2 running, 2 pending – 25s",
        f"10:00:30 {OURS_NAME}: in progress – 2/2 running, 0 pending – 30s",
        f"10:00:40 {OURS_NAME}: rolling back – 2/2 running, 0 pending, alarm in ALARM: {ecs.ALARM_5XX} – 40s",
        f"10:00:50 {OURS_NAME}: rolled back – 0/2 running, 0 pending, alarm in ALARM: {ecs.ALARM_5XX} – 50s",
        f"10:00:50 ✗ Service {ecs.SERVICE}: {OURS_NAME} rolled back: alarm {ecs.ALARM_5XX} went into ALARM; "
        f"{ROLLBACK_REASON}; task stopped: Essential container in task exited; web exited with 1; "
        f"service event: (service {ecs.SERVICE}) {unhealthy}; "
        f"service event: (service {ecs.SERVICE}) rolling back to deployment ecs-svc/1234567890123456789. "
        "– 50s",
    ]
    assert clock.sleeps == [10, 10, 5, 5, 10, 10]


def test_a_successful_rollout_reads_no_tasks_or_events(ecs_stub):
    aws, stubs, clock, reporter, err = ecs_stub
    answer_poll(stubs["ecs"], [OURS], ecs.described("IN_PROGRESS", pending=2), revisions=[ecs.OUR_REVISION])
    answer_poll(stubs["ecs"], [OURS], ecs.described("SUCCESSFUL", running=2))
    outcome = follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    assert outcome.exit_code == ExitCode.DONE and outcome.stopped_tasks == () and outcome.events == ()
    assert err.getvalue().splitlines()[-1] == (
        f"10:00:10 ✓ Service {ecs.SERVICE}: {OURS_NAME} succeeded: 2/2 tasks running – 10s"
    )


def test_a_deployment_someone_else_started_later_supersedes_ours_and_is_not_our_failure(ecs_stub):
    aws, stubs, clock, reporter, err = ecs_stub
    theirs = ecs.brief(ecs.THEIRS, ecs.THEIR_REVISION, created=40)
    answer_poll(stubs["ecs"], [OURS], ecs.described("IN_PROGRESS", pending=2), revisions=[ecs.OUR_REVISION])
    answer_poll(stubs["ecs"], [theirs, OURS], ecs.described("IN_PROGRESS", running=1, pending=1))
    outcome = follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    assert outcome.phase is Phase.SUPERSEDED and outcome.exit_code == ExitCode.DONE
    assert outcome.state.superseded_by == ecs.THEIRS
    assert "superseded by r9i43YFjvgF_xlg7m2eJ1r before it finished" in err.getvalue()


def test_someone_elses_deployment_that_started_first_is_not_followed(ecs_stub):
    aws, stubs, clock, reporter, err = ecs_stub
    theirs = ecs.brief(ecs.THEIRS, ecs.THEIR_REVISION, created=5, status="SUCCESSFUL")
    revisions = [ecs.OUR_REVISION, ecs.THEIR_REVISION]
    answer_poll(stubs["ecs"], [theirs], revisions=[ecs.THEIR_REVISION])
    answer_poll(
        stubs["ecs"], [OURS, theirs], ecs.described("SUCCESSFUL", running=2), revisions=sorted(revisions)
    )
    outcome = follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    assert outcome.state.arn == ecs.OURS and outcome.phase is Phase.SUCCEEDED


def test_a_circuit_breaker_rollback_names_the_failed_tasks(ecs_stub):
    aws, stubs, clock, reporter, err = ecs_stub
    answer_poll(
        stubs["ecs"],
        [OURS],
        ecs.described(
            "ROLLBACK_SUCCESSFUL",
            breaker_failures=3,
            breaker_status="TRIGGERED",
            rollback_reason="ECS deployment circuit breaker: tasks failed to start.",
        ),
        revisions=[ecs.OUR_REVISION],
    )
    answer_failure_details(stubs["ecs"])
    outcome = follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=1800))
    assert outcome.exit_code == ExitCode.DEPLOYMENT_FAILED
    assert outcome.cause().startswith(
        "circuit breaker counted 3 failed tasks (threshold 3); "
        "ECS deployment circuit breaker: tasks failed to start.; "
        "task stopped: Essential container in task exited; web exited with 1"
    )
    assert "has stopped 1 running tasks" not in outcome.cause()  # routine, not a reason


def test_a_deployment_started_by_us_directly_is_followed_by_its_arn(ecs_stub):
    """restart / secret set --restart call UpdateService, which answers with currentServiceDeployment."""
    aws, stubs, clock, reporter, err = ecs_stub
    stub = stubs["ecs"]
    stub.add_response(
        "describe_service_deployments",
        ecs.described("IN_PROGRESS", pending=2),
        {"serviceDeploymentArns": [ecs.OURS]},
    )
    # From then on, deployments created since ours began would supersede it.
    since_ours = {**LIST, "createdAt": {"after": ecs.at(10)}}
    stub.add_response("list_service_deployments", {"serviceDeployments": [OURS]}, since_ours)
    stub.add_response("describe_service_deployments", ecs.described("SUCCESSFUL", running=2))
    outcome = follow_deployment(watch(aws, reporter, since=None, deployment_arn=ecs.OURS), pace=Pace(10, 600))
    assert outcome.phase is Phase.SUCCEEDED


def test_the_wait_for_a_deployment_is_bounded(ecs_stub):
    aws, stubs, clock, reporter, err = ecs_stub
    answer_poll(stubs["ecs"], [OURS], ecs.described("IN_PROGRESS", pending=2), revisions=[ecs.OUR_REVISION])
    for _ in range(3):
        answer_poll(stubs["ecs"], [OURS], ecs.described("IN_PROGRESS", running=1, pending=1))
    with pytest.raises(WaitTimedOut) as raised:
        follow_deployment(watch(aws, reporter), pace=Pace(interval=10, timeout=30))
    assert raised.value.message == (
        f"gave up waiting for the ECS deployment of service {ecs.SERVICE} to finish after 30s "
        f"(last seen: {OURS_NAME}: in progress – 1/2 running, 1 pending)"
    )


def test_the_stack_follower_drives_the_deployment_watch_from_the_operations_first_event(ecs_stub):
    """How the service workflow combines them: CloudFormation's first event of our operation is when it
    began on AWS's clock; from then on each stack poll also steps the ECS deployment."""
    aws, stubs, clock, reporter, err = ecs_stub
    events = recorded.SERVICE_UPDATE_COMPLETE
    replay_stack(stubs["cloudformation"], events, every=60)
    since = events[0]["Timestamp"]
    brief = ecs.brief(ecs.OURS, ecs.OUR_REVISION, created=10)
    after = {"cluster": ecs.CLUSTER, "service": ecs.SERVICE, "createdAt": {"after": since}}
    stub = stubs["ecs"]
    stub.add_response("list_service_deployments", {"serviceDeployments": [brief]}, after)
    stub.add_response("describe_service_revisions", ecs.revisions(ecs.OUR_REVISION))
    for status, running in (("IN_PROGRESS", 1), ("IN_PROGRESS", 2), ("SUCCESSFUL", 2), ("SUCCESSFUL", 2)):
        stub.add_response("describe_service_deployments", ecs.described(status, running=running))
        stub.add_response("list_service_deployments", {"serviceDeployments": [brief]}, after)
    stub.add_response("describe_service_deployments", ecs.described("SUCCESSFUL", running=2))
    deployment = watch(aws, reporter, since=None)
    seen = []

    def on_poll(poll):
        seen.append(poll.status)
        if poll.began_at is not None and deployment.since is None:
            deployment.since = poll.began_at
        deployment.step()

    outcome = follow_stack(
        aws, reporter, recorded.SERVICE_STACK, since_event_id=None, pace=Pace(60, 3600), on_poll=on_poll
    )
    assert outcome.status == "UPDATE_COMPLETE" and outcome.began_at == since
    assert deployment.state.phase is Phase.SUCCEEDED
    assert seen[0] == "UPDATE_IN_PROGRESS" and seen[-1] == "UPDATE_COMPLETE"
