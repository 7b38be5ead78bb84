"""stop_on_signals(): SIGINT, SIGTERM and SIGHUP stop a waiting command even where SIGINT was ignored
at start; once stopping, more signals only hurry the stop; the previous handlers come back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from fargate_deploy.signals import STOP_SIGNALS, Stopped, stop_on_signals


@pytest.fixture
def sigint_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGINT, previous)


def send_myself(signum: int) -> None:
    # A real signal to this process; Python runs the handler in the main thread before going on.
    os.kill(os.getpid(), signum)


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_each_stop_signal_raises_stopped_even_with_sigint_ignored(sigint_ignored, signum):
    with pytest.raises(Stopped) as raised, stop_on_signals():
        send_myself(signum)
    assert raised.value.signum == signum
    assert isinstance(raised.value, KeyboardInterrupt)  # main() exits 130 quietly


def test_the_previous_handlers_come_back(sigint_ignored):
    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    with stop_on_signals():
        assert signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, signal.SIG_DFL)
    assert {signum: signal.getsignal(signum) for signum in STOP_SIGNALS} == before


def test_once_stopping_a_signal_only_hurries_the_stop():
    with stop_on_signals() as request:
        try:
            send_myself(signal.SIGTERM)
        except Stopped:
            request_stopping = request.stopping
            send_myself(signal.SIGINT)  # a second Ctrl-C during the stop: no exception
    assert request_stopping
    assert request.hurried
    assert request.received == [signal.SIGTERM, signal.SIGINT]


def test_a_command_that_stops_on_its_own_is_not_cut_short():
    with stop_on_signals() as request:
        request.begin_stopping()
        send_myself(signal.SIGINT)
    assert request.hurried


def test_processes_started_inside_get_the_default_disposition(sigint_ignored):
    # SIG_IGN is inherited across exec, a handler is not: inside the block a child can be Ctrl-C'd.
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"
    outside = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    with stop_on_signals():
        inside = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert (outside.stdout.strip(), inside.stdout.strip()) == ("True", "False")
