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

from . import console, edge
from .errors import AwsError, ConfigError, RefusedError
from .invocation import command
from .waiting import Pace

if TYPE_CHECKING:
    from .aws import Aws
    from .changeset import ChangeSetSummary
    from .deployer import Deployer


def hosted_zone(deployer: Deployer, base_outputs: dict[str, str]) -> str:
    """The zone the edge certificate is validated in: the settings' zone, or the one the base stack
    made (phase 1 of `resources` has run by the time the edge stack is planned)."""
    zone = deployer.settings.hosted_zone_id or base_outputs.get("HostedZoneId", "")
    if not zone:
        raise RefusedError(
            "resources: the edge stack's certificate needs the hosted zone, and the base stack has none yet",
            hint=command("resources"),
        )
    return zone


def cloudfront_prefix_list_id(aws: Aws) -> str:
    """This region's id of CloudFront's origin-facing list (edge.CLOUDFRONT_PREFIX_LIST)."""
    return edge.prefix_list_id(aws.managed_prefix_lists(edge.CLOUDFRONT_PREFIX_LIST))


def plan_before_base(deployer: Deployer, base_outputs: dict[str, str]) -> edge.EdgePlan | None:
    """The edge stack the base stack needs first (CloudFront's us-east-1 pieces), or None."""
    s = deployer.settings
    if not s.cdn:
        return None
    return edge.edge_plan(s, deployer.aws.region or "", hosted_zone_id=hosted_zone(deployer, base_outputs))


def plan_after_base(deployer: Deployer, base_outputs: dict[str, str]) -> edge.EdgePlan | None:
    """The edge stack that needs the base stack's load balancer (a REGIONAL web ACL), or None."""
    s = deployer.settings
    if s.cdn or not s.waf:
        return None
    return edge.edge_plan(
        s,
        deployer.aws.region or "",
        hosted_zone_id=hosted_zone(deployer, base_outputs),
        load_balancer_arn=base_outputs.get("LoadBalancerArn", ""),
    )


def apply(deployer: Deployer, plan: edge.EdgePlan, *, yes: bool) -> dict[str, str]:
    """Create or update the edge stack in its region; its outputs once its certificate is issued."""
    regional = deployer.in_region(plan.region)
    console.info(f"Stack {plan.stack_name}: the edge, in {plan.region}")
    result = regional.apply(
        plan.stack_name, edge.EDGE_TEMPLATE, plan.parameters, yes=yes, command="resources"
    )
    if plan.parameters["EnableCertificate"] == "true":
        wait_for_certificate(regional, result.outputs.get("CertificateArn", ""))
    return result.outputs


def wait_for_certificate(deployer: Deployer, arn: str) -> None:
    """CloudFront refuses a certificate ACM has not issued. CloudFormation finishes a certificate
    that names its hosted zone once ACM has validated it
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html),
    so this is normally one call; it also catches a certificate that failed or is still pending
    (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html), bounded."""
    if not arn:
        raise AwsError("resources: the edge stack has no CertificateArn output", hint=command("resources"))
    timing = deployer.timing
    waited = deployer.aws.wait_for_certificate(
        arn, pace=Pace(timing.certificate_poll, timing.certificate_timeout)
    )
    if not waited.succeeded:
        status = waited.response.get("Certificate", {}).get("Status") or waited.error_code
        raise AwsError(
            f"resources: certificate {arn} was not issued ({status})",
            hint="check its validation record in the hosted zone (aws acm describe-certificate "
            f"--certificate-arn {arn} --region {edge.CLOUDFRONT_REGION}), then run: " + command("resources"),
        )
    console.info(f"Certificate {arn}: issued")


def base_parameters(deployer: Deployer, edge_outputs: dict[str, str]) -> dict[str, str]:
    """The base stack's edge block: the edge stack's outputs and this region's CloudFront list."""
    s, aws = deployer.settings, deployer.aws
    prefix_list = cloudfront_prefix_list_id(aws) if s.cdn else ""
    return edge.base_parameters(s, aws.region or "", prefix_list_id=prefix_list, edge_outputs=edge_outputs)


def planned_base_parameters(
    deployer: Deployer, plan: edge.EdgePlan | None, base: dict | None
) -> dict[str, str]:
    """The base stack's edge block for `plan`, from the edge stack as it is now. An edge stack not yet
    created has no outputs to give: the base stack is then planned with the edge block it has (none
    for a new stack), and a line says CloudFront follows once `resources` has made the edge stack."""
    outputs: dict[str, str] = {}
    if plan:
        stack = deployer.in_region(plan.region).aws.describe_stack(plan.stack_name)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}
    try:
        return base_parameters(deployer, outputs)
    except ConfigError:
        name = plan.stack_name if plan else edge.edge_stack_name(deployer.settings)
        console.info(
            f"Stack {deployer.settings.base_stack_name}: CloudFront is planned once the edge stack {name} "
            "exists (python3 deploy.py resources creates it first)"
        )
        current = {p["ParameterKey"]: p.get("ParameterValue", "") for p in (base or {}).get("Parameters", [])}
        return {key: current.get(key, value) for key, value in edge.BASE_WITHOUT_CDN.items()}


def before_base(deployer: Deployer, base_outputs: dict[str, str], *, yes: bool) -> dict[str, str]:
    """Apply the edge stack the base stack needs first; the base stack's edge parameters."""
    plan = plan_before_base(deployer, base_outputs)
    outputs = apply(deployer, plan, yes=yes) if plan else {}
    return base_parameters(deployer, outputs)


def after_base(deployer: Deployer, base_outputs: dict[str, str], *, yes: bool) -> None:
    plan = plan_after_base(deployer, base_outputs)
    if plan:
        apply(deployer, plan, yes=yes)


def plan_change_set(deployer: Deployer, plan: edge.EdgePlan) -> ChangeSetSummary:
    """The edge stack's change set, computed in its region, shown and deleted: `plan` executes nothing."""
    regional = deployer.in_region(plan.region)
    summary, _ = regional.create_change_set(plan.stack_name, edge.EDGE_TEMPLATE, plan.parameters, "resources")
    regional._show_and_drop(summary)
    return summary


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
