"""Bad input never does harm: each case runs `main([...])` against the moto server, exits 2, prints one
`error:` line and one `hint:` line, and leaves the emulator's stacks, repositories and images as they
were (snapshot before/after). A base stack and an image are in place first, so "unchanged" means something.

Stack states moto cannot reach through its API (a failed create comes back as an immediate exception,
and moto finishes every operation at once) are set on moto's own in-process backend object: the
stack then answers describe_stacks exactly as AWS would in that state.
"""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from fargate_deploy import images
from fargate_deploy.cli import main

from .conftest import make_deployer, put_image, set_status, snapshot

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

GOOD_TOML = 'domain = "example.com"\nenvironment = "test"\n'


@pytest.fixture
def world(aws, cli_settings, monkeypatch, tmp_path):
    """Base stack + one image in moto; cwd is a temp directory."""
    deployer = make_deployer(cli_settings)
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "abc1234")
    return SimpleNamespace(path=tmp_path, deployer=deployer)


def _with_service(mp, w) -> None:
    mp.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    w.deployer.deploy_service("abc1234")


def _use_file(monkeypatch, world, text: str) -> None:
    """Settings come from this deploy.toml through the real parser (not the test's settings)."""
    from fargate_deploy.settings import load_settings

    (world.path / "deploy.toml").write_text(text)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", load_settings)


