"""`deploy.py local` planning: the mode, the exact docker argv, the host nginx.conf."""

from __future__ import annotations

import socket

import pytest

from fargate_deploy import local
from fargate_deploy.cli import main


def test_docker_when_an_engine_is_reachable():
    plan = local.plan_local(8080, engine_reachable=True, nginx_path="/usr/sbin/nginx")
    assert (plan.mode, plan.notices, plan.url) == ("docker", (), "http://127.0.0.1:8080")


def test_host_processes_without_an_engine_and_says_so():
    plan = local.plan_local(9000, engine_reachable=False, nginx_path="/usr/sbin/nginx")
    assert plan.mode == "host"
    assert plan.notices == (
        "No Docker engine reachable: running nginx + gunicorn as host processes instead.",
    )


def test_gunicorn_alone_without_nginx_and_says_so():
    plan = local.plan_local(9000, engine_reachable=False, nginx_path=None)
    assert plan.mode == "gunicorn"
    assert "no nginx installed: running gunicorn alone" in plan.notices[0]


def test_the_container_runs_read_only_non_root_production_with_the_secret_by_name_only():
    assert local.docker_run_argv(8080) == [
        "docker", "run", "--name", "flaskcom-local-8080", "--rm", "--read-only",
        "--tmpfs", "/tmp", "--tmpfs", "/dev/shm",
        "--publish", "127.0.0.1:8080:8080",
        "--env", "SECRET_KEY",
        "--env", "APP_ENV=production", "--env", "IMAGE_TAG=local",
        "flaskcom-local:latest",
    ]  # fmt: skip


def test_the_host_nginx_conf_swaps_image_paths_and_port(tmp_path):
    image_conf = (local.REPO / "nginx.conf").read_text()
    conf = local.host_nginx_conf(image_conf, tmp_path / "site", tmp_path / "run", 9000)
    assert "/app/site/" not in conf and " /tmp/nginx" not in conf and "unix:/tmp/gunicorn" not in conf
    assert f"alias {tmp_path}/site/flasksite/static/;" in conf
    assert f"pid {tmp_path}/run/nginx.pid;" in conf
    assert f"server unix:{tmp_path}/run/gunicorn.sock" in conf
    assert "listen 127.0.0.1:9000 default_server;" in conf
    assert "listen 8080" not in conf and "[::]" not in conf


@pytest.mark.parametrize(
    ("machine", "platform"),
    [
        ("x86_64", "linux/amd64"),
        ("AMD64", "linux/amd64"),
        ("aarch64", "linux/arm64"),
        ("arm64", "linux/arm64"),
    ],
)
def test_the_image_is_built_for_this_machine(monkeypatch, machine, platform):
    monkeypatch.setenv("DOCKER_BUILD_NETWORK", "host")
    assert local.docker_build_argv(machine) == [
        "docker", "build", "--tag", "flaskcom-local:latest", "--platform", platform,
        "--network", "host", str(local.REPO),
    ]  # fmt: skip


def test_a_cpu_fargate_does_not_run_leaves_the_platform_to_docker(monkeypatch):
    monkeypatch.delenv("DOCKER_BUILD_NETWORK", raising=False)
    assert local.docker_build_argv("riscv64") == [
        "docker",
        "build",
        "--tag",
        "flaskcom-local:latest",
        str(local.REPO),
    ]


def test_a_port_in_use_is_refused_before_anything_is_built(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["local", "--port", str(port)]) == 2
    stderr = capsys.readouterr().err.splitlines()
    assert stderr[0] == f"error: starting the site: port {port} on 127.0.0.1 is already in use"
    assert stderr[1] == f"hint: python3 deploy.py local --port {port + 1}"
