"""The reporter's three renderers: same calls, different formatting; AWS text verbatim in all of them."""

from __future__ import annotations

import io
import json
import re

import pytest

from fargate_deploy.reporter import (
    HEARTBEAT_SECONDS,
    JsonReporter,
    Line,
    LiveReporter,
    PlainReporter,
    Tone,
    make_reporter,
)
from tests.deployer.conftest import FakeClock

# 2026-11-24T10:00:00Z: plain lines carry UTC times of day.
EPOCH = 1795514400.0
# A Secrets Manager ARN: rich turns ":secret:" into an emoji unless told not to.
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flaskcom-prod-SecretKey-AbC123"
# AWS text with square brackets: rich would read "[502]" or "[red]" as markup.
BRACKETS = "(reason Health checks failed with these codes: [502]) [red]not markup[/]"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clock_at(start: float = EPOCH) -> FakeClock:
    clock = FakeClock()
    clock.now = start
    return clock


class Streams:
    def __init__(self):
        self.out = io.StringIO()
        self.err = io.StringIO()


def every_call(reporter, text: str) -> None:
    """Each kind of report, all carrying the same AWS text."""
    reporter.note(f"note {text}")
    reporter.problem(f"problem {text}")
    reporter.progress("stack", f"progress {text}")
    reporter.finish("stack", f"finish {text}")
    reporter.data([Line(f"data {text}", Tone.REMOVE)])
    reporter.result({"arn": text}, [f"result {text}"])


def renderers(streams: Streams, clock: FakeClock):
    return {
        "plain": PlainReporter(stdout=streams.out, stderr=streams.err, clock=clock),
        "json": JsonReporter(stdout=streams.out, stderr=streams.err, clock=clock),
        # A terminal that takes colour: the case where rich would interpret markup and emoji codes.
        "live": LiveReporter(
            stdout=streams.out,
            stderr=streams.err,
            clock=clock,
            env={},
            auto_refresh=False,
            force_terminal=True,
            width=400,
        ),
    }


@pytest.mark.parametrize("kind", ["plain", "json", "live"])
@pytest.mark.parametrize("text", [SECRET_ARN, BRACKETS], ids=["secret ARN", "square brackets"])
def test_aws_text_is_printed_verbatim_by_every_renderer(kind, text):
    streams = Streams()
    reporter = renderers(streams, clock_at())[kind]
    with reporter:
        every_call(reporter, text)
    out, err = ANSI.sub("", streams.out.getvalue()), ANSI.sub("", streams.err.getvalue())
    if kind == "json":
        events = [json.loads(line) for line in err.splitlines()]
        texts = [e["text"] for e in events if e["text"]]
        assert texts == [f"{k} {text}" for k in ("note", "problem", "progress", "finish")]
        assert [e["data"] for e in events if e["event"] == "data"] == [[f"data {text}"]]
        assert json.loads(out) == {"arn": text}
        return
    for label in ("note", "problem", "finish"):
        assert f"{label} {text}" in err
    assert f"data {text}\n" in out and f"result {text}\n" in out
    assert "㊙" not in out + err  # rich's :secret: emoji


def test_the_live_view_colours_on_a_terminal_and_not_with_no_color():
    def run(env):
        streams = Streams()
        reporter = LiveReporter(
            stdout=streams.out, stderr=streams.err, env=env, auto_refresh=False, force_terminal=True
        )
        reporter.problem("it failed")
        reporter.data([Line("- Old (AWS::SNS::Topic)", Tone.REMOVE)])
        return streams.out.getvalue() + streams.err.getvalue()

    assert "\x1b[31m" in run({})
    coloured_off = run({"NO_COLOR": "1"})
    assert "\x1b[31m" not in coloured_off and "it failed" in coloured_off


def test_off_a_terminal_the_chosen_renderer_is_plain_and_has_no_escape_codes():
    streams = Streams()
    reporter = make_reporter(stdout=streams.out, stderr=streams.err, clock=clock_at(), env={})
    assert isinstance(reporter, PlainReporter)
    reporter.problem("it failed")
    reporter.data([Line("- Old", Tone.REMOVE)])
    assert "\x1b" not in streams.out.getvalue() + streams.err.getvalue()
    assert isinstance(make_reporter(json_output=True, stderr=streams.err), JsonReporter)


def test_a_terminal_gets_the_live_view():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(make_reporter(stderr=Terminal(), env={}), LiveReporter)


