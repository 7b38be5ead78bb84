"""`deploy.py secret set | list | rm` against moto's Parameter Store: one SecureString per site, each
secret with its own version, values only ever in that parameter."""

from __future__ import annotations

import json

import boto3
import pytest

from fargate_deploy import app_secrets
from tests.cli_output import after_target

from .conftest import run

PARAMETER = "/flaskcom-test-www/secrets"


def stored(name: str = PARAMETER) -> dict:
    ssm = boto3.session.Session().client("ssm")
    return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]


def parameter_exists(name: str = PARAMETER) -> bool:
    ssm = boto3.session.Session().client("ssm")
    return bool(ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"])


def test_set_stores_a_standard_securestring_under_the_aws_managed_key(aws, project, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["secret", "set", "API_TOKEN"], stdin="t0ken-1\n")
    assert code == 0, err
    assert out == f"Secret API_TOKEN: version 1 stored in {PARAMETER} (parameter version 1)\n"
    assert "running tasks get it when they are replaced" in err
    ssm = boto3.session.Session().client("ssm")
    (described,) = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [PARAMETER]}])[
        "Parameters"
    ]
    assert (described["Type"], described["Tier"], described["KeyId"]) == (
        "SecureString",
        "Standard",
        "alias/aws/ssm",
    )
    secrets = app_secrets.decode(stored()["Value"])
    assert secrets["API_TOKEN"].value == "t0ken-1"  # one trailing newline (echo's) is dropped


def test_versions_count_per_secret_and_per_parameter(aws, project, monkeypatch, capsys):
    for value in ("one", "two", "three"):
        assert run(monkeypatch, capsys, ["secret", "set", "API_TOKEN"], stdin=value)[0] == 0
    assert run(monkeypatch, capsys, ["secret", "set", "MAIL_PASSWORD"], stdin="pw")[0] == 0
    code, out, _ = run(monkeypatch, capsys, ["secret", "list", "--json"])
    assert code == 0
    listing = json.loads(out)
    assert listing["parameter"] == PARAMETER and listing["parameter_version"] == 4
    assert [(s["name"], s["version"]) for s in listing["secrets"]] == [("API_TOKEN", 3), ("MAIL_PASSWORD", 1)]
    assert all(s["changed"].endswith("Z") for s in listing["secrets"])
    assert "three" not in out and "pw" not in out
    # Parameter Store keeps the history of the whole bundle.
    history = boto3.session.Session().client("ssm").get_parameter_history(Name=PARAMETER)["Parameters"]
    assert [h["Version"] for h in history] == [1, 2, 3, 4]


def test_list_shows_names_versions_and_times_never_values(aws, project, monkeypatch, capsys):
    run(monkeypatch, capsys, ["secret", "set", "API_TOKEN"], stdin="value-that-must-not-show")
    code, out, _ = run(monkeypatch, capsys, ["secret", "list"])
    assert code == 0
    assert f"Secrets of {PARAMETER}" in out
    row = next(line for line in out.splitlines() if "API_TOKEN" in line)
    assert " 1 " in row and "Z" in row
    assert "value-that-must-not-show" not in out


def test_list_before_any_secret_says_how_to_add_one(aws, project, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["secret", "list"])
    assert (code, out) == (0, "")
    assert after_target(err) == [
        f"No secrets for site www ({PARAMETER}); add one with: python3 deploy.py secret set NAME"
    ]
    assert not parameter_exists()  # listing creates nothing


def test_rm_removes_one_secret_and_keeps_the_others(aws, project, monkeypatch, capsys):
    run(monkeypatch, capsys, ["secret", "set", "API_TOKEN"], stdin="a")
    run(monkeypatch, capsys, ["secret", "set", "MAIL_PASSWORD"], stdin="b")
    code, out, _ = run(monkeypatch, capsys, ["secret", "rm", "API_TOKEN", "--yes"])
    assert code == 0
    assert out == f"Secret API_TOKEN: removed from {PARAMETER} (parameter version 3)\n"
    assert set(app_secrets.decode(stored()["Value"])) == {"MAIL_PASSWORD"}


def test_each_site_has_its_own_parameter(aws, project, monkeypatch, capsys):
    run(monkeypatch, capsys, ["secret", "set", "API_TOKEN", "--site", "blog"], stdin="blog-token")
    assert not parameter_exists()
    assert set(app_secrets.decode(stored("/flaskcom-test-blog/secrets")["Value"])) == {"API_TOKEN"}


def test_a_bundle_over_the_standard_tier_limit_is_refused_before_anything_is_written(
    aws, project, monkeypatch, capsys
):
    run(monkeypatch, capsys, ["secret", "set", "SMALL_TOKEN"], stdin="x")
    code, _, err = run(monkeypatch, capsys, ["secret", "set", "PRIVATE_KEY"], stdin="k" * 4100)
    assert code == 2
    lines = after_target(err)
    assert lines[0].startswith("error: secret set PRIVATE_KEY: this site's secrets would take ")
    assert lines[1].startswith("hint: keep large files")
    assert stored()["Version"] == 1


def test_the_test_process_moto_refuses_an_oversized_standard_parameter_as_aws_does(aws):
    # What the local refusal above protects against: AWS's own (moto_secrets.py makes moto say it too).
    from fargate_deploy.aws import Aws
    from fargate_deploy.errors import AwsError

    with pytest.raises(AwsError, match="Standard tier parameters support a maximum parameter value of 4096"):
        Aws(boto3.session.Session()).put_secure_parameter("/x/secrets", "v" * 4097, description="d")
