"""How a user starts deploy.py, and what makes that one way work on a fresh machine.

The one way, everywhere (README, docs, every hint the CLI prints): `python3 deploy.py COMMAND`.
Plain Debian and Ubuntu have `python3` but no `python`. The dependencies live in the project's
virtualenv, `.venv`, which `make venv` (and `make local`, `make test`) creates; it is usually not
active, so when deploy.py is started by an interpreter that lacks them it re-runs itself with
`.venv/bin/python`, and without a `.venv` it prints the one command that makes one.

Only the standard library here, and nothing newer than Python 3.8 understands: this module runs
before anything else is known to be importable, possibly under an old system python3.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

# Every hint that names a command builds it with `command(...)`, so there is one spelling to change.
PROG = "python3 deploy.py"
REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv"
MINIMUM_PYTHON = (3, 11)


def command(*words: str) -> str:
    """`command("push", "--tag", "v2")` → 'python3 deploy.py push --tag v2'."""
    return " ".join((PROG, *words))


def setup_line(args: list[str], interpreter: str, missing: str) -> str:
    """The one line for an interpreter that cannot run deploy.py: what is wrong, the exact fix."""
    again = command(*(shlex.quote(arg) for arg in args)) if args else command("--help")
    return f"error: {interpreter} cannot run deploy.py ({missing}); run: make venv && {again}"


def _in_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def launch(argv: list[str]) -> int:
    """deploy.py's main: the CLI when its dependencies import, else .venv's python, else one line."""
    args = argv[1:]
    missing = ""
    if sys.version_info < MINIMUM_PYTHON:
        missing = "it is Python {}.{}; deploy.py needs {}.{} or newer".format(
            *sys.version_info[:2], *MINIMUM_PYTHON
        )
    else:
        try:
            from .cli import main
        except ModuleNotFoundError as error:
            if not error.name or error.name.split(".")[0] == __package__:
                raise  # a bug in deploy.py itself, not a missing dependency
            missing = f"no module named {error.name!r}"
        else:
            return main(args)
    venv_python = VENV / "bin" / "python"
    if venv_python.exists() and not _in_venv():
        # exec keeps the PID, the terminal and the signals: the user sees one process.
        os.execv(str(venv_python), [str(venv_python), str(REPO / "deploy.py"), *args])
    print(setup_line(args, sys.executable, missing), file=sys.stderr)
    return 2
