"""Where moto 5.2 differs from AWS for the app's secrets, fixed in the test process's moto server.

1. A standard-tier parameter holds at most 4 KB ("Maximum size of a parameter value: 4 KB", Managing
   parameter tiers: https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
   moto stores any size, so a bundle that AWS would refuse would look fine here.
2. IAM resource-level permissions for parameters (Restricting access to Parameter Store parameters
   using IAM policies: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html).
   With authorization on, moto checks every SSM action against the resource "*", so a policy scoped
   to one parameter's ARN is refused for every parameter and a test of the scope could not tell a
   scoped policy from a broken one. Here the resource is the parameter's ARN, as in AWS.
3. A role's inline policy made by CloudFormation is kept as a dict, where moto's API path keeps the
   JSON text its own policy evaluation reads; an assumed role's requests then fail with a KeyError
   (HTTP 500) instead of being evaluated. IAM stores a policy document as JSON text
   (PutRolePolicy, PolicyDocument: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html).

The moto server runs in this process (ThreadedMotoServer): patching its classes patches the server.
"""

from __future__ import annotations

import json

import pytest
from moto.iam.models import Role
from moto.ssm.exceptions import ValidationException
from moto.ssm.models import SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.ssm.utils import parameter_arn

STANDARD_TIER_MAX_CHARACTERS = 4096
PARAMETER_ACTIONS = {
    "GetParameter",
    "GetParameters",
    "PutParameter",
    "DeleteParameter",
    "GetParameterHistory",
}


def _limit_standard_tier(original):
    def put_parameter(self, name, description, value, parameter_type, *args, **kwargs):
        if (
            kwargs.get("tier") in (None, "Standard")
            and value is not None
            and len(value) > STANDARD_TIER_MAX_CHARACTERS
        ):
            # AWS's own words for this refusal.
            raise ValidationException(
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create "
                "a larger parameter value, upgrade the parameter to use the advanced-parameter tier."
            )
        return original(self, name, description, value, parameter_type, *args, **kwargs)

    return put_parameter


def _determine_resource(self) -> str:
    if self._get_action() not in PARAMETER_ACTIONS:
        return "*"
    names = self._get_param("Names") or [self._get_param("Name")]
    # One parameter per request here; with several, "*" (which a scoped policy never allows) keeps the
    # check strict rather than letting the first name stand for all.
    if len(names) != 1 or not names[0]:
        return "*"
    return parameter_arn(self.current_account, self.region, names[0])


def _policy_as_json_text(original):
    def put_policy(self, policy_name, policy_json):
        text = policy_json if isinstance(policy_json, str) else json.dumps(policy_json)
        return original(self, policy_name, text)

    return put_policy


def patch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Role, "put_policy", _policy_as_json_text(Role.put_policy))
    monkeypatch.setattr(
        SimpleSystemManagerBackend,
        "put_parameter",
        _limit_standard_tier(SimpleSystemManagerBackend.put_parameter),
    )
    monkeypatch.setattr(
        SimpleSystemManagerResponse, "_determine_resource", _determine_resource, raising=False
    )
