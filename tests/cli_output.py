"""What every command that talks to AWS prints first on stderr: the account, region and profile."""

from __future__ import annotations

import re

TARGET = re.compile(r"^(\d\d:\d\d:\d\d )?AWS account \d{12} as \S+, region \S+ \(from [^)]*\), profile \S+$")


def after_target(err: str) -> list[str]:
    """stderr's lines after the target line (asserted to be the first)."""
    lines = err.splitlines()
    assert lines and TARGET.match(lines[0]), err
    return lines[1:]
