"""The two-phase base stack when it creates the hosted zone: phase 1 without HTTPS, print the zone's
name servers, wait (bounded, with an injected clock) until the domain is delegated, then phase 2.

Change sets are proved against moto elsewhere; here `apply` is recorded so the phase logic is seen
alone, Route 53's get_hosted_zone is answered by botocore's Stubber (shaped like the real API), and
DNS answers come from a scripted lookup (no network)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from fargate_deploy.aws import Aws
from fargate_deploy.delegation import check_delegation
from fargate_deploy.errors import AwsError, RefusedError
from fargate_deploy.settings import Settings
from fargate_deploy.workflows import deploy
from fargate_deploy.workflows.parts import Timing
from fargate_deploy.workflows.stacks import StackResult
from tests.engine.parts import parts_over

from .conftest import FakeClock

ZONE_NS = ["ns-1536.awsdns-00.co.uk", "ns-0.awsdns-00.com", "ns-1024.awsdns-00.org", "ns-512.awsdns-00.net"]
PARKING = ["ns1.registrar-parking.example.net.", "ns2.registrar-parking.example.net."]


def _deployer(monkeypatch, stack_before, answers):
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    clock = FakeClock()
    aws = Aws(session, sleep=clock.sleep, clock=clock)
    route53 = session.client("route53")
    aws._clients["route53"] = route53
    stub = Stubber(route53)
    stub.add_response(
        "get_hosted_zone",
        {
            "HostedZone": {"Id": "/hostedzone/Z0888", "Name": "example.com.", "CallerReference": "x"},
            "DelegationSet": {"NameServers": ZONE_NS},
        },
        {"Id": "Z0888"},
    )
    stub.activate()
    aws.describe_stack = lambda name: stack_before
    aws.stacks_named = lambda prefix: []  # no sites yet: `resources` names none to redeploy
    aws.public_hosted_zones = lambda: []  # no zone of the domain yet: the stack creates it
    aws.create_ecs_service_linked_role = lambda: "exists"
    lookups = []

    def lookup(domain):
        lookups.append(clock.now)
        return answers.pop(0)

    parts, streams = parts_over(
        aws,
        Settings(domain="example.com"),
        clock,
        timing=Timing(delegation_poll=30, delegation_timeout=300),
        delegation=lambda domain, expected: check_delegation(domain, expected, lookup=lookup),
    )
    applied = []

    def apply(parts, stack_name, template, parameters, *, yes, command_name):
        applied.append(parameters["EnableHttps"])
        return StackResult(stack_name, True, len(applied) == 1, {"HostedZoneId": "Z0888"})

    monkeypatch.setattr(deploy, "apply", apply)
    return parts, applied, lookups, clock, stub, streams


def test_not_yet_delegated_waits_then_proceeds_to_https(monkeypatch):
    answers = [([], "example.com does not exist in DNS yet"), (PARKING, ""), ([n + "." for n in ZONE_NS], "")]
    parts, applied, lookups, clock, stub, streams = _deployer(monkeypatch, None, answers)
    result = deploy.resources(parts, yes=True)
    assert applied == ["false", "true"]
    # A DNS check every 30 s, the sleeps cut at the CI log's 15 s heartbeat.
    assert lookups == [0, 30, 60] and clock.sleeps == [15, 15, 15, 15]
    assert result.created
    assert streams.out_lines() == [
        "Point the domain example.com at these name servers (at your registrar):",
        *(f"  {server}" for server in ZONE_NS),
    ]
    stub.assert_no_pending_responses()


def test_delegation_wait_is_bounded_and_resumable(monkeypatch):
    answers = [(PARKING, "")] * 20
    parts, applied, lookups, clock, stub, _ = _deployer(monkeypatch, None, answers)
    with pytest.raises(RefusedError) as raised:
        deploy.resources(parts, yes=True)
    assert applied == ["false"]  # phase 2 never started
    assert "not delegated" in raised.value.message and clock.now == 300
    assert raised.value.hint.endswith("python3 deploy.py resources")


def test_rerun_after_phase_one_resumes_the_wait(monkeypatch):
    phase_one = {
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": "EnableHttps", "ParameterValue": "false"}],
    }
    parts, applied, lookups, clock, stub, _ = _deployer(monkeypatch, phase_one, [(ZONE_NS, "")])
    deploy.resources(parts, yes=True)
    assert applied == ["false", "true"] and clock.sleeps == []


def test_stack_with_https_is_a_plain_update(monkeypatch):
    done = {
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [{"ParameterKey": "EnableHttps", "ParameterValue": "true"}],
    }
    parts, applied, lookups, clock, stub, _ = _deployer(monkeypatch, done, [])
    deploy.resources(parts, yes=True)
    assert applied == ["true"] and lookups == []


def test_base_stack_without_outputs_is_a_clear_error(monkeypatch):
    parts, *_ = _deployer(monkeypatch, {"StackStatus": "CREATE_COMPLETE", "Outputs": []}, [])
    with pytest.raises(AwsError, match="has no RepositoryName, RepositoryUri, ClusterName output"):
        deploy.push(parts, tag="v1", allow_dirty=False)
