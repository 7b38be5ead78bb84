"""The edge (issue 14), rendered offline for every option: cdn on/off × waf on/off × base region
us-east-1 or not (fargate_deploy.edge plans which stack gets which parameters), and the origin lock.
"""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy import edge
from fargate_deploy.settings import Settings
from tests.templates.alb_rules import route
from tests.templates.render import EDGE, load, render

ZONE = "Z0123456789ABCDEFGHIJ"
BASE_CERT = "arn:aws:acm:{region}:123456789012:certificate/0f5e1b1e-6d7a-4a38-9d8f-0123456789ab"
EDGE_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/flaskcom-prod-edge/0a1b2c3d"
LOAD_BALANCER = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/flaskcom/50dc6c495c0c9188"
)
PREFIX_LIST = "pl-0123456789abcdef0"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:OriginVerifySecret-AbCdEf"
DISTRIBUTION = "d111111abcdef8.cloudfront.net"
COMBINATIONS = [
    pytest.param(cdn, waf, region, id=f"cdn-{cdn}-waf-{waf}-{region}")
    for cdn in (True, False)
    for waf in (True, False)
    for region in ("us-east-1", "eu-west-1")
]


@pytest.fixture(scope="module")
def edge_template():
    return load(EDGE)


def stacks(base_template, service_template, edge_template, *, cdn, waf, region, waf_mode="count"):
    """Render the three stacks as the deployer would chain them for these settings."""
    settings = Settings(domain="example.com", cdn=cdn, waf=waf, waf_mode=waf_mode)
    plan = edge.edge_plan(settings, region, hosted_zone_id=ZONE, load_balancer_arn=LOAD_BALANCER)
    edge_stack = render(edge_template, region=plan.region, **plan.parameters) if plan else None
    # What the edge stack's outputs would be after it ran.
    edge_outputs = {}
    if edge_stack and "CertificateArn" in edge_stack.outputs:
        edge_outputs["CertificateArn"] = EDGE_CERT
    if edge_stack and "WebAclArn" in edge_stack.outputs:
        edge_outputs["WebAclArn"] = WEB_ACL
    parameters = edge.base_parameters(settings, region, prefix_list_id=PREFIX_LIST, edge_outputs=edge_outputs)
    base = render(
        base_template,
        region=region,
        DomainName="example.com",
        HostedZoneId=ZONE,
        CertificateArn=BASE_CERT.format(region=region),
        **parameters,
    )
    base_outputs = (
        {"OriginVerifySecretArn": SECRET_ARN, "DistributionDomainName": DISTRIBUTION} if cdn else {}
    )
    site = render(
        service_template,
        region=region,
        BaseStackName="flaskcom-prod",
        ImageTag="3f2c1ab",
        HostName="docs.example.com",
        TaskSubnets="subnet-0a1b2c3d,subnet-4e5f6a7b",
        TaskAssignPublicIp="ENABLED",
        **edge.service_parameters(base_outputs),
    )
    return plan, edge_stack, base, site


@pytest.mark.parametrize(("cdn", "waf", "region"), COMBINATIONS)
def test_every_combination_renders_the_edge_it_asks_for(
    base_template, service_template, edge_template, cdn, waf, region
):
    plan, edge_stack, base, site = stacks(
        base_template, service_template, edge_template, cdn=cdn, waf=waf, region=region
    )
    balancer = base.properties("LoadBalancer")
    ingress = base.properties("LoadBalancerSecurityGroup")["SecurityGroupIngress"]
    assert ("Distribution" in base.resources) == cdn
    if cdn:
        # No public IPv4 on the load balancer; only CloudFront's IPv6 origin-facing servers on 443.
        assert balancer["IpAddressType"] == "dualstack-without-public-ipv4"
        (only,) = ingress
        assert (only["FromPort"], only["ToPort"]) == (443, 443)
        assert only["SourcePrefixListId"] == {"Ref": "CloudFrontPrefixListId"}
        assert base.parameters["CloudFrontPrefixListId"] == PREFIX_LIST
        origin = base.properties("Distribution")["DistributionConfig"]["Origins"][0]
        assert origin["CustomOriginConfig"]["IpAddressType"] == "ipv6"
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
        certificate = base.properties("Distribution")["DistributionConfig"]["ViewerCertificate"]
        if region == "us-east-1":
            # The base certificate is in us-east-1 already: no certificate of the edge stack's own.
            assert base.parameters["CdnCertificateArn"] == ""
            assert base.value(certificate["AcmCertificateArn"]) == BASE_CERT.format(region=region)
        else:
            assert base.parameters["CdnCertificateArn"] == EDGE_CERT
            assert base.value(certificate["AcmCertificateArn"]) == EDGE_CERT
        # The site's name points at the distribution.
        assert site.value(site.properties("HostRecord")["ResourceRecords"][0]) == DISTRIBUTION
    else:
        assert balancer["IpAddressType"] == "dualstack"
        assert {r.get("CidrIp") or r.get("CidrIpv6") for r in ingress} == {"0.0.0.0/0", "::/0"}
        assert "SourcePrefixListId" not in str(ingress)
        assert site.properties("HostRecord")["ResourceRecords"] == [
            {"Fn::ImportValue": {"Fn::Sub": "${BaseStackName}-LoadBalancerDnsName"}}
        ]
    # Where the edge stack lives, and what it holds.
    if cdn and (waf or region != "us-east-1"):
        assert plan.region == "us-east-1" and not plan.after_base
        assert ("Certificate" in edge_stack.resources) == (region != "us-east-1")
    elif waf:
        assert plan.region == region and plan.after_base
        assert "Certificate" not in edge_stack.resources
    else:
        assert plan is None
    if waf:
        acl = edge_stack.properties("WebAcl")
        assert edge_stack.value(acl["Scope"]) == ("CLOUDFRONT" if cdn else "REGIONAL")
        assert ("WebAclAssociation" in edge_stack.resources) == (not cdn)
        if cdn:
            assert base.value(base.properties("Distribution")["DistributionConfig"]["WebACLId"]) == WEB_ACL
    elif cdn:
        assert "WebACLId" not in base.properties("Distribution")["DistributionConfig"]


