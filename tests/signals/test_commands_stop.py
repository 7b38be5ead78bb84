"""The followers and `logs --follow` stop on SIGINT and SIGTERM however they were started, SIGINT
ignored included (a background job of a non-interactive shell, some CI runners), exit 130 without a
traceback, change nothing on the way out, and leave no process behind (each runs in a session of its
own, which must be empty after it).

Each command runs as a user starts it, `python3 deploy.py ...` in a subprocess, against the session's
moto server (AWS_ENDPOINT_URL). The stacks are small ones with the outputs these commands read; a
stack operation in progress is made by setting the stack's status in the emulator (it runs in this
process), since moto finishes every operation at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends

from tests.docker_engine import REPO
from tests.processes import IGNORING_SIGINT, assert_none_survive

ACCOUNT, REGION = "123456789012", "us-east-1"
BASE, SERVICE = "flaskcom-test", "flaskcom-test-www"
LOG_GROUP = "flaskcom-test-sites"
BASE_TEMPLATE = f"""
Resources:
  LogGroup: {{Type: AWS::Logs::LogGroup, Properties: {{LogGroupName: {LOG_GROUP}}}}}
Outputs:
  RepositoryName: {{Value: flaskcom-test}}
  RepositoryUri: {{Value: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/flaskcom-test}}
  ClusterName: {{Value: flaskcom-test-cluster}}
  LogGroupName: {{Value: !Ref LogGroup}}
"""
SERVICE_TEMPLATE = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  ServiceName: {Value: flaskcom-test-www-service}
"""
BOUND = 60  # seconds: generous, for a loaded machine


@pytest.fixture
def stacks(aws, tmp_path):
    client = boto3.session.Session().client("cloudformation")
    client.create_stack(StackName=BASE, TemplateBody=BASE_TEMPLATE)
    client.create_stack(StackName=SERVICE, TemplateBody=SERVICE_TEMPLATE)
    config = tmp_path / "deploy.toml"
    config.write_text('domain = "example.com"\nenvironment = "test"\n')
    return config


def put_log_line(text: str) -> None:
    logs = boto3.session.Session().client("logs")
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="web/web/0123456789abcdef")
    logs.put_log_events(
        logGroupName=LOG_GROUP,
        logStreamName="web/web/0123456789abcdef",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": text}],
    )


class Command:
    """`python3 deploy.py ARGS` in a session of its own, output to files."""

    def __init__(self, args: list[str], tmp_path: Path, sigint_ignored: bool):
        self.out, self.err = tmp_path / "out.txt", tmp_path / "err.txt"
        argv = [sys.executable, str(REPO / "deploy.py"), *args]
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                (IGNORING_SIGINT + argv) if sigint_ignored else argv,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "NO_COLOR": "1"},
                start_new_session=True,
            )

    def wait_until(self, condition, what: str) -> None:
        deadline = time.monotonic() + BOUND
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"ended ({self.process.returncode}) before {what}: {self.err.read_text()}")
            if time.monotonic() > deadline:
                self.stop_now()
                pytest.fail(f"not {what} within {BOUND}s: {self.err.read_text()}")
            time.sleep(0.1)

    def stop_with(self, signum: int) -> int:
        os.kill(self.process.pid, signum)
        try:
            return self.process.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self.stop_now()
            pytest.fail(f"{signal.Signals(signum).name} did not stop it within {BOUND}s")

    def stop_now(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=BOUND)


CASES = [
    pytest.param(True, signal.SIGINT, id="sigint-ignored-then-SIGINT"),
    pytest.param(True, signal.SIGTERM, id="sigint-ignored-then-SIGTERM"),
    pytest.param(False, signal.SIGTERM, id="default-then-SIGTERM"),
]


@pytest.mark.parametrize(("sigint_ignored", "signum"), CASES)
def test_logs_follow_stops(stacks, tmp_path, sigint_ignored, signum):
    put_log_line("GET / 200 ready-marker")
    command = Command(["logs", "--follow", "--config", str(stacks)], tmp_path, sigint_ignored)
    command.wait_until(lambda: "ready-marker" in command.out.read_text(), "following the log")
    assert command.stop_with(signum) == 130
    assert "Traceback" not in command.err.read_text()
    assert_none_survive(command.process.pid)


@pytest.fixture
def stack_polls(monkeypatch):
    """How often the emulator was asked for each stack (it runs in this process)."""
    asked: dict[str, int] = {}
    original = CloudFormationBackend.describe_stacks

    def describe_stacks(self, name_or_stack_id=None, *args, **kwargs):
        asked[name_or_stack_id] = asked.get(name_or_stack_id, 0) + 1
        return original(self, name_or_stack_id, *args, **kwargs)

    monkeypatch.setattr(CloudFormationBackend, "describe_stacks", describe_stacks)
    return asked


@pytest.mark.parametrize(("sigint_ignored", "signum"), CASES[:1] + CASES[2:])
def test_the_wait_for_a_busy_stack_stops_and_changes_nothing(
    stacks, stack_polls, tmp_path, sigint_ignored, signum
):
    backend = cloudformation_backends[ACCOUNT][REGION]
    base = next(stack for stack in backend.stacks.values() if stack.name == BASE)
    base.status = "UPDATE_IN_PROGRESS"  # someone else's update, still running
    command = Command(["destroy", "--yes", "--config", str(stacks)], tmp_path, sigint_ignored)
    command.wait_until(lambda: stack_polls.get(BASE, 0) >= 3, "waiting for the busy stack")
    assert command.stop_with(signum) == 130
    assert "Traceback" not in command.err.read_text()
    assert_none_survive(command.process.pid)
    base.status = "UPDATE_COMPLETE"
    client = boto3.session.Session().client("cloudformation")
    names = {s["StackName"] for s in client.describe_stacks()["Stacks"]}
    assert {BASE, SERVICE} <= names  # the stop deleted nothing


@pytest.mark.parametrize(("sigint_ignored", "signum"), CASES[:1] + CASES[2:])
def test_push_stops_the_docker_build_it_started(stacks, tmp_path, monkeypatch, sigint_ignored, signum):
    """`push` (and so `up`) runs docker as a child; stopped while docker builds, it stops docker too.
    A stand-in `docker` first on PATH builds forever (and says when it started)."""
    boto3.session.Session().client("ecr").create_repository(repositoryName="flaskcom-test")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "docker-started"
    (bin_dir / "docker").write_text(f'#!/bin/sh\necho "$@" > {started}\nexec sleep 300\n')
    (bin_dir / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    args = ["push", "--tag", "signal-test", "--allow-dirty", "--config", str(stacks)]
    command = Command(args, tmp_path, sigint_ignored)
    command.wait_until(started.exists, "docker build started")
    assert started.read_text().startswith("build ")
    assert command.stop_with(signum) == 130
    assert "Traceback" not in command.err.read_text()
    assert_none_survive(command.process.pid)  # the stand-in docker (sleep 300) is gone too
