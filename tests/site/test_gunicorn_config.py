"""gunicorn.conf.py: workers from the container's CPU quota, settings validated from the environment."""

from __future__ import annotations

import runpy

import pytest

from .conftest import SITE

CONFIG = SITE.parent / "container" / "gunicorn.conf.py"


def load(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_TIMEOUT", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


@pytest.mark.parametrize(
    ("cpu_max", "cpus"),
    [
        ("max 100000", None),
        ("25000 100000", 1),
        ("100000 100000", 1),
        ("150000 100000", 2),
        ("400000 100000", 4),
    ],
)
def test_usable_cpus_follow_the_cgroup_v2_quota(monkeypatch, tmp_path, cpu_max, cpus):
    (tmp_path / "cpu.max").write_text(cpu_max + "\n")
    usable_cpus = load(monkeypatch)["usable_cpus"]
    expected = cpus if cpus is not None else len(__import__("os").sched_getaffinity(0))
    assert usable_cpus(str(tmp_path)) == expected


def test_usable_cpus_follow_the_cgroup_v1_quota(monkeypatch, tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert load(monkeypatch)["usable_cpus"](str(tmp_path)) == 1


def test_the_defaults(monkeypatch):
    config = load(monkeypatch)
    assert config["bind"] == ["unix:/tmp/gunicorn.sock"]
    assert config["graceful_timeout"] == 20
    assert config["worker_tmp_dir"] == "/dev/shm"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["workers"] == 2 * config["_cpus"] + 1
    assert config["preload_app"] is True


def test_web_concurrency_overrides_the_worker_count(monkeypatch):
    assert load(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_number_stops_with_the_variable_named(monkeypatch, value):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number >= 1"):
        load(monkeypatch, WEB_CONCURRENCY=value)
