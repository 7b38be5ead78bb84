"""A deploy.toml that cannot be read says why, in one line with a hint, and exits 2 (no traceback)."""

from __future__ import annotations

import pathlib

import pytest

from fargate_deploy import cli
from fargate_deploy.errors import ConfigError
from fargate_deploy.settings import load_settings


def not_utf8(directory: pathlib.Path) -> pathlib.Path:
    file = directory / "deploy.toml"
    file.write_bytes('domain = "caf\u00e9.example.com"\n'.encode("latin-1"))
    return file


def a_directory(directory: pathlib.Path) -> pathlib.Path:
    (directory / "deploy.toml").mkdir()
    return directory / "deploy.toml"


def a_dangling_link(directory: pathlib.Path) -> pathlib.Path:
    (directory / "deploy.toml").symlink_to(directory / "settings" / "prod.toml")
    return directory / "deploy.toml"


CASES = {
    "not UTF-8": (
        not_utf8,
        "reading deploy.toml: it is not UTF-8 text (byte 0xe9 at offset 13)",
        "save deploy.toml as UTF-8 (TOML files are UTF-8)",
    ),
    "a directory": (
        a_directory,
        "reading deploy.toml: it is a directory, not a settings file",
        "give a file with --config, or create one: cp deploy.toml.example deploy.toml",
    ),
    "a dangling link": (
        a_dangling_link,
        "reading deploy.toml: it is a symbolic link to {dir}/settings/prod.toml, which does not exist",
        "point the link at your settings file, or replace it: cp deploy.toml.example deploy.toml",
    ),
}


@pytest.mark.parametrize(("make", "message", "hint"), CASES.values(), ids=CASES.keys())
def test_the_settings_file_itself_is_the_problem(make, message, hint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    with pytest.raises(ConfigError) as raised:
        load_settings(env={})  # the default deploy.toml in the working directory
    assert raised.value.message == message.format(dir=tmp_path)
    assert raised.value.hint == hint


def test_an_unreadable_file_says_permission_denied(tmp_path, monkeypatch):
    # The tests run as root in CI, which reads any file whatever its mode: the refusal is simulated
    # where the file is read, with the error the kernel gives any other user.
    file = tmp_path / "deploy.toml"
    file.write_text('domain = "example.com"\n')
    original = pathlib.Path.read_text

    def read_text(self, *args, **kwargs):
        if self == file:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", read_text)
    with pytest.raises(ConfigError) as raised:
        load_settings(file, env={})
    assert raised.value.message == f"reading {file}: permission denied (this user may not read it)"
    assert raised.value.hint == f"make it readable: chmod u+r {file}"


def test_the_command_line_prints_one_error_and_a_hint_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    not_utf8(tmp_path)
    assert cli.main(["plan"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: reading deploy.toml: it is not UTF-8 text (byte 0xe9 at offset 13)",
        "hint: save deploy.toml as UTF-8 (TOML files are UTF-8)",
    ]
