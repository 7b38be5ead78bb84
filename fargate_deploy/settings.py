"""Settings: deploy.toml, then FLASKCOM_<KEY> environment variables, then command-line flags.

Pure: reads one file and a mapping, returns a frozen `Settings`; every bad key or value is a
ConfigError that names the key and where it came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import app_env, cron, data_stores
from .errors import ConfigError
from .fargate import ARCHITECTURES, VALID_MEMORY_FOR_CPU, describe_valid_memory, is_valid_pair

DEFAULT_FILE = "deploy.toml"
ENV_PREFIX = "FLASKCOM_"

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")  # stack names are built from app/environment/site
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CERT = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192)
LOG_RETENTION_DAYS += (2557, 2922, 3288, 3653)
NAT_MODES = ("none", "single", "per-az")
# --- edge (issue 14): CloudFront, WAF ---
WAF_MODES = ("count", "block")
# CloudFront takes certificates from us-east-1 only, whatever region the stacks are in.
_EDGE_CERT = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")


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
    # --- edge (issue 14): CloudFront in front, WAF when asked (docs/architecture.md "The edge") ---
    cdn: bool = False
    cdn_certificate_arn: str = ""  # empty: the base certificate (us-east-1) or the edge stack's
    waf: bool = False
    waf_mode: str = "count"
    waf_rate_limit: int = 2000  # requests per IP in any 5 minutes
    # --- Reusing the kept Flask secret key (issue 11): empty generates a new one ---
    secret_key_arn: str = ""
    # --- The app (issue 13): what the image runs, and the plain settings it gets ---
    wsgi_app: str = "flasksite.wsgi:app"  # gunicorn's "module:variable" or "module:factory()"
    requirements: str = "flask.com/requirements.txt"  # the app's pinned dependencies, inside flask.com/
    release_command: str = ""  # run as a one-off task on the new image before the service moves to it
    env: dict[str, str] = field(default_factory=dict)  # [env]: NAME -> value, for every site
    # --- CI (first-run): the CloudFormation role every change set runs as (deploy.py ci sets it) ---
    cloudformation_role_arn: str = ""  # empty: CloudFormation uses the stack's role, or the caller's
    # --- Data stores (issue 16): in the base stack, shared by its sites (fargate_deploy/data_stores.py) ---
    database: str = "none"  # postgres: Aurora Serverless v2 PostgreSQL
    min_acu: float = 0.0  # 0 pauses the database after auto_pause_seconds without connections
    max_acu: float = 2.0
    auto_pause_seconds: int = 300
    table: bool = False  # a DynamoDB table (on demand, point-in-time recovery)
    table_partition_key: str = "pk"  # "name" or "name:S|N|B" (S when not said)
    table_sort_key: str = ""  # empty: a partition key only
    uploads: bool = False  # a private, versioned S3 bucket
    uploads_version_days: int = 30  # how long replaced or deleted versions of uploads are kept
    local_data_dir: str = ""  # `local`'s stores; empty: ~/.local/share/flaskcom/<app>-<environment>

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
            "SecretArn": self.secret_key_arn,
            **data_stores.base_parameters(self),
        }

    def service_parameters(self, image_tag: str, *, creating: bool) -> dict[str, str]:
        """The site stack's parameters from settings. `desired_count` only when the stack is created:
        sent on an update it would reset the count autoscaling has set (service.yaml, DesiredCount)."""
        return {
            "BaseStackName": self.base_stack_name,
            "ImageTag": image_tag,
            "HostName": self.host_name,
            "Cpu": str(self.cpu),
            "Memory": str(self.memory),
            "Architecture": self.architecture,
            "UseSpot": _flag(self.use_spot),
            "DesiredCount": str(self.desired_count) if creating else "",
            "MinCount": str(self.min_count),
            "MaxCount": str(self.max_count),
            "TargetCpuPercent": str(self.target_cpu_percent),
            "TargetRequestsPerTask": str(self.target_requests_per_task),
            "EnableExec": _flag(self.enable_exec),
            "AlarmEmail": self.alarm_email,
            "OffHoursScaleDownCron": self.off_hours_scale_down_cron,
            "OffHoursScaleUpCron": self.off_hours_scale_up_cron,
            # --- The app (issue 13) ---
            "AppSettings": app_env.settings_json(self.env),
        }

    # --- The app (issue 13) ---
    @property
    def image_build_args(self) -> dict[str, str]:
        """`docker build --build-arg`s: what the Dockerfile needs to know about the app."""
        return {"WSGI_APP": self.wsgi_app, "APP_REQUIREMENTS": self.requirements}


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


def _cron(example: str) -> Callable[[Any], str]:
    """Six Application Auto Scaling cron fields (the template wraps them in cron()), or empty."""
    text = _text(None, example, optional=True)

    def parse(raw: Any) -> str:
        value = text(raw)
        if value.startswith("cron("):
            raise ValueError(f"{raw!r}: write the six fields without cron(…), like {example!r}")
        if value:
            cron.check(value)
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
    "off_hours_scale_down_cron": _cron("0 20 ? * MON-FRI *"),
    "off_hours_scale_up_cron": _cron("0 7 ? * MON-FRI *"),
    "enable_access_logs": _boolean,
    "enable_container_insights": _boolean,
    "log_retention_days": _integer(1, 3653, LOG_RETENTION_DAYS),
    "enable_deletion_protection": _boolean,
    "image_retention_count": _integer(1, 1000),
    "repository_name": _text(_REPOSITORY, "flaskcom-prod", optional=True),
    # --- edge (issue 14) ---
    "cdn": _boolean,
    "cdn_certificate_arn": _text(
        _EDGE_CERT, "arn:aws:acm:us-east-1:123456789012:certificate/<uuid>", optional=True
    ),
    "waf": _boolean,
    "waf_mode": _choice(WAF_MODES),
    # The rate-based rule's limit per 5-minute window: "The lowest limit setting allowed is 10"
    # (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
    "waf_rate_limit": _integer(10, 2_000_000_000),
    "secret_key_arn": _text(
        _SECRET_ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:<name>", optional=True
    ),
    # --- CI (first-run) ---
    "cloudformation_role_arn": _text(
        _ROLE, "arn:aws:iam::123456789012:role/cloudformation-flaskcom-prod", optional=True
    ),
}


# --- Data stores (issue 16) ---
def _capacity(low: float, high: float) -> Callable[[Any], float]:
    """Aurora capacity units: "You can specify ACU values in half-step increments"
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html)."""

    def parse(raw: Any) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError(f"{raw!r} is not a number of capacity units")
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a number of capacity units") from None
        if not low <= value <= high or (value * 2) % 1:
            raise ValueError(f"{raw!r}: capacity units go from {low:g} to {high:g} in steps of 0.5")
        return value

    return parse


PARSERS.update(
    {
        "database": _choice(data_stores.DATABASES),
        "min_acu": _capacity(0, 256),
        "max_acu": _capacity(1, 256),
        # "Specify a value between 300 seconds (five minutes) and 86,400 seconds (one day)" (the page above).
        "auto_pause_seconds": _integer(300, 86400),
        "table": _boolean,
        "table_partition_key": data_stores.parse_key,
        "table_sort_key": data_stores.parse_key,
        "uploads": _boolean,
        "uploads_version_days": _integer(1, 3650),
        "local_data_dir": _text(None, "~/.local/share/flaskcom/flaskcom-prod", optional=True),
    }
)

# --- The app (issue 13) ---
# gunicorn's application syntax: a dotted module, ":", a variable or a factory call.
_WSGI_APP = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\(.*\))?$")
_APP_DIR = "flask.com/"  # the Dockerfile copies this folder as the app; its requirements must be in it


def _requirements_file(raw: Any) -> str:
    value = _text(None, "flask.com/requirements.txt")(raw)
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or not value.startswith(_APP_DIR) or value == _APP_DIR:
        raise ValueError(
            f"{raw!r} must be a file inside {_APP_DIR} (the image build copies only that folder of "
            "the app), like 'flask.com/requirements.txt'"
        )
    return path.as_posix()


def _command(raw: Any) -> str:
    import shlex

    if not isinstance(raw, str):
        raise ValueError(f"must be one string, like 'flask db upgrade', not {type(raw).__name__} {raw!r}")
    try:
        shlex.split(raw)
    except ValueError as error:
        raise ValueError(f"{raw!r} cannot be split into a command: {error}") from None
    return raw.strip()


def _app_settings(raw: Any) -> dict[str, str]:
    return app_env.parse_settings(raw, where="[env]")


def _env_table(table: Any, where: str) -> dict[str, str]:
    try:
        return app_env.parse_settings(table, where=where)
    except app_env.AppEnvError as error:
        raise ConfigError(str(error), hint=error.hint) from None


PARSERS.update(
    {
        "wsgi_app": _text(_WSGI_APP, "myapp:create_app()"),
        "requirements": _requirements_file,
        "release_command": _command,
        "env": _app_settings,
    }
)
TABLES = ("env",)  # the keys deploy.toml may hold as [tables]
KEYS = tuple(f.name for f in fields(Settings))


# The keys that describe one site (its service stack). A [sites.<name>] table in deploy.toml overrides
# them for the site of that name; every other key is environment-wide (the base stack, the names,
# the one image all sites run: `architecture` too, since every site deploys images from one repository).
SITE_KEYS = (
    "host_name", "cpu", "memory", "use_spot", "desired_count", "min_count", "max_count",
    "target_cpu_percent", "target_requests_per_task", "enable_exec", "alarm_email",
    "off_hours_scale_down_cron", "off_hours_scale_up_cron",
)  # fmt: skip
SITES_TABLE = "sites"


@dataclass(frozen=True)
class SettingsFile:
    """deploy.toml as read: the top-level keys, and each [sites.<name>] table's keys."""

    top: dict[str, Any]
    sites: dict[str, dict[str, Any]]


