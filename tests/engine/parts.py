"""Parts for workflow tests: the same `Parts` the CLI wires, with a moto- or Stubber-backed `Aws`, a
plain reporter writing to strings, and a clock that moves only when the workflow sleeps."""

from __future__ import annotations

import io
from dataclasses import dataclass

import boto3

from fargate_deploy.aws import Aws
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.settings import Settings
from fargate_deploy.workflows.parts import Parts, Timing
from tests.deployer.conftest import FakeClock, stubbed_aws


@dataclass
class Streams:
    out: io.StringIO
    err: io.StringIO

    def err_lines(self) -> list[str]:
        """stderr without the plain renderer's time stamps."""
        return [line.split(" ", 1)[1] for line in self.err.getvalue().splitlines()]

    def out_lines(self) -> list[str]:
        return self.out.getvalue().splitlines()


def parts_over(aws: Aws, settings: Settings, clock: FakeClock, **kwargs) -> tuple[Parts, Streams]:
    streams = Streams(io.StringIO(), io.StringIO())
    reporter = PlainReporter(stdout=streams.out, stderr=streams.err, clock=clock)
    kwargs.setdefault("timing", Timing(stack_poll=5))
    parts = Parts(
        settings=settings,
        aws=aws,
        reporter=reporter,
        clock=aws.clock,
        sleep=aws.sleep,
        env={},
        **kwargs,
    )
    return parts, streams


def stubbed_parts(settings: Settings, *services: str, **kwargs):
    """Parts whose `services` answer from botocore Stubbers (activated), for what moto cannot model."""
    aws, stubs, clock = stubbed_aws(*services, endpoint_url="https://stubbed.invalid")
    for stub in stubs.values():
        stub.activate()
    parts, streams = parts_over(aws, settings, clock, **kwargs)
    return parts, stubs, clock, streams


def moto_parts(settings: Settings, **kwargs) -> tuple[Parts, Streams]:
    """Parts over the session's moto server (the `aws` fixture points boto3 at it)."""
    clock = FakeClock()
    aws = Aws(boto3.session.Session(), sleep=clock.sleep, clock=clock)
    kwargs.setdefault("timing", Timing(stack_poll=0.05, change_set_delay=1, rollout_poll=0.05))
    return parts_over(aws, settings, clock, **kwargs)
