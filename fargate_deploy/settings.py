"""Settings: deploy.toml, then FLASKCOM_<KEY> environment variables, then command-line flags.

Pure: reads one file and a mapping, returns a frozen `Settings`; every bad key or value is a
ConfigError that names the key and where it came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .fargate import ARCHITECTURES, VALID_MEMORY_FOR_CPU, describe_valid_memory, is_valid_pair

DEFAULT_FILE = "deploy.toml"
ENV_PREFIX = "FLASKCOM_"

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")  # stack names are built from app/environment/site
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CERT = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_CRON = re.compile(r"^[^\s()]+( [^\s()]+){5}$")  # the six fields; the template wraps them in cron()
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192)
LOG_RETENTION_DAYS += (2557, 2922, 3288, 3653)
NAT_MODES = ("none", "single", "per-az")


@dataclass(frozen=True)
class Settings:
    domain: str
    region: str | None = None
    profile: str | None = None
    app: str = "flaskcom"
    environment: str = "prod"
    site: str = "www"
    host_name: str = ""
    hosted_zone_id: str = ""
    certificate_arn: str = ""
    nat_mode: str = "none"
    cpu: int = 256
    memory: int = 512
    architecture: str = "X86_64"
    use_spot: bool = False
    desired_count: int = 1
    min_count: int = 1
    max_count: int = 4
    target_cpu_percent: int = 60
    target_requests_per_task: int = 1000
    enable_exec: bool = False
    alarm_email: str = ""
    off_hours_scale_down_cron: str = ""
    off_hours_scale_up_cron: str = ""
    enable_access_logs: bool = False
    enable_container_insights: bool = False
    log_retention_days: int = 30
    enable_deletion_protection: bool = False
    image_retention_count: int = 20
    repository_name: str = ""  # empty: CloudFormation names the ECR repository

    @property
    def base_stack_name(self) -> str:
        return f"{self.app}-{self.environment}"

    @property
    def service_stack_name(self) -> str:
        return f"{self.app}-{self.environment}-{self.site}"

    @property
    def site_host(self) -> str:
        """The host name the site answers on (host_name, or the domain itself)."""
        return self.host_name or self.domain

    def base_parameters(self, enable_https: bool = True) -> dict[str, str]:
        return {
            "DomainName": self.domain,
            "HostedZoneId": self.hosted_zone_id,
            "CertificateArn": self.certificate_arn,
            "EnableHttps": _flag(enable_https),
            "NatMode": self.nat_mode,
            "EnableAccessLogs": _flag(self.enable_access_logs),
            "EnableContainerInsights": _flag(self.enable_container_insights),
            "LogRetentionDays": str(self.log_retention_days),
            "EnableDeletionProtection": _flag(self.enable_deletion_protection),
            "ImageRetentionCount": str(self.image_retention_count),
            "RepositoryName": self.repository_name,
        }

    def service_parameters(self, image_tag: str) -> dict[str, str]:
        return {
            "BaseStackName": self.base_stack_name,
            "ImageTag": image_tag,
            "HostName": self.host_name,
            "Cpu": str(self.cpu),
            "Memory": str(self.memory),
            "Architecture": self.architecture,
            "UseSpot": _flag(self.use_spot),
            "DesiredCount": str(self.desired_count),
            "MinCount": str(self.min_count),
            "MaxCount": str(self.max_count),
            "TargetCpuPercent": str(self.target_cpu_percent),
            "TargetRequestsPerTask": str(self.target_requests_per_task),
            "EnableExec": _flag(self.enable_exec),
            "AlarmEmail": self.alarm_email,
            "OffHoursScaleDownCron": self.off_hours_scale_down_cron,
            "OffHoursScaleUpCron": self.off_hours_scale_up_cron,
        }


def _flag(value: bool) -> str:
    return "true" if value else "false"


# --- parsing one value: (raw value) -> typed value, or ValueError with the reason ---


def _text(pattern: re.Pattern | None, example: str, *, optional: bool = False) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str):
            raise ValueError(f"must be a string, like {example!r}")
        value = raw.strip()
        if optional and value == "":
            return ""
        if pattern is not None and not pattern.match(value):
            raise ValueError(f"{raw!r} is not valid; expected something like {example!r}")
        return value

    return parse


def _choice(choices: tuple, upper: bool = False) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip()
        value = value.upper() if upper else value.lower()
        if value not in choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(choices)}")
        return value

    return parse


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"{raw!r} is not true or false")


def _integer(low: int, high: int, allowed: tuple[int, ...] | None = None) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ValueError(f"{raw!r} is not a whole number")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        if allowed is not None and value not in allowed:
            raise ValueError(f"{value} is not one of {', '.join(str(a) for a in allowed)}")
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}–{high}")
        return value

    return parse


PARSERS: dict[str, Callable[[Any], Any]] = {
    "domain": _text(_DOMAIN, "example.com"),
    "region": _text(_REGION, "us-east-1", optional=True),
    "profile": _text(None, "default", optional=True),
    "app": _text(_NAME, "flaskcom"),
    "environment": _text(_NAME, "prod"),
    "site": _text(_NAME, "www"),
    "host_name": _text(_DOMAIN, "www.example.com", optional=True),
    "hosted_zone_id": _text(_ZONE, "Z0123456789ABCDEFGHIJ", optional=True),
    "certificate_arn": _text(_CERT, "arn:aws:acm:us-east-1:123456789012:certificate/<uuid>", optional=True),
    "nat_mode": _choice(NAT_MODES),
    "cpu": _integer(256, 16384, tuple(VALID_MEMORY_FOR_CPU)),
    "memory": _integer(512, 122880),
    "architecture": _choice(ARCHITECTURES, upper=True),
    "use_spot": _boolean,
    "desired_count": _integer(0, 100),
    "min_count": _integer(0, 100),
    "max_count": _integer(1, 100),
    "target_cpu_percent": _integer(10, 90),
    "target_requests_per_task": _integer(10, 100000),
    "enable_exec": _boolean,
    "alarm_email": _text(_EMAIL, "ops@example.com", optional=True),
    "off_hours_scale_down_cron": _text(_CRON, "0 20 ? * MON-FRI *", optional=True),
    "off_hours_scale_up_cron": _text(_CRON, "0 7 ? * MON-FRI *", optional=True),
    "enable_access_logs": _boolean,
    "enable_container_insights": _boolean,
    "log_retention_days": _integer(1, 3653, LOG_RETENTION_DAYS),
    "enable_deletion_protection": _boolean,
    "image_retention_count": _integer(1, 1000),
    "repository_name": _text(_REPOSITORY, "flaskcom-prod", optional=True),
}
KEYS = tuple(f.name for f in fields(Settings))


def load_settings(
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] = os.environ,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """deploy.toml (in the cwd unless `path`), then FLASKCOM_<KEY>, then `overrides` (CLI flags)."""
    raw: dict[str, tuple[Any, str]] = {}
    file = Path(path) if path is not None else Path(DEFAULT_FILE)
    if file.exists():
        for key, value in _read_toml(file).items():
            raw[key] = (value, str(file))
    elif path is not None:
        raise ConfigError(
            f"reading settings: {file} does not exist", hint="cp deploy.toml.example deploy.toml"
        )
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            raw[name[len(ENV_PREFIX) :].lower()] = (value, f"environment variable {name}")
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = (value, f"option --{key.replace('_', '-')}")
    return _build(raw, file)


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"reading {file}: {error}", hint=f"fix the TOML syntax in {file}") from None
    except OSError as error:
        raise ConfigError(
            f"reading {file}: {error.strerror}", hint=f"check that {file} is a readable file"
        ) from None
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(
                f"{file}: [{key}] tables are not used; every setting is a top-level key",
                hint=f"move the keys under [{key}] to the top of {file}",
            )
    return data


def _build(raw: dict[str, tuple[Any, str]], file: Path) -> Settings:
    values: dict[str, Any] = {}
    for key, (value, source) in raw.items():
        if key not in PARSERS:
            hint = _closest(key)
            raise ConfigError(
                f"unknown setting {key!r} in {source}",
                hint=f"did you mean {hint!r}?" if hint else "see deploy.toml.example for every key",
            )
        try:
            values[key] = PARSERS[key](value)
        except ValueError as error:
            raise ConfigError(
                f"setting {key!r} in {source}: {error}",
                hint=f"fix {key} in {source}; deploy.toml.example documents what it accepts",
            ) from None
    if not values.get("domain"):
        raise ConfigError(
            "setting 'domain' is missing",
            hint=f'put domain = "example.com" in {file} or set {ENV_PREFIX}DOMAIN',
        )
    for key in ("region", "profile"):
        if values.get(key) == "":
            values[key] = None
    settings = Settings(**values)
    _check_combination(settings)
    return settings


def _check_combination(s: Settings) -> None:
    if not is_valid_pair(s.cpu, s.memory):
        raise ConfigError(
            f"settings 'cpu' = {s.cpu} and 'memory' = {s.memory}: Fargate does not offer this pair",
            hint=describe_valid_memory(s.cpu),
        )
    if not s.min_count <= s.max_count:
        raise ConfigError(
            f"setting 'min_count' = {s.min_count} is above 'max_count' = {s.max_count}",
            hint="lower min_count or raise max_count",
        )
    if not s.min_count <= s.desired_count <= s.max_count:
        raise ConfigError(
            f"setting 'desired_count' = {s.desired_count} is outside min_count–max_count "
            f"({s.min_count}–{s.max_count})",
            hint="set desired_count between min_count and max_count",
        )
    if bool(s.off_hours_scale_down_cron) != bool(s.off_hours_scale_up_cron):
        raise ConfigError(
            "settings 'off_hours_scale_down_cron' and 'off_hours_scale_up_cron' go together",
            hint="set both, or neither",
        )
    if s.host_name and not (s.host_name == s.domain or s.host_name.endswith("." + s.domain)):
        raise ConfigError(
            f"setting 'host_name' = {s.host_name!r} is not inside domain {s.domain!r}",
            hint=f"use {s.domain} or a name ending in .{s.domain}",
        )


def _closest(key: str) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, KEYS, n=1)
    return matches[0] if matches else None
