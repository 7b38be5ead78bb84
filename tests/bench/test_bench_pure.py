"""The bench's pure parts: wrk output parsing, target evaluation, report rendering (no timing here)."""

import pytest

from bench import cpu, report, wrk
from bench.targets import evaluate

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8080/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    30.12ms    5.20ms  90.00ms   80.00%
    Req/Sec   480.12     50.00   600.00     70.00%
  Latency Distribution
     50%   30.90ms
     75%   33.50ms
     90%   40.50ms
     99%    1.20s
  2874 requests in 3.01s, 2.60MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    954.82
Transfer/sec:    884.00KB
"""

NO_REQUESTS = """Running 3s test @ http://127.0.0.1:8081/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
  0 requests in 3.01s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_parse_wrk_latency_units_and_errors():
    result = wrk.parse(WRK_OUTPUT)
    assert result.requests_per_second == 954.82
    assert result.p50_ms == pytest.approx(30.9)
    assert result.p99_ms == pytest.approx(1200.0)  # seconds become milliseconds
    assert result.requests == 2874
    assert result.errors == 2 + 3 + 4  # read + timeout socket errors + non-2xx responses


def test_parse_a_run_that_got_no_answer_at_all():
    result = wrk.parse(NO_REQUESTS)
    assert (result.requests_per_second, result.p50_ms, result.p99_ms, result.requests) == (0.0, 0.0, 0.0, 0)


def test_parse_refuses_output_without_a_rate():
    with pytest.raises(ValueError, match="Requests/sec"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def _run(rps):
    return {"requests_per_second": rps, "p50_ms": 1.0, "p99_ms": 2.0, "requests": 1, "errors": 0}


def _results(container=1000.0, gunicorn=1000.0, uwsgi=1000.0, slow=800.0, nginx=5000.0, flask=1000.0):
    return {
        "date": "2026-11-24 10:00 UTC",
        "workers": 2,
        "wrk": {"threads": 2, "connections": 32, "seconds": 3},
        "paths": {"dynamic": "/", "static": "/static/site.css"},
        "slow_clients": 256,
        "dynamic": {
            "container": _run(container),
            "gunicorn": _run(gunicorn),
            "nginx_uwsgi": _run(uwsgi),
            "flask_dev": _run(500.0),
        },
        "slow": {"container": _run(slow), "gunicorn": _run(0.0)},
        "static": {"nginx": _run(nginx), "flask": _run(flask)},
        "start": {"runs_s": [0.5, 0.6, 0.4, 0.5, 0.5], "median_s": 0.5},
        "image": {"uncompressed_bytes": 180_000_000, "compressed_bytes": 50_000_000},
        "check_seconds": 3.0,
        "load": {"min": 1.0, "max": 2.0},
        "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 8.0, "kernel": "Linux 6"},
        "versions": {"wrk": "4.1.0"},
    }


def test_targets_pass_exactly_at_their_limits():
    # 900/1000 = 0.90; 900/900 = 1.0; 720/900 = 0.80; 5000/1000 = 5.0; 0.5 s; 180 MB
    targets = evaluate(_results(container=900, gunicorn=1000, uwsgi=900, slow=720, nginx=5000, flask=1000))
    assert [t.passed for t in targets] == [True] * 6


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"container": 899, "uwsgi": 800, "slow": 720}, "a. container vs bare gunicorn"),
        ({"container": 950, "uwsgi": 951, "slow": 800}, "a. container vs nginx + uWSGI"),
        ({"container": 1000, "slow": 799}, "b. container with 256 slow clients vs unloaded"),
        ({"nginx": 4999}, "c. static via nginx vs via Flask"),
    ],
)
def test_each_ratio_target_fails_just_below_its_limit(change, failing):
    targets = evaluate(_results(**change))
    assert [t.name for t in targets if not t.passed] == [failing]


def test_start_and_image_limits_are_upper_bounds():
    results = _results()
    results["start"]["median_s"] = 1.01
    results["image"]["uncompressed_bytes"] = 180_000_001
    failed = [t.name for t in evaluate(results) if not t.passed]
    assert failed == ["d. container start → first 200 (median)", "d. image size, uncompressed"]


