"""How an Application Load Balancer picks the rule for a request, for the origin-lock tests.

The rules are evaluated in priority order, lowest first; a rule applies when all of its conditions
match; a request that no rule matches gets the listener's default action. Host names and header
values compare case-insensitively with the wildcards * and ?; header names are case-insensitive
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-elasticloadbalancingv2-listenerrule-httpheaderconfig.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-elasticloadbalancingv2-listenerrule-hostheaderconfig.html).
Rules are given in the describe_rules shape (Priority, Conditions, Actions, IsDefault).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any


def _matches(patterns: list[str], value: str | None) -> bool:
    if value is None:
        return False
    # fnmatch's * and ? are ALB's wildcards; [ ] would not be, and no rule of ours uses them.
    return any(fnmatch.fnmatchcase(value.lower(), pattern.lower()) for pattern in patterns)


def _condition_holds(condition: Mapping[str, Any], host: str, headers: Mapping[str, str]) -> bool:
    field = condition["Field"]
    if field == "host-header":
        return _matches(condition["HostHeaderConfig"]["Values"], host)
    if field == "http-header":
        config = condition["HttpHeaderConfig"]
        wanted = config["HttpHeaderName"].lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
        return _matches(config["Values"], value)
    raise ValueError(f"no model of the {field} condition here")


def route(rules: list[Mapping[str, Any]], *, host: str, headers: Mapping[str, str] | None = None) -> dict:
    """The actions of the rule that serves a request for `host` with `headers`."""
    headers = headers or {}
    ordered = sorted((r for r in rules if not r.get("IsDefault")), key=lambda r: int(r["Priority"]))
    for rule in ordered:
        if all(_condition_holds(c, host, headers) for c in rule["Conditions"]):
            return rule["Actions"][0]
    (default,) = [r for r in rules if r.get("IsDefault")]
    return default["Actions"][0]
