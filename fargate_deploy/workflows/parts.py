"""What a workflow gets: `Parts`, and `create_parts`, the one function that builds the real ones."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .. import docker, images
from ..aws import Aws
from ..delegation import Delegation, check_delegation
from ..reporter import Reporter
from ..settings import Settings
from ..target import Target, announce_target
from ..waiting import Pace, poll

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "cloudformation"


@dataclass(frozen=True)
class Timing:
    """How long the waits may last and how often they poll (seconds)."""

    stack_poll: float = 5.0
    change_set_delay: int = 2
    change_set_timeout: float = 10 * 60
    rollout_poll: float = 10.0
    rollout_timeout: float = 30 * 60
    delegation_poll: float = 30.0
    delegation_timeout: float = 30 * 60
    # ACM validates a DNS-validated certificate within minutes once its record resolves; allow 45.
    certificate_poll: float = 15.0
    certificate_timeout: float = 45 * 60
    stack_timeout: float = 2 * 60 * 60  # CloudFormation's own limit for most resources is longer
    logs_poll: float = 2.0


def _refuse_to_ask(question: str) -> str:
    raise RuntimeError(f"no prompt was wired for: {question}")  # a workflow asked without `interactive`


@dataclass(frozen=True)
class Parts:
    """Everything a workflow touches. Frozen: a workflow cannot leave state behind for a later call.

    `aws.clock`/`aws.sleep` are `clock`/`sleep` (one monotonic time source for every wait); `confirm` asks a
    yes/no question, `ask` asks for a typed answer, both only when `interactive` (stdin is a terminal).
    """

    settings: Settings
    aws: Aws
    reporter: Reporter
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time  # the wall clock, for times AWS compares with its own
    run: Callable = docker.run  # executes one docker argv
    git_state: Callable[[], images.GitState] = lambda: images.git_state(ROOT)
    delegation: Callable[[str, list[str]], Delegation] = check_delegation
    confirm: Callable[[str], bool] = lambda question: False
    ask: Callable[[str], str] = _refuse_to_ask
    interactive: bool = False
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    timing: Timing = Timing()
    templates: Path = TEMPLATES
    build_context: Path = ROOT

    def in_region(self, region: str) -> Parts:
        """These parts for the stacks of another region (the edge stack in us-east-1)."""
        if region == self.aws.region:
            return self
        return dataclasses.replace(self, aws=self.aws.in_region(region))

    def poll(self, check: Callable[[], T | None], *, what: str, pace: Pace, **options: Any) -> T:
        """waiting.poll on these parts' clock and sleep, with the reporter's heartbeat between checks:
        how every workflow waits (`options`: poll's last_seen and hint)."""
        return poll(
            check,
            what=what,
            pace=pace,
            clock=self.clock,
            sleep=self.sleep,
            tick=self.reporter.tick,
            until_tick=self.reporter.seconds_until_heartbeat,
            **options,
        )

    def announce(self) -> Target:
        """The account/region/profile line every command that talks to AWS starts with."""
        return announce_target(self.aws, self.settings, self.reporter, self.env)


def create_parts(
    settings: Settings,
    *,
    reporter: Reporter,
    confirm: Callable[[str], bool],
    ask: Callable[[str], str],
    interactive: bool | None = None,
    env: Mapping[str, str] | None = None,
) -> Parts:
    """The real parts: boto3 (AWS_PROFILE/AWS_REGION win over deploy.toml), the wall clock and
    time.sleep, docker and git as subprocesses, DNS for delegation. The prompts come from the command
    layer (click), which is the only layer that talks to the terminal."""
    aws = Aws.from_settings(settings, sleep=time.sleep, clock=time.monotonic)
    return Parts(
        settings=settings,
        aws=aws,
        reporter=reporter,
        clock=aws.clock,
        sleep=aws.sleep,
        run=docker.run,
        git_state=lambda: images.git_state(ROOT),
        delegation=check_delegation,
        confirm=confirm,
        ask=ask,
        interactive=sys.stdin.isatty() if interactive is None else interactive,
        env=dict(os.environ if env is None else env),
    )
