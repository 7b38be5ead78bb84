"""Bad input to run, restart and the release command: exit 2, one `error:` line (and its `hint:`),
and nothing changed or started: no stack, no parameter, no task in the session's moto server (a command
that got as far as AWS would have found no stack and said so differently)."""

from __future__ import annotations

import boto3
import pytest

from tests.cli_output import after_target

from . import answers
from .conftest import run


def nothing_in_aws() -> bool:
    session = boto3.session.Session()
    return (
        session.client("cloudformation").describe_stacks()["Stacks"] == []
        and session.client("ssm").describe_parameters()["Parameters"] == []
        and session.client("ecs").list_clusters()["clusterArns"] == []
    )


@pytest.mark.parametrize(
    "argv", [["service", "--yes"], ["up", "--yes"], ["plan"], ["run", "--", "true"], ["restart"]]
)
@pytest.mark.parametrize(
    ("setting", "error"),
    [
        pytest.param('release_command = ["flask", "db", "upgrade"]', "must be one string", id="a-list"),
        pytest.param("release_command = 3", "must be one string", id="a-number"),
        pytest.param("release_command = \"flask db upgrade 'head\"", "cannot be split into a command",
                     id="unbalanced-quote"),
        pytest.param('[env]\nDB_PASSWORD = "x"', "DB_PASSWORD looks like a secret", id="secret-in-env"),
        pytest.param('[env]\nSECRET_KEY = "x"', "SECRET_KEY belongs to the container", id="reserved-in-env"),
        pytest.param('[env]\n"mail-x" = "x"', "'mail-x' is not a valid setting name", id="bad-name"),
        pytest.param('[env]\nMAIL_SERVER = 25', "MAIL_SERVER", id="not-a-string"),
    ],
)  # fmt: skip
def test_bad_app_settings_stop_run_restart_and_deploys_before_aws(
    aws, project, monkeypatch, capsys, argv, setting, error
):
    top, env = (setting, "") if not setting.startswith("[env]") else ("", setting)
    (project / "deploy.toml").write_text(f'{top}\ndomain = "example.com"\nenvironment = "test"\n{env}\n')
    code, out, err = run(monkeypatch, capsys, argv)
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and error in lines[0], err
    assert lines[1].startswith("hint: ")
    assert nothing_in_aws()


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["secret", "set", "API_TOKEN", "hunter2-on-argv", "--restart"], id="value-on-argv"),
        pytest.param(["secret", "set", "API_TOKEN=hunter2-on-argv", "--restart"], id="name-equals-value"),
        pytest.param(["secret", "set", "api-token", "--restart"], id="bad-name"),
        pytest.param(["secret", "set", "IMAGE_TAG", "--restart"], id="reserved-name"),
        pytest.param(["secret", "set", "GREETING", "--restart"], id="a-setting-s-name"),
    ],
)
def test_secret_set_restart_refuses_bad_input_before_anything(aws, project, monkeypatch, capsys, argv):
    code, out, err = run(monkeypatch, capsys, argv, stdin="value")
    assert (code, out) == (2, "")
    lines = after_target(err)
    assert len(lines) == 2 and lines[0].startswith("error: secret") and lines[1].startswith("hint: "), err
    assert "hunter2-on-argv" not in err
    assert nothing_in_aws()


def test_an_empty_value_with_restart_restarts_nothing(stubbed, monkeypatch, capsys):
    """The service is found first (so a restart that cannot happen stores nothing); an empty value is
    then refused: no parameter written, no UpdateService (Stubber has no answer for one)."""
    _, stubs, _ = stubbed
    answers.answer_site(stubs)
    code, out, err = run(monkeypatch, capsys, ["secret", "set", "API_TOKEN", "--restart"], stdin="\n")
    assert (code, out) == (2, "")
    assert after_target(err)[0] == "error: secret set API_TOKEN: the value for API_TOKEN is empty"
    assert boto3.session.Session().client("ssm").describe_parameters()["Parameters"] == []


def test_a_command_longer_than_run_task_allows_starts_nothing(stubbed, monkeypatch, capsys):
    _, stubs, _ = stubbed
    answers.answer_site(stubs)  # and no RunTask: Stubber has no answer for one
    code, out, err = run(monkeypatch, capsys, ["run", "--", "echo", "x" * 9000])
    assert (code, out) == (2, "")
    lines = after_target(err)
    assert (
        lines[0].startswith("error: run: the command (with its settings) is 9")
        and "nothing was started" in lines[0]
    )
    assert lines[1] == "hint: shorten the command"
