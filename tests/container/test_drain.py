"""`docker stop` (what ECS does to a task) while requests are in flight: every one finishes."""

from __future__ import annotations

import http.client
import subprocess
import threading
import time

import pytest

from .conftest import remove_container, start_container

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
    stop_seconds = fresh_site.stop()
    for thread in threads:
        thread.join(timeout=30)

    print(f"\n{IN_FLIGHT} in-flight requests: {results}; docker stop took {stop_seconds:.2f} s")
    assert results == [200] * IN_FLIGHT
    assert stop_seconds < 25
    assert fresh_site.exit_code() == "0"  # drained on purpose, not killed after the timeout (137)
    logs = fresh_site.logs()
    assert "draining nginx, then gunicorn" in logs


def test_the_drain_is_bounded_a_request_past_the_budget_is_cut(site_image):
    # DRAIN_SECONDS (default 20) bounds the wait for nginx; 1 s here, with a request that needs 10 s
    # (the app's longest). An unbounded drain would wait for all of it; the bound leaves room for a
    # loaded machine's slow `docker stop` (4.5-6 s seen at load 7 on 2 cores).
    container = start_container(site_image, "ENABLE_TEST_ENDPOINTS=1", "DRAIN_SECONDS=1")
    try:
        container.wait_healthy()
        outcome: list[int | str] = []

        def stuck_request() -> None:
            try:
                outcome.append(container.request("GET", "/api/slow?ms=10000")[0])
            except (OSError, http.client.HTTPException) as error:
                outcome.append(type(error).__name__)

        thread = threading.Thread(target=stuck_request)
        thread.start()
        time.sleep(0.5)  # the request is in gunicorn
        stop_seconds = container.stop()
        thread.join(timeout=30)
        print(f"\nDRAIN_SECONDS=1 with a 10 s request: docker stop took {stop_seconds:.2f} s, got {outcome}")
        assert stop_seconds < 8
        assert outcome != [200]
        assert container.exit_code() == "0"
    finally:
        remove_container(container)


def test_a_bad_drain_budget_stops_start_up_with_one_line(site_image):
    result = subprocess.run(
        ["docker", "run", "--rm", "--env", "DRAIN_SECONDS=soon", site_image],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "container/start: DRAIN_SECONDS must be a whole number of seconds, not 'soon'"
    )
