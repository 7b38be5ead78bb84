"""Bad input to the secret commands and the app settings: exit 2, one `error:` line and one `hint:`
line, nothing written (no parameter is created, an existing one keeps its version), and a value that
was typed where it does not belong is never echoed."""

from __future__ import annotations

import boto3
import pytest

from tests.cli_output import after_target

from .conftest import run

PARAMETER = "/flaskcom-test-www/secrets"


def parameter_version() -> int | None:
    ssm = boto3.session.Session().client("ssm")
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [PARAMETER]}])["Parameters"]
    return found[0]["Version"] if found else None


@pytest.mark.parametrize(
    ("argv", "stdin", "error", "hint"),
    [
        pytest.param(["secret", "set", "api-token"], "v", "'api-token' is not a valid secret name",
                     "rename it, e.g. API_TOKEN", id="bad-name"),
        pytest.param(["secret", "set", "SECRET_KEY"], "v", "SECRET_KEY belongs to the container",
                     "choose another name", id="reserved-name"),
        pytest.param(["secret", "set", "AWS_REGION"], "v", "AWS_REGION belongs to the container",
                     "choose another name", id="reserved-prefix"),
        pytest.param(["secret", "set", "GREETING"], "v", "GREETING is already a plain setting in [env]",
                     "remove GREETING from [env]", id="a-setting-s-name"),
        pytest.param(["secret", "set", "API_TOKEN", "hunter2-on-argv"], "", "never from the command line",
                     "python3 deploy.py secret set NAME", id="value-as-an-argument"),
        pytest.param(["secret", "set", "API_TOKEN", "--value=hunter2-on-argv"], "", "never from the command",
                     "python3 deploy.py secret set NAME", id="value-as-an-option"),
        pytest.param(["secret", "set", "API_TOKEN=hunter2-on-argv"], "", "never from the command line",
                     "python3 deploy.py secret set NAME", id="name-equals-value"),
        pytest.param(["secret", "set", "API_TOKEN"], "", "the value for API_TOKEN is empty",
                     "type the value at the prompt", id="empty-value"),
        pytest.param(["secret", "set", "API_TOKEN"], "\n", "the value for API_TOKEN is empty",
                     "type the value at the prompt", id="only-a-newline"),
        pytest.param(["secret", "rm", "NOPE", "--yes"], "", "there is no secret NOPE",
                     "python3 deploy.py secret list", id="rm-unknown"),
        pytest.param(["secret", "rm", "API_TOKEN"], "", "refusing to remove API_TOKEN without asking",
                     "python3 deploy.py secret rm API_TOKEN --yes", id="rm-without-a-terminal"),
    ],
)  # fmt: skip
def test_bad_secret_input_exits_2_with_one_line_and_changes_nothing(
    aws, project, monkeypatch, capsys, argv, stdin, error, hint
):
    before = parameter_version()
    code, out, err = run(monkeypatch, capsys, argv, stdin=stdin)
    assert code == 2
    assert out == ""
    lines = after_target(err)
    assert len(lines) == 2, err
    assert lines[0].startswith("error: ") and error in lines[0]
    assert lines[1].startswith("hint: ") and hint in lines[1]
    assert "hunter2-on-argv" not in err
    assert parameter_version() == before


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        pytest.param('[env]\nAPI_TOKEN = "abc"\n', "API_TOKEN looks like a secret", id="secret-in-env"),
        pytest.param('[env]\n"lower" = "abc"\n', "'lower' is not a valid setting name", id="bad-setting"),
        pytest.param('[env]\nIMAGE_TAG = "abc"\n', "IMAGE_TAG belongs to the container", id="reserved"),
        pytest.param('release_command = ["flask", "db"]\n', "must be one string", id="release-not-a-string"),
    ],
)  # fmt: skip
def test_bad_app_settings_stop_every_command_before_it_touches_aws(
    aws, tmp_path, monkeypatch, capsys, toml, error
):
    # TOML: top-level keys first, tables after.
    top, _, tables = toml.partition("[env]")
    text = 'domain = "example.com"\nenvironment = "test"\n' + top + ("[env]" + tables if tables else "")
    (tmp_path / "deploy.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(monkeypatch, capsys, ["secret", "set", "MAIL_PASSWORD"], stdin="pw")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 2 and error in lines[0] and lines[1].startswith("hint: ")
    assert parameter_version() is None
