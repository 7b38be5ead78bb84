"""The CLI over an Aws whose ECS and CloudFormation clients answer from Stubbers (tests/tasks/answers.py
says why), CloudWatch Logs from the session's moto server, and a clock that moves only when it sleeps;
or a site deployed in moto (`deployed`, with the deployer tests' `settings`)."""

from __future__ import annotations

import io

import pytest

from fargate_deploy import cli
from fargate_deploy.aws import Aws
from fargate_deploy.workflows.parts import Parts
from tests.deployer.conftest import (  # noqa: F401
    FAST,
    make_deployer,
    moto_like_cloudformation,
    put_image,
    stubbed_aws,
    zone_and_certificate,
)
from tests.deployer.conftest import settings as site_settings
from tests.engine import recorded

from . import answers


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "deploy.toml").write_text(answers.DEPLOY_TOML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def stubbed(aws, project, monkeypatch):
    """(aws, stubs, clock): every command of the CLI gets this Aws."""
    fake, stubs, clock = stubbed_aws("ecs", "cloudformation")
    clock.now = recorded.START.timestamp()
    monkeypatch.setattr(
        "fargate_deploy.commands.options.create_parts",
        lambda loaded, *, reporter, **prompts: Parts(
            settings=loaded, aws=fake, reporter=reporter, clock=fake.clock, sleep=fake.sleep, timing=FAST
        ),
    )
    for stub in stubs.values():
        stub.activate()
    yield fake, stubs, clock
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


settings = site_settings  # the fixture, under its own name


@pytest.fixture
def deployed(aws, settings, monkeypatch, tmp_path):
    """The site's stacks in moto (UpdateTerminationProtection is not what these tests are about)."""
    monkeypatch.setattr(Aws, "enable_termination_protection", lambda self, stack_name: None)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "abc1234")
    service = deployer.deploy_service("abc1234")
    monkeypatch.chdir(tmp_path)  # the settings fixture's deploy.toml (the CLI reads it)
    return base.outputs, service.stack.outputs
