"""A copy of the project for the check tests, safe to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fargate_deploy import invariants

ROOT = invariants.ROOT


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the files the checks read, safe to break."""
    for name in ("nginx.conf", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "cloudformation", tmp_path / "cloudformation")
    shutil.copytree(ROOT / "container", tmp_path / "container", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "flask.com", tmp_path / "flask.com", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path.name}: the test no longer breaks anything"
    path.write_text(text.replace(old, new))