def load_settings(
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] = os.environ,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """deploy.toml (in the cwd unless `path`): its top-level keys, then the [sites.<site>] table of the
    selected site; then FLASKCOM_<KEY>; then `overrides` (CLI flags). Every site's table is checked."""
    file = Path(path) if path is not None else Path(DEFAULT_FILE)
    if file.exists() or file.is_symlink():  # a dangling link is said, not taken for "no file"
        read = _read_toml(file)
    elif path is not None:
        raise ConfigError(
            f"reading settings: {file} does not exist", hint="cp deploy.toml.example deploy.toml"
        )
    else:
        read = SettingsFile({}, {})
    later: dict[str, tuple[Any, str]] = {}
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            later[name[len(ENV_PREFIX) :].lower()] = (value, f"environment variable {name}")
    for key, value in (overrides or {}).items():
        if value is not None:
            later[key] = (value, f"option --{key.replace('_', '-')}")
    top = {key: (value, str(file)) for key, value in read.top.items()}

    def for_site(site: str | None) -> Settings:
        raw = dict(top)
        chosen = site if site is not None else _selected_site(top, later)
        source = f"[{SITES_TABLE}.{chosen}] in {file}"
        raw.update({key: (value, source) for key, value in read.sites.get(chosen, {}).items()})
        if "env" in read.sites.get(chosen, {}):  # --- The app (issue 13): merged, not replaced ---
            raw["env"] = ({**read.top.get("env", {}), **read.sites[chosen]["env"]}, source)
        raw.update(later if site is None else {k: v for k, v in later.items() if k != "site"})
        if site is not None:
            raw["site"] = (site, source)
        return _build(raw, file)

    settings = for_site(None)
    for name in read.sites:
        if name != settings.site:
            for_site(name)  # a mistake in another site's table is found now, not at its deploy
    return settings


