"""tradeoffs(): what a setting gives up besides money, as `check` and `plan` print it."""

from __future__ import annotations

import dataclasses

from fargate_deploy.settings import Settings
from fargate_deploy.tradeoffs import EXEC_CONSIDERATIONS, tradeoffs

SETTINGS = Settings(domain="example.com")


def test_the_defaults_give_up_nothing():
    assert tradeoffs(SETTINGS) == []


def test_exec_says_the_root_filesystem_is_writable_and_why():
    (line,) = tradeoffs(dataclasses.replace(SETTINGS, enable_exec=True))
    assert line.startswith("enable_exec = true: the container's root filesystem is writable")
    assert EXEC_CONSIDERATIONS in line and "exec sessions run as root" in line