def test_plain_lines_one_per_change_of_state_and_a_heartbeat_when_quiet():
    streams, clock = Streams(), clock_at()
    reporter = PlainReporter(stdout=streams.out, stderr=streams.err, clock=clock)
    reporter.progress("stack", "Stack s: UPDATE_IN_PROGRESS – 0/3 done")
    clock.sleep(5)
    reporter.progress("stack", "Stack s: UPDATE_IN_PROGRESS – 0/3 done")  # no news: no line
    clock.sleep(5)
    reporter.progress("stack", "Stack s: UPDATE_IN_PROGRESS – 1/3 done")
    for _ in range(8):  # 40 s of silence, ticked every 5 s
        clock.sleep(5)
        reporter.tick()
    reporter.finish("stack", "Stack s: UPDATE_COMPLETE")
    assert streams.err.getvalue().splitlines() == [
        "10:00:00 Stack s: UPDATE_IN_PROGRESS – 0/3 done – 0s",
        "10:00:10 Stack s: UPDATE_IN_PROGRESS – 1/3 done – 10s",
        "10:00:25 still waiting: Stack s: UPDATE_IN_PROGRESS – 1/3 done – 25s",
        "10:00:40 still waiting: Stack s: UPDATE_IN_PROGRESS – 1/3 done – 40s",
        "10:00:50 ✓ Stack s: UPDATE_COMPLETE – 50s",
    ]
    assert streams.out.getvalue() == ""


def test_no_heartbeat_without_an_open_task_and_the_wait_knows_when_the_next_is_due():
    streams, clock = Streams(), clock_at()
    reporter = PlainReporter(stdout=streams.out, stderr=streams.err, clock=clock)
    clock.sleep(60)
    reporter.tick()
    assert streams.err.getvalue() == ""
    assert reporter.seconds_until_heartbeat() == float("inf")
    reporter.progress("rollout", "1/2 running")
    clock.sleep(4)
    assert reporter.seconds_until_heartbeat() == HEARTBEAT_SECONDS - 4
    live = LiveReporter(stderr=io.StringIO(), env={}, auto_refresh=False)
    live.progress("rollout", "1/2 running")
    assert live.seconds_until_heartbeat() == float("inf")  # the spinner shows it is alive
    live.close()


def test_json_events_carry_task_elapsed_and_fields_and_the_result_is_one_document():
    streams, clock = Streams(), clock_at()
    reporter = JsonReporter(stdout=streams.out, stderr=streams.err, clock=clock)
    reporter.progress("stack flaskcom-prod", "UPDATE_IN_PROGRESS", stack="flaskcom-prod")
    clock.sleep(16)
    reporter.tick()
    reporter.finish("stack flaskcom-prod", "UPDATE_COMPLETE", ok=True, status="UPDATE_COMPLETE")
    reporter.result({"stack": "flaskcom-prod", "changed": True}, ["ignored in JSON"])
    events = [json.loads(line) for line in streams.err.getvalue().splitlines()]
    assert events == [
        {
            "time": "2026-11-24T10:00:00+00:00",
            "event": "progress",
            "text": "UPDATE_IN_PROGRESS",
            "task": "stack flaskcom-prod",
            "elapsed_seconds": 0.0,
            "stack": "flaskcom-prod",
        },
        {
            "time": "2026-11-24T10:00:16+00:00",
            "event": "heartbeat",
            "text": "UPDATE_IN_PROGRESS",
            "task": "stack flaskcom-prod",
            "elapsed_seconds": 16.0,
        },
        {
            "time": "2026-11-24T10:00:16+00:00",
            "event": "finish",
            "text": "UPDATE_COMPLETE",
            "task": "stack flaskcom-prod",
            "elapsed_seconds": 16.0,
            "ok": True,
            "status": "UPDATE_COMPLETE",
        },
    ]
    assert json.loads(streams.out.getvalue()) == {"stack": "flaskcom-prod", "changed": True}


def test_the_live_view_keeps_failures_above_and_clears_its_spinner():
    streams, clock = Streams(), clock_at()
    reporter = LiveReporter(
        stdout=streams.out, stderr=streams.err, clock=clock, env={}, auto_refresh=False, width=200
    )
    reporter.progress("stack", "Stack s: UPDATE_IN_PROGRESS")
    reporter.problem("Service (AWS::ECS::Service) UPDATE_FAILED: circuit breaker")
    clock.sleep(30)
    reporter.finish("stack", "Stack s: UPDATE_ROLLBACK_COMPLETE", ok=False)
    with reporter.paused():
        pass
    reporter.close()
    err = streams.err.getvalue()
    assert "✗ Service (AWS::ECS::Service) UPDATE_FAILED: circuit breaker\n" in err
    assert err.endswith("✗ Stack s: UPDATE_ROLLBACK_COMPLETE – 30s\n")
