"""A CloudFormation model for AWS::SecretsManager::Secret that moto 5.2 lacks.

moto's CloudFormation skips that resource type, so the base stack's SecretArn export is unusable and
the service stack's import of it fails. The moto server runs in this process (ThreadedMotoServer),
so registering the model here makes moto create a real moto secret, with a generated value as AWS
would, instead of changing the template. Importing this module registers it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import secretsmanager_backends


class CloudFormationSecret(CloudFormationModel):
    def __init__(self, arn: str, name: str) -> None:
        self.arn = arn
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.arn  # Ref on a secret is its ARN

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationSecret:
        backend = secretsmanager_backends[account_id][region_name]
        properties = cloudformation_json.get("Properties", {})
        generate = properties.get("GenerateSecretString", {})
        value = backend.get_random_password(
            password_length=int(generate.get("PasswordLength", 32)),
            exclude_characters=generate.get("ExcludeCharacters", ""),
            exclude_numbers=False,
            exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
            exclude_uppercase=False,
            exclude_lowercase=False,
            include_space=False,
            require_each_included_type=True,
        )
        created = backend.create_secret(
            name=resource_name,
            secret_string=json.loads(value)["RandomPassword"] if value.startswith("{") else value,
            secret_binary=None,
            description=properties.get("Description"),
            tags=None,
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"], resource_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        backend = secretsmanager_backends[account_id][region_name]
        backend.delete_secret(resource_name, recovery_window_in_days=None, force_delete_without_recovery=True)
