"""The layers hold: nothing below commands/ talks to a terminal. Workflows and planning modules report
through the injected reporter and return data; only the command layer (commands/, cli.py, and the two
presentation modules it uses) imports click or rich or prints."""

from __future__ import annotations

import ast
from pathlib import Path

import fargate_deploy

PACKAGE = Path(fargate_deploy.__file__).parent
# The presentation layer: the click commands, main(), the consoles and the reporter's renderers.
PRESENTATION = {"cli.py", "console.py", "reporter.py"}
TERMINAL_MODULES = ("click", "rich")


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names.add(module)
            if node.level and not module:  # `from . import console`
                names |= {alias.name for alias in node.names}
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def below_commands() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "commands" not in path.relative_to(PACKAGE).parts and path.name not in PRESENTATION
    ]


def test_nothing_below_commands_imports_click_rich_or_the_consoles():
    offenders = []
    for path in below_commands():
        for name in imported(ast.parse(path.read_text(encoding="utf-8"))):
            top = name.split(".")[0]
            if top in TERMINAL_MODULES or name == "console" or name.endswith(".console"):
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_nothing_below_commands_prints():
    """invocation.py is the one exception: it runs before anything else is importable (see its docstring)."""
    offenders = []
    for path in below_commands():
        if path.name == "invocation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_the_check_can_fail():
    """The rule above finds what it looks for (a test that cannot fail proves nothing)."""
    tree = ast.parse("import click\nfrom rich.text import Text\nfrom .. import console\n")
    assert {"click", "rich.text", "console"} <= imported(tree)
