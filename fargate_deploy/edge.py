"""The edge (issue 14): where CloudFront's pieces live and what each stack is given. Pure.

CloudFront takes its certificate and its web ACL only from us-east-1, whatever region the base
stack is in; a stack cannot import another region's exports. So the deployer (edge_stack.py runs
these plans) goes, in this order:

1. the edge stack (`cloudformation/edge.yaml`, named `<app>-<environment>-edge`) when `edge_plan`
   returns one: in us-east-1 with CloudFront (a certificate unless the base stack's can be reused,
   and the CLOUDFRONT web ACL when `waf`), or in the base region without CloudFront (only the
   REGIONAL web ACL, attached to the load balancer, so after the base stack);
2. the base stack, with `base_parameters` (the edge stack's outputs and this region's id of the
   CloudFront origin-facing prefix list, looked up with ec2 describe_managed_prefix_lists);
3. each site's stack, with `service_parameters` from the base stack's outputs.
docs/architecture.md ("The edge") says why each piece lives where it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError
from .invocation import command
from .settings import _flag

CLOUDFRONT_REGION = "us-east-1"
# The load balancer behind CloudFront has no public IPv4, so CloudFront reaches it over IPv6 and the
# security group admits the IPv6 list (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html).
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.ipv6.cloudfront.origin-facing"
EDGE_TEMPLATE = "edge.yaml"


@dataclass(frozen=True)
class EdgePlan:
    stack_name: str
    region: str
    parameters: dict[str, str]
    after_base: bool  # the REGIONAL web ACL attaches to the load balancer, which the base stack makes


def edge_stack_name(settings: Any) -> str:
    return f"{settings.base_stack_name}-edge"


def reuses_base_certificate(settings: Any, region: str) -> bool:
    """CloudFront can show the base stack's own certificate only when that stack is in us-east-1."""
    return region == CLOUDFRONT_REGION and not settings.cdn_certificate_arn


def edge_plan(
    settings: Any, region: str, *, hosted_zone_id: str, load_balancer_arn: str = ""
) -> EdgePlan | None:
    """The edge stack for these settings, or None when nothing needs one."""
    if settings.cdn:
        certificate = region != CLOUDFRONT_REGION and not settings.cdn_certificate_arn
        if not (certificate or settings.waf):
            return None
        # The web ACL is on the distribution: created before the base stack, which names it.
        return _plan(settings, CLOUDFRONT_REGION, "CLOUDFRONT", certificate, hosted_zone_id, "")
    if not settings.waf:
        return None
    if not load_balancer_arn:
        raise ConfigError(
            "planning the web ACL: the REGIONAL web ACL needs the base stack's load balancer",
            hint=command("resources"),
        )
    return _plan(settings, region, "REGIONAL", False, hosted_zone_id, load_balancer_arn)


def _plan(
    settings: Any, region: str, scope: str, certificate: bool, hosted_zone_id: str, load_balancer_arn: str
) -> EdgePlan:
    return EdgePlan(
        stack_name=edge_stack_name(settings),
        region=region,
        parameters={
            "EnableWaf": _flag(settings.waf),
            "WafScope": scope,
            "WafMode": settings.waf_mode,
            "WafRateLimit": str(settings.waf_rate_limit),
            "DomainName": settings.domain,
            "HostedZoneId": hosted_zone_id,
            "EnableCertificate": _flag(certificate),
            "LoadBalancerArn": load_balancer_arn,
        },
        after_base=scope == "REGIONAL",
    )


BASE_WITHOUT_CDN = {
    "EnableCdn": "false",
    "CdnCertificateArn": "",
    "CloudFrontPrefixListId": "",
    "WebAclArn": "",
}


