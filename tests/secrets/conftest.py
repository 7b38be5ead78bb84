"""The secret store against the session's moto server, with Parameter Store's rules moto lacks."""

from __future__ import annotations

import io

import pytest

from fargate_deploy import cli
from tests.deployer.conftest import moto_like_cloudformation, settings, zone_and_certificate  # noqa: F401

from . import moto_secrets


@pytest.fixture(autouse=True)
def parameter_store_as_aws(monkeypatch):
    moto_secrets.patch(monkeypatch)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with a deploy.toml, the working directory of the command under test."""
    (tmp_path / "deploy.toml").write_text(
        'domain = "example.com"\nenvironment = "test"\n[env]\nGREETING = "hi"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """`deploy.py ARGV` with `stdin` piped in (not a terminal); (exit code, stdout, stderr)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
