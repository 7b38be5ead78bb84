"""The edge stack's life (issue 14): the effects around edge.py's plan.

`resources` runs, in order: the edge stack CloudFront needs from us-east-1 (its certificate, then
waited for, and its web ACL), the base stack with the edge's parameters, then the edge stack that
attaches a REGIONAL web ACL to the base stack's load balancer (no CloudFront). `plan` shows the edge
stack's change set like the others; `status` lists it; `destroy` deletes it in the reverse order of
its creation (see operations.destroy_plan). What goes where, and why, is decided in edge.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import edge
from .errors import AwsError, ConfigError, RefusedError
from .invocation import command
from .operations import outputs_of, parameters_of
from .waiting import Pace
from .workflows import stacks

if TYPE_CHECKING:
    from .aws import Aws
    from .changeset import ChangeSetSummary
    from .workflows.parts import Parts


def hosted_zone(parts: Parts, base_outputs: dict[str, str]) -> str:
    """The zone the edge certificate is validated in: the settings' zone, or the one the base stack
    made (phase 1 of `resources` has run by the time the edge stack is planned)."""
    zone = parts.settings.hosted_zone_id or base_outputs.get("HostedZoneId", "")
    if not zone:
        raise RefusedError(
            "resources: the edge stack's certificate needs the hosted zone, and the base stack has none yet",
            hint=command("resources"),
        )
    return zone


def cloudfront_prefix_list_id(aws: Aws) -> str:
    """This region's id of CloudFront's origin-facing list (edge.CLOUDFRONT_PREFIX_LIST)."""
    return edge.prefix_list_id(aws.managed_prefix_lists(edge.CLOUDFRONT_PREFIX_LIST))


def plan_before_base(parts: Parts, base_outputs: dict[str, str]) -> edge.EdgePlan | None:
    """The edge stack the base stack needs first (CloudFront's us-east-1 pieces), or None."""
    s = parts.settings
    if not s.cdn:
        return None
    return edge.edge_plan(s, parts.aws.region or "", hosted_zone_id=hosted_zone(parts, base_outputs))


def plan_after_base(parts: Parts, base_outputs: dict[str, str]) -> edge.EdgePlan | None:
    """The edge stack that needs the base stack's load balancer (a REGIONAL web ACL), or None."""
    s = parts.settings
    if s.cdn or not s.waf:
        return None
    return edge.edge_plan(
        s,
        parts.aws.region or "",
        hosted_zone_id=hosted_zone(parts, base_outputs),
        load_balancer_arn=base_outputs.get("LoadBalancerArn", ""),
    )


def apply(parts: Parts, plan: edge.EdgePlan, *, yes: bool) -> dict[str, str]:
    """Create or update the edge stack in its region; its outputs once its certificate is issued."""
    regional = parts.in_region(plan.region)
    parts.reporter.note(f"Stack {plan.stack_name}: the edge, in {plan.region}")
    result = stacks.apply(
        regional, plan.stack_name, edge.EDGE_TEMPLATE, plan.parameters, yes=yes, command_name="resources"
    )
    if plan.parameters["EnableCertificate"] == "true":
        wait_for_certificate(regional, result.outputs.get("CertificateArn", ""))
    return result.outputs


def wait_for_certificate(parts: Parts, arn: str) -> None:
    """CloudFront refuses a certificate ACM has not issued. CloudFormation finishes a certificate
    that names its hosted zone once ACM has validated it
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html),
    so this is normally one call; it also catches a certificate that failed or is still pending
    (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html), bounded."""
    if not arn:
        raise AwsError("resources: the edge stack has no CertificateArn output", hint=command("resources"))
    timing = parts.timing
    waited = parts.aws.wait_for_certificate(
        arn, pace=Pace(timing.certificate_poll, timing.certificate_timeout), reporter=parts.reporter
    )
    if not waited.succeeded:
        status = waited.response.get("Certificate", {}).get("Status") or waited.error_code
        raise AwsError(
            f"resources: certificate {arn} was not issued ({status})",
            hint="check its validation record in the hosted zone (aws acm describe-certificate "
            f"--certificate-arn {arn} --region {edge.CLOUDFRONT_REGION}), then run: " + command("resources"),
        )
    parts.reporter.note(f"Certificate {arn}: issued")


def base_parameters(parts: Parts, edge_outputs: dict[str, str]) -> dict[str, str]:
    """The base stack's edge block: the edge stack's outputs and this region's CloudFront list."""
    s, aws = parts.settings, parts.aws
    prefix_list = cloudfront_prefix_list_id(aws) if s.cdn else ""
    return edge.base_parameters(s, aws.region or "", prefix_list_id=prefix_list, edge_outputs=edge_outputs)


def planned_base_parameters(parts: Parts, plan: edge.EdgePlan | None, base: dict | None) -> dict[str, str]:
    """The base stack's edge block for `plan`, from the edge stack as it is now. An edge stack not yet
    created has no outputs to give: the base stack is then planned with the edge block it has (none
    for a new stack), and a line says CloudFront follows once `resources` has made the edge stack."""
    outputs: dict[str, str] = {}
    if plan:
        outputs = outputs_of(parts.in_region(plan.region).aws.describe_stack(plan.stack_name))
    try:
        return base_parameters(parts, outputs)
    except ConfigError:
        name = plan.stack_name if plan else edge.edge_stack_name(parts.settings)
        parts.reporter.note(
            f"Stack {parts.settings.base_stack_name}: CloudFront is planned once the edge stack {name} "
            f"exists ({command('resources')} creates it first)"
        )
        current = parameters_of(base)
        return {key: current.get(key, value) for key, value in edge.BASE_WITHOUT_CDN.items()}


def before_base(parts: Parts, base_outputs: dict[str, str], *, yes: bool) -> dict[str, str]:
    """Apply the edge stack the base stack needs first; the base stack's edge parameters."""
    plan = plan_before_base(parts, base_outputs)
    outputs = apply(parts, plan, yes=yes) if plan else {}
    return base_parameters(parts, outputs)


def after_base(parts: Parts, base_outputs: dict[str, str], *, yes: bool) -> None:
    plan = plan_after_base(parts, base_outputs)
    if plan:
        apply(parts, plan, yes=yes)


def plan_change_set(parts: Parts, plan: edge.EdgePlan) -> ChangeSetSummary:
    """The edge stack's change set, computed in its region, shown and deleted: `plan` executes nothing."""
    return stacks.plan_change_set(
        parts.in_region(plan.region), plan.stack_name, edge.EDGE_TEMPLATE, plan.parameters, "resources"
    )


def existing(aws: Aws, settings: object) -> list[tuple[str, dict]]:
    """(region, stack) of each edge stack of these settings: in us-east-1 (CloudFront) or in the base
    stack's region (a REGIONAL web ACL); both when a user switched cdn since."""
    name = edge.edge_stack_name(settings)
    found = []
    for region in dict.fromkeys([edge.CLOUDFRONT_REGION, aws.region or edge.CLOUDFRONT_REGION]):
        stack = aws.in_region(region).describe_stack(name)
        if stack is not None:
            found.append((region, stack))
    return found


def waf_last_hour(aws: Aws, edge_stacks: list[tuple[str, dict]], now: datetime) -> dict[str, int] | None:
    """The web ACL's allowed / blocked / counted requests of the hour before `now` (CloudWatch,
    where AWS WAF publishes them: us-east-1 for a CLOUDFRONT web ACL, the ACL's region otherwise);
    None when no edge stack has a web ACL."""
    for region, stack in edge_stacks:
        name = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}.get("WebAclName")
        if name:
            regional = aws.in_region(region)
            queries = edge.waf_metric_queries(regional.waf_metrics(name), name)
            if not queries:
                return dict.fromkeys(edge.WAF_TOTALS.values(), 0)  # no request has reached it yet
            return edge.waf_counts(regional.metric_data(queries, now - timedelta(hours=1), now))
    return None