# --- The app (issue 13): settings for the commands that never reach AWS ---
PLACEHOLDER_DOMAIN = (
    "example.com"  # the app does not need the domain; `local` and `check` need no deploy.toml
)


def load_local_settings(
    path: str | os.PathLike | None = None,
    env: Mapping[str, str] = os.environ,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """`local` and `check`: like load_settings, but a deploy.toml is optional and so is its domain."""
    file = Path(path) if path is not None else Path(DEFAULT_FILE)
    has_domain = f"{ENV_PREFIX}DOMAIN" in env or (file.exists() and "domain" in _read_toml(file).top)
    return load_settings(
        path, env, {**({} if has_domain else {"domain": PLACEHOLDER_DOMAIN}), **(overrides or {})}
    )


def _selected_site(top: dict[str, tuple[Any, str]], later: dict[str, tuple[Any, str]]) -> str:
    value, source = later.get("site") or top.get("site") or ("www", "the default")
    try:
        return PARSERS["site"](value)
    except ValueError as error:
        raise ConfigError(
            f"setting 'site' in {source}: {error}",
            hint=f"fix site in {source}; deploy.toml.example documents what it accepts",
        ) from None


def _read_toml(file: Path) -> SettingsFile:
    try:
        data = tomllib.loads(_settings_text(file))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"reading {file}: {error}", hint=f"fix the TOML syntax in {file}") from None
    if SITES_TABLE in data and not isinstance(data[SITES_TABLE], dict):
        raise ConfigError(
            f"{file}: {SITES_TABLE} is not a setting; [{SITES_TABLE}.<name>] tables hold one site's "
            "own values",
            hint=f"write [{SITES_TABLE}.blog] on a line of its own, then that site's keys under it",
        )
    top = {key: value for key, value in data.items() if not isinstance(value, dict) or key in TABLES}
    # --- The app (issue 13): [env] is checked here, where its place in the file is known ---
    if isinstance(top.get("env"), dict):
        top["env"] = _env_table(top["env"], f"[env] in {file}")
    sites: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if not isinstance(value, dict) or key in TABLES:
            continue
        if key != SITES_TABLE:
            raise ConfigError(
                f"{file}: [{key}] tables are not used; settings are top-level keys, and "
                f"[{SITES_TABLE}.<name>] tables hold one site's own values",
                hint=f"move the keys under [{key}] to the top of {file}",
            )
        for name, table in value.items():
            sites[name] = _site_table(file, name, table)
    return SettingsFile(top, sites)


