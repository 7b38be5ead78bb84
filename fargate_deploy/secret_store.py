"""`deploy.py secret set | list | rm`: the workflows over the site's Parameter Store bundle.

Each function takes the AWS effects object and the settings and returns a frozen result; nothing here
prints or asks (commands/secret.py reads the value and renders the result). The bundle's format and
the rules for names and values are in app_secrets.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from . import app_secrets
from .errors import RefusedError
from .invocation import command


@dataclass(frozen=True)
class SecretInfo:
    """What `secret list` shows: never the value."""

    name: str
    version: int
    changed: str


@dataclass(frozen=True)
class SecretListing:
    parameter: str
    parameter_version: int | None  # None: no secret has been set for this site yet
    secrets: tuple[SecretInfo, ...]


@dataclass(frozen=True)
class SecretChange:
    parameter: str
    name: str
    action: str  # "set" or "removed"
    version: int | None  # the secret's own version after `set`; None after `removed`
    parameter_version: int


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _description(settings) -> str:
    return (
        f"App secrets of {settings.service_stack_name} (deploy.py secret set/list/rm); "
        "read by its tasks' execution role at task start"
    )


def _stored(aws, parameter: str) -> tuple[dict[str, app_secrets.Secret], int | None]:
    found = aws.get_secure_parameter(parameter)
    if found is None:
        return {}, None
    if found.get("Type") != "SecureString":
        raise RefusedError(
            f"parameter {parameter} is a {found.get('Type')}, not a SecureString: it was not made by "
            "deploy.py, and its value is not encrypted",
            hint=f"delete it (aws ssm delete-parameter --name {parameter}), then set the secrets again",
        )
    try:
        return app_secrets.decode(found.get("Value")), int(found["Version"])
    except app_secrets.SecretError as error:
        raise RefusedError(f"reading {parameter}: {error}", hint=error.hint) from None


def _refused(error: app_secrets.SecretError, doing: str) -> RefusedError:
    return RefusedError(f"{doing}: {error}", hint=error.hint)


def check_name_for_site(settings, name: str) -> None:
    """Before anything is read or written: a valid name that is not already a plain setting."""
    try:
        app_secrets.check_secret_name(name)
    except app_secrets.SecretError as error:
        raise _refused(error, "secret") from None
    if name in settings.env:
        raise RefusedError(
            f"secret: {name} is already a plain setting in [env] of site {settings.site}",
            hint=f"remove {name} from [env] in deploy.toml, then run: {command('secret', 'set', name)}",
        )


def set_secret(aws, settings, name: str, value: str, now: Callable[[], str] = utc_now) -> SecretChange:
    check_name_for_site(settings, name)
    parameter = app_secrets.parameter_name(settings.service_stack_name)
    secrets, _ = _stored(aws, parameter)
    try:
        changed = app_secrets.with_secret(secrets, name, value, now())
        text = app_secrets.encode(changed)
    except app_secrets.SecretError as error:
        raise _refused(error, f"secret set {name}") from None
    version = aws.put_secure_parameter(parameter, text, description=_description(settings))
    return SecretChange(parameter, name, "set", changed[name].version, version)


def list_secrets(aws, settings) -> SecretListing:
    parameter = app_secrets.parameter_name(settings.service_stack_name)
    secrets, version = _stored(aws, parameter)
    return SecretListing(
        parameter,
        version,
        tuple(
            SecretInfo(s.name, s.version, s.changed) for s in sorted(secrets.values(), key=lambda s: s.name)
        ),
    )


def remove_secret(aws, settings, name: str) -> SecretChange:
    try:
        app_secrets.check_secret_name(name)
    except app_secrets.SecretError as error:
        raise _refused(error, "secret rm") from None
    parameter = app_secrets.parameter_name(settings.service_stack_name)
    secrets, _ = _stored(aws, parameter)
    try:
        text = app_secrets.encode(app_secrets.without_secret(secrets, name))
    except app_secrets.SecretError as error:
        raise _refused(error, f"secret rm {name}") from None
    version = aws.put_secure_parameter(parameter, text, description=_description(settings))
    return SecretChange(parameter, name, "removed", None, version)


def ensure_store(aws, settings) -> bool:
    """The task definition reads the bundle at every task start, and ECS cannot start a task whose
    secret does not exist: before a site's stack is deployed, make an empty bundle if there is none.
    True when it was created."""
    parameter = app_secrets.parameter_name(settings.service_stack_name)
    if aws.get_secure_parameter(parameter) is not None:
        return False
    aws.put_secure_parameter(parameter, app_secrets.encode({}), description=_description(settings))
    return True
