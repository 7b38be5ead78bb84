"""Operations tests reuse the deployer's moto fixtures: a zone and certificate made through moto's APIs,
the real templates, settings pointing at them."""

from __future__ import annotations

import re

import boto3
import pytest
from moto.backends import get_backend

from tests.deployer.conftest import (  # noqa: F401  (fixtures)
    make_deployer,
    moto_like_cloudformation,
    put_image,
    settings,
    zone_and_certificate,
)


@pytest.fixture
def cli_settings(settings, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("fargate_deploy.commands.options.load_settings", lambda path, overrides: settings)
    return settings


def snapshot() -> dict:
    """Stacks (name → status), repositories and image tags in the emulator."""
    # Explicit keys: the snapshot must work in a case that removes the credentials from the environment.
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    cfn, ecr = session.client("cloudformation"), session.client("ecr")
    stacks = {
        s["StackName"]: s["StackStatus"]
        for s in cfn.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }
    repos = {}
    for repo in ecr.describe_repositories()["repositories"]:
        details = ecr.describe_images(repositoryName=repo["repositoryName"])["imageDetails"]
        repos[repo["repositoryName"]] = sorted(t for d in details for t in d.get("imageTags", []))
    return {"stacks": stacks, "repositories": repos}


def set_status(stack_name: str, status: str) -> None:
    """A state moto cannot reach through its API, set on its in-process backend (describe_stacks then
    answers as AWS would in that state)."""
    backend = get_backend("cloudformation")["123456789012"]["us-east-1"]
    stack = next(s for s in backend.stacks.values() if s.name == stack_name)
    stack.status = status


def plain_lines(err: str) -> list[str]:
    """stderr of a command run off a terminal (the plain renderer) without its time stamps and the
    seconds a finished task took: what the lines say, not when."""
    return [re.sub(r" – \d+s$", "", re.sub(r"^\d\d:\d\d:\d\d ", "", line)) for line in err.splitlines()]
