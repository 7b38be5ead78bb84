"""Deployers against the session moto server, with a zone and certificate made through moto's APIs."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import sys
from typing import IO

import boto3
import pytest
from botocore.stub import Stubber

import tests.templates.moto_secret  # noqa: F401  (registers the Secret model moto lacks)
from fargate_deploy import images
from fargate_deploy.aws import Aws
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.settings import load_settings
from fargate_deploy.workflows import deploy, stacks
from fargate_deploy.workflows.parts import Parts, Timing

DOMAIN = "example.com"


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def stubbed_aws(*services: str, endpoint_url: str | None = None) -> tuple[Aws, dict, FakeClock]:
    """An Aws whose clients for `services` answer from botocore Stubbers (where moto can't help; each
    test queues responses shaped like the real API), with a clock that moves only when it sleeps."""
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    clock = FakeClock()
    aws = Aws(session, sleep=clock.sleep, clock=clock)
    stubs = {}
    for service in services:
        client = session.client(service, endpoint_url=endpoint_url)
        aws._clients[service] = client
        stubs[service] = Stubber(client)
    return aws, stubs, clock


FAST = Timing(
    stack_poll=0.05, change_set_delay=1, rollout_poll=0.05, delegation_poll=30, delegation_timeout=120
)


@pytest.fixture
def moto_like_cloudformation():
    """Kept for tests that ask for it: change sets behave as CloudFormation's for the whole session now
    (tests/moto_as_aws.py)."""


@pytest.fixture
def zone_and_certificate(aws, moto_like_cloudformation):
    session = boto3.session.Session()
    zone = session.client("route53").create_hosted_zone(Name=DOMAIN, CallerReference="deployer-tests")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    certificate = session.client("acm").request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")
    return zone_id, certificate["CertificateArn"]


@pytest.fixture
def settings(tmp_path, zone_and_certificate):
    zone_id, certificate_arn = zone_and_certificate
    file = tmp_path / "deploy.toml"
    file.write_text(
        f'domain = "{DOMAIN}"\ncertificate_arn = "{certificate_arn}"\n'
        'environment = "test"\nrepository_name = "flaskcom-test"\n'
    )
    # moto's zone ids do not start with "Z" as AWS's do, so settings validation (like the template's
    # AllowedPattern, which moto does not enforce) would reject it: set it past the parser, in the test only.
    return dataclasses.replace(load_settings(file, env={}), hosted_zone_id=zone_id)


class Kept(io.StringIO):
    """What the reporter wrote, kept for the test and passed on to the stream the test captures (capsys)."""

    def __init__(self, passed_on: IO[str]):
        super().__init__()
        self.passed_on = passed_on

    def write(self, text: str) -> int:
        self.passed_on.write(text)
        return super().write(text)


class Workflows:
    """The deploy workflows over one set of parts, called as the commands call them (tests only):
    `resources`, `push` (→ the tag), `deploy_service`, `plan` (→ the change sets), `up`."""

    def __init__(self, parts: Parts, stderr: io.StringIO):
        self.parts = parts
        self.stderr = stderr  # what the plain reporter wrote

    @property
    def aws(self) -> Aws:
        return self.parts.aws

    def resources(self, *, yes: bool) -> stacks.StackResult:
        return deploy.resources(self.parts, yes=yes)

    def push(self, *, tag: str | None, allow_dirty: bool) -> str:
        return deploy.push(self.parts, tag=tag, allow_dirty=allow_dirty).image_tag

    def deploy_service(self, tag: str | None = None, *, yes: bool = True) -> deploy.ServiceResult:
        return deploy.service(self.parts, tag=tag, yes=yes)

    def plan(self):
        return list(deploy.plan(self.parts).change_sets)

    def up(self, *, tag: str | None, allow_dirty: bool, yes: bool) -> deploy.UpResult:
        return deploy.up(self.parts, tag=tag, allow_dirty=allow_dirty, yes=yes)


def make_deployer(settings, aws: Aws | None = None, **kwargs) -> Workflows:
    """The workflows over moto (the `aws` fixture), a plain reporter (into the test's stdout/stderr, and
    kept) and FAST timing, on a
    clock that moves only when a workflow sleeps: no test waits for real. `aws`: one the test made
    (e.g. with a Stubber on one client), on its own clock."""
    kwargs.setdefault("interactive", False)
    kwargs.setdefault("timing", FAST)
    clock = FakeClock()
    aws = aws or Aws(boto3.session.Session(), sleep=clock.sleep, clock=clock)
    out, err = Kept(sys.stdout), Kept(sys.stderr)
    parts = Parts(
        settings=settings,
        aws=aws,
        reporter=PlainReporter(stdout=out, stderr=err, clock=clock),
        clock=aws.clock,
        sleep=aws.sleep,
        env={},
        **kwargs,
    )
    return Workflows(parts, err)


def put_image(repository: str, tag: str) -> None:
    """An image manifest in the emulator's ECR (no layers: moto stores what it is given)."""
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + hashlib.sha256(tag.encode()).hexdigest()},
            "layers": [],
        }
    )
    boto3.session.Session().client("ecr").put_image(
        repositoryName=repository, imageManifest=manifest, imageTag=tag
    )


def up_deployer(settings, commits: list[str], ran: list[str] | None = None) -> Workflows:
    """A deployer for `up` against moto with docker faked: `docker push` puts the image's manifest
    into moto's ECR, as the real push would; each docker verb is appended to `ran`. The work tree is
    clean at commit `commits[-1]` (append one to commit)."""
    verbs = ran if ran is not None else []

    def run(argv, **kwargs):
        verbs.append(argv[1])
        if argv[1] == "push":
            image, tag = argv[2].rsplit(":", 1)
            put_image(image.split("/", 1)[1], tag)  # <registry>/<repository>:<tag>

    return make_deployer(settings, run=run, git_state=lambda: images.parse_git_state(commits[-1] + "\n", ""))
