"""`deploy.py init`: a guided deploy.toml, as a workflow over injected parts (no click here).

The questions, in order: the domain, the region (default from the AWS config), then, after saying
which account the credentials belong to, the hosted zone (the public zones that match the domain,
or a new one) with where the domain's name servers point today, and the task size, architecture,
Spot and NAT mode, each option with its monthly cost from the cost module. Every answer can come
from `Answers` (the command's flags); with `assume_defaults` (--yes) the rest take their defaults
and nothing is asked. The file is deploy.toml.example with the answers filled in, so every key
keeps its explanation; an existing file is never overwritten unless `force`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import cost, delegation
from . import settings as settings_module
from .errors import ConfigError, RefusedError
from .fargate import describe_valid_memory, is_valid_pair
from .invocation import REPO, command

EXAMPLE = REPO / "deploy.toml.example"
DEFAULT_REGION = "us-east-1"
NEW_ZONE = "new"
REQUESTS_PER_MONTH = 1_000_000  # the traffic the costs are quoted for (as `cost` does by default)
TASK_SIZES = ((256, 512), (512, 1024), (1024, 2048), (2048, 4096))


@dataclass(frozen=True)
class Answers:
    """What the flags already answered; None = ask (or take the default with --yes)."""

    domain: str | None = None
    region: str | None = None
    hosted_zone_id: str | None = None  # NEW_ZONE: let the base stack create one
    cpu: int | None = None
    memory: int | None = None
    architecture: str | None = None
    use_spot: bool | None = None
    nat_mode: str | None = None


@dataclass(frozen=True)
class Option:
    key: str
    label: str


class Prompter(Protocol):
    def ask(self, question: str, default: str | None, parse: Callable[[str], str]) -> str: ...

    def choose(self, question: str, options: list[Option], default: str) -> str: ...

    def say(self, line: str) -> None: ...


class InitAws(Protocol):
    """The AWS effects init needs (fargate_deploy.aws.Aws has them)."""

    def caller_identity(self) -> dict: ...

    def public_hosted_zones(self) -> list[dict]: ...

    def hosted_zone_name_servers(self, zone_id: str) -> list[str]: ...


@dataclass(frozen=True)
class Parts:
    prompter: Prompter
    aws_for: Callable[[str], InitAws]  # region → effects in that region
    default_region: str | None  # from the AWS config (profile, AWS_REGION)
    lookup_name_servers: Callable[[str], tuple[list[str], str]] = delegation.resolve_name_servers
    today: Callable[[], str] = lambda: __import__("datetime").date.today().isoformat()


@dataclass(frozen=True)
class InitResult:
    path: Path
    values: dict[str, Any]
    account: str
    next_command: str


def initialize(
    parts: Parts, answers: Answers, path: Path, *, assume_defaults: bool, force: bool
) -> InitResult:
    if path.exists() and not force:
        raise RefusedError(
            f"init: {path} exists; nothing was changed",
            hint=f"edit {path}, or start again with: {command('init', '--force')}",
        )
    _check_flags(answers)  # a bad flag is refused before anything is asked or looked up
    ask = _Asker(parts.prompter, assume_defaults)
    domain = answers.domain or ask.text(
        "Domain the site lives under (its apex, e.g. example.com)", None, "domain"
    )
    domain = _parse("domain", domain)
    region = _parse(
        "region", answers.region or ask.text("AWS region", parts.default_region or DEFAULT_REGION, "region")
    )

    aws = parts.aws_for(region)
    identity = aws.caller_identity()
    account = identity["Account"]
    parts.prompter.say(f"AWS account {account} ({identity['Arn']}), region {region}.")

    zone_id = _choose_zone(parts, ask, aws, domain, answers.hosted_zone_id)
    values: dict[str, Any] = {"domain": domain, "region": region, "hosted_zone_id": zone_id}
    values.update(_choose_size_and_network(parts.prompter, ask, answers, values))

    text = render_settings_file(EXAMPLE.read_text(encoding="utf-8"), values, parts.today(), account)
    temporary = path.with_name(f".{path.name}.init")
    temporary.write_text(text, encoding="utf-8")
    try:
        # It must load as every later command will load it; a defect here never reaches deploy.toml.
        settings_module.load_settings(temporary, env={})
        os.replace(temporary, path)  # whole or not at all
    finally:
        temporary.unlink(missing_ok=True)
    return InitResult(path, values, account, command("up"))


class _Asker:
    """Asks through the prompter, or answers with the default when --yes was given."""

    def __init__(self, prompter: Prompter, assume_defaults: bool):
        self.prompter = prompter
        self.assume_defaults = assume_defaults

    def text(self, question: str, default: str | None, key: str) -> str:
        if self.assume_defaults:
            if default is None:
                raise ConfigError(
                    f"init: --yes takes the defaults, but {key} has none",
                    hint=f"add --{key.replace('_', '-')}: {command('init', '--yes', f'--{key} example.com')}",
                )
            return default
        return self.prompter.ask(question, default, lambda raw: _parse(key, raw))

    def choice(self, question: str, options: list[Option], default: str) -> str:
        if self.assume_defaults:
            return default
        return self.prompter.choose(question, options, default)


def _check_flags(answers: Answers) -> None:
    for key in ("domain", "region", "cpu", "memory", "architecture", "nat_mode"):
        value = getattr(answers, key)
        if value is not None:
            _parse(key, value)
    if answers.cpu is not None or answers.memory is not None:
        cpu = answers.cpu if answers.cpu is not None else settings_module.Settings.cpu
        memory = answers.memory if answers.memory is not None else settings_module.Settings.memory
        if not is_valid_pair(cpu, memory):
            raise ConfigError(
                f"init: Fargate does not offer cpu {cpu} with memory {memory}",
                hint=describe_valid_memory(cpu),
            )


def _parse(key: str, raw: Any) -> Any:
    if key == "domain" and isinstance(raw, str):
        raw = raw.strip().rstrip(".").lower()  # DNS names are case-insensitive: Example.com is example.com
    try:
        return settings_module.PARSERS[key](raw)
    except ValueError as error:
        raise ConfigError(
            f"init: {key}: {error}", hint="deploy.toml.example documents what it accepts"
        ) from None


# --- the hosted zone ---


def matching_zones(zones: list[dict], domain: str) -> list[dict]:
    """Public zones that can hold the domain's records: the domain's own zone first, then parents."""
    name = delegation.normalize(domain)
    found = []
    for zone in zones:
        if zone.get("Config", {}).get("PrivateZone"):
            continue
        zone_name = delegation.normalize(zone["Name"])
        if name == zone_name or name.endswith("." + zone_name):
            found.append(zone)
    return sorted(found, key=lambda zone: -len(delegation.normalize(zone["Name"])))


def zone_id_of(zone: dict) -> str:
    return zone["Id"].rsplit("/", 1)[-1]


def _choose_zone(parts: Parts, ask: _Asker, aws: InitAws, domain: str, given: str | None) -> str:
    zones = matching_zones(aws.public_hosted_zones(), domain)
    if given not in (None, NEW_ZONE) and given not in {zone_id_of(z) for z in zones}:
        raise ConfigError(
            f"init: hosted zone {given} is not a public zone of {domain} in this account",
            hint="leave out --hosted-zone-id to choose from the zones found, or use --new-zone",
        )
    new = Option(
        NEW_ZONE, "a new zone, created by the base stack ($0.50 a month; you then delegate the domain to it)"
    )
    options = [
        Option(
            zone_id_of(z),
            f"{zone_id_of(z)}  {delegation.normalize(z['Name'])}  "
            f"({z.get('ResourceRecordSetCount', 0)} records)",
        )
        for z in zones
    ] + [new]
    if zones:
        parts.prompter.say(f"Public hosted zones for {domain} in this account: {len(zones)}.")
    else:
        parts.prompter.say(f"No public hosted zone for {domain} in this account yet.")
    default = zone_id_of(zones[0]) if zones else NEW_ZONE
    chosen = given or ask.choice("Hosted zone", options, default)
    zone = next((z for z in zones if zone_id_of(z) == chosen), None)
    seen, error = parts.lookup_name_servers(delegation.normalize(zone["Name"]) if zone else domain)
    if zone:
        expected = aws.hosted_zone_name_servers(chosen)
        parts.prompter.say(f"Name servers: {delegation.is_delegated(expected, seen, error).line()}.")
        return chosen
    if error or not seen:
        now = error or "the domain has no NS records yet"
    else:
        now = "the domain's NS records point to " + ", ".join(sorted(delegation.normalize(n) for n in seen))
    parts.prompter.say(
        f"Name servers today: {now}. `up` creates the zone, prints its four name servers and waits "
        "until your registrar points the domain at them."
    )
    return ""


# --- task size, architecture, Spot, NAT: each option with its monthly cost ---


def monthly_cost(values: dict[str, Any]) -> float:
    settings = settings_module.Settings(
        **{key: value for key, value in values.items() if key in settings_module.KEYS}
    )
    prices = cost.load_prices("us-east-1")
    return cost.estimate(cost.Inputs.from_settings(settings, REQUESTS_PER_MONTH), prices).total


def _costed(values: dict[str, Any], label: str, **change: Any) -> str:
    return f"{label}  ~${monthly_cost({**values, **change}):.2f}/month"


def _choose_size_and_network(
    prompter: Prompter, ask: _Asker, answers: Answers, values: dict
) -> dict[str, Any]:
    chosen: dict[str, Any] = {"domain": values["domain"], "hosted_zone_id": values["hosted_zone_id"]}
    prompter.say(
        f"Monthly costs below: us-east-1 prices, {REQUESTS_PER_MONTH:,} requests (`cost` shows each line)."
    )

    if answers.cpu is not None or answers.memory is not None:
        cpu = answers.cpu if answers.cpu is not None else settings_module.Settings.cpu
        memory = answers.memory if answers.memory is not None else settings_module.Settings.memory
        size = f"{_parse('cpu', cpu)}/{_parse('memory', memory)}"
    else:
        sizes = [
            Option(f"{c}/{m}", _costed(chosen, f"{c / 1024:g} vCPU, {m / 1024:g} GB", cpu=c, memory=m))
            for c, m in TASK_SIZES
        ]
        size = ask.choice("Task size (per task)", sizes, "256/512")
    cpu, memory = (int(part) for part in size.split("/"))
    chosen.update(cpu=cpu, memory=memory)

    architecture = answers.architecture or ask.choice(
        "Architecture",
        [
            Option("X86_64", _costed(chosen, "X86_64 (Intel/AMD)", architecture="X86_64")),
            Option("ARM64", _costed(chosen, "ARM64 (Graviton, cheaper per vCPU)", architecture="ARM64")),
        ],
        "X86_64",
    )
    chosen["architecture"] = _parse("architecture", architecture)

    if answers.use_spot is not None:
        use_spot = answers.use_spot
    else:
        use_spot = (
            ask.choice(
                "Fargate Spot (AWS may stop a task with two minutes' warning; the service replaces it)",
                [
                    Option("no", _costed(chosen, "on-demand", use_spot=False)),
                    Option("yes", _costed(chosen, "Spot", use_spot=True)),
                ],
                "no",
            )
            == "yes"
        )
    chosen["use_spot"] = use_spot

    nat_labels = {
        "none": "none: tasks in public subnets with public IPs",
        "single": "single: one NAT gateway, tasks in private subnets",
        "per-az": "per-az: a NAT gateway per zone (most resilient)",
    }
    nat_mode = answers.nat_mode or ask.choice(
        "NAT mode",
        [Option(mode, _costed(chosen, label, nat_mode=mode)) for mode, label in nat_labels.items()],
        "none",
    )
    chosen["nat_mode"] = _parse("nat_mode", nat_mode)
    prompter.say(f"Estimated: ~${monthly_cost(chosen):.2f}/month.")
    del chosen["domain"], chosen["hosted_zone_id"]
    return chosen


# --- the file ---


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a TOML basic string (JSON's escapes are TOML's)


def render_settings_file(example: str, values: dict[str, Any], today: str, account: str) -> str:
    """deploy.toml.example with each value set on its key's line (uncommented), comments kept.

    Only the top-level part is touched: a [table] line ends the keys that init may set."""
    lines = example.splitlines()
    end = next((i for i, line in enumerate(lines) if re.match(r"^\s*\[", line)), len(lines))
    for key, value in values.items():
        pattern = re.compile(rf"^#?\s*{re.escape(key)}\s*=")
        index = next((i for i in range(end) if pattern.match(lines[i])), None)
        if index is None:
            raise ValueError(f"deploy.toml.example has no line for {key}")
        lines[index] = f"{key} = {_toml(value)}" if value != "" else f"# {key} = "
    header = [
        f"# Written by `{command('init')}` on {today} for AWS account {account}; edit freely.",
        "# Every key is explained where it stands (the same text as deploy.toml.example).",
        "",
    ]
    return "\n".join(header + lines) + "\n"
