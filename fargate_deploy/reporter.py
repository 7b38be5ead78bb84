"""One reporter interface, three renderers: a live view on a terminal, plain lines for CI logs, JSON.

Workflows report through a `Reporter` (chalice passes a `ui` object the same way): `note` a line worth
keeping, `problem` a failure line, `progress` where a long task is now, `finish` when it ends, `tick`
while time passes without news, and `result` for the command's answer. The base class keeps the
state (open tasks, when the last line was written, heartbeats); the renderers only format:

- `LiveReporter` (stderr is a terminal): rich's Progress redraws one spinner line per task and prints
  the lines worth keeping above it; colour unless NO_COLOR is set.
- `PlainReporter` (stderr is not a terminal: CI logs, pipes): one timestamped line per change of
  state, and a heartbeat when nothing was written for `HEARTBEAT_SECONDS`, so a 20-minute rollout
  never looks like a hung job. No colour, no cursor movement.
- `JsonReporter` (`--json`): every event as one JSON line on stderr; the result as one JSON document
  on stdout, so `deploy.py status --json | jq` works while progress still reaches the terminal.

Data goes to stdout, progress and diagnostics to stderr. Text from AWS (ARNs, reasons) is printed
verbatim by every renderer: rich gets `Text` objects (never markup) from consoles with emoji codes
off, so `:secret:` in a Secrets Manager ARN and `[502]` in a health-check reason stay as written.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

# A CI log that shows nothing for longer than this looks hung; the plain and JSON renderers write a
# heartbeat line when nothing else was written for this long.
HEARTBEAT_SECONDS = 15.0


class Tone(enum.Enum):
    """What a line of data means; the terminal renderer colours by it, the others ignore it."""

    PLAIN = "plain"
    HEADLINE = "headline"
    GOOD = "good"
    BAD = "bad"
    WARN = "warn"
    DIM = "dim"
    ADD = "add"  # change set rows: + > - !
    MODIFY = "modify"
    REMOVE = "remove"
    REPLACE = "replace"


@dataclass(frozen=True)
class Line:
    text: str
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True)
class Event:
    """One thing a workflow reported, as the renderers receive it."""

    kind: str  # note | problem | progress | finish | heartbeat | data
    text: str
    at: float  # the reporter's clock (seconds since the epoch)
    task: str | None = None
    elapsed: float | None = None  # seconds since the task's first progress
    ok: bool | None = None  # finish only
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Task:
    started: float
    text: str


class Reporter:
    """The interface every workflow reports through. Subclasses implement `_render` and `_write_data`."""

    heartbeat_seconds: float | None = HEARTBEAT_SECONDS

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._tasks: dict[str, _Task] = {}
        self._last_written = clock()

    # --- what workflows call ---

    def note(self, text: str, **fields: Any) -> None:
        self._emit(Event("note", text, self.clock(), fields=fields))

    def problem(self, text: str, **fields: Any) -> None:
        self._emit(Event("problem", text, self.clock(), fields=fields))

    def progress(self, task: str, text: str, **fields: Any) -> None:
        """Where a long task is now. Its first call starts it; a repeated text is not news."""
        now = self.clock()
        current = self._tasks.get(task)
        if current is None:
            current = self._tasks[task] = _Task(started=now, text="")
        elif current.text == text:
            self.tick()
            return
        current.text = text
        self._emit(Event("progress", text, now, task=task, elapsed=now - current.started, fields=fields))

    def finish(self, task: str, text: str, *, ok: bool = True, **fields: Any) -> None:
        now = self.clock()
        current = self._tasks.pop(task, None)
        elapsed = now - current.started if current else 0.0
        self._emit(Event("finish", text, now, task=task, elapsed=elapsed, ok=ok, fields=fields))

    def tick(self) -> None:
        """Time passed without news: write a heartbeat for each open task when one is due."""
        if self.heartbeat_seconds is None or not self._tasks:
            return
        now = self.clock()
        if now - self._last_written < self.heartbeat_seconds:
            return
        for name, current in self._tasks.items():
            self._emit(Event("heartbeat", current.text, now, task=name, elapsed=now - current.started))

    def seconds_until_heartbeat(self) -> float:
        """How long a wait may sleep before it should `tick` again (infinite: no heartbeats needed)."""
        if self.heartbeat_seconds is None or not self._tasks:
            return math.inf
        return max(0.0, self.heartbeat_seconds - (self.clock() - self._last_written))

    def data(self, lines: Sequence[Line | str], payload: Any = None) -> None:
        """Data the user needs now, before the command ends (e.g. the change set before a prompt)."""
        self._write_data([_line(item) for item in lines], payload, final=False)

    def result(self, payload: Any, lines: Sequence[Line | str]) -> None:
        """The command's answer: `lines` for people, `payload` (a dict or dataclass) for --json."""
        self._write_data([_line(item) for item in lines], payload, final=True)

    def close(self) -> None:
        """End the live view, if any; open tasks are left as they are (the error says why)."""

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Around a prompt: nothing redraws while the user types."""
        yield

    # --- what renderers implement ---

    def _emit(self, event: Event) -> None:
        self._last_written = event.at
        self._render(event)

    def _render(self, event: Event) -> None:
        raise NotImplementedError

    def _write_data(self, lines: list[Line], payload: Any, *, final: bool) -> None:
        raise NotImplementedError


def _line(item: Line | str) -> Line:
    return item if isinstance(item, Line) else Line(item)


def _seconds(elapsed: float | None) -> str:
    return f"{int(elapsed or 0)}s"


def timestamp(at: float) -> str:
    """UTC, second precision: CI runners and people in other time zones read the same time."""
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC).strftime("%H:%M:%S")


class _StreamReporter(Reporter):
    """A renderer that writes plain text to the two streams itself (no rich)."""

    def __init__(self, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None, clock=time.time):
        super().__init__(clock)
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr


# --- plain lines (CI logs, pipes) ---


class PlainReporter(_StreamReporter):
    """One timestamped line per change of state on stderr, data lines on stdout; no colour."""

    def _render(self, event: Event) -> None:
        self.stderr.write(f"{timestamp(event.at)} {plain_text(event)}\n")
        self.stderr.flush()

    def _write_data(self, lines: list[Line], payload: Any, *, final: bool) -> None:
        for line in lines:
            self.stdout.write(line.text + "\n")
        self.stdout.flush()


def plain_text(event: Event) -> str:
    """An event as one line without time stamp or colour (the plain renderer adds the time)."""
    if event.kind == "problem":
        return f"✗ {event.text}"
    if event.kind == "progress":
        return f"{event.text} – {_seconds(event.elapsed)}"
    if event.kind == "heartbeat":
        return f"still waiting: {event.text} – {_seconds(event.elapsed)}"
    if event.kind == "finish":
        return f"{'✓' if event.ok else '✗'} {event.text} – {_seconds(event.elapsed)}"
    return event.text


# --- JSON (--json) ---


class JsonReporter(_StreamReporter):
    """Events as JSON lines on stderr; the result as one JSON document on stdout."""

    def _render(self, event: Event) -> None:
        record: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(event.at, tz=datetime.UTC).isoformat(),
            "event": event.kind,
            "text": event.text,
        }
        if event.task is not None:
            record["task"] = event.task
        if event.elapsed is not None:
            record["elapsed_seconds"] = round(event.elapsed, 3)
        if event.ok is not None:
            record["ok"] = event.ok
        record.update(jsonable(dict(event.fields)))
        self.stderr.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stderr.flush()

    def _write_data(self, lines: list[Line], payload: Any, *, final: bool) -> None:
        body = jsonable(payload if payload is not None else [line.text for line in lines])
        if final:
            self.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
            self.stdout.flush()
        else:
            self._emit(Event("data", "", self.clock(), fields={"data": body}))


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, datetimes, tuples and mappings as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return value


# --- the live view (a terminal) ---

STYLES = {
    Tone.PLAIN: "",
    Tone.HEADLINE: "bold",
    Tone.GOOD: "green",
    Tone.BAD: "red",
    Tone.WARN: "yellow",
    Tone.DIM: "dim",
    Tone.ADD: "green",
    Tone.MODIFY: "yellow",
    Tone.REMOVE: "red",
    Tone.REPLACE: "magenta",
}


def verbatim_console(
    stream: IO[str] | None, *, stderr: bool, env: Mapping[str, str], **kwargs: Any
) -> Console:
    """A rich console that prints text as given: no emoji codes, no markup, no highlighting; colour
    off with NO_COLOR (https://no-color.org: set and not empty) and, by rich itself, off a terminal."""
    return Console(
        file=stream,
        stderr=stderr,
        emoji=False,
        markup=False,
        highlight=False,
        soft_wrap=True,
        no_color=env.get("NO_COLOR", "") != "",
        **kwargs,
    )


class LiveReporter(Reporter):
    """rich's Progress on stderr: a spinner line per open task, lines worth keeping printed above."""

    heartbeat_seconds = None  # the spinner and its clock show that the wait is alive

    def __init__(
        self,
        *,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        clock=time.time,
        env: Mapping[str, str] = os.environ,
        auto_refresh: bool = True,
        **console_options: Any,
    ):
        super().__init__(clock)
        self.out = verbatim_console(stdout, stderr=False, env=env, **console_options)
        self.err = verbatim_console(stderr, stderr=True, env=env, **console_options)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
            auto_refresh=auto_refresh,
            get_time=clock,
        )
        self._ids: dict[str, Any] = {}
        self._live = False

    def _render(self, event: Event) -> None:
        if event.kind == "progress":
            self._show_task(event)
        elif event.kind == "finish":
            self._end_task(event)
        elif event.kind == "problem":
            self.err.print(Text(f"✗ {event.text}", style="red"))
        elif event.kind == "note":
            self.err.print(Text(event.text))

    def _show_task(self, event: Event) -> None:
        if not self._live:
            self._progress.start()
            self._live = True
        task_id = self._ids.get(event.task or "")
        if task_id is None:
            self._ids[event.task or ""] = self._progress.add_task(event.text, total=None)
        else:
            self._progress.update(task_id, description=event.text)
        self._progress.refresh()

    def _end_task(self, event: Event) -> None:
        task_id = self._ids.pop(event.task or "", None)
        if task_id is not None:
            self._progress.remove_task(task_id)
        if not self._ids:
            self._stop()
        mark, style = ("✓", "green") if event.ok else ("✗", "red")
        self.err.print(Text(f"{mark} {event.text} – {_seconds(event.elapsed)}", style=style))

    def _stop(self) -> None:
        if self._live:
            self._progress.stop()
            self._live = False

    def _write_data(self, lines: list[Line], payload: Any, *, final: bool) -> None:
        for line in lines:
            self.out.print(Text(line.text, style=STYLES[line.tone]))

    @contextmanager
    def paused(self) -> Iterator[None]:
        was_live = self._live
        self._stop()
        try:
            yield
        finally:
            if was_live and self._ids:
                self._progress.start()
                self._live = True

    def close(self) -> None:
        self._stop()


def make_reporter(
    *,
    json_output: bool = False,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    clock: Callable[[], float] = time.time,
    env: Mapping[str, str] = os.environ,
) -> Reporter:
    """--json → JSON; stderr on a terminal → the live view; anything else (CI, a pipe) → plain lines."""
    stderr = stderr or sys.stderr
    if json_output:
        return JsonReporter(stdout=stdout, stderr=stderr, clock=clock)
    if _is_terminal(stderr):
        return LiveReporter(stdout=stdout, stderr=stderr, clock=clock, env=env)
    return PlainReporter(stdout=stdout, stderr=stderr, clock=clock)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
