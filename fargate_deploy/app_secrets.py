"""The app's secrets: one Parameter Store SecureString per site holding a JSON bundle.

Pure: names, the bundle format and the changes `secret set` / `secret rm` make to it. The effects
(reading and writing the parameter) are in `secret_store.py`; the container side, which turns the
bundle into one environment variable per secret, is container/appenv.py.

Why one parameter per site and not one per secret: ECS injects each task-definition `Secrets` entry
as one variable, and the number of secrets varies while the template must stay static, so the task
gets one entry, the bundle (docs/architecture.md). Parameter Store's standard tier stores it at no
charge, encrypted with the account's AWS-managed key, up to 4 KB
(https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import app_env
from .invocation import command

BUNDLE_FORMAT = 1  # container/appenv.py SECRETS_FORMAT reads the same
# Standard parameters: "Maximum size of a parameter value: 4 KB" (Managing parameter tiers, above).
PARAMETER_MAX_BYTES = 4096


class SecretError(ValueError):
    """A secret name, value or bundle that cannot be used; `hint` says what to do."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Secret:
    name: str
    value: str = field(repr=False)  # never in a repr, a log line or a traceback's locals summary
    version: int
    changed: str  # ISO 8601 UTC, when this name was last set


def parameter_name(service_stack_name: str) -> str:
    """Where a site's secrets live; service.yaml reads `/${AWS::StackName}/secrets`, the same name."""
    return f"/{service_stack_name}/secrets"


def check_secret_name(name: str) -> None:
    try:
        app_env.check_name(name, kind="secret")
    except app_env.AppEnvError as error:
        raise SecretError(str(error), hint=error.hint) from None


def check_secret_value(name: str, value: str) -> None:
    if value == "":
        raise SecretError(
            f"the value for {name} is empty",
            hint=f"type the value at the prompt, or pipe it in: {command('secret', 'set', name)} < file",
        )
    if "\0" in value:
        raise SecretError(
            f"the value for {name} contains a NUL character", hint="environment variables cannot"
        )


def decode(text: str | None) -> dict[str, Secret]:
    """A stored bundle → {name: Secret}; an absent or empty parameter has no secrets."""
    if not text:
        return {}
    try:
        data = json.loads(text)
        if data.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        return {
            name: Secret(name, entry["value"], int(entry["version"]), entry["changed"])
            for name, entry in data["secrets"].items()
        }
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # The error text never quotes the parameter's content.
        raise SecretError(
            f"the stored secrets are not a bundle of format {BUNDLE_FORMAT} ({type(error).__name__})",
            hint="it was written by something other than deploy.py; restore it or delete the parameter",
        ) from None


def encode(secrets: Mapping[str, Secret]) -> str:
    bundle = {
        "format": BUNDLE_FORMAT,
        "secrets": {
            name: {"value": s.value, "version": s.version, "changed": s.changed}
            for name, s in sorted(secrets.items())
        },
    }
    text = json.dumps(bundle, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    if size > PARAMETER_MAX_BYTES:
        raise SecretError(
            f"this site's secrets would take {size} bytes; a standard Parameter Store parameter holds "
            f"at most {PARAMETER_MAX_BYTES}",
            hint="keep large files (keys, certificates) in S3 and store only their location as a secret",
        )
    return text


def with_secret(secrets: Mapping[str, Secret], name: str, value: str, now: str) -> dict[str, Secret]:
    check_secret_name(name)
    check_secret_value(name, value)
    previous = secrets.get(name)
    version = previous.version + 1 if previous else 1
    return {**secrets, name: Secret(name, value, version, now)}


def without_secret(secrets: Mapping[str, Secret], name: str) -> dict[str, Secret]:
    if name not in secrets:
        raise SecretError(f"there is no secret {name}", hint=command("secret", "list"))
    return {key: value for key, value in secrets.items() if key != name}
