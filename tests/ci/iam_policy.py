"""IAM's decision on one request, from a role's identity-policy statements: action, resource AND conditions.

moto enforces no IAM policy at all, so a CI role that only works because the emulator is lenient
would pass every recorded-call test; this evaluator is what the tests ask instead. It follows IAM's
policy evaluation for the parts the roles of cloudformation/ci-role.yaml use:
- an explicit Deny wins, else an Allow, else the request is implicitly denied
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
- "*" and "?" in Action and Resource are wildcards
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html);
- condition operators are ANDed, keys under one operator are ANDed, a key's values are ORed
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html);
- "If the key that you specify in a policy condition is not present in the request context, the
  values do not match and the condition is false", except for ...IfExists and Null
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
So a statement that allows DeleteStack only where aws:ResourceTag/<key> matches refuses a stack
without that tag, as IAM does. An operator this evaluator does not know fails the test that meets it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

Context = dict[str, "str | tuple[str, ...]"]


@dataclass(frozen=True)
class Request:
    action: str  # service:Operation
    resource: str  # the ARN IAM evaluates, or "*" for actions without resource-level permissions
    context: Context = field(default_factory=dict)  # the condition keys the request carries


def _matches(value: str, pattern: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        value, pattern = value.lower(), pattern.lower()
    return fnmatch.fnmatchcase(value, pattern)


_TESTS = {
    "StringEquals": lambda value, wanted: value == wanted,
    "StringEqualsIgnoreCase": lambda value, wanted: value.lower() == wanted.lower(),
    "StringLike": lambda value, wanted: _matches(value, wanted),
    "ArnEquals": lambda value, wanted: value == wanted,
    "ArnLike": lambda value, wanted: _matches(value, wanted),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike"}  # fmt: skip


def _as_tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def condition_holds(operator: str, key: str, wanted, context: Context) -> bool:
    """One key under one operator."""
    wanted_values = tuple(str(w) for w in _as_tuple(wanted))
    present = key in context
    if operator == "Null":  # "true": the key must be absent; "false": present
        (expected,) = wanted_values
        return (not present) if expected == "true" else present
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    negated = base in _NEGATED
    test = _TESTS.get(_NEGATED.get(base, base))
    if test is None or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise AssertionError(f"iam_policy.py does not evaluate the condition operator {operator}")
    if not present:
        return if_exists or negated or qualifier == "ForAllValues"
    values = _as_tuple(context[key])

    def one(value: str) -> bool:
        hit = any(test(value, w) for w in wanted_values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def conditions_hold(condition: dict | None, context: Context) -> bool:
    return all(
        condition_holds(operator, key, wanted, context)
        for operator, keys in (condition or {}).items()
        for key, wanted in keys.items()
    )


def statement_applies(statement: dict, request: Request) -> bool:
    actions = _as_tuple(statement["Action"])
    if not any(_matches(request.action, a, ignore_case=True) for a in actions):
        return False
    resources = [r for r in _as_tuple(statement["Resource"]) if isinstance(r, str)]
    if not any(_matches(request.resource, r) for r in resources):
        return False
    return conditions_hold(statement.get("Condition"), request.context)


def decision(statements: list[dict], request: Request) -> str:
    """ "Deny" (an explicit Deny applies), "Allow", or "implicit deny" (no statement allows it)."""
    effects = {s["Effect"] for s in statements if statement_applies(s, request)}
    if "Deny" in effects:
        return "Deny"
    return "Allow" if "Allow" in effects else "implicit deny"
