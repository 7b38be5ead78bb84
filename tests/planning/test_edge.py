"""fargate_deploy.edge: which stack the edge pieces live in and what each stack is given (pure)."""

from __future__ import annotations

import pytest

from fargate_deploy import edge
from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import Settings

ZONE = "Z0123456789ABCDEFGHIJ"
BALANCER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/0123456789abcdef"
OWN_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
OUTPUTS = {
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111",
    "WebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/flaskcom-prod-edge/abc",
}


def settings(**values) -> Settings:
    return Settings(domain="example.com", **values)


@pytest.mark.parametrize(
    ("values", "region", "where", "certificate", "waf_scope"),
    [
        ({"cdn": True}, "eu-west-1", "us-east-1", "true", None),
        ({"cdn": True}, "us-east-1", None, None, None),  # the base certificate is already there
        ({"cdn": True, "waf": True}, "us-east-1", "us-east-1", "false", "CLOUDFRONT"),
        ({"cdn": True, "waf": True}, "eu-west-1", "us-east-1", "true", "CLOUDFRONT"),
        ({"cdn": True, "cdn_certificate_arn": OWN_CERT}, "eu-west-1", None, None, None),
        (
            {"cdn": True, "cdn_certificate_arn": OWN_CERT, "waf": True},
            "eu-west-1",
            "us-east-1",
            "false",
            "CLOUDFRONT",
        ),
        ({"waf": True}, "eu-west-1", "eu-west-1", "false", "REGIONAL"),
        ({}, "eu-west-1", None, None, None),
    ],
)
def test_where_the_edge_stack_lives_and_what_it_holds(values, region, where, certificate, waf_scope):
    plan = edge.edge_plan(settings(**values), region, hosted_zone_id=ZONE, load_balancer_arn=BALANCER)
    if where is None:
        assert plan is None
        return
    assert (plan.stack_name, plan.region) == ("flaskcom-prod-edge", where)
    assert plan.parameters["EnableCertificate"] == certificate
    assert plan.parameters["EnableWaf"] == ("true" if waf_scope else "false")
    if waf_scope:
        assert plan.parameters["WafScope"] == waf_scope
    assert plan.after_base == (waf_scope == "REGIONAL")
    assert plan.parameters["LoadBalancerArn"] == (BALANCER if waf_scope == "REGIONAL" else "")
    assert plan.parameters["HostedZoneId"] == ZONE and plan.parameters["DomainName"] == "example.com"


def test_waf_mode_and_rate_limit_reach_the_edge_stack():
    plan = edge.edge_plan(
        settings(cdn=True, waf=True, waf_mode="block", waf_rate_limit=500), "us-east-1", hosted_zone_id=ZONE
    )
    assert (plan.parameters["WafMode"], plan.parameters["WafRateLimit"]) == ("block", "500")


def test_a_regional_web_acl_waits_for_the_load_balancer():
    with pytest.raises(ConfigError, match="needs the base stack's load balancer"):
        edge.edge_plan(settings(waf=True), "eu-west-1", hosted_zone_id=ZONE)


EDGE_CERT, WEB_ACL = OUTPUTS["CertificateArn"], OUTPUTS["WebAclArn"]
KEYS = ("EnableCdn", "CdnCertificateArn", "CloudFrontPrefixListId", "WebAclArn")


@pytest.mark.parametrize(
    ("values", "region", "expected"),
    [
        ({}, "eu-west-1", ("false", "", "", "")),
        ({"cdn": True}, "us-east-1", ("true", "", "pl-1", "")),  # "" = the base stack's own certificate
        ({"cdn": True}, "eu-west-1", ("true", EDGE_CERT, "pl-1", "")),
        ({"cdn": True, "waf": True}, "eu-west-1", ("true", EDGE_CERT, "pl-1", WEB_ACL)),
        ({"cdn": True, "cdn_certificate_arn": OWN_CERT}, "eu-west-1", ("true", OWN_CERT, "pl-1", "")),
        # Without CloudFront a web ACL sits on the load balancer (edge stack): nothing for the base.
        ({"waf": True}, "eu-west-1", ("false", "", "", "")),
    ],
)
def test_the_base_stacks_edge_parameters(values, region, expected):
    parameters = edge.base_parameters(settings(**values), region, prefix_list_id="pl-1", edge_outputs=OUTPUTS)
    assert parameters == dict(zip(KEYS, expected, strict=True))


@pytest.mark.parametrize("missing", ["CertificateArn", "WebAclArn"])
def test_base_parameters_refuse_an_edge_stack_without_its_outputs(missing):
    outputs = {k: v for k, v in OUTPUTS.items() if k != missing}
    with pytest.raises(ConfigError, match=f"no {missing} output") as caught:
        edge.base_parameters(
            settings(cdn=True, waf=True), "eu-west-1", prefix_list_id="pl-1", edge_outputs=outputs
        )
    assert caught.value.hint == "python3 deploy.py resources"


def test_service_parameters_come_from_the_base_outputs():
    assert edge.service_parameters({}) == {"OriginVerifySecretArn": "", "DistributionDomainName": ""}
    outputs = {
        "OriginVerifySecretArn": "arn:aws:secretsmanager:x",
        "DistributionDomainName": "d1.cloudfront.net",
    }
    assert edge.service_parameters({**outputs, "VpcId": "vpc-1"}) == outputs


