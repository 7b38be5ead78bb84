"""`deploy.py run -- CMD` followed to its end: the RunTask request from the service, the task's own
log lines as they arrive (moto's CloudWatch Logs), and the exit code that of the container, or 1 with
ECS's stopped reason. ECS answers through Stubber: moto never stops a task, so it has no exit code or
stopped reason to give (tests/tasks/answers.py)."""

from __future__ import annotations

import os
import signal

import pytest

from fargate_deploy import one_off
from fargate_deploy.one_off_tasks import TASK_POLL_SECONDS
from tests.cli_output import after_target
from tests.engine import recorded_ecs as ecs

from . import answers
from .conftest import run

COMMAND = ["flask", "--app", "flasksite", "init-db"]
PULL = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/flaskcom-test:nope: not found"
)


def expect_run(stubs) -> None:
    service = answers.answer_site(stubs)
    request = one_off.run_task_request(service, cluster=ecs.CLUSTER, command=COMMAND)
    stubs["ecs"].add_response("run_task", answers.started(), request)


def on_each_sleep(clock, *actions):
    """Run one action at each of the follower's sleeps, in order (the task "writes" as time passes)."""
    pending = list(actions)
    sleep = clock.sleep

    def sleeping(seconds: float) -> None:
        sleep(seconds)
        if pending:
            pending.pop(0)()

    clock.sleep = sleeping
    return clock


def test_the_task_s_lines_stream_as_they_arrive_and_its_exit_code_is_the_command_s(
    stubbed, monkeypatch, capsys
):
    aws, stubs, clock = stubbed
    expect_run(stubs)
    answers.answer_task(stubs["ecs"], "PROVISIONING")
    answers.answer_task(stubs["ecs"], "RUNNING")
    answers.answer_task(stubs["ecs"], "RUNNING")
    answers.answer_task(
        stubs["ecs"], "STOPPED", exitCode=3, stopCode="EssentialContainerExited",
        stoppedReason="Essential container in task exited",
    )  # fmt: skip
    aws.sleep = on_each_sleep(
        clock,
        lambda: answers.write_log(
            ["Initialising the database", answers.json_line("Running upgrade -> 1a2b")]
        ),
        lambda: answers.write_log(["Error: table users already exists"]),
    ).sleep

    code, out, err = run(monkeypatch, capsys, ["run", "--", *COMMAND])

    assert code == 3
    assert out.splitlines() == [
        "Initialising the database",
        "INFO alembic: Running upgrade -> 1a2b",
        "Error: table users already exists",
    ]
    assert "Started task 0123456789abcdef0123456789abcdef" in err
    assert "run: exited 3 (EssentialContainerExited: Essential container in task exited)" in err


def test_lines_written_just_before_the_task_stopped_are_not_lost(stubbed, monkeypatch, capsys):
    aws, stubs, clock = stubbed
    expect_run(stubs)
    answers.answer_task(stubs["ecs"], "RUNNING")
    answers.answer_task(stubs["ecs"], "STOPPED", exitCode=0, stopCode="EssentialContainerExited")
    # Written after the follower read the log and before it asked for the task: read once more.
    aws.sleep = on_each_sleep(clock, lambda: None).sleep
    original = aws.describe_tasks

    def describe_then_log(cluster, arns):
        found = original(cluster, arns)
        if found and found[0]["lastStatus"] == "STOPPED":
            answers.write_log(["done"])
        return found

    aws.describe_tasks = describe_then_log
    code, out, err = run(monkeypatch, capsys, ["run", "--", *COMMAND])
    assert (code, out) == (0, "done\n")
    assert "run: exited 0" in err


def test_a_task_ecs_stopped_exits_1_with_ecs_s_reason(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    expect_run(stubs)
    answers.answer_task(stubs["ecs"], "STOPPED", stopCode="TaskFailedToStart", stoppedReason=PULL)
    code, out, err = run(monkeypatch, capsys, ["run", "--", *COMMAND])
    assert (code, out) == (1, "")
    assert f"run: exited 1 (TaskFailedToStart: {PULL})" in err


def test_run_task_failures_exit_1_in_ecs_s_words(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    service = answers.answer_site(stubs)
    request = one_off.run_task_request(service, cluster=ecs.CLUSTER, command=COMMAND)
    failure = {
        "arn": ecs.CLUSTER_ARN,
        "reason": "Capacity is unavailable at this time. Please try again later.",
    }
    stubs["ecs"].add_response("run_task", {"tasks": [], "failures": [failure]}, request)
    code, out, err = run(monkeypatch, capsys, ["run", "--", *COMMAND])
    assert (code, out) == (1, "")
    assert after_target(err)[0].startswith("error: run: ECS started no task: Capacity is unavailable at this")


def test_the_follow_is_bounded_and_the_task_goes_on(stubbed, monkeypatch, capsys):
    _, stubs, clock = stubbed
    expect_run(stubs)
    for _ in range(5):  # at 0, 5, 10, 15 and 20 seconds; the bound is 20
        answers.answer_task(stubs["ecs"], "RUNNING")
    code, out, err = run(monkeypatch, capsys, ["run", "--timeout", "20", "--", *COMMAND])
    assert (code, out) == (1, "")
    assert "error: gave up waiting for task 0123456789abcdef0123456789abcdef to stop after 20s" in err
    assert f"aws ecs stop-task --cluster {ecs.CLUSTER} --task {answers.TASK_ARN}" in err
    assert max(clock.sleeps) <= TASK_POLL_SECONDS


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_stops_following_and_leaves_the_task_running(stubbed, monkeypatch, capsys, signum):
    aws, stubs, clock = stubbed
    expect_run(stubs)
    answers.answer_task(stubs["ecs"], "RUNNING")
    before = signal.getsignal(signum)
    aws.sleep = on_each_sleep(clock, lambda: os.kill(os.getpid(), signum)).sleep
    code, out, err = run(monkeypatch, capsys, ["run", "--", *COMMAND])
    assert (code, out) == (130, "")
    assert "stopped following run; the task goes on in ECS; to stop it: aws ecs stop-task" in err
    # No StopTask was sent (Stubber refuses a call it has no answer for); the handlers are restored.
    assert signal.getsignal(signum) == before


def test_detach_prints_the_task_id_and_returns(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    expect_run(stubs)
    code, out, err = run(monkeypatch, capsys, ["run", "--detach", "--", *COMMAND])
    assert (code, out) == (0, answers.TASK_ARN + "\n")
