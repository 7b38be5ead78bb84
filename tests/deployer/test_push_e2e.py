"""`push` end to end: the real site image built by the real engine, tagged and pushed to the real
local registry (Debian's docker-registry on 127.0.0.1), verified through the registry's HTTP API.

The same `push_image` steps run against ECR in `deploy.py push`; only the registry address, the login
and the "does the tag exist?" check are injected (ECR's are proved against moto in test_moto_stacks)."""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.request
import uuid

import pytest

from fargate_deploy import docker
from fargate_deploy.errors import RefusedError
from fargate_deploy.reporter import PlainReporter
from fargate_deploy.workflows.deploy import push_image
from fargate_deploy.workflows.parts import ROOT
from tests.docker_engine import require_engine, skip_or_fail

pytestmark = pytest.mark.docker

REGISTRY = os.environ.get("TEST_REGISTRY", "127.0.0.1:5000")


def registry_tags(name: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/{name}/tags/list", timeout=10) as response:
            return json.load(response).get("tags") or []
    except urllib.error.HTTPError as error:
        if error.code == 404:  # the registry does not know the repository yet
            return []
        raise


@pytest.fixture(scope="module")
def registry():
    require_engine()
    try:
        urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5).close()
    except OSError as error:
        skip_or_fail(f"no registry answers at {REGISTRY}: {error}")
    return REGISTRY


def test_build_tag_push_verify_then_refuse_the_same_tag(registry):
    name = f"flaskcom-e2e-{uuid.uuid4().hex[:8]}"
    tag = "e2e" + uuid.uuid4().hex[:7]
    ran: list[list[str]] = []
    logins: list[str] = []

    def run(argv, **kwargs):
        ran.append(list(argv))
        return docker.run(argv, **kwargs)

    image = push_image(
        context=ROOT,
        remote=f"{registry}/{name}",
        tag=tag,
        platform="linux/amd64",
        login=lambda: logins.append("login"),
        tag_exists=lambda t: t in registry_tags(name),
        reporter=PlainReporter(stdout=io.StringIO(), stderr=io.StringIO()),
        run=run,
    )
    assert image == f"{registry}/{name}:{tag}"
    assert registry_tags(name) == [tag]
    assert [argv[1] for argv in ran] == ["build", "tag", "push"]
    assert ran[0][ran[0].index("--platform") + 1] == "linux/amd64"
    assert logins == ["login"]

    # The repository is immutable in ECR: a tag that exists is refused before anything is built.
    ran.clear()
    with pytest.raises(RefusedError, match="already exists") as raised:
        push_image(
            context=ROOT,
            remote=f"{registry}/{name}",
            tag=tag,
            platform="linux/amd64",
            login=lambda: logins.append("login"),
            tag_exists=lambda t: t in registry_tags(name),
            reporter=PlainReporter(stdout=io.StringIO(), stderr=io.StringIO()),
            run=run,
        )
    assert raised.value.exit_code == 2
    assert ran == [] and logins == ["login"]
    docker.run(["docker", "image", "rm", "--force", image, f"flaskcom-site:{tag}"], capture=True)
