"""deploy.py check: the real files pass; each cross-file invariant, broken on purpose in a copy, fails
with one line naming the file to fix."""

from __future__ import annotations

import re

import pytest

from fargate_deploy import cli, invariants
from fargate_deploy.errors import ExitCode

from .conftest import edit

ROOT = invariants.ROOT
SERVICE = "cloudformation/service.yaml"
RESOURCES = "cloudformation/resources.yaml"


def test_the_real_files_hold_every_invariant():
    assert invariants.check() == []


def test_rollout_waits_come_from_the_service_template():
    waits = invariants.rollout_waits()
    # service.yaml: interval 10 × threshold 2 + grace 30 + deregistration 20 = 70; stopTimeout 30
    assert (waits.interval, waits.healthy_threshold, waits.grace_period, waits.deregistration_delay) == (
        10,
        2,
        30,
        20,
    )
    assert waits.worst_case == 70 and waits.stop_timeout == 30
    # AWS: 30 × 5 + 0 + 300 = 450
    assert invariants.DEFAULT_WAITS.worst_case == 450 and invariants.DEFAULT_WAITS.stop_timeout == 30


BREAKS = [
    pytest.param("nginx.conf", "keepalive_timeout 65s;", "keepalive_timeout 55s;", "nginx.conf",
                 "keepalive_timeout 55 s must be above the ALB idle timeout 60 s", id="keepalive-below-idle"),
    pytest.param(RESOURCES, "{Key: idle_timeout.timeout_seconds, Value: '60'}",
                 "{Key: idle_timeout.timeout_seconds, Value: '65'}", "nginx.conf",
                 "keepalive_timeout 65 s must be above the ALB idle timeout 65 s",
                 id="idle-equals-keepalive"),
    pytest.param("container/gunicorn.conf.py", '_env_int("GUNICORN_GRACEFUL_TIMEOUT", 20)',
                 '_env_int("GUNICORN_GRACEFUL_TIMEOUT", 40)', SERVICE,
                 "StopTimeout 30 s must be above gunicorn graceful_timeout 40 s", id="graceful-above-stop"),
    pytest.param(SERVICE, "StopTimeout: 30", "StopTimeout: 20", SERVICE,
                 "StopTimeout 20 s must be above gunicorn graceful_timeout 20 s", id="stop-equals-graceful"),
    pytest.param("nginx.conf", "listen 8080 default_server;", "listen 8081 default_server;", "nginx.conf",
                 "nginx listens on [8080, 8081], the container port is 8080", id="nginx-port"),
    pytest.param(SERVICE, "      Port: 8080", "      Port: 9090", SERVICE,
                 "target group port 9090 is not the container port 8080", id="target-group-port"),
    pytest.param(SERVICE, "{ContainerName: web, ContainerPort: 8080,",
                 "{ContainerName: web, ContainerPort: 8081,", SERVICE,
                 "service load balancer mapping web:8081 is not web:8080", id="service-mapping-port"),
    pytest.param("Dockerfile", "EXPOSE 8080", "EXPOSE 8000", "Dockerfile",
                 "EXPOSE [8000] is not the container port 8080", id="dockerfile-expose"),
    pytest.param("nginx.conf", "server unix:/tmp/gunicorn.sock", "server unix:/tmp/app.sock", "nginx.conf",
                 "upstream unix:/tmp/app.sock is not a socket gunicorn binds", id="upstream-socket"),
    pytest.param(SERVICE, "HealthCheckPath: /health", "HealthCheckPath: /healthz",
                 SERVICE, "HealthCheckPath /healthz is not a route of the Flask app",
                 id="health-path"),
    pytest.param(SERVICE, "    Default: '512'\n    Description: Memory",
                 "    Default: '4096'\n    Description: Memory", SERVICE,
                 "default Cpu 256 / Memory 4096 is not a Fargate pair", id="cpu-memory-default"),
    pytest.param(SERVICE, "!Contains [['512', '1024', '2048'], !Ref Memory]",
                 "!Contains [['512', '1024'], !Ref Memory]", SERVICE,
                 "rule Cpu256Memory allows memory ['512', '1024'] for Cpu 256", id="cpu-memory-rule"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "blamed", "message"), BREAKS)
def test_breaking_an_invariant_yields_one_finding_on_the_file_to_fix(
    project, file, old, new, blamed, message
):
    edit(project / file, old, new)
    findings = invariants.check(invariants.Files.under(project))
    assert [f.line(project) for f in findings] == [f"{blamed}: {f.message}" for f in findings]
    assert len(findings) == 1, findings
    assert findings[0].file == project / blamed
    assert message in findings[0].message


def test_check_command_passes_and_prints_the_waits_next_to_aws_defaults(project, capsys):
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert "= per task swap" in out
    row = next(line for line in out.splitlines() if "per task swap" in line)
    assert re.findall(r"\d+", row) == ["70", "450"]  # templates, then AWS's defaults


def test_check_command_exits_one_with_a_line_per_finding(project, capsys):
    edit(project / "nginx.conf", "keepalive_timeout 65s;", "keepalive_timeout 30s;")
    # cfn-lint must catch this one (the ALB's minimum is 5 s), the invariants the other.
    edit(
        project / "cloudformation/service.yaml",
        "HealthCheckIntervalSeconds: 10",
        "HealthCheckIntervalSeconds: 1",
    )
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert any(line.startswith("nginx.conf: keepalive_timeout 30 s") for line in lines)
    assert any(
        line.startswith("cloudformation/service.yaml: line ") and "cfn-lint E3034" in line for line in lines
    )
    assert captured.err.splitlines()[0] == "error: check: 2 findings (listed above, one per line)"
    assert captured.err.splitlines()[1].startswith("hint:")


def test_a_template_that_does_not_parse_is_one_finding_not_a_traceback(project, capsys):
    (project / "cloudformation/service.yaml").write_text("Resources: [\n")
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    out = capsys.readouterr().out
    assert out.startswith("cloudformation/service.yaml: line ") and "E0000" in out


def test_check_says_what_enable_exec_gives_up(project, capsys):
    (project / "deploy.toml").write_text('domain = "example.com"\nenable_exec = true\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "enable_exec = true: the container's root filesystem is writable" in notes[0]


def test_check_without_exec_has_no_note_and_a_broken_deploy_toml_is_a_finding(project, capsys):
    (project / "deploy.toml").write_text('domain = "example.com"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DONE
    assert "note: " not in capsys.readouterr().out
    (project / "deploy.toml").write_text('domain = "example.com"\nenable_exec = "sometimes"\n')
    assert cli.main(["check", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    assert any(line.startswith("deploy.toml: ") for line in capsys.readouterr().out.splitlines())