def _dirty_repo(monkeypatch, world) -> None:
    repo = world.path / "site"
    repo.mkdir()
    for argv in (
        ["init", "-q"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", "-C", str(repo), *argv], check=True)
    (repo / "new.py").write_text("x = 1\n")
    real_git_state = images.git_state
    monkeypatch.setattr("fargate_deploy.images.git_state", lambda directory: real_git_state(repo))


# The words each error must carry, so a case cannot pass by failing for another reason.
EXPECTED = {
    "invalid domain": "setting 'domain'",
    "invalid tag characters": "image tag 'bad tag!' is not valid",
    "tag not in ECR (service)": "'nope999' is not in repository",
    "tag not in ECR (rollback)": "'nope999' is not in ECR",
    "unknown region": "setting 'region'",
    "no credentials": "Unable to locate credentials",
    "unknown profile": "(no-such-profile) could not be found",
    "base stack missing": "base stack flaskcom-other is not ready",
    "service stack missing (rollback)": "rollback: the service stack flaskcom-test-www does not exist",
    "service stack missing (logs)": "logs: the service stack flaskcom-test-www does not exist",
    "stack in ROLLBACK_COMPLETE": "(ROLLBACK_COMPLETE)",
    "stack busy, --no-wait": "flaskcom-test is being updated (UPDATE_IN_PROGRESS)",
    "dirty git tree": "uncommitted changes (new.py)",
    "Docker not running": "no Docker engine is reachable",
    "invalid cpu/memory pair": "Fargate does not offer this pair",
    "malformed deploy.toml": "reading deploy.toml",
    "unknown setting": "unknown setting 'cpus'",
    "no TTY and no --yes (destroy)": "without a terminal",
    "no TTY and no --yes (resources)": "stdin is not a terminal",
    "destroy not confirmed": "not confirmed ('example.org' is not 'example.com')",
    "base stack missing (service)": "base stack flaskcom-other is not ready",
    "service stack busy, rollback --no-wait": "flaskcom-test-www is being updated (UPDATE_IN_PROGRESS)",
    "logs --since not a duration": "is not a duration",
    "service stack in ROLLBACK_COMPLETE (rollback)": "flaskcom-test-www failed to create and was rolled back",
    "recover: no TTY and no --yes": "recover: refusing to ask",
}

CASES = {
    "invalid domain": (lambda mp, w: _use_file(mp, w, 'domain = "not a domain"\n'), ["resources", "--yes"]),
    "invalid tag characters": (None, ["rollback", "--to", "bad tag!", "--yes"]),
    "tag not in ECR (service)": (None, ["service", "--tag", "nope999", "--yes"]),
    "tag not in ECR (rollback)": (_with_service, ["rollback", "--to", "nope999", "--yes"]),
    "unknown region": (lambda mp, w: _use_file(mp, w, GOOD_TOML + 'region = "mars-north-9"\n'), ["status"]),
    "no credentials": (
        lambda mp, w: [mp.delenv(k, raising=False) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")],
        ["status"],
    ),
    "unknown profile": (
        lambda mp, w: _use_file(mp, w, GOOD_TOML + 'profile = "no-such-profile"\n'),
        ["status"],
    ),
    "base stack missing": (
        lambda mp, w: _use_file(mp, w, GOOD_TOML),
        ["rollback", "--yes", "--environment", "other"],
    ),
    "service stack missing (rollback)": (None, ["rollback", "--yes"]),
    "service stack missing (logs)": (None, ["logs"]),
    "stack in ROLLBACK_COMPLETE": (
        lambda mp, w: set_status("flaskcom-test", "ROLLBACK_COMPLETE"),
        ["service", "--yes"],
    ),
    "stack busy, --no-wait": (
        lambda mp, w: set_status("flaskcom-test", "UPDATE_IN_PROGRESS"),
        ["destroy", "--yes", "--no-wait"],
    ),
    "dirty git tree": (_dirty_repo, ["push"]),
    "Docker not running": (
        lambda mp, w: mp.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
        ["push", "--tag", "v2"],
    ),
    "invalid cpu/memory pair": (
        lambda mp, w: _use_file(mp, w, GOOD_TOML + "cpu = 256\nmemory = 8192\n"),
        ["resources", "--yes"],
    ),
    "malformed deploy.toml": (
        lambda mp, w: _use_file(mp, w, 'domain = "example.com\n'),
        ["resources", "--yes"],
    ),
    "unknown setting": (lambda mp, w: _use_file(mp, w, GOOD_TOML + "cpus = 256\n"), ["resources", "--yes"]),
    "no TTY and no --yes (destroy)": (None, ["destroy"]),
    "no TTY and no --yes (resources)": (None, ["resources"]),
    "destroy not confirmed": (
        lambda mp, w: (
            mp.setattr("sys.stdin.isatty", lambda: True, raising=False),
            mp.setattr("click.prompt", lambda *a, **k: "example.org"),
        ),
        ["destroy"],
    ),
    "base stack missing (service)": (
        lambda mp, w: _use_file(mp, w, GOOD_TOML),
        ["service", "--tag", "abc1234", "--yes", "--environment", "other"],
    ),
    "service stack busy, rollback --no-wait": (
        lambda mp, w: (_with_service(mp, w), set_status("flaskcom-test-www", "UPDATE_IN_PROGRESS")),
        ["rollback", "--to", "abc1234", "--yes", "--no-wait"],
    ),
    "logs --since not a duration": (None, ["logs", "--since", "ten"]),
    "service stack in ROLLBACK_COMPLETE (rollback)": (
        lambda mp, w: (_with_service(mp, w), set_status("flaskcom-test-www", "ROLLBACK_COMPLETE")),
        ["rollback", "--to", "abc1234", "--yes"],
    ),
    "recover: no TTY and no --yes": (
        lambda mp, w: set_status("flaskcom-test", "ROLLBACK_COMPLETE"),
        ["recover"],
    ),
}


def test_every_case_names_its_expected_words():
    assert set(EXPECTED) == set(CASES) and len(CASES) >= 15


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_with_one_error_and_a_hint_and_changes_nothing(name, world, monkeypatch, capsys):
    arrange, argv = CASES[name]
    if arrange:
        arrange(monkeypatch, world)
    before = snapshot()
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    hints = [line for line in err.splitlines() if line.startswith("hint:")]
    assert (code, len(errors), len(hints)) == (2, 1, 1), err
    assert EXPECTED[name] in errors[0]
    assert snapshot() == before
