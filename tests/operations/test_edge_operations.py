"""status and destroy with the edge stack (issue 14), through `main([...])` against the real moto
server: the base stack in eu-west-1 behind CloudFront, its edge stack in us-east-1.

The test process's moto refuses to delete a certificate a distribution still uses, as ACM does
(tests/moto_edge.py), so the order destroy deletes in is proved, not assumed. AWS WAF publishes a
web ACL's request counts to CloudWatch (AWS/WAFV2); moto models CloudWatch's metric data, so the
test puts the series WAF would publish and `status` reads them back through ListMetrics and
GetMetricData.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import settings as moto_settings

from fargate_deploy.cli import main
from tests.deployer.conftest import FAST

from .conftest import make_deployer, plain_lines, put_image

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

BASE_REGION = "eu-west-1"
EDGE_TIMING_FIELDS = {"certificate_poll": 0.5, "certificate_timeout": 60}


def client(service: str, region: str):
    return boto3.session.Session(region_name=region).client(service)


def live_stacks(region: str) -> dict[str, str]:
    summaries = client("cloudformation", region).list_stacks()["StackSummaries"]
    return {s["StackName"]: s["StackStatus"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"}


@pytest.fixture
def behind_cloudfront(aws, cli_settings, monkeypatch):
    """Edge stack (certificate and CLOUDFRONT web ACL) in us-east-1, base and site in eu-west-1."""
    monkeypatch.setenv("AWS_REGION", BASE_REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", BASE_REGION)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", 0)
    certificate = client("acm", BASE_REGION).request_certificate(
        DomainName="example.com", SubjectAlternativeNames=["*.example.com"], ValidationMethod="DNS"
    )
    settings = dataclasses.replace(
        cli_settings, region=BASE_REGION, certificate_arn=certificate["CertificateArn"], cdn=True, waf=True
    )
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    deployer = make_deployer(settings, timing=dataclasses.replace(FAST, **EDGE_TIMING_FIELDS))
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "abc1234")
    deployer.deploy_service("abc1234")
    return settings


def waf_datum(metric: str, rule: str, age: timedelta, value: int) -> dict:
    """One data point as AWS WAF publishes it for a CLOUDFRONT web ACL (no Region dimension)."""
    return {
        "MetricName": metric,
        "Dimensions": [{"Name": "WebACL", "Value": "flaskcom-test-edge"}, {"Name": "Rule", "Value": rule}],
        "Timestamp": datetime.now(UTC) - age,
        "Value": value,
        "Unit": "Count",
    }


def test_status_lists_the_edge_stack_and_the_web_acls_last_hour(behind_cloudfront, capsys):
    cloudwatch = client("cloudwatch", "us-east-1")  # a CLOUDFRONT web ACL's metrics are in us-east-1
    ten_minutes = timedelta(minutes=10)
    cloudwatch.put_metric_data(
        Namespace="AWS/WAFV2",
        MetricData=[
            waf_datum("AllowedRequests", "ALL", ten_minutes, 120),
            waf_datum("BlockedRequests", "ALL", ten_minutes, 7),
            waf_datum("AllowedRequests", "ALL", ten_minutes, 30),
            # A rule's own series and an older data point are not the web ACL's last hour.
            waf_datum("BlockedRequests", "RateLimitPerIp", ten_minutes, 1000),
            waf_datum("BlockedRequests", "ALL", timedelta(hours=3), 1000),
        ],
    )
    assert main(["status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "edge stack flaskcom-test-edge (us-east-1): CREATE_COMPLETE (is up)" in out
    assert "web ACL, last hour: 150 allowed, 7 blocked, 0 counted" in out

    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["region"], e["status"]) for e in report["edge"]] == [
        ("flaskcom-test-edge", "us-east-1", "CREATE_COMPLETE")
    ]
    assert report["waf_last_hour"] == {"allowed": 150, "blocked": 7, "counted": 0}


def test_destroy_deletes_the_site_then_the_base_then_the_edge_stack(behind_cloudfront, capsys):
    edge_outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in client("cloudformation", "us-east-1").describe_stacks(StackName="flaskcom-test-edge")[
            "Stacks"
        ][0]["Outputs"]
    }
    assert main(["destroy", "--yes"]) == 0
    err = plain_lines(capsys.readouterr().err)
    assert (
        "Will delete stacks, in order: flaskcom-test-www, flaskcom-test, flaskcom-test-edge (us-east-1)"
        in err
    )
    assert [line for line in err if line.startswith("✓")] == [
        "✓ Stack flaskcom-test-www: deleted",
        "✓ Stack flaskcom-test: deleted",
        "✓ Stack flaskcom-test-edge: deleted",
    ]
    assert live_stacks("us-east-1") == live_stacks(BASE_REGION) == {}
    certificates = client("acm", "us-east-1").list_certificates()["CertificateSummaryList"]
    assert edge_outputs["CertificateArn"] not in [c["CertificateArn"] for c in certificates]
    assert client("wafv2", "us-east-1").list_web_acls(Scope="CLOUDFRONT")["WebACLs"] == []
    assert client("cloudfront", "us-east-1").list_distributions()["DistributionList"].get("Items", []) == []


def test_the_edge_stack_cannot_go_while_the_distribution_uses_its_certificate(behind_cloudfront):
    """The rule the order above follows: ACM refuses, so the edge stack's delete fails in AWS too."""
    cfn = client("cloudformation", "us-east-1")
    cfn.update_termination_protection(StackName="flaskcom-test-edge", EnableTerminationProtection=False)
    with pytest.raises(Exception, match="ResourceInUseException"):
        cfn.delete_stack(StackName="flaskcom-test-edge")
        cfn.get_waiter("stack_delete_complete").wait(
            StackName="flaskcom-test-edge", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )


def test_a_regional_web_acl_comes_after_the_base_stack_and_goes_before_it(
    aws, cli_settings, monkeypatch, capsys
):
    """Without CloudFront the web ACL protects the load balancer (Scope REGIONAL, in the base stack's
    region): its edge stack needs the base stack's load balancer, so it is created after the base stack
    and deleted before it."""
    settings = dataclasses.replace(cli_settings, waf=True)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    base = make_deployer(settings).resources(yes=True)
    edge = client("cloudformation", "us-east-1").describe_stacks(StackName="flaskcom-test-edge")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in edge["Parameters"]}["WafScope"] == "REGIONAL"
    wafv2 = client("wafv2", "us-east-1")
    (acl,) = wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]
    assert (
        wafv2.get_web_acl_for_resource(ResourceArn=base.outputs["LoadBalancerArn"])["WebACL"]["ARN"]
        == acl["ARN"]
    )

    capsys.readouterr()
    assert main(["destroy", "--yes"]) == 0
    err = plain_lines(capsys.readouterr().err)
    assert "Will delete stacks, in order: flaskcom-test-edge (us-east-1), flaskcom-test" in err
    assert live_stacks("us-east-1") == {}
    assert wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"] == []
