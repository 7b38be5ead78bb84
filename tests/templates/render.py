"""Render a template for one set of parameters, offline: what CloudFormation would create.

cfn-lint's decoder reads the YAML (short-form tags become Fn:: dicts); this module then evaluates the
Conditions from the parameters (defaults filled in), drops resources and outputs whose Condition is
false, and resolves every Fn::If (AWS::NoValue removes the key or list item). Everything else (Ref,
Sub, ImportValue, GetAtt) is left as written, so tests assert on the template's own expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "cloudformation" / "resources.yaml"
SERVICE = ROOT / "cloudformation" / "service.yaml"
EDGE = ROOT / "cloudformation" / "edge.yaml"  # edge (issue 14): us-east-1 certificate and WAF

PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
# The parameters every rendering of a site needs (deploy.py passes the network from the base stack's outputs).
SITE = {
    "BaseStackName": "flaskcom-prod",
    "ImageTag": "3f2c1ab",
    "TaskSubnets": "subnet-0a1b2c3d,subnet-4e5f6a7b",
    "TaskAssignPublicIp": "ENABLED",
}
_REMOVED = object()


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    if matches:
        raise ValueError(f"{path.name} does not parse: {matches[0]}")
    return template


@dataclass(frozen=True)
class Rendered:
    parameters: dict[str, str]
    conditions: dict[str, bool]
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == resource_type}

    def properties(self, name: str) -> dict[str, Any]:
        return self.resources[name].get("Properties", {})

    def depends_on(self, name: str, other: str) -> bool:
        """Whether CloudFormation orders `other` before `name`: a DependsOn, or a Ref, GetAtt or Sub
        anywhere in the resource (Metadata included), directly or through other resources."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            for target in self.dependencies(current) - seen:
                if target == other:
                    return True
                seen.add(target)
                todo.append(target)
        return False

    def dependencies(self, name: str) -> set[str]:
        resource = self.resources[name]
        depends = resource.get("DependsOn", [])
        explicit = {depends} if isinstance(depends, str) else set(depends)
        return (explicit | references_in(resource)) & set(self.resources)

    def value(self, node: Any) -> Any:
        """The value a {"Ref": <parameter>} takes in this rendering; anything else as written."""
        if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in self.parameters:
            return self.parameters[node["Ref"]]
        return node


def render(template: dict[str, Any], *, region: str = PSEUDO["AWS::Region"], **overrides: str) -> Rendered:
    pseudo = {**PSEUDO, "AWS::Region": region}
    declared = template.get("Parameters", {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise KeyError(f"not parameters of this template: {sorted(unknown)}")
    parameters = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
    parameters.update(overrides)
    missing = [name for name, spec in declared.items() if "Default" not in spec and name not in overrides]
    if missing:
        raise KeyError(f"parameters without a default need a value: {missing}")

    raw_conditions = template.get("Conditions", {})
    conditions: dict[str, bool] = {}

    def value(node: Any) -> Any:
        if isinstance(node, str | int):
            return str(node)
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return parameters[arg] if arg in parameters else pseudo[arg]
            if key == "Condition":
                return condition(arg)
            if key == "Fn::Equals":
                return str(value(arg[0])) == str(value(arg[1]))
            if key == "Fn::Not":
                return not value(arg[0])
            if key == "Fn::And":
                return all(value(a) for a in arg)
            if key == "Fn::Or":
                return any(value(a) for a in arg)
        raise ValueError(f"cannot evaluate in a condition: {node!r}")

    def condition(name: str) -> bool:
        if name not in conditions:
            conditions[name] = bool(value(raw_conditions[name]))
        return conditions[name]

    for name in raw_conditions:
        condition(name)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, when_true, when_false = node["Fn::If"]
                return resolve(when_true if condition(name) else when_false)
            if node == {"Ref": "AWS::NoValue"}:
                return _REMOVED
            out = {}
            for key, item in node.items():
                resolved = resolve(item)
                if resolved is not _REMOVED:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            return [r for r in (resolve(item) for item in node) if r is not _REMOVED]
        return node

    def kept(section: str) -> dict[str, dict[str, Any]]:
        return {
            name: resolve(body)
            for name, body in template.get(section, {}).items()
            if "Condition" not in body or condition(body["Condition"])
        }

    return Rendered(parameters, conditions, kept("Resources"), kept("Outputs"))


def imports_in(node: Any) -> list[str]:
    """Every Fn::ImportValue name as its Sub pattern, e.g. '${BaseStackName}-VpcId'."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "Fn::ImportValue":
                found.append(item["Fn::Sub"] if isinstance(item, dict) else item)
            else:
                found.extend(imports_in(item))
    elif isinstance(node, list):
        for item in node:
            found.extend(imports_in(item))
    return found


def references_in(node: Any) -> set[str]:
    """Every logical name a Ref, Fn::GetAtt or Fn::Sub in `node` points at (parameters included)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                pattern = item[0] if isinstance(item, list) else item
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", pattern)}
            found |= references_in(item)
    elif isinstance(node, list):
        for item in node:
            found |= references_in(item)
    return found
