"""The app's own environment: which names a setting ([env]) or a secret may have, and the JSON the
service stack and the container carry them in.

Pure. The container's start step (container/appenv.py) expands the same JSON into one environment
variable per name; docs/architecture.md says why one JSON value per kind keeps service.yaml static.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from .invocation import command

NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")

# What the image and its start-up set or read themselves: an [env] entry or a secret of the same name
# would silently change how the container runs (or be overwritten by it).
IMAGE_OWNED = (
    "APP_ENV",
    "IMAGE_TAG",
    "SECRET_KEY",
    "WSGI_APP",
    "APP_ROOT",
    "APP_SETTINGS_JSON",
    "APP_SECRETS_JSON",
    "DRAIN_SECONDS",
    "ENABLE_TEST_ENDPOINTS",
    "PATH",
    "HOME",
    "HOSTNAME",
    "USER",
    "PWD",
    "TMPDIR",
    "FORWARDED_FOR_HOPS",  # edge (issue 14): set by the service stack, 3 behind CloudFront
)
# AWS_ and ECS_: what ECS and Fargate inject (credentials endpoint, region, metadata URIs);
# GUNICORN_: the container's server settings, bound by cross-file invariants (deploy.py check).
IMAGE_OWNED_PREFIXES = ("AWS_", "ECS_", "GUNICORN_", "PYTHON", "TINI_", "LD_")
# Names that look like they hold a secret: they belong in `secret set`, not in plain text in a stack.
SECRET_LIKE = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")

# CloudFormation's limit on one parameter value (AWS CloudFormation quotas, "Parameter value":
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
SETTINGS_MAX_BYTES = 4096


class AppEnvError(ValueError):
    """A name or value that cannot be used; the message says why, `hint` says what to do."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def owned_by_image(name: str) -> bool:
    return name in IMAGE_OWNED or name.startswith(IMAGE_OWNED_PREFIXES)


def check_name(name: str, *, kind: str) -> None:
    """Refuse a name the container cannot take as `kind` ("setting" or "secret")."""
    if not isinstance(name, str) or not NAME.match(name):
        suggestion = re.sub(r"[^A-Z0-9_]", "_", str(name).upper())
        if suggestion[:1].isdigit():
            suggestion = "_" + suggestion
        raise AppEnvError(
            f"{name!r} is not a valid {kind} name: use upper-case letters, digits and _, not starting "
            "with a digit",
            hint="rename it" + ("" if owned_by_image(suggestion) else f", e.g. {suggestion}"),
        )
    if owned_by_image(name):
        raise AppEnvError(
            f"{name} belongs to the container (the image or ECS sets it) and cannot be a {kind}",
            hint="choose another name; the image owns "
            + ", ".join(IMAGE_OWNED[:4])
            + ", … and every name starting with "
            + ", ".join(IMAGE_OWNED_PREFIXES),
        )


def parse_settings(table: object, *, where: str) -> dict[str, str]:
    """[env] (or a site's [sites.<name>.env]) → {NAME: value}; each bad entry is a AppEnvError."""
    if not isinstance(table, Mapping):
        raise AppEnvError(
            f'{where} must be a table of NAME = "value" lines',
            hint='write it as a TOML table: [env] then lines like MAIL_SERVER = "smtp.example.com"',
        )
    settings: dict[str, str] = {}
    for name, value in table.items():
        try:
            check_name(name, kind="setting")
        except AppEnvError as error:
            raise AppEnvError(f"{where}: {error}", hint=error.hint) from None
        if SECRET_LIKE.search(name):
            raise AppEnvError(
                f"{where}: {name} looks like a secret; settings are stored in plain text in the stack",
                hint=f"remove it from {where} and run: {command('secret', 'set', name)}",
            )
        if not isinstance(value, str):
            raise AppEnvError(
                f"{where}: {name} = {value!r} is not a string",
                hint=f'quote it: {name} = "{value}"'
                if isinstance(value, int | float | bool)
                else "every value is a string",
            )
        settings[name] = value
    return settings


def settings_json(settings: Mapping[str, str]) -> str:
    """The compact JSON object the service stack passes as its AppSettings parameter."""
    text = json.dumps(dict(sorted(settings.items())), separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    if size > SETTINGS_MAX_BYTES:
        raise AppEnvError(
            f"[env] is {size} bytes as JSON; a CloudFormation parameter holds at most {SETTINGS_MAX_BYTES}",
            hint="keep settings short; put large values in a file in the image, or in S3",
        )
    return text
