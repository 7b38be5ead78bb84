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
from fargate_deploy.deployer import Deployer, StackResult, Timing
from fargate_deploy.errors import AwsError, RefusedError
from fargate_deploy.settings import Settings

from .conftest import FakeClock

ZONE_NS = ["ns-1536.awsdns-00.co.uk", "ns-0.awsdns-00.com", "ns-1024.awsdns-00.org", "ns-512.awsdns-00.net"]
PARKING = ["ns1.registrar-parking.example.net.", "ns2.registrar-parking.example.net."]


def _deployer(stack_before, answers):
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

    deployer = Deployer(
        Settings(domain="example.com"),
        aws,
        interactive=False,
        timing=Timing(delegation_poll=30, delegation_timeout=300),
        delegation=lambda domain, expected: check_delegation(domain, expected, lookup=lookup),
    )
    applied = []

    def apply(stack_name, template, parameters, *, yes, command):
        applied.append(parameters["EnableHttps"])
        return StackResult(stack_name, True, len(applied) == 1, {"HostedZoneId": "Z0888"})

    deployer.apply = apply
    return deployer, applied, lookups, clock, stub


def test_not_yet_delegated_waits_then_proceeds_to_https(capsys):
    answers = [([], "example.com does not exist in DNS yet"), (PARKING, ""), ([n + "." for n in ZONE_NS], "")]
    deployer, applied, lookups, clock, stub = _deployer(None, answers)
    result = deployer.resources(yes=True)
    assert applied == ["false", "true"]
    assert lookups == [0, 30, 60] and clock.sleeps == [30, 30]
    assert result.created
    out = capsys.readouterr().out
    assert all(server in out for server in ZONE_NS)
    stub.assert_no_pending_responses()


def test_delegation_wait_is_bounded_and_resumable():
    answers = [(PARKING, "")] * 20
    deployer, applied, lookups, clock, stub = _deployer(None, answers)
    with pytest.raises(RefusedError) as raised:
        deployer.resources(yes=True)
    assert applied == ["false"]  # phase 2 never started
    assert "not delegated" in raised.value.message and clock.now == 300
    assert raised.value.hint.endswith("python3 deploy.py resources")


def test_rerun_after_phase_one_resumes_the_wait():
    phase_one = {
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": "EnableHttps", "ParameterValue": "false"}],
    }
    deployer, applied, lookups, clock, stub = _deployer(phase_one, [(ZONE_NS, "")])
    deployer.resources(yes=True)
    assert applied == ["false", "true"] and clock.sleeps == []


def test_stack_with_https_is_a_plain_update():
    done = {
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [{"ParameterKey": "EnableHttps", "ParameterValue": "true"}],
    }
    deployer, applied, lookups, clock, stub = _deployer(done, [])
    deployer.resources(yes=True)
    assert applied == ["true"] and lookups == []


def test_base_stack_without_outputs_is_a_clear_error():
    deployer, *_ = _deployer({"StackStatus": "CREATE_COMPLETE", "Outputs": []}, [])
    with pytest.raises(AwsError, match="has no RepositoryName, RepositoryUri, ClusterName output"):
        deployer.push(tag="v1", allow_dirty=False)
