"""Fixtures for the template tests: the decoded templates, and the checkov/taskcat virtualenvs.

checkov and taskcat pin dependencies that clash with the project's (and with each other), so each
lives in its own virtualenv under .tools/<name>, created here from tests/templates/tools/<name>.txt
the first time a test needs it (and again when that file changes).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import venv
from pathlib import Path

import pytest

from tests.templates.render import BASE, ROOT, SERVICE, load

TOOLS = ROOT / ".tools"
REQUIREMENTS = Path(__file__).parent / "tools"


@pytest.fixture(scope="session")
def base_template():
    return load(BASE)


@pytest.fixture(scope="session")
def service_template():
    return load(SERVICE)


def tool_bin(name: str) -> Path:
    """.tools/<name>/bin, with the pinned requirements installed; built once, under a file lock."""
    requirements = REQUIREMENTS / f"{name}.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    home = TOOLS / name
    stamp = home / ".requirements-sha256"
    TOOLS.mkdir(exist_ok=True)
    with open(TOOLS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == digest):
            venv.EnvBuilder(clear=True, with_pip=True).create(home)
            subprocess.run(
                [
                    home / "bin" / "python",
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    requirements,
                ],
                check=True,
                timeout=900,
            )
            stamp.write_text(digest)
    return home / "bin"


@pytest.fixture(scope="session")
def checkov_bin():
    return tool_bin("checkov")


@pytest.fixture(scope="session")
def taskcat_bin():
    return tool_bin("taskcat")


def run_tool(argv: list, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
