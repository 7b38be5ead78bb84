"""The two rich consoles: data to stdout, diagnostics (progress, errors) to stderr.

rich already turns colour off when the stream is not a TTY and when NO_COLOR is set. Emoji codes are
off: AWS text is printed as AWS wrote it (a Secrets Manager ARN holds ":secret:", which rich would
turn into an emoji, so a printed remove command would not work).
"""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.markup import escape

from .errors import DeployError

out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def text_lines(renderable: RenderableType) -> list[str]:
    """A rich renderable (a table) as plain lines at stdout's width, as `out` would print it off a
    terminal: what a command hands its reporter, whose renderers then only format."""
    plain = Console(width=out.width, color_system=None, highlight=False, soft_wrap=True, emoji=False)
    with plain.capture() as captured:
        plain.print(renderable)
    return captured.get().splitlines()


def print_error(error: DeployError) -> None:
    err.print(f"[bold red]error:[/] {escape(error.message)}")
    if error.hint:
        err.print(f"[yellow]hint:[/] {escape(error.hint)}")


def info(message: str) -> None:
    """One diagnostic line, verbatim (no markup: AWS reasons hold square brackets)."""
    err.print(message, markup=False)
