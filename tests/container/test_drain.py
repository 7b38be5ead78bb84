"""`docker stop` (what ECS does to a task) while requests are in flight: every one finishes."""

from __future__ import annotations

import http.client
import subprocess
import threading
import time

import pytest

pytestmark = pytest.mark.docker

IN_FLIGHT = 20  # bounded: a few per worker, each held for half a second
SLOW_MS = 500


def test_docker_stop_drains_in_flight_requests_and_exits_within_25_s(fresh_site):
    fresh_site.wait_healthy()
    results: list[int | str] = []
    sent = threading.Barrier(IN_FLIGHT + 1)

    def slow_request() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", fresh_site.port, timeout=30)
        try:
            connection.request("GET", f"/api/slow?ms={SLOW_MS}")
            sent.wait()
            results.append(connection.getresponse().status)
        except OSError as error:
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_request) for _ in range(IN_FLIGHT)]
    for thread in threads:
        thread.start()
    sent.wait()  # every request has been written to the socket before the stop
    time.sleep(0.1)  # ...and read by nginx
    stop_started = time.monotonic()
    subprocess.run(["docker", "stop", "--time", "30", fresh_site.name], check=True, capture_output=True)
    stop_seconds = time.monotonic() - stop_started
    for thread in threads:
        thread.join(timeout=30)

    print(f"\n{IN_FLIGHT} in-flight requests: {results}; docker stop took {stop_seconds:.2f} s")
    assert results == [200] * IN_FLIGHT
    assert stop_seconds < 25
    state = subprocess.run(
        ["docker", "inspect", "--format", "{{.State.ExitCode}}", fresh_site.name],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert state == "0"  # drained on purpose, not killed after the timeout (137)
    logs = fresh_site.logs()
    assert "draining nginx, then gunicorn" in logs
