"""The edge stack's life through the deployer, against the real moto server (issue 14): with the base
stack outside us-east-1, `resources` creates the us-east-1 edge stack first (CloudFront's certificate,
waited for until ACM issues it), then the base stack with its edge parameters (the edge certificate and
this region's CloudFront prefix list, looked up by name); `service` gives the site the origin lock;
`plan` shows the edge stack's change set and executes nothing.

moto's ACM issues a requested certificate once MOTO_ACM_VALIDATION_WAIT seconds have passed (AWS
issues it once the validation record resolves); the tests set that wait on the in-process server.
"""

from __future__ import annotations

import dataclasses

import boto3
import pytest
from moto import settings as moto_settings

from fargate_deploy import edge
from fargate_deploy.aws import Aws
from fargate_deploy.waiting import WaitTimedOut

from .conftest import DOMAIN, FAST, FakeClock, Workflows, make_deployer, put_image

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

BASE_REGION = "eu-west-1"
EDGE_TIMING = dataclasses.replace(FAST, certificate_poll=0.5, certificate_timeout=60, rollout_timeout=20)


def session(region: str) -> boto3.session.Session:
    return boto3.session.Session(region_name=region)


@pytest.fixture
def eu_settings(aws, monkeypatch, settings):
    """The base stack in eu-west-1 behind CloudFront: its own certificate there, CloudFront's in
    us-east-1 from the edge stack."""
    monkeypatch.setenv("AWS_REGION", BASE_REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", BASE_REGION)
    acm = session(BASE_REGION).client("acm")
    certificate = acm.request_certificate(
        DomainName=DOMAIN, SubjectAlternativeNames=[f"*.{DOMAIN}"], ValidationMethod="DNS"
    )
    return dataclasses.replace(
        settings, region=BASE_REGION, certificate_arn=certificate["CertificateArn"], cdn=True
    )


def deployer_for(settings, **kwargs) -> Workflows:
    """On the real clock: moto's ACM issues the certificate after real seconds."""
    kwargs.setdefault("timing", EDGE_TIMING)
    return make_deployer(settings, Aws(boto3.session.Session()), **kwargs)


def outputs(stack_name: str, region: str) -> dict[str, str]:
    (stack,) = session(region).client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def parameters(stack_name: str, region: str) -> dict[str, str]:
    (stack,) = session(region).client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def live_stacks(region: str) -> dict[str, str]:
    summaries = session(region).client("cloudformation").list_stacks()["StackSummaries"]
    return {s["StackName"]: s["StackStatus"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"}


def test_resources_creates_the_us_east_1_edge_stack_first_and_waits_for_its_certificate(
    eu_settings, monkeypatch, capsys
):
    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", 1)  # issued a second after the request
    deployer_for(eu_settings).resources(yes=True)

    edge_outputs = outputs("flaskcom-test-edge", "us-east-1")
    acm = session("us-east-1").client("acm")
    certificate = acm.describe_certificate(CertificateArn=edge_outputs["CertificateArn"])["Certificate"]
    assert certificate["Status"] == "ISSUED"
    assert sorted(certificate["SubjectAlternativeNames"]) == [f"*.{DOMAIN}", DOMAIN]
    assert "flaskcom-test-edge" not in live_stacks(BASE_REGION)

    # The base stack got the edge certificate and eu-west-1's own id of CloudFront's IPv6 list.
    (prefix_list,) = (
        session(BASE_REGION)
        .client("ec2")
        .describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [edge.CLOUDFRONT_PREFIX_LIST]}]
        )["PrefixLists"]
    )
    base = parameters("flaskcom-test", BASE_REGION)
    assert base["EnableCdn"] == "true"
    assert base["CdnCertificateArn"] == edge_outputs["CertificateArn"]
    assert base["CloudFrontPrefixListId"] == prefix_list["PrefixListId"]
    cloudfront = session("us-east-1").client("cloudfront")
    (distribution,) = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert distribution["ViewerCertificate"]["ACMCertificateArn"] == edge_outputs["CertificateArn"]

    err = capsys.readouterr().err
    assert err.index("Stack flaskcom-test-edge: the edge, in us-east-1") < err.index("Stack flaskcom-test:")
    assert f"Certificate {edge_outputs['CertificateArn']}: issued" in err


def test_the_site_behind_cloudfront_gets_the_origin_lock(eu_settings, monkeypatch):
    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", 0)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # moto's knob: the rollout reads COMPLETED
    deployer = deployer_for(eu_settings)
    deployer.resources(yes=True)
    base = outputs("flaskcom-test", BASE_REGION)
    put_image(base["RepositoryName"], "abc1234")
    deployer.deploy_service("abc1234")
    site = parameters("flaskcom-test-www", BASE_REGION)
    assert site["OriginVerifySecretArn"] == base["OriginVerifySecretArn"]
    assert site["DistributionDomainName"] == base["DistributionDomainName"]
    rules = session(BASE_REGION).client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    (rule,) = [r for r in rules if not r["IsDefault"]]
    assert [c["Field"] for c in rule["Conditions"]] == ["host-header", "http-header"]


def test_a_certificate_acm_does_not_issue_stops_before_the_base_stack(eu_settings, monkeypatch):
    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", 10**9)  # never, within the test
    clock = FakeClock()
    aws = Aws(boto3.session.Session(), sleep=clock.sleep, clock=clock)
    deployer = make_deployer(eu_settings, aws, timing=dataclasses.replace(FAST))
    with pytest.raises(WaitTimedOut) as raised:
        deployer.resources(yes=True)
    assert "gave up waiting for certificate" in raised.value.message
    assert "(last seen: PENDING_VALIDATION)" in raised.value.message
    assert clock.now == pytest.approx(45 * 60, abs=20)
    assert "flaskcom-test" not in live_stacks(BASE_REGION)


def test_plan_shows_the_edge_stack_and_executes_nothing(eu_settings, monkeypatch, capsys):
    summaries = deployer_for(eu_settings).plan()
    assert [(s.stack_name, s.counts["add"] > 0) for s in summaries] == [
        ("flaskcom-test-edge", True),
        ("flaskcom-test", True),
    ]
    assert "Certificate" in {row.logical_id for row in summaries[0].rows}
    # Nothing executed: the empty stacks the CREATE change sets made stay (plan_shell.py).
    assert live_stacks("us-east-1") == {"flaskcom-test-edge": "REVIEW_IN_PROGRESS"}
    assert live_stacks(BASE_REGION) == {"flaskcom-test": "REVIEW_IN_PROGRESS"}
    err = capsys.readouterr().err
    assert "CloudFront is planned once the edge stack flaskcom-test-edge exists" in err

    # Once the edge stack exists the base stack's plan has the distribution in it.
    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", 0)
    deployer_for(eu_settings).resources(yes=True)
    edge_plan, base_plan = deployer_for(dataclasses.replace(eu_settings, waf=True)).plan()[:2]
    assert edge_plan.stack_name == "flaskcom-test-edge"
    assert [(r.action, r.logical_id) for r in edge_plan.rows] == [("Add", "WebAcl")]
    assert base_plan.stack_name == "flaskcom-test"
    assert live_stacks("us-east-1") == {"flaskcom-test-edge": "CREATE_COMPLETE"}