def _settings_text(file: Path) -> str:
    """The file's text, or a ConfigError that says what is wrong with the file itself: a dangling
    link, a directory, no permission, not UTF-8 (TOML files are UTF-8: https://toml.io/en/v1.0.0)."""
    if file.is_symlink() and not file.exists():
        raise ConfigError(
            f"reading {file}: it is a symbolic link to {os.readlink(file)}, which does not exist",
            hint=f"point the link at your settings file, or replace it: cp deploy.toml.example {file}",
        )
    if file.is_dir():
        raise ConfigError(
            f"reading {file}: it is a directory, not a settings file",
            hint="give a file with --config, or create one: cp deploy.toml.example deploy.toml",
        )
    try:
        return file.read_text(encoding="utf-8")
    except PermissionError:
        raise ConfigError(
            f"reading {file}: permission denied (this user may not read it)",
            hint=f"make it readable: chmod u+r {file}",
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"reading {file}: it is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset "
            f"{error.start})",
            hint=f"save {file} as UTF-8 (TOML files are UTF-8)",
        ) from None
    except OSError as error:
        raise ConfigError(
            f"reading {file}: {error.strerror}", hint=f"check that {file} is a readable file"
        ) from None


def _site_table(file: Path, name: str, table: Any) -> dict[str, Any]:
    where = f"[{SITES_TABLE}.{name}] in {file}"
    if not isinstance(table, dict):
        raise ConfigError(
            f"{file}: {SITES_TABLE}.{name} is not a table",
            hint=f"write [{SITES_TABLE}.{name}] on a line of its own, then the site's keys under it",
        )
    if not _NAME.match(name):
        raise ConfigError(
            f"{where}: {name!r} is not a site name (lower-case letters, digits and '-', starting with a "
            "letter, at most 20 characters)",
            hint=f"rename the table, e.g. [{SITES_TABLE}.blog]",
        )
    for key, value in table.items():
        if key in TABLES:  # --- The app (issue 13): [sites.<name>.env] extends and overrides [env] ---
            table = {**table, key: _env_table(value, f"[{SITES_TABLE}.{name}.{key}] in {file}")}
            continue
        if isinstance(value, dict):
            raise ConfigError(
                f"{where}: [{SITES_TABLE}.{name}.{key}] tables are not used",
                hint=f"put the site's keys directly under [{SITES_TABLE}.{name}]",
            )
        if key in PARSERS and key not in SITE_KEYS:
            raise ConfigError(
                f"setting {key!r} in {where} is environment-wide, not per site",
                hint=f"move {key} to the top of {file}; a site table takes {', '.join(SITE_KEYS)}",
            )
    return dict(table)


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
        except app_env.AppEnvError as error:  # [env]: the message names the entry, the hint the fix
            raise ConfigError(f"{source}: {error}", hint=error.hint) from None
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
    try:
        app_env.settings_json(s.env)
    except app_env.AppEnvError as error:
        raise ConfigError(str(error), hint=error.hint) from None
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
    check_host_name(s)
    if s.region:
        check_certificate_region(s, s.region)

    data_stores.check_settings(s)

    # --- edge (issue 14) ---
    if s.cdn_certificate_arn and not s.cdn:
        raise ConfigError(
            "setting 'cdn_certificate_arn' is only used with cdn = true",
            hint="set cdn = true, or remove cdn_certificate_arn",
        )


