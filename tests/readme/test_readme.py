"""The README's commands, as written, so the README cannot drift from the code.

1. Every `python3 deploy.py ...` the README mentions (code blocks, tables, prose) names a command
   that exists, and every `--flag` it shows is an option of that command; every `make X` a target.
2. Every command of its shell blocks runs, in order, in a fresh `git clone` of this checkout:
   `make local` started, asked for a page over HTTP and stopped with Ctrl-C (nothing may survive);
   `init` at a pseudo-terminal (Enter for every default); `check`; `plan`, `up` (answering its
   prompts) and `ci --yes` against the session's moto server through AWS_ENDPOINT_URL. A shell
   command the README adds fails here until it has a runner below.

What stands in, and why: the clone shares this checkout's .venv (a fresh one is minutes of
installs; `make test` on a clean clone, .ci/run, is where that is proved), `make test` is only
dry-run (`make -n`: this test is part of the suite it would start), DNS is a server on 127.0.0.1
(DEPLOY_PY_NAMESERVER), and `docker` for `up` is a stand-in that puts the pushed image's manifest into
moto's ECR (moto's repository hosts do not exist; tests/deployer/test_push_e2e.py pushes for real to
a registry on 127.0.0.1). The clone's origin is set to a GitHub URL, as a user's copy has.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import click
import pexpect
import pytest
import yaml

from fargate_deploy.cli import cli
from tests.docker_engine import REPO
from tests.processes import assert_none_survive

# moto skips the resource types it does not model (alarms, scaling) with this warning (moto-notes).
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

README = REPO / "README.md"
PROG = "python3 deploy.py"
BOUND = 180  # seconds for one command, on a loaded 2-core machine


def shell_commands(text: str) -> list[str]:
    """The command lines of the README's ```sh blocks, comments dropped."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def mentions(text: str) -> list[str]:
    """Every `python3 deploy.py ...` and `make ...` in the README: shell lines and inline code."""
    inline = [m.replace("\\|", "|") for m in re.findall(r"`([^`\n]+)`", text)]
    found = [m for m in shell_commands(text) + inline if m.startswith((PROG + " ", "make "))]
    return [m for m in found if m != f"{PROG} COMMAND"]  # the README's placeholder for any command


def resolve(words: list[str]) -> click.Command:
    command: click.Command = cli
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
    return command


def options_of(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def test_every_command_and_flag_the_readme_mentions_exists():
    text = README.read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), flags=re.M))
    seen = 0
    for mention in mentions(text):
        words = mention.split()
        if words[0] == "make":
            assert words[1] in targets, f"README: {mention!r}: no such make target"
            continue
        seen += 1
        command = resolve(words[2:])
        assert command is not cli and words[2] in cli.commands, f"README: {mention!r}: no such command"
        ours = words[: words.index("--")] if "--" in words else words  # after `--`: another program's
        flags = {re.sub(r"[=\[\]].*$", "", w.strip("[]")) for w in ours if w.lstrip("[").startswith("--")}
        unknown = flags - options_of(command) - options_of(cli)
        assert not unknown, f"README: {mention!r}: {sorted(unknown)} are not options of {command.name}"
    assert seen >= 20  # the README's deploy.py commands were found and read


# --- the shell blocks, run in a fresh clone ---


REQUIREMENTS = ("requirements.txt", "requirements-test.txt", "flask.com/requirements.txt")


@pytest.fixture
def clone(tmp_path) -> Path:
    site = tmp_path / "site"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(site)], check=True, timeout=BOUND)
    subprocess.run(
        ["git", "-C", str(site), "remote", "set-url", "origin", "https://github.com/octo-org/my-site.git"],
        check=True,
        timeout=BOUND,
    )
    (site / ".venv").symlink_to((REPO / ".venv").resolve())
    # make then finds the shared .venv's stamp newer than the requirement files and installs nothing.
    for name in (*REQUIREMENTS, "container/requirements.txt"):
        os.utime(site / name, (0, 0))
    return site


STAND_IN_DOCKER = """#!{python}
# docker for the README test: push puts the image's manifest into moto's ECR, as the real push would.
import hashlib, json, sys
import boto3
args = sys.argv[1:]
if args[:1] == ["login"]:
    sys.stdin.read()
if args[:1] == ["push"]:
    image, tag = args[1].rsplit(":", 1)
    manifest = {{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {{"digest": "sha256:" + hashlib.sha256(tag.encode()).hexdigest()}}, "layers": []}}
    boto3.client("ecr").put_image(repositoryName=image.split("/", 1)[1], imageManifest=json.dumps(manifest),
                                  imageTag=tag)
"""


