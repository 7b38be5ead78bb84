"""cfn-lint (every level), checkov (offline) and taskcat lint on both templates; each gate is also shown
failing on a broken copy, so a gate that passes because it checked nothing would be caught."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.templates.conftest import run_tool
from tests.templates.render import BASE, EDGE, ROOT, SERVICE

TASKCAT_HARNESS = ROOT / "tests" / "templates" / "taskcat" / "main.yaml"


def cfn_lint(*paths: Path):
    # --include-checks I adds the informational rules to the default errors and warnings.
    return run_tool([Path(sys.executable).parent / "cfn-lint", "--include-checks", "I", "--", *paths])


@pytest.mark.parametrize("path", [BASE, SERVICE, EDGE, TASKCAT_HARNESS], ids=lambda p: p.name)
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
    marker = "          - id: CKV_AWS_91\n"
    assert marker in text
    broken = tmp_path / "resources.yaml"
    broken.write_text(text.replace(marker, "          - id: CKV_AWS_0\n"))
    result = checkov(checkov_bin, broken)
    assert result.returncode != 0
    assert "CKV_AWS_91" in result.stdout


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


# --- edge (issue 14): checkov with each combination -----------------------------------------------
# checkov skips a resource whose Condition is false for the parameters' defaults, so one run over the
# templates as written never looks at the distribution or the web ACL. Each combination is a copy
# whose defaults are that combination's parameters (from fargate_deploy.edge, as the deployer would
# pass them); one checkov run covers them all.


def with_defaults(path: Path, defaults: dict[str, str], directory: Path, prefix: str = "") -> Path:
    import yaml  # PyYAML comes with cfn-lint

    text = path.read_text()
    for name, value in defaults.items():
        block = text.split(f"\n  {name}:\n", 1)
        assert len(block) == 2, name
        head, tail = block
        lines = tail.split("\n")
        lines = [line for line in lines[:6] if not line.startswith("    Default:")] + lines[6:]
        text = (
            head + f"\n  {name}:\n    Default: {yaml.safe_dump(value).splitlines()[0]}\n" + "\n".join(lines)
        )
    name = "-".join(f"{k}={v}" for k, v in defaults.items()).replace("/", "_")[:120]
    copy = directory / f"{prefix}{path.stem}-{name}.yaml"
    copy.write_text(text)
    return copy


def edge_combinations(directory: Path) -> list[Path]:
    from fargate_deploy import edge
    from fargate_deploy.settings import Settings
    from tests.templates.test_edge import EDGE_CERT, LOAD_BALANCER, PREFIX_LIST, WEB_ACL, ZONE

    copies = []
    for region in ("eu-west-1", "us-east-1"):
        for cdn in (True, False):
            for waf in (True, False):
                settings = Settings(domain="example.com", cdn=cdn, waf=waf, waf_mode="block")
                plan = edge.edge_plan(settings, region, hosted_zone_id=ZONE, load_balancer_arn=LOAD_BALANCER)
                if plan:
                    copies.append(with_defaults(EDGE, plan.parameters, directory, f"{region}-"))
                outputs = {"CertificateArn": EDGE_CERT, "WebAclArn": WEB_ACL}
                base = edge.base_parameters(
                    settings, region, prefix_list_id=PREFIX_LIST, edge_outputs=outputs
                )
                copies.append(with_defaults(BASE, base, directory, f"{region}-"))
    return copies


def test_checkov_passes_with_each_edge_combination(checkov_bin, tmp_path):
    copies = edge_combinations(tmp_path)
    # Per region 4 base stacks; edge stacks: eu-west-1 all but cdn off + waf off (3), us-east-1 only
    # with a web ACL (2: its base certificate serves CloudFront).
    assert len(copies) == 8 + 3 + 2
    result = checkov(checkov_bin, *copies)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_sees_the_distribution_when_cdn_is_on(checkov_bin, tmp_path):
    """The gate above is real: with the distribution's logging skip removed, checkov fails it."""
    cdn_base = next(
        c for c in edge_combinations(tmp_path) if c.name.startswith("eu-west-1-resources-EnableCdn=true")
    )
    marker = "          - id: CKV_AWS_86\n"
    text = cdn_base.read_text()
    assert marker in text
    cdn_base.write_text(text.replace(marker, "          - id: CKV_AWS_0\n"))
    result = checkov(checkov_bin, cdn_base)
    assert result.returncode != 0 and "CKV_AWS_86" in result.stdout
