"""Docker commands are argv lists: assert them exactly (no engine needed)."""

from pathlib import Path

import pytest

from fargate_deploy import docker


def test_build_for_arm_on_the_host_network(monkeypatch):
    monkeypatch.setenv("DOCKER_BUILD_NETWORK", "host")
    argv = docker.build_argv(
        Path("."), "site:abc123", platform=docker.platform_for("ARM64"), build_args={"IMAGE_TAG": "abc123"}
    )
    assert argv == [
        "docker", "build", "--tag", "site:abc123", "--platform", "linux/arm64",
        "--network", "host", "--build-arg", "IMAGE_TAG=abc123", ".",
    ]  # fmt: skip


def test_build_without_network_override(monkeypatch):
    monkeypatch.delenv("DOCKER_BUILD_NETWORK", raising=False)
    assert docker.build_argv(Path("ctx"), "site:1", platform="linux/amd64") == [
        "docker", "build", "--tag", "site:1", "--platform", "linux/amd64", "ctx",
    ]  # fmt: skip


@pytest.mark.parametrize(("architecture", "platform"), [("X86_64", "linux/amd64"), ("ARM64", "linux/arm64")])
def test_platform_matches_fargate_architecture(architecture, platform):
    assert docker.platform_for(architecture) == platform


def test_login_reads_the_password_from_stdin():
    argv = docker.login_argv("123.dkr.ecr.us-east-1.amazonaws.com", "AWS")
    assert argv == [
        "docker", "login", "--username", "AWS", "--password-stdin", "123.dkr.ecr.us-east-1.amazonaws.com",
    ]  # fmt: skip


def test_run_passes_secrets_by_name_only():
    argv = docker.run_argv(
        "site:dev",
        name="site",
        publish=["127.0.0.1:8080:8080"],
        env_names=["SECRET_KEY"],
        env={"APP_ENV": "production"},
        tmpfs=["/tmp"],
        detach=True,
    )
    assert argv == [
        "docker", "run", "--name", "site", "--detach", "--rm", "--read-only", "--tmpfs", "/tmp",
        "--publish", "127.0.0.1:8080:8080", "--env", "SECRET_KEY", "--env", "APP_ENV=production", "site:dev",
    ]  # fmt: skip


def test_tag_push_stop():
    assert docker.tag_argv("a:1", "reg/a:1") == ["docker", "tag", "a:1", "reg/a:1"]
    assert docker.push_argv("reg/a:1") == ["docker", "push", "reg/a:1"]
    assert docker.stop_argv("site", 30) == ["docker", "stop", "--time", "30", "site"]


def test_run_keeps_dockers_words_on_failure():
    with pytest.raises(docker.RefusedError) as caught:
        docker.run(["docker", "--definitely-not-a-flag"], capture=True)
    assert "unknown flag" in caught.value.message


@pytest.mark.parametrize("capture", [True, False])
def test_run_says_when_no_engine_is_reachable_and_what_to_do(monkeypatch, capture):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(docker.RefusedError) as caught:
        docker.run(["docker", "version"], capture=capture)
    assert caught.value.message == (
        "running docker version: no Docker engine is reachable at unix:///nonexistent/docker.sock"
    )
    assert caught.value.hint.startswith("start Docker (or point DOCKER_HOST at a running engine)")