@pytest.mark.parametrize("cdn", [True, False], ids=["cdn", "no-cdn"])
def test_apex_and_www_answer_ipv4_and_ipv6(base_template, service_template, edge_template, cdn):
    _, _, base, _ = stacks(
        base_template, service_template, edge_template, cdn=cdn, waf=False, region="eu-west-1"
    )
    records = base.of_type("AWS::Route53::RecordSet")
    names = sorted((r["Properties"]["Type"], str(r["Properties"]["Name"])) for r in records.values())
    apex, www = "{'Ref': 'DomainName'}", "{'Fn::Sub': 'www.${DomainName}'}"
    assert names == sorted([("A", apex), ("AAAA", apex), ("A", www), ("AAAA", www)])
    for record in records.values():
        target = record["Properties"]["AliasTarget"]
        if cdn:
            assert target == {
                "DNSName": {"Fn::GetAtt": ["Distribution", "DomainName"]},
                "HostedZoneId": "Z2FDTNDATAQYW2",
            }
        else:
            assert target["DNSName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}


def test_every_subnet_is_dual_stack_from_the_vpcs_amazon_ipv6_block(base_template):
    base = render(base_template, DomainName="example.com")
    assert base.properties("VpcIpv6CidrBlock") == {
        "VpcId": {"Ref": "Vpc"},
        "AmazonProvidedIpv6CidrBlock": True,
    }
    subnets = base.of_type("AWS::EC2::Subnet")
    blocks = {"Fn::Cidr": [{"Fn::Select": [0, {"Fn::GetAtt": ["Vpc", "Ipv6CidrBlocks"]}]}, 4, 64]}
    assert sorted(s["Properties"]["Ipv6CidrBlock"]["Fn::Select"][0] for s in subnets.values()) == [0, 1, 2, 3]
    for subnet in subnets.values():
        assert subnet["Properties"]["Ipv6CidrBlock"]["Fn::Select"][1] == blocks
        assert subnet["DependsOn"] == "VpcIpv6CidrBlock"
    assert base.properties("PublicIpv6DefaultRoute")["DestinationIpv6CidrBlock"] == "::/0"
    assert "PublicIpv6DefaultRoute" in base.resources["LoadBalancer"]["DependsOn"]


def test_the_distribution_forwards_everything_and_caches_what_the_origin_says(
    base_template, service_template, edge_template
):
    _, _, base, _ = stacks(
        base_template, service_template, edge_template, cdn=True, waf=False, region="eu-west-1"
    )
    config = base.properties("Distribution")["DistributionConfig"]
    assert config["HttpVersion"] == "http2and3" and config["IPV6Enabled"] is True
    assert config["Aliases"] == [{"Ref": "DomainName"}, {"Fn::Sub": "*.${DomainName}"}]
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https" and default["Compress"] is True
    assert set(default["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    # Managed UseOriginCacheControlHeaders-QueryStrings and AllViewer (ids from AWS's lists).
    assert default["CachePolicyId"] == "4cc15a8a-d715-48a4-82b8-cc0b614638fe"
    assert default["OriginRequestPolicyId"] == "216adef6-5c7f-47e4-b989-5492eafa07d3"
    (health,) = config["CacheBehaviors"]
    assert health["PathPattern"] == "/health"
    assert health["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert {e["ErrorCode"]: e["ErrorCachingMinTTL"] for e in config["CustomErrorResponses"]} == {
        404: 0, 500: 0, 502: 0, 503: 0, 504: 0
    }  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "group_action", "rate_action"), [("count", "Count", "Count"), ("block", "None", "Block")]
)
def test_waf_mode_counts_or_blocks_every_rule(
    base_template, service_template, edge_template, mode, group_action, rate_action
):
    _, edge_stack, _, _ = stacks(
        base_template, service_template, edge_template, cdn=True, waf=True, region="eu-west-1", waf_mode=mode
    )
    acl = edge_stack.properties("WebAcl")
    assert (
        acl["VisibilityConfig"]["CloudWatchMetricsEnabled"]
        and acl["VisibilityConfig"]["SampledRequestsEnabled"]
    )
    rules = {r["Name"]: r for r in acl["Rules"]}
    for name in (
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ):
        assert rules[name]["OverrideAction"] == {group_action: {}}
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rules[name]["VisibilityConfig"]["SampledRequestsEnabled"] is True
    rate = rules["RateLimitPerIp"]
    assert rate["Action"] == {rate_action: {}}
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert edge_stack.value(rate["Statement"]["RateBasedStatement"]["Limit"]) == "2000"


def test_the_origin_lock_sends_requests_without_the_header_to_the_default_404(
    base_template, service_template, edge_template
):
    """CloudFront adds X-Origin-Verify from the base stack's secret; the site's rule requires the same
    secret; so the load balancer routes a request to the site only when it came through CloudFront."""
    _, _, base, site = stacks(
        base_template, service_template, edge_template, cdn=True, waf=False, region="eu-west-1"
    )
    (header,) = base.properties("Distribution")["DistributionConfig"]["Origins"][0]["OriginCustomHeaders"]
    assert header == {
        "HeaderName": "X-Origin-Verify",
        "HeaderValue": {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"},
    }
    assert base.outputs["OriginVerifySecretArn"]["Value"] == {"Ref": "OriginVerifySecret"}
    conditions = site.properties("ListenerRule")["Conditions"]
    lock = {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecretArn}:SecretString}}"}
    assert conditions[1] == {
        "Field": "http-header",
        "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [lock]},
    }
    assert site.parameters["OriginVerifySecretArn"] == SECRET_ARN  # the same secret as the distribution's

    secret = "Q2hhbmdlTWUuLi5ub3RyZWFsbHlhc2VjcmV0ZXhhbXBsZQ"  # what CloudFormation would resolve
    host, lock_condition = conditions
    resolved = [
        {
            "Field": "host-header",
            "HostHeaderConfig": {"Values": [site.value(host["HostHeaderConfig"]["Values"][0])]},
        },
        {**lock_condition, "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [secret]}},
    ]
    listener = base.properties("HttpsListener")
    rules = [
        {"Priority": "100", "Conditions": resolved, "Actions": site.properties("ListenerRule")["Actions"]},
        {"IsDefault": True, "Actions": listener["DefaultActions"]},
    ]
    through_cloudfront = route(rules, host="docs.example.com", headers={"x-origin-verify": secret})
    assert through_cloudfront["Type"] == "forward"
    for headers in ({}, {"X-Origin-Verify": "guess"}, {"X-Other": secret}):
        direct = route(rules, host="docs.example.com", headers=headers)
        assert direct["Type"] == "fixed-response" and direct["FixedResponseConfig"]["StatusCode"] == "404"


def test_without_the_cdn_the_site_rule_needs_no_header(base_template, service_template, edge_template):
    _, _, _, site = stacks(
        base_template, service_template, edge_template, cdn=False, waf=True, region="eu-west-1"
    )
    assert [c["Field"] for c in site.properties("ListenerRule")["Conditions"]] == ["host-header"]


def test_no_cdn_in_phase_one(base_template):
    """CloudFront's origin is the HTTPS listener, which phase 1 (EnableHttps false) does not have yet."""
    base = render(
        base_template,
        DomainName="example.com",
        EnableHttps="false",
        EnableCdn="true",
        CloudFrontPrefixListId=PREFIX_LIST,
    )
    assert "Distribution" not in base.resources and "OriginVerifySecret" not in base.resources
    assert base.properties("LoadBalancer")["IpAddressType"] == "dualstack"


def test_the_lean_profile_is_the_cdn_design(base_template):
    from fargate_deploy.cost import PROFILES

    settings = dataclasses.replace(Settings(domain="example.com"), **PROFILES["lean"])
    parameters = edge.base_parameters(settings, "us-east-1", prefix_list_id=PREFIX_LIST, edge_outputs={})
    base = render(base_template, DomainName="example.com", **parameters)
    assert base.properties("LoadBalancer")["IpAddressType"] == "dualstack-without-public-ipv4"


@pytest.mark.parametrize(("cdn", "hops"), [(True, "3"), (False, "2")])
def test_the_app_is_told_how_many_proxies_append_to_x_forwarded_for(
    base_template, service_template, edge_template, cdn, hops
):
    _, _, _, site = stacks(
        base_template, service_template, edge_template, cdn=cdn, waf=False, region="eu-west-1"
    )
    (container,) = site.properties("TaskDefinition")["ContainerDefinitions"]
    assert {e["Name"]: e["Value"] for e in container["Environment"]}["FORWARDED_FOR_HOPS"] == hops
