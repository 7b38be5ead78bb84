"""A site's stack parameters, and which sites a base-stack change leaves behind. Pure.

A site (cloudformation/service.yaml) imports from its base stack only what no change of the base
stack alters (the cluster, the listener, the repository, ...). CloudFormation refuses to change an
export that another stack imports: "After another stack imports an output value, you can't delete
the stack that is exporting the output value or modify the exported output value"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html).
So whatever a base-stack change may alter (the task subnets and the public-IP switch NatMode
decides, CloudFront's names) reaches each site as a parameter read from the base stack's outputs at
deploy time, and `resources` compares every site's stack with what the base outputs give now.

Adding a value the base stack decides: a parameter in service.yaml, then one line in
FROM_BASE_OUTPUTS (an output copied as is) or, when it needs logic, one line in `from_base` that
merges a pure function of your own module. It may depend on the base outputs and on
environment-wide settings only: every site of one base stack gets the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import data_stores, edge, release_hold

# service.yaml parameter -> the base stack output it is copied from ("" when the base has no such output).
FROM_BASE_OUTPUTS: dict[str, str] = {
    "TaskSubnets": "TaskSubnets",
    "TaskAssignPublicIp": "TaskAssignPublicIp",
}


def from_base(settings: Any, base_outputs: Mapping[str, str]) -> dict[str, str]:
    """Every site parameter the base stack decides, from its outputs now."""
    return {
        **{parameter: base_outputs.get(output, "") for parameter, output in FROM_BASE_OUTPUTS.items()},
        **edge.service_parameters(base_outputs),  # edge (issue 14): CloudFront's origin lock and name
        **data_stores.service_parameters(base_outputs),  # data (issue 16): database, table, uploads
    }


def service_parameters(
    settings: Any,
    base_outputs: Mapping[str, str],
    *,
    image_tag: str,
    creating: bool,
    rule_priority: int,
    held: bool = False,
) -> dict[str, str]:
    """Everything the deployer sends to a site's stack: the site's settings, what the base stack
    decides, the site's listener rule priority, and whether it is held for its release command
    (`held`: a first deploy's create, fargate_deploy/release_hold.py; every other deploy lifts it)."""
    return {
        **settings.service_parameters(image_tag, creating=creating),
        **from_base(settings, base_outputs),
        "RulePriority": str(rule_priority),
        **(release_hold.HELD if held else release_hold.LIFTED),
    }


@dataclass(frozen=True)
class SiteStack:
    """A site's stack as DescribeStacks shows it."""

    stack_name: str
    site: str
    status: str
    parameters: dict[str, str]
    outputs: dict[str, str]


def site_stacks(stacks: Iterable[Mapping[str, Any]], base_stack_name: str) -> list[SiteStack]:
    """The site stacks of one base stack, from DescribeStacks' answer (every stack of the region): those
    whose BaseStackName parameter names it and that run an image, in the order of their names."""
    found = []
    for stack in stacks:
        parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
        if parameters.get("BaseStackName") != base_stack_name or "ImageTag" not in parameters:
            continue
        if stack.get("StackStatus") in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
            continue
        name = stack["StackName"]
        found.append(
            SiteStack(
                stack_name=name,
                site=name.removeprefix(f"{base_stack_name}-"),
                status=stack.get("StackStatus", ""),
                parameters=parameters,
                outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            )
        )
    return sorted(found, key=lambda s: s.stack_name)


@dataclass(frozen=True)
class StaleSite:
    """A site whose stack still has values the base stack no longer gives."""

    stack_name: str
    site: str
    changed: tuple[str, ...]  # the parameters whose value differs
    image_tag: str  # what it runs now (a redeploy keeps it)

    def line(self) -> str:
        return f"{self.stack_name} ({', '.join(self.changed)})"


def stale_sites(
    sites: Iterable[SiteStack], settings: Any, base_outputs: Mapping[str, str]
) -> list[StaleSite]:
    """The sites that must be redeployed to pick up what the base stack's outputs now give. A parameter
    the site's stack lacks (deployed with a template before it) counts as what a base stack without
    that output gives: the template then imported it, or did without it."""
    wanted, without = from_base(settings, base_outputs), from_base(settings, {})
    stale = []
    for site in sites:
        changed = tuple(k for k, v in wanted.items() if site.parameters.get(k, without[k]) != v)
        if changed:
            stale.append(StaleSite(site.stack_name, site.site, changed, site.parameters["ImageTag"]))
    return stale


def redeploy_parameters(site: SiteStack, settings: Any, base_outputs: Mapping[str, str]) -> dict[str, str]:
    """A stale site's parameters for a redeploy that changes only what the base stack decides: the
    site's own values as its stack has them (its image, host name, size, priority), the base's new
    ones, and no DesiredCount (an update keeps the count). Only the parameters this deploy.py sends
    (service.yaml declares exactly those: tests/templates/test_conventions.py), so one an older
    template had is dropped."""
    sent = service_parameters(settings, base_outputs, image_tag="-", creating=False, rule_priority=0)
    kept = {k: v for k, v in site.parameters.items() if k in sent}
    return {**kept, **from_base(settings, base_outputs), "DesiredCount": ""}
