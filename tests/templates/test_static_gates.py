"""cfn-lint (every level), checkov (offline) and taskcat lint on both templates; each gate is also shown
failing on a broken copy, so a gate that passes because it checked nothing would be caught."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.templates.conftest import run_tool
from tests.templates.render import BASE, ROOT, SERVICE

TASKCAT_HARNESS = ROOT / "tests" / "templates" / "taskcat" / "main.yaml"


def cfn_lint(*paths: Path):
    # --include-checks I adds the informational rules to the default errors and warnings.
    return run_tool([Path(sys.executable).parent / "cfn-lint", "--include-checks", "I", "--", *paths])


@pytest.mark.parametrize("path", [BASE, SERVICE, TASKCAT_HARNESS], ids=lambda p: p.name)
def test_cfn_lint_clean_at_every_level(path):
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_fails_a_broken_template(tmp_path):
    broken = tmp_path / "service.yaml"
    broken.write_text(
        SERVICE.read_text().replace("HealthCheckIntervalSeconds: 10", "HealthCheckIntervalSeconds: 1")
    )
    result = cfn_lint(broken)
    assert result.returncode != 0
    assert "E3034 1 is less than the minimum of 5" in result.stdout


def checkov(checkov_bin: Path, *paths: Path):
    files = [arg for path in paths for arg in ("-f", path)]
    return run_tool(
        [
            checkov_bin / "checkov",
            "--skip-download",
            "--quiet",
            "--compact",
            "--framework",
            "cloudformation",
            *files,
        ]
    )


def test_checkov_passes_offline(checkov_bin):
    result = checkov(checkov_bin, BASE, SERVICE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_fails_when_a_skip_is_removed(checkov_bin, tmp_path):
    text = BASE.read_text()
    marker = "          - id: CKV_AWS_260\n"
    assert marker in text
    broken = tmp_path / "resources.yaml"
    broken.write_text(text.replace(marker, "          - id: CKV_AWS_0\n"))
    result = checkov(checkov_bin, broken)
    assert result.returncode != 0
    assert "CKV_AWS_260" in result.stdout


def test_taskcat_lint_passes(taskcat_bin):
    # Default mode fails on errors. --strict would also stop at the two warnings the templates switch
    # off in their own cfn-lint Metadata (taskcat does not read it); cfn-lint above checks those.
    result = run_tool([taskcat_bin / "taskcat", "lint"])
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "[ERROR" not in output
    for path in (TASKCAT_HARNESS, BASE, SERVICE):  # each was linted: passed, or only warned
        assert f"Linting passed for file: {path}" in output or f"Linting detected issues in: {path}" in output


def test_taskcat_lint_fails_a_broken_project(taskcat_bin, tmp_path):
    (tmp_path / "cloudformation").mkdir()
    (tmp_path / "cloudformation" / "resources.yaml").write_text(
        BASE.read_text().replace("Type: AWS::EC2::VPC\n", "Type: AWS::EC2::Vpcc\n")
    )
    (tmp_path / "cloudformation" / "service.yaml").write_text(SERVICE.read_text())
    (tmp_path / "tests" / "templates" / "taskcat").mkdir(parents=True)
    (tmp_path / "tests" / "templates" / "taskcat" / "main.yaml").write_text(TASKCAT_HARNESS.read_text())
    (tmp_path / ".taskcat.yml").write_text((ROOT / ".taskcat.yml").read_text())
    result = run_tool([taskcat_bin / "taskcat", "lint"], cwd=tmp_path)
    assert result.returncode != 0
