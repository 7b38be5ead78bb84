"""The account/region/profile line every AWS command starts with, and the region check before it."""

from __future__ import annotations

import io

import boto3
import pytest

from fargate_deploy.aws import Aws
from fargate_deploy.errors import ConfigError
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.settings import Settings
from fargate_deploy.target import RegionChoice, Target, announce_target, check_region, region_choice
from tests.deployer.conftest import FakeClock, stubbed_aws


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "ap-southeast-7", "cn-north-1", "us-gov-west-1"]
)
def test_regions_aws_has_pass(region):
    assert check_region(region, "deploy.toml") == region


@pytest.mark.parametrize(
    ("region", "source", "message", "hint_start"),
    [
        (
            "eu-wset-1",
            "deploy.toml",
            "region 'eu-wset-1' (from deploy.toml) is not an AWS region",
            "did you mean eu-west-1?",
        ),
        (
            "us-east-7",
            "AWS_REGION",
            "region 'us-east-7' (from AWS_REGION) is not an AWS region",
            "did you mean us-east-",
        ),
        (None, "the AWS config", "no AWS region is set", 'put region = "us-east-1"'),
    ],
)
def test_a_region_that_does_not_exist_is_refused_with_a_hint(region, source, message, hint_start):
    with pytest.raises(ConfigError) as raised:
        check_region(region, source)
    assert raised.value.message == message and raised.value.hint.startswith(hint_start)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("settings_region", "env", "session_region", "expected"),
    [
        (
            "eu-west-1",
            {"AWS_REGION": "us-east-1"},
            "us-east-1",
            RegionChoice("us-east-1", "AWS_REGION", "eu-west-1"),
        ),
        (
            "us-east-1",
            {"AWS_REGION": "us-east-1"},
            "us-east-1",
            RegionChoice("us-east-1", "AWS_REGION", None),
        ),
        (
            "eu-west-1",
            {"AWS_DEFAULT_REGION": "eu-north-1"},
            "eu-north-1",
            RegionChoice("eu-north-1", "AWS_DEFAULT_REGION", "eu-west-1"),
        ),
        ("eu-west-1", {}, "eu-west-1", RegionChoice("eu-west-1", "deploy.toml", None)),
        (None, {}, "ap-south-1", RegionChoice("ap-south-1", "the AWS config", None)),
    ],
)
def test_where_the_region_comes_from(settings_region, env, session_region, expected):
    assert region_choice(settings_region, env, session_region) == expected


def test_the_line_says_a_deploy_toml_region_the_environment_overrides():
    target = Target(
        "123456789012", "arn:aws:iam::123456789012:user/ana", "us-east-1", "AWS_REGION", "eu-west-1", "ci"
    )
    assert target.line() == (
        "AWS account 123456789012 as arn:aws:iam::123456789012:user/ana, region us-east-1 "
        "(from AWS_REGION; deploy.toml's eu-west-1 is overridden), profile ci"
    )


def test_every_aws_command_starts_by_saying_who_and_where_against_the_emulator(aws, monkeypatch):
    """moto models STS GetCallerIdentity; the conftest points boto3 at it with AWS_REGION=us-east-1."""
    clock = FakeClock()
    clock.now = 1795514400.0
    err = io.StringIO()
    reporter = PlainReporter(stdout=io.StringIO(), stderr=err, clock=clock)
    settings = Settings(domain="example.com", region="eu-west-1")
    found = announce_target(Aws.from_settings(settings), settings, reporter, env={"AWS_REGION": "us-east-1"})
    assert (found.account, found.region, found.overridden_region) == (
        "123456789012",
        "us-east-1",
        "eu-west-1",
    )
    assert err.getvalue() == (
        f"10:00:00 AWS account 123456789012 as {found.identity}, region us-east-1 "
        "(from AWS_REGION; deploy.toml's eu-west-1 is overridden), profile default\n"
    )


def test_a_bad_region_is_refused_before_any_call():
    aws, stubs, _ = stubbed_aws("sts")  # no answer queued: a call would fail the test
    aws.session = boto3.session.Session(
        region_name="us-east-7", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with stubs["sts"], pytest.raises(ConfigError, match="'us-east-7' \\(from the AWS config\\)"):
        announce_target(aws, Settings(domain="example.com"), PlainReporter(stderr=io.StringIO()), env={})
