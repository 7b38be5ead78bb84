"""Which AWS account, region and profile a command talks to, said in one line before it does anything.

A region typo ("us-east-7") or a profile that points at another account is the start of many bad
days; so every command that talks to AWS first checks that the region exists (botocore's list of
partitions and regions, offline) and asks STS who the credentials are (GetCallerIdentity needs no
permission: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), then
says it, including a deploy.toml region that the environment overrides (`Aws.from_settings` lets
AWS_REGION and AWS_DEFAULT_REGION win, as CI picks its region that way: said, never silently).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import botocore.session

from .errors import ConfigError

if TYPE_CHECKING:
    from .aws import Aws
    from .reporter import Reporter

# The regions of every service deploy.py uses are those of CloudFormation and ECS; botocore lists
# them per partition (aws, aws-cn, aws-us-gov, ...).
REGION_SERVICE = "cloudformation"


@functools.cache
def known_regions() -> frozenset[str]:
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(REGION_SERVICE, partition_name=partition)
    )


def check_region(region: str | None, source: str) -> str:
    """The region, if AWS has it; else a ConfigError naming where it came from and the closest one."""
    if not region:
        raise ConfigError(
            "no AWS region is set",
            hint='put region = "us-east-1" (yours) in deploy.toml, or export AWS_REGION=us-east-1',
        )
    if region in known_regions():
        return region
    closest = difflib.get_close_matches(region, sorted(known_regions()), n=1)
    hint = f"did you mean {closest[0]}? " if closest else ""
    raise ConfigError(
        f"region {region!r} (from {source}) is not an AWS region",
        hint=hint
        + "aws ec2 describe-regions lists yours (a region newer than this boto3: pip install -U boto3)",
    )


@dataclass(frozen=True)
class RegionChoice:
    region: str | None
    source: str  # "AWS_REGION", "AWS_DEFAULT_REGION", "deploy.toml", "the AWS config"
    overridden: str | None  # the deploy.toml region the environment overrode


def region_choice(
    settings_region: str | None, env: Mapping[str, str], session_region: str | None
) -> RegionChoice:
    """Where the region comes from, in the order `Aws.from_settings` applies: AWS_REGION,
    AWS_DEFAULT_REGION, deploy.toml (or its FLASKCOM_REGION / --region), then the AWS config."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(name):
            overridden = settings_region if settings_region and settings_region != env[name] else None
            return RegionChoice(env[name], name, overridden)
    if settings_region:
        return RegionChoice(settings_region, "deploy.toml", None)
    return RegionChoice(session_region, "the AWS config", None)


@dataclass(frozen=True)
class Target:
    account: str
    identity: str  # the caller's ARN
    region: str
    region_source: str
    overridden_region: str | None
    profile: str

    def line(self) -> str:
        text = (
            f"AWS account {self.account} as {self.identity}, region {self.region} (from {self.region_source}"
        )
        if self.overridden_region:
            text += f"; deploy.toml's {self.overridden_region} is overridden"
        return text + f"), profile {self.profile}"


def target(identity: Mapping[str, str], choice: RegionChoice, profile: str | None) -> Target:
    """STS GetCallerIdentity's answer and the region/profile in use → the Target (pure)."""
    return Target(
        account=identity.get("Account", "?"),
        identity=identity.get("Arn", "?"),
        region=check_region(choice.region, choice.source),
        region_source=choice.source,
        overridden_region=choice.overridden,
        profile=profile or "default",
    )


def announce_target(aws: Aws, settings: object, reporter: Reporter, env: Mapping[str, str]) -> Target:
    """At the start of every command that talks to AWS: check the region (before any call), ask STS
    who we are, and say it on stderr. Returns the Target for the command's result."""
    choice = region_choice(getattr(settings, "region", None), env, aws.region)
    check_region(choice.region, choice.source)
    found = target(aws.caller_identity(), choice, aws.session.profile_name)
    reporter.note(found.line(), account=found.account, region=found.region, profile=found.profile)
    return found