def base_parameters(
    settings: Any, region: str, *, prefix_list_id: str, edge_outputs: Mapping[str, str]
) -> dict[str, str]:
    """The base stack's edge block (merged into Settings.base_parameters by the deployer)."""
    if not settings.cdn:
        return dict(BASE_WITHOUT_CDN)
    if settings.cdn_certificate_arn:
        certificate = settings.cdn_certificate_arn
    elif reuses_base_certificate(settings, region):
        certificate = ""  # the template then uses its own certificate
    else:
        certificate = _required(edge_outputs, "CertificateArn")
    return {
        "EnableCdn": "true",
        "CdnCertificateArn": certificate,
        "CloudFrontPrefixListId": prefix_list_id,
        "WebAclArn": _required(edge_outputs, "WebAclArn") if settings.waf else "",
    }


def service_parameters(base_outputs: Mapping[str, str]) -> dict[str, str]:
    """Behind CloudFront a site's rule requires the origin header and its host name points at the
    distribution; both values come from the base stack's (unexported) outputs."""
    return {
        "OriginVerifySecretArn": base_outputs.get("OriginVerifySecretArn", ""),
        "DistributionDomainName": base_outputs.get("DistributionDomainName", ""),
    }


def prefix_list_id(response: Mapping[str, Any]) -> str:
    """The id of CLOUDFRONT_PREFIX_LIST in an ec2 describe_managed_prefix_lists response (it differs
    per region)."""
    for prefix_list in response.get("PrefixLists", []):
        if prefix_list.get("PrefixListName") == CLOUDFRONT_PREFIX_LIST:
            return prefix_list["PrefixListId"]
    raise ConfigError(
        f"putting CloudFront in front: this region has no managed prefix list {CLOUDFRONT_PREFIX_LIST}",
        hint="set cdn = false, or use a region where CloudFront's origin-facing list exists",
    )


def _required(outputs: Mapping[str, str], key: str) -> str:
    if not outputs.get(key):
        raise ConfigError(
            f"putting CloudFront in front: the edge stack has no {key} output yet",
            hint=command("resources"),
        )
    return outputs[key]


# --- the web ACL's last hour, for `status` (edge_stack.waf_last_hour makes the two CloudWatch calls) ---
# AWS WAF reports its metrics in the AWS/WAFV2 namespace once a minute
# (https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html); the web ACL's totals are
# the series whose Rule dimension is ALL. The dimension set differs by scope (REGIONAL ones carry a
# Region), so the deployer first lists the web ACL's metrics (cloudwatch list_metrics, Namespace
# AWS/WAFV2, Dimensions WebACL=<WebAclName>; us-east-1 for CLOUDFRONT) and asks only for those.
WAF_TOTALS = {"AllowedRequests": "allowed", "BlockedRequests": "blocked", "CountedRequests": "counted"}


def waf_metric_queries(list_metrics: Mapping[str, Any], web_acl_name: str) -> list[dict[str, Any]]:
    """MetricDataQueries for cloudwatch get_metric_data: the web ACL's allowed, blocked and counted
    requests, summed over one hour (Period 3600 with StartTime an hour before EndTime)."""
    queries = []
    for metric in list_metrics.get("Metrics", []):
        dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
        if (
            metric.get("MetricName") in WAF_TOTALS
            and dimensions.get("WebACL") == web_acl_name
            and dimensions.get("Rule") == "ALL"
            and "RuleGroup" not in dimensions
        ):
            queries.append(
                {
                    "Id": WAF_TOTALS[metric["MetricName"]],
                    "MetricStat": {
                        "Metric": {k: metric[k] for k in ("Namespace", "MetricName", "Dimensions")},
                        "Period": 3600,
                        "Stat": "Sum",
                    },
                }
            )
    return queries


def waf_counts(get_metric_data: Mapping[str, Any]) -> dict[str, int]:
    """allowed / blocked / counted requests of the last hour; 0 where CloudWatch has no data point
    (a quiet hour reports nothing)."""
    counts = dict.fromkeys(WAF_TOTALS.values(), 0)
    for result in get_metric_data.get("MetricDataResults", []):
        if result.get("Id") in counts:
            counts[result["Id"]] = int(sum(result.get("Values", [])))
    return counts