def test_the_prefix_list_id_is_looked_up_by_name():
    # Shaped like ec2 describe_managed_prefix_lists (the IPv4 list comes first in AWS's answer too).
    response = {
        "PrefixLists": [
            {
                "PrefixListId": "pl-3b927c52",
                "PrefixListName": "com.amazonaws.global.cloudfront.origin-facing",
            },
            {
                "PrefixListId": "pl-0ab12cd3",
                "PrefixListName": "com.amazonaws.global.ipv6.cloudfront.origin-facing",
            },
        ]
    }
    assert edge.prefix_list_id(response) == "pl-0ab12cd3"
    with pytest.raises(ConfigError, match="no managed prefix list"):
        edge.prefix_list_id({"PrefixLists": response["PrefixLists"][:1]})


# --- the web ACL's last hour (responses shaped like cloudwatch list_metrics / get_metric_data) ---


def metric(name: str, **dimensions: str) -> dict:
    return {
        "Namespace": "AWS/WAFV2",
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
    }


def test_waf_queries_ask_for_the_web_acls_totals_only():
    listed = {
        "Metrics": [
            metric("AllowedRequests", WebACL="flaskcom-prod-edge", Rule="ALL"),
            metric("BlockedRequests", WebACL="flaskcom-prod-edge", Rule="ALL"),
            metric("CountedRequests", WebACL="flaskcom-prod-edge", Rule="RateLimitPerIp"),  # one rule's
            metric("BlockedRequests", WebACL="flaskcom-prod-edge", Rule="ALL", RuleGroup="x"),
            metric("AllowedRequests", WebACL="another-acl", Rule="ALL"),
            metric("SampleRequests", WebACL="flaskcom-prod-edge", Rule="ALL"),
        ]
    }
    queries = edge.waf_metric_queries(listed, "flaskcom-prod-edge")
    assert [q["Id"] for q in queries] == ["allowed", "blocked"]
    assert queries[0]["MetricStat"] == {
        "Metric": metric("AllowedRequests", WebACL="flaskcom-prod-edge", Rule="ALL"),
        "Period": 3600,
        "Stat": "Sum",
    }
    # A REGIONAL web ACL's series carry a Region dimension: they are asked for as listed.
    regional = {"Metrics": [metric("BlockedRequests", WebACL="w", Rule="ALL", Region="eu-west-1")]}
    (query,) = edge.waf_metric_queries(regional, "w")
    assert {"Name": "Region", "Value": "eu-west-1"} in query["MetricStat"]["Metric"]["Dimensions"]


def test_waf_counts_sum_the_hour_and_a_quiet_metric_is_zero():
    response = {
        "MetricDataResults": [
            {"Id": "allowed", "Label": "AllowedRequests", "Values": [1200.0], "StatusCode": "Complete"},
            {"Id": "blocked", "Label": "BlockedRequests", "Values": [], "StatusCode": "Complete"},
        ]
    }
    assert edge.waf_counts(response) == {"allowed": 1200, "blocked": 0, "counted": 0}


# --- destroy and status with edge stacks (operations, pure) ---


def _stack(name: str, **parameters: str) -> dict:
    return {
        "StackName": name,
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    }


@pytest.mark.parametrize(
    ("edge_stacks", "order"),
    [
        ([], [("flaskcom-prod-www", None), ("flaskcom-prod", None)]),
        # CloudFront's us-east-1 stack: its certificate and web ACL are in use until the base stack goes.
        (
            [("us-east-1", _stack("flaskcom-prod-edge", WafScope="CLOUDFRONT"))],
            [("flaskcom-prod-www", None), ("flaskcom-prod", None), ("flaskcom-prod-edge", "us-east-1")],
        ),
        # The REGIONAL web ACL is attached to the base stack's load balancer: it goes first.
        (
            [("eu-west-1", _stack("flaskcom-prod-edge", WafScope="REGIONAL"))],
            [("flaskcom-prod-www", None), ("flaskcom-prod-edge", "eu-west-1"), ("flaskcom-prod", None)],
        ),
    ],
)
def test_destroy_deletes_edge_stacks_in_the_reverse_order_of_their_creation(edge_stacks, order):
    from fargate_deploy.operations import destroy_plan

    plan = destroy_plan(
        region="eu-west-1",
        base_name="flaskcom-prod",
        base_stack=_stack("flaskcom-prod"),
        base_resources=[],
        service_name="flaskcom-prod-www",
        service_stack=_stack("flaskcom-prod-www"),
        edge_stacks=edge_stacks,
    )
    assert plan.in_order() == order
    assert plan.labels() == [name + (f" ({region})" if region else "") for name, region in order]


def test_status_lines_show_the_edge_stack_and_the_web_acls_hour():
    from fargate_deploy.operations import report_lines, status_report

    report = status_report(
        base_name="flaskcom-prod",
        base_stack=_stack("flaskcom-prod"),
        service_name="flaskcom-prod-www",
        service_stack=None,
        service=None,
        task_definitions={},
        target_health=[],
        edge_stacks=[("us-east-1", {**_stack("flaskcom-prod-edge"), "StackStatus": "ROLLBACK_COMPLETE"})],
        waf_last_hour={"allowed": 10, "blocked": 2, "counted": 0},
    )
    lines = report_lines(report)
    edge_line = lines.index(
        "edge stack flaskcom-prod-edge (us-east-1): ROLLBACK_COMPLETE "
        "(failed to create and was rolled back; it can only be deleted)"
    )
    assert lines[edge_line + 1] == "  next: python3 deploy.py recover"
    assert "web ACL, last hour: 10 allowed, 2 blocked, 0 counted" in lines
