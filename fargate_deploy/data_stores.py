"""Data stores (issue 16): the database, table and uploads bucket of the base stack, from settings to
the stacks' parameters and back (pure).

The stores live in the base stack (cloudformation/resources.yaml), each behind its own setting. Their
names reach each site's stack as parameters taken from the base stack's outputs, which are not
exported: turning a store on or off must never change an export a site imports (CloudFormation
refuses that), so `service_parameters` is how a site learns of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError

DATABASES = ("none", "postgres")
KEY_TYPES = ("S", "N", "B")  # DynamoDB key attribute types: string, number, binary
# "Attribute names ... must be between 1 and 255 characters long" for key attributes
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html);
# the template allows the characters table names use, which covers every ordinary key name.
_KEY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
# The base stack's outputs a site needs, and the site parameter each becomes.
SITE_PARAMETER_OF_OUTPUT = {
    "DatabaseSecretArn": "DatabaseSecretArn",
    "DatabaseHost": "DatabaseHost",
    "DatabasePort": "DatabasePort",
    "DatabaseName": "DatabaseName",
    "TableName": "TableName",
    "UploadsBucket": "UploadsBucket",
}
# What service.yaml takes when the base stack has no database (its own defaults).
_SITE_DEFAULTS = {"DatabasePort": "5432", "DatabaseName": "app"}


def parse_key(raw: Any) -> str:
    """A table key setting: "name" or "name:S|N|B" (S when no type is given), returned as "name:T";
    "" for no key (only the sort key may be empty; check_settings says so for the partition key)."""
    if not isinstance(raw, str):
        raise ValueError(f"must be a string such as 'pk' or 'pk:N', not {raw!r}")
    value = raw.strip()
    if not value:
        return ""
    name, _, key_type = value.partition(":")
    key_type = key_type.upper() or "S"
    if not _KEY_NAME.match(name):
        raise ValueError(f"{raw!r}: the attribute name takes letters, digits, _ . - (1 to 255 of them)")
    if key_type not in KEY_TYPES:
        raise ValueError(f"{raw!r}: the type after ':' is S (string), N (number) or B (binary)")
    return f"{name}:{key_type}"


def _name_and_type(key: str) -> tuple[str, str]:
    name, _, key_type = key.partition(":")
    return name, key_type or "S"


def base_parameters(settings: Any) -> dict[str, str]:
    """The base stack's data-store parameters (merged into Settings.base_parameters)."""
    partition, partition_type = _name_and_type(settings.table_partition_key)
    sort, sort_type = _name_and_type(settings.table_sort_key) if settings.table_sort_key else ("", "S")
    return {
        "Database": settings.database,
        "DatabaseMinCapacity": f"{settings.min_acu:g}",
        "DatabaseMaxCapacity": f"{settings.max_acu:g}",
        "DatabaseSecondsUntilAutoPause": str(settings.auto_pause_seconds),
        "EnableTable": "true" if settings.table else "false",
        "TablePartitionKey": partition,
        "TablePartitionKeyType": partition_type,
        "TableSortKey": sort,
        "TableSortKeyType": sort_type,
        "EnableUploads": "true" if settings.uploads else "false",
        "UploadsNoncurrentVersionDays": str(settings.uploads_version_days),
    }


def service_parameters(base_outputs: Mapping[str, str]) -> dict[str, str]:
    """A site's data-store parameters from the base stack's outputs: empty (the store is off) for an
    output the base stack does not have."""
    return {
        parameter: base_outputs.get(output) or _SITE_DEFAULTS.get(parameter, "")
        for output, parameter in SITE_PARAMETER_OF_OUTPUT.items()
    }


def check_settings(settings: Any) -> None:
    if settings.min_acu > settings.max_acu:
        raise ConfigError(
            f"setting 'min_acu' = {settings.min_acu:g} is above 'max_acu' = {settings.max_acu:g}",
            hint="lower min_acu or raise max_acu",
        )
    if not settings.table_partition_key:
        raise ConfigError(
            "setting 'table_partition_key' is empty; every DynamoDB table has a partition key",
            hint='set table_partition_key = "pk" (or "name:N" for a number)',
        )
    if (
        settings.table_sort_key
        and _name_and_type(settings.table_sort_key)[0] == _name_and_type(settings.table_partition_key)[0]
    ):
        raise ConfigError(
            "settings 'table_partition_key' and 'table_sort_key' name the same attribute",
            hint="give the sort key another name, or leave table_sort_key empty",
        )