def check_host_name(s: Settings) -> None:
    """A site's own host name: one label under the domain, and neither the domain nor its www name.

    The domain itself (the zone apex) cannot hold the CNAME a site's stack creates: "If you're creating
    a record that has a value of CNAME for Record type, the name of the record can't be the same as the
    name of the hosted zone" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-shared.html).
    www.<domain> is the base stack's record. The base certificate is <domain> + *.<domain>, and "the
    asterisk (*) ... can protect only one subdomain level"
    (https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html).
    """
    host, domain = s.host_name, s.domain
    if not host:
        return
    apex_site = f"remove host_name: the site without one answers on {domain} and www.{domain}"
    if host == domain:
        raise ConfigError(
            f"setting 'host_name' = {host!r} is the domain itself, where a site's CNAME record cannot be",
            hint=f"{apex_site}, or use a name one level below it, like blog.{domain}",
        )
    if host == f"www.{domain}":
        raise ConfigError(
            f"setting 'host_name' = {host!r} is the base stack's own record (it serves the site "
            "without a host_name)",
            hint=f"{apex_site}, or choose another name, like blog.{domain}",
        )
    if not host.endswith("." + domain):
        raise ConfigError(
            f"setting 'host_name' = {host!r} is not inside domain {domain!r}",
            hint=f"use a name ending in .{domain}, like blog.{domain}",
        )
    labels = host[: -len(domain) - 1].split(".")
    if len(labels) > 1:
        raise ConfigError(
            f"setting 'host_name' = {host!r} is {len(labels)} levels below {domain}; the certificate "
            f"(*.{domain}) covers one",
            hint=f"use one label below the domain, like {'-'.join(labels)}.{domain}",
        )


def check_certificate_region(s: Settings, region: str) -> None:
    """An ALB takes certificates from its own region only: "Certificates in ACM are regional resources.
    To use a certificate with Elastic Load Balancing for the same fully qualified domain name ... in more
    than one AWS region, you must request or import a certificate for each region"
    (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html)."""
    if not s.certificate_arn:
        return
    certificate_region = s.certificate_arn.split(":")[3]
    if certificate_region != region:
        raise ConfigError(
            f"setting 'certificate_arn' is a certificate in {certificate_region}, but the stacks are "
            f"in {region}; a load balancer uses certificates of its own region only",
            hint=f"request or import the certificate in {region}, or leave certificate_arn empty "
            "and the base stack requests one",
        )


def _closest(key: str) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, KEYS, n=1)
    return matches[0] if matches else None