def test_a_contender_that_served_nothing_makes_the_ratio_infinite_not_a_crash():
    targets = evaluate(_results(gunicorn=0.0))
    assert targets[0].measured == float("inf") and targets[0].passed


def test_report_has_the_table_targets_machine_and_notes():
    text = report.render(_results(container=450, gunicorn=1000), notes=["why it failed"])
    assert "| a. container vs bare gunicorn | 0.45× | ≥ 0.9× | **FAIL** |" in text
    assert "| c. static via nginx vs via Flask | 5.00× | ≥ 5× | pass |" in text
    assert "Test CPU (2 cores" in text and "Load average (1 min) while measuring: 1.00–2.00" in text
    assert "| bare gunicorn (same config) | 1,000 | 1.0 | 2.0 | 0 | 2.22× | — | — |" in text
    assert "- why it failed" in text and "![req/s per contender](benchmarks.png)" in text


def test_report_shows_cpu_per_request_for_the_dynamic_page():
    results = _results()
    results["dynamic"]["nginx_uwsgi"]["cpu_us_per_request"] = {"app": 210.4, "nginx": 64.6}
    results["dynamic"]["gunicorn"]["cpu_us_per_request"] = {"app": 380.0, "nginx": 0.0}
    results["dynamic"]["container"]["cpu_us_per_request"] = {"app": 430.0, "nginx": 120.0}
    results["app_alone_cpu_us"] = 180.0
    text = report.render(results)
    # 430 - 180 + 120 = 370; 210.4 - 180 + 64.6 = 95
    assert (
        "what the servers add on top of it, per request: nginx + gunicorn 370 µs, nginx + uWSGI 95 µs" in text
    )
    assert "| nginx + uWSGI | 1,000 | 1.0 | 2.0 | 0 | 1.00× | 210 | 65 |" in text
    assert "| bare gunicorn (same config) | 1,000 | 1.0 | 2.0 | 0 | 1.00× | 380 | — |" in text


# /proc/PID/stat lines as Linux writes them (proc(5)): pid (comm) state ppid … utime stime …
def _stat(pid, name, ppid, utime, stime):
    return f"{pid} ({name}) S {ppid} 1 1 0 -1 4194560 100 0 0 0 {utime} {stime} 0 0 20 0 1 0 5 0 0"


def test_parse_stat_takes_name_parent_and_user_plus_system_ticks():
    assert cpu.parse_stat(_stat(42, "gunicorn", 7, 120, 30)) == ("gunicorn", 7, 150)
    # A name may hold spaces and parentheses; only the last ')' ends it.
    assert cpu.parse_stat(_stat(43, "a (b) c", 1, 5, 6)) == ("a (b) c", 1, 11)


def test_by_program_sums_whole_trees_under_the_roots_only():
    table = {
        1: ("tini", 0, 1),
        2: ("start", 1, 2),
        3: ("nginx", 2, 10),
        4: ("nginx", 3, 20),  # an nginx worker under its master
        5: ("gunicorn", 2, 100),
        6: ("gunicorn", 5, 200),
        9: ("gunicorn", 8, 999),  # another contender's process: not under root 1
    }
    assert cpu.by_program([1], table) == {"nginx": 30, "app": 303}
    assert cpu.by_program([1, 404], table) == {"nginx": 30, "app": 303}  # a root that ended counts nothing


def test_per_request_us_divides_ticks_by_requests():
    ticks = cpu.TICKS_PER_SECOND  # one second of CPU
    used = cpu.per_request_us({"app": 0, "nginx": 0}, {"app": ticks, "nginx": ticks // 2}, 4000)
    assert used == pytest.approx({"app": 250.0, "nginx": 125.0})
    assert cpu.per_request_us({}, {"app": 5, "nginx": 5}, 0) == {"app": 0.0, "nginx": 0.0}


def test_snapshot_sees_cpu_this_process_spends():
    import os
    import time

    before = cpu.snapshot([os.getpid()])
    started = time.process_time()
    while time.process_time() - started < 0.3:  # burn 0.3 s of CPU
        pass
    after = cpu.snapshot([os.getpid()])
    assert after["app"] - before["app"] >= 0.2 * cpu.TICKS_PER_SECOND and after["nginx"] == 0
