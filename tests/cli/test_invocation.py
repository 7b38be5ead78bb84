"""`python3 deploy.py` is the one way to start the CLI, and it works from any python3.

A bare interpreter (a virtualenv made without the project's packages, like Debian's /usr/bin/python3)
starts deploy.py as a user would: with the project's .venv present it re-runs itself there; without
one it prints the one line to run, exit 2, no traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from fargate_deploy import invocation
from tests.docker_engine import REPO


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("bare")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home)
    python = home / "bin" / "python"
    assert subprocess.run([python, "-c", "import click"], capture_output=True).returncode != 0
    return python


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "deploy.py", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_without_a_venv_it_prints_the_one_command_to_run(bare_python, tmp_path):
    shutil.copy(REPO / "deploy.py", tmp_path)
    shutil.copytree(
        REPO / "fargate_deploy", tmp_path / "fargate_deploy", ignore=shutil.ignore_patterns("__pycache__")
    )
    result = run(bare_python, tmp_path, "push", "--tag", "release 1")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {bare_python} cannot run deploy.py (no module named 'click'); "
        "run: make venv && python3 deploy.py push --tag 'release 1'"
    ]


def test_with_the_project_venv_it_re_runs_itself_there(bare_python):
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in this checkout (make test creates it)")
    result = run(bare_python, REPO, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: python3 deploy.py [OPTIONS] COMMAND [ARGS]...")


def test_the_setup_line_without_arguments_suggests_help():
    line = invocation.setup_line([], "/usr/bin/python3", "no module named 'rich'")
    assert line.endswith("run: make venv && python3 deploy.py --help")


# Every place a user reads a command: the README, docs, the example settings and every hint.
WHERE_COMMANDS_ARE_WRITTEN = [
    "README.md",
    "deploy.toml.example",
    "docs",
    "fargate_deploy",
    "tests",
    "flask.com",
]


def test_every_command_a_user_reads_starts_with_python3():
    # Plain Debian has no `python`; .venv/bin/python in the Makefile is the virtualenv's own.
    wrong = re.compile(r"(?<![/\w])python deploy\.py")
    offenders = []
    for place in WHERE_COMMANDS_ARE_WRITTEN:
        root = REPO / place
        files = (
            [root] if root.is_file() else [p for p in root.rglob("*") if p.suffix in {".py", ".md", ".txt"}]
        )
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if wrong.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == [], (
        "use fargate_deploy.invocation.command(...) or 'python3 deploy.py':\n" + "\n".join(offenders)
    )