class Site:
    """The clone and the environment every README command there runs with."""

    def __init__(self, path: Path, env: dict[str, str]):
        self.path, self.env = path, env
        self.log: list[str] = []

    def run(self, line: str) -> str:
        done = subprocess.run(
            shlex.split(line), cwd=self.path, env=self.env, capture_output=True, text=True, timeout=BOUND
        )
        self.log.append(f"$ {line}\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, self.log[-1]
        return done.stdout

    def at_terminal(self, line: str, answers: list[tuple[str, str]]) -> str:
        words = shlex.split(line)
        child = pexpect.spawn(
            words[0], words[1:], cwd=str(self.path), env=self.env, encoding="utf-8", timeout=BOUND,
            dimensions=(50, 200),
        )  # fmt: skip
        try:
            for prompt, reply in answers:
                child.expect(prompt)
                child.sendline(reply)
            child.expect(pexpect.EOF)
        except pexpect.ExceptionPexpect:
            pytest.fail(f"$ {line}\n{child.before}")
        child.close()
        shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)  # a terminal gets bold and cursor moves
        self.log.append(f"$ {line}\n{shown}")
        assert child.exitstatus == 0, self.log[-1]
        return shown


def make_local(site: Site) -> None:
    """Started as the README says; once it says where the site is, one page, then Ctrl-C; nothing
    it started survives."""
    env = {k: v for k, v in site.env.items() if k != "DOCKER_HOST"}  # nginx + gunicorn on the host
    process = subprocess.Popen(
        ["make", "local"], cwd=site.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + BOUND
        while not any("The site: http://127.0.0.1:8080" in line for line in lines):
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        with urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=30) as response:
            assert response.status == 200
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C at a terminal reaches the whole group
        process.wait(timeout=BOUND)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=BOUND)
        reader.join(timeout=30)
        process.stdout.close()
    site.log.append("$ make local\n" + "".join(lines))
    assert_none_survive(process.pid)


def make_test_dry_run(site: Site) -> None:
    planned = site.run("make -n test")
    assert ".venv/bin/ruff check ." in planned and ".venv/bin/python -m pytest" in planned


def init(site: Site) -> None:
    output = site.at_terminal(
        f"{sys.executable} deploy.py init",
        [(r"Domain the site lives under.*: ", "example.com")] + [(r"\[\S+\]: ", "")] * 6,
    )
    assert "Wrote deploy.toml for example.com in us-east-1." in output
    assert "Next: python3 deploy.py up" in output


def up(site: Site) -> None:
    output = site.at_terminal(
        f"{sys.executable} deploy.py up",
        [(r"Execute this change set on flaskcom-prod\?.*", "y"), (r"Execute this change set on .*\?.*", "y")],
    )
    assert "Done: https://example.com runs image" in output


def plan(site: Site) -> None:
    assert "Stack flaskcom-prod: " in site.run(f"{sys.executable} deploy.py plan")


def ci(site: Site) -> None:
    """`ci --yes`, then the written workflow's own plan and summary scripts, run here as GitHub's
    runner would run them after `up` (their output is the job summary)."""
    output = site.run(f"{sys.executable} deploy.py ci --yes")
    assert "Wrote .github/workflows/deploy.yml" in output
    assert "gh variable set AWS_DEPLOY_ROLE_ARN --repo octo-org/my-site --body arn:aws:iam::" in output
    jobs = yaml.safe_load((site.path / ".github" / "workflows" / "deploy.yml").read_text())["jobs"]
    scripts = {step["name"]: step["run"] for job in jobs.values() for step in job["steps"] if "name" in step}
    summary = site.path / "summary.md"
    # The runner's python3 is the one setup-python installs with the dependencies; here, the venv's.
    env = {**site.env, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SHA": "0123abc"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for name in ("Plan", "Summary"):
        done = subprocess.run(
            ["bash", "-e", "-c", scripts[name]], cwd=site.path, env=env, capture_output=True, text=True,
            timeout=BOUND,
        )  # fmt: skip
        assert done.returncode == 0, f"workflow step {name}:\n{done.stdout}{done.stderr}"
    written = summary.read_text()
    assert written.startswith("## Plan\n") and "Stack flaskcom-prod: no changes" in written
    assert written.rstrip().endswith("Deployed 0123abc: https://example.com")


RUNNERS = {
    "make local": make_local,
    "make test": make_test_dry_run,
    f"{PROG} init": init,
    f"{PROG} check": lambda site: site.run(f"{sys.executable} deploy.py check"),
    f"{PROG} plan": plan,
    f"{PROG} up": up,
    f"{PROG} ci --yes": ci,
}


def test_the_readmes_shell_commands_run_in_a_fresh_clone(
    clone, aws, aws_shaped_zone_ids, dns, monkeypatch, tmp_path
):
    commands = shell_commands((clone / "README.md").read_text())
    assert set(commands) == set(RUNNERS), "give each README shell command a runner in this test"
    zone = boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="readme")
    dns.delegations["example.com"] = zone["DelegationSet"]["NameServers"]
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # the emulator's service reaches its count
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(STAND_IN_DOCKER.format(python=sys.executable))
    (bin_dir / "docker").chmod(0o755)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "DEPLOY_PY_NAMESERVER": dns.address}
    local_env = dict(env)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    for command in commands:
        site = Site(clone, local_env if command == "make local" else env)
        RUNNERS[command](site)
