"""Both stacks created against a real moto server, the way the deploy code's tests use them: an
existing hosted zone and a certificate made through moto's own APIs (moto does not model ACM
certificates inside CloudFormation, nor the name servers of a zone it creates).

moto 5.2 also lacks AWS::SecretsManager::Secret in CloudFormation: tests.templates.moto_secret adds it
to the in-process server, so the templates stay as AWS needs them.
"""

from __future__ import annotations

import boto3
import pytest

import tests.templates.moto_secret  # noqa: F401  (registers the Secret model with moto)
from tests.templates.render import BASE, SERVICE
from tests.templates.test_conventions import BASE_OUTPUTS, SERVICE_OUTPUTS

# moto warns for each resource type it only pretends to create (alarms, autoscaling).
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

FAST = {"Delay": 1, "MaxAttempts": 60}


def parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def create(cfn, name: str, body: str, values: dict[str, str]) -> dict[str, str]:
    cfn.create_stack(
        StackName=name, TemplateBody=body, Parameters=parameters(values), Capabilities=["CAPABILITY_IAM"]
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture
def existing_zone_and_certificate(aws):
    zone = boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="templates")
    certificate = boto3.client("acm").request_certificate(
        DomainName="example.com", SubjectAlternativeNames=["*.example.com"], ValidationMethod="DNS"
    )
    return zone["HostedZone"]["Id"].split("/")[-1], certificate["CertificateArn"]


def base_values(zone: str, certificate: str, **extra: str) -> dict[str, str]:
    # moto names an unnamed ECR repository with capitals, which ECR (and moto) then refuse; AWS names
    # it in lower case. The optional RepositoryName sidesteps that without changing the default.
    return {"DomainName": "example.com", "HostedZoneId": zone, "CertificateArn": certificate,
            "RepositoryName": "flaskcom-prod", **extra}  # fmt: skip


@pytest.mark.parametrize("nat_mode", ["none", "per-az"])
def test_base_then_service_create_in_moto(existing_zone_and_certificate, nat_mode):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate, NatMode=nat_mode))
    assert set(base) == BASE_OUTPUTS - {"NameServers"}
    assert base["HostedZoneId"] == zone
    assert base["TaskAssignPublicIp"] == ("ENABLED" if nat_mode == "none" else "DISABLED")
    assert base["TaskSubnets"] == (base["PublicSubnets"] if nat_mode == "none" else base["PrivateSubnets"])
    assert base["LoadBalancerFullName"].startswith("app/")
    assert base["LoadBalancerArn"].endswith(base["LoadBalancerFullName"])
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert {f"flaskcom-prod-{k}": v for k, v in base.items()} == exports
    if nat_mode == "per-az":
        assert len(boto3.client("ec2").describe_nat_gateways()["NatGateways"]) == 2

    service = create(
        cfn,
        "flaskcom-prod-www",
        SERVICE.read_text(),
        {"BaseStackName": "flaskcom-prod", "ImageTag": "3f2c1ab"},
    )
    assert set(service) == SERVICE_OUTPUTS
    assert service["Url"] == "https://example.com"
    rules = boto3.client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    forwarding = [r for r in rules if not r["IsDefault"]]
    assert [r["Actions"][0]["TargetGroupArn"] for r in forwarding] == [service["TargetGroupArn"]]
    assert forwarding[0]["Conditions"][0]["HostHeaderConfig"]["Values"] == ["example.com", "www.example.com"]


def test_phase_one_base_without_https_creates_in_moto(existing_zone_and_certificate):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, "", EnableHttps="false"))
    assert "HttpsListenerArn" not in base
    listeners = boto3.client("elbv2").describe_listeners(LoadBalancerArn=base["LoadBalancerArn"])["Listeners"]
    assert [listener["Port"] for listener in listeners] == [80]


def test_second_site_on_its_own_host_name_in_moto(existing_zone_and_certificate):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate))
    site = {"BaseStackName": "flaskcom-prod", "ImageTag": "3f2c1ab"}
    create(cfn, "flaskcom-prod-www", SERVICE.read_text(), site)
    docs = create(
        cfn,
        "flaskcom-prod-docs",
        SERVICE.read_text(),
        {**site, "HostName": "docs.example.com", "RulePriority": "200"},
    )
    assert docs["Url"] == "https://docs.example.com"
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    (cname,) = [r for r in records if r["Type"] == "CNAME"]
    assert cname["Name"].rstrip(".") == "docs.example.com"
    assert cname["ResourceRecords"] == [{"Value": base["LoadBalancerDnsName"]}]
    rules = boto3.client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    hosts = sorted(
        tuple(r["Conditions"][0]["HostHeaderConfig"]["Values"]) for r in rules if not r["IsDefault"]
    )
    assert hosts == [("docs.example.com",), ("example.com", "www.example.com")]
