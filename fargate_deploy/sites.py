"""Many sites on one base stack: their listener rules, priorities and host names, and `deploy.py sites`. Pure.

Every site's stack adds one rule to the base stack's HTTPS listener, forwarding its host names to its
target group. "A listener can't have multiple rules with the same priority"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html; priorities
1-50000), so a new site takes a free one and keeps it on every update. Two rules for one host name
would be allowed, but only the lower priority's would ever answer, so a host name another site
serves is refused; that covers the site without a host name too (it serves the domain and www),
which can only be one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RefusedError
from .invocation import command
from .site_parameters import SiteStack

FIRST_PRIORITY = 100  # the first site's, as before there were many; later sites count up from here
MAX_PRIORITY = 50000


@dataclass(frozen=True)
class ListenerRule:
    """One non-default rule of the HTTPS listener (DescribeRules, https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html)."""

    arn: str
    priority: int
    hosts: tuple[str, ...]
    target_group_arn: str
    owner: str  # the site stack whose target group it forwards to, "" when none of this base stack's


def listener_rules(described: Iterable[Mapping[str, Any]], sites: Iterable[SiteStack]) -> list[ListenerRule]:
    """The listener's own rules in priority order, each with the site stack that owns it: the one whose
    TargetGroupArn output the rule forwards to."""
    owners = {site.outputs.get("TargetGroupArn"): site.stack_name for site in sites}
    owners.pop(None, None)
    rules = []
    for rule in described:
        if rule.get("IsDefault") or rule.get("Priority") == "default":
            continue
        hosts: list[str] = []
        for condition in rule.get("Conditions", []):
            if condition.get("Field") == "host-header":
                values = (
                    (condition.get("HostHeaderConfig") or {}).get("Values") or condition.get("Values") or []
                )
                hosts += [v.lower() for v in values]
        target = next(
            (a.get("TargetGroupArn", "") for a in rule.get("Actions", []) if a.get("Type") == "forward"), ""
        )
        rules.append(
            ListenerRule(
                arn=rule["RuleArn"],
                priority=int(rule["Priority"]),
                hosts=tuple(hosts),
                target_group_arn=target,
                owner=owners.get(target, ""),
            )
        )
    return sorted(rules, key=lambda r: r.priority)


def site_hosts(settings: Any) -> tuple[str, ...]:
    """The host names a site's rule serves: its host_name, or the domain and www for the site without one."""
    return (settings.host_name,) if settings.host_name else (settings.domain, f"www.{settings.domain}")


def free_priority(rules: Iterable[ListenerRule]) -> int:
    """The lowest priority from FIRST_PRIORITY up (then from 1) that no rule of the listener has."""
    used = {rule.priority for rule in rules}
    for priority in (*range(FIRST_PRIORITY, MAX_PRIORITY + 1), *range(1, FIRST_PRIORITY)):
        if priority not in used:
            return priority
    raise RefusedError(
        "service: the HTTPS listener has a rule at every priority (1-50000); no site can be added",
        hint="remove a site you no longer need: python3 deploy.py destroy --site <name>",
    )


def rule_priority(current_parameters: Mapping[str, str] | None, rules: Iterable[ListenerRule]) -> int:
    """A site keeps the priority its stack has; a new site takes a free one."""
    if current_parameters and current_parameters.get("RulePriority"):
        return int(current_parameters["RulePriority"])
    return free_priority(rules)


def check_hosts(settings: Any, rules: Iterable[ListenerRule]) -> None:
    """Refuse a host name that a rule of another stack already serves, naming that stack."""
    stack = settings.service_stack_name
    wanted = set(site_hosts(settings))
    for rule in rules:
        if rule.owner == stack:
            continue
        taken = sorted(wanted & set(rule.hosts))
        if not taken:
            continue
        owner = f"stack {rule.owner}" if rule.owner else f"a rule deploy.py did not create ({rule.arn})"
        if not settings.host_name:
            raise RefusedError(
                f"service: site {settings.site} has no host_name, so it would serve {' and '.join(taken)}, "
                f"which {owner} serves already (rule priority {rule.priority}); only one site may go without "
                "a host_name",
                hint=f"give this site its own name in [sites.{settings.site}] of deploy.toml, e.g. "
                f'host_name = "{settings.site}.{settings.domain}"',
            )
        raise RefusedError(
            f"service: host name {taken[0]} is served by {owner} already (rule priority {rule.priority})",
            hint=f"choose another host_name for site {settings.site}, or remove that site first",
        )


# --- deploy.py sites --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRow:
    site: str
    stack_name: str
    stack_status: str
    hosts: tuple[str, ...]
    priority: int | None
    image_tag: str | None  # what the service's PRIMARY deployment runs (the stack's ImageTag before any)
    running: int | None
    desired: int | None
    url: str


@dataclass(frozen=True)
class SitesReport:
    base_stack_name: str
    sites: tuple[SiteRow, ...]
    other_rules: tuple[ListenerRule, ...]  # rules on the listener that no site of this base stack owns

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def site_row(
    site: SiteStack, rules: Iterable[ListenerRule], service: Mapping[str, Any] | None, image_tag: str | None
) -> SiteRow:
    """One line of `sites`: the rule the site owns, what its ECS service runs."""
    rule = next((r for r in rules if r.owner == site.stack_name), None)
    priority = rule.priority if rule else int(site.parameters.get("RulePriority") or 0) or None
    return SiteRow(
        site=site.site,
        stack_name=site.stack_name,
        stack_status=site.status,
        hosts=rule.hosts
        if rule
        else ((site.parameters.get("HostName"),) if site.parameters.get("HostName") else ()),
        priority=priority,
        image_tag=image_tag or site.parameters.get("ImageTag") or None,
        running=service.get("runningCount") if service else None,
        desired=service.get("desiredCount") if service else None,
        url=site.outputs.get("Url", ""),
    )


def sites_report(
    base_stack_name: str,
    sites: Iterable[SiteStack],
    rules: Iterable[ListenerRule],
    services: Mapping[str, Mapping[str, Any] | None],
    image_tags: Mapping[str, str | None],
) -> SitesReport:
    """`services` and `image_tags` are keyed by stack name."""
    sites, rules = list(sites), list(rules)
    rows = tuple(site_row(s, rules, services.get(s.stack_name), image_tags.get(s.stack_name)) for s in sites)
    return SitesReport(base_stack_name, rows, tuple(r for r in rules if not r.owner))


def report_lines(report: SitesReport) -> list[str]:
    """A table for people: one site per line."""
    if not report.sites:
        return [f"No sites on base stack {report.base_stack_name} yet: {command('service')}"]
    header = ("SITE", "STACK", "HOST NAMES", "PRIORITY", "IMAGE", "TASKS", "URL")
    rows = [
        (
            row.site,
            row.stack_name,
            ",".join(row.hosts) or "-",
            str(row.priority or "-"),
            row.image_tag or "-",
            f"{'-' if row.running is None else row.running}/{'-' if row.desired is None else row.desired}",
            row.url or "-",
        )
        for row in report.sites
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    ]
    for rule in report.other_rules:
        lines.append(
            f"other rule at priority {rule.priority}: {','.join(rule.hosts) or '(no host)'} ({rule.arn})"
        )
    return lines
