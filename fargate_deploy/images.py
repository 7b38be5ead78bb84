"""Image tags: from git's short SHA, refusing a dirty tree; validated against ECR's tag rules.

The planning functions read git's output as text; `git_state` is the thin effect that runs git.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import RefusedError

# ECR image tags: up to 128 chars of letters, digits, _ . -, not starting with . or -.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def validate_tag(tag: str) -> str:
    if not TAG_PATTERN.match(tag or ""):
        raise RefusedError(
            f"image tag {tag!r} is not valid for ECR",
            hint="use 1–128 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
        )
    return tag


@dataclass(frozen=True)
class GitState:
    short_sha: str  # "" outside a git work tree
    dirty_paths: tuple[str, ...]


def parse_git_state(rev_parse_output: str, status_porcelain: str) -> GitState:
    dirty = tuple(line[3:] for line in status_porcelain.splitlines() if line.strip())
    return GitState(short_sha=rev_parse_output.strip(), dirty_paths=dirty)


def default_tag(state: GitState, allow_dirty: bool) -> str:
    """The git short SHA, or a refusal that says what to do."""
    if not state.short_sha:
        raise RefusedError(
            "choosing an image tag: this is not a git work tree with a commit",
            hint="python3 deploy.py push --tag <tag>",
        )
    if state.dirty_paths and not allow_dirty:
        shown = ", ".join(state.dirty_paths[:3]) + (" …" if len(state.dirty_paths) > 3 else "")
        raise RefusedError(
            f"refusing to tag an image {state.short_sha} from a work tree with uncommitted changes ({shown})",
            hint="commit your changes, or run: python3 deploy.py push --allow-dirty",
        )
    return state.short_sha + ("-dirty" if state.dirty_paths else "")


def newest_tag(image_details: list[dict]) -> str | None:
    """The tag of the most recently pushed image (describe_images imageDetails)."""
    tagged = [d for d in image_details if d.get("imageTags")]
    if not tagged:
        return None
    newest = max(tagged, key=lambda d: d.get("imagePushedAt") or 0)
    return sorted(newest["imageTags"])[0]


def git_state(directory: Path) -> GitState:
    """Run git (an effect). Not a repository → an empty SHA, which default_tag refuses."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, check=False
        )
        return result.stdout if result.returncode == 0 else ""

    return parse_git_state(git("rev-parse", "--short", "HEAD"), git("status", "--porcelain"))
