"""The click commands through `main([...])` against moto: exit codes and the stderr lines."""

from __future__ import annotations

import dataclasses
import json

import boto3
import pytest

from fargate_deploy.cli import main
from fargate_deploy.tradeoffs import tradeoffs
from tests.cli_output import after_target
from tests.deployer.conftest import put_image

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


@pytest.fixture
def cli_settings(settings, monkeypatch, tmp_path):
    """The commands load these settings (moto's zone id cannot pass the file parser; see conftest)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    return settings


def _stacks() -> list[str]:
    summaries = boto3.session.Session().client("cloudformation").list_stacks()["StackSummaries"]
    return [s["StackName"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"]


def _status(name: str) -> str:
    return (
        boto3.session.Session()
        .client("cloudformation")
        .describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    )


def test_resources_without_yes_on_a_pipe_exits_2_and_changes_nothing(aws, cli_settings, capsys):
    assert main(["resources"]) == 2
    err = after_target(capsys.readouterr().err)
    assert err[0].startswith("error: resources: stdin is not a terminal")
    assert err[1] == "hint: review with `python3 deploy.py plan`, then run: python3 deploy.py resources --yes"
    assert _stacks() == []


def test_plan_then_resources_then_no_changes(aws, cli_settings, capsys):
    assert main(["plan"]) == 0
    # Nothing executed: only the empty stack the CREATE change set made stays (plan_shell.py).
    assert "Stack flaskcom-test: " in capsys.readouterr().out
    assert _stacks() == ["flaskcom-test"] and _status("flaskcom-test") == "REVIEW_IN_PROGRESS"
    assert main(["resources", "--yes"]) == 0
    assert capsys.readouterr().out.strip().endswith("Stack flaskcom-test: done")
    assert main(["resources", "--yes"]) == 0
    assert "Stack flaskcom-test: no changes" in capsys.readouterr().out


def test_service_with_a_tag_not_in_ecr_exits_2(aws, cli_settings, capsys):
    assert main(["resources", "--yes"]) == 0
    capsys.readouterr()
    assert main(["service", "--tag", "nope123", "--yes"]) == 2
    err = after_target(capsys.readouterr().err)
    assert err == [
        "error: service: image tag 'nope123' is not in repository flaskcom-test",
        "hint: python3 deploy.py push --tag nope123",
    ]


def test_push_before_resources_exits_2(aws, cli_settings, capsys):
    assert main(["push", "--tag", "v1"]) == 2
    assert after_target(capsys.readouterr().err) == [
        "error: push: the base stack flaskcom-test is not ready (it does not exist)",
        "hint: python3 deploy.py resources",
    ]


def test_bad_settings_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy.toml").write_text('domain = "example.com"\nmemmory = 512\n')
    assert main(["plan"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: unknown setting 'memmory' in deploy.toml",
        "hint: did you mean 'memory'?",
    ]


@pytest.mark.parametrize(
    "argv",
    [["push", "--tag", ""], ["service", "--tag", "", "--yes"], ["up", "--tag", "", "--yes"],
     ["rollback", "--to", "", "--yes"]],
)  # fmt: skip
def test_an_empty_tag_is_refused_before_anything_else(aws, cli_settings, capsys, argv):
    """--tag "" used to mean "the default" (the git SHA, or the newest image) without a word."""
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: image tag '' is not valid for ECR",
        "hint: use 1–128 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
    ]
    assert _stacks() == []


def test_plan_says_what_enable_exec_gives_up(aws, cli_settings, monkeypatch, capsys):
    exec_on = dataclasses.replace(cli_settings, enable_exec=True)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: exec_on)
    assert main(["plan"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {tradeoffs(exec_on)[0]}"]
    assert "root filesystem is writable" in notes[0]


def test_plan_resources_and_service_print_their_results_as_json(aws, cli_settings, capsys, monkeypatch):
    """--json: the result alone on stdout (the change set and progress go to stderr as JSON lines)."""
    assert main(["plan", "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert [change_set["stack_name"] for change_set in planned["change_sets"]] == ["flaskcom-test"]
    assert planned["change_sets"][0]["rows"][0]["symbol"] == "+"
    assert planned["not_planned"] == [
        "Stack flaskcom-test-www: planned after `python3 deploy.py resources` has run"
    ]
    assert main(["resources", "--yes", "--json"]) == 0
    captured = capsys.readouterr()
    base = json.loads(captured.out)
    assert (base["stack_name"], base["changed"], base["created"]) == ("flaskcom-test", True, True)
    assert base["outputs"]["RepositoryName"] == "flaskcom-test"
    events = [json.loads(line) for line in captured.err.splitlines()]
    assert {"note", "data", "finish"} <= {event["event"] for event in events}
    put_image("flaskcom-test", "abc1234")
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    assert main(["service", "--tag", "abc1234", "--yes", "--json"]) == 0
    deployed = json.loads(capsys.readouterr().out)
    assert (deployed["image_tag"], deployed["url"]) == ("abc1234", "https://example.com")
    assert deployed["stack"]["created"] and deployed["rollout"]["phase"] == "completed"
