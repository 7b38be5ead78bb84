"""`deploy.py check --json`: one JSON document on stdout (findings, the rollout waits, notices, ok),
checked against the findings and waits computed here for the same copy of the project; exit 1 on a
finding, as without --json."""

from __future__ import annotations

import dataclasses
import json

from fargate_deploy import cli, invariants
from fargate_deploy.commands.check import find_problems
from fargate_deploy.errors import ExitCode

from .conftest import edit


def waits(w: invariants.RolloutWaits) -> dict[str, int]:
    return {**dataclasses.asdict(w), "worst_case": w.worst_case}


def test_a_clean_project_is_ok_with_the_waits_next_to_aws_defaults(project, capsys):
    (project / "deploy.toml").write_text('domain = "example.com"\nenable_exec = true\n')
    assert cli.main(["check", "--json", "--root", str(project)]) == ExitCode.DONE
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["ok"] is True and result["findings"] == []
    assert result["rollout_waits"] == {
        "templates": waits(invariants.rollout_waits(invariants.Files.under(project))),
        "aws_defaults": waits(invariants.DEFAULT_WAITS),
    }
    assert len(result["notices"]) == 1 and result["notices"][0].startswith("enable_exec = true")
    assert "\x1b[" not in captured.out and "┃" not in captured.out  # no table, no colour
    assert captured.err.startswith("check: both templates lint clean")  # diagnostics stay on stderr


def test_findings_exit_1_and_are_still_one_json_document(project, capsys):
    edit(project / "nginx.conf", "keepalive_timeout 65s;", "keepalive_timeout 30s;")
    assert cli.main(["check", "--json", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    want = find_problems(project)
    assert want and result["ok"] is False
    assert result["findings"] == [{"file": str(f.shown_file(project)), "message": f.message} for f in want]
    assert result["findings"][0]["file"] == "nginx.conf"
    assert result["notices"] == []
    assert captured.err.splitlines()[0] == "error: check: 1 finding (listed above, one per line)"


def test_a_template_that_does_not_parse_has_no_waits(project, capsys):
    (project / "cloudformation/service.yaml").write_text("Resources: [\n")
    assert cli.main(["check", "--json", "--root", str(project)]) == ExitCode.DEPLOYMENT_FAILED
    result = json.loads(capsys.readouterr().out)
    assert result["rollout_waits"] is None
    assert [f["file"] for f in result["findings"]] == ["cloudformation/service.yaml"]
    assert "E0000" in result["findings"][0]["message"]


def test_a_bad_flag_is_usage_exit_2_with_nothing_on_stdout(project, capsys):
    assert cli.main(["check", "--json", "--root", str(project / "nowhere")]) == ExitCode.REFUSED
    captured = capsys.readouterr()
    assert captured.out == ""
    # click's usage error, as without --json
    assert captured.err.splitlines()[-1].startswith("Error: Invalid value for '--root'")
