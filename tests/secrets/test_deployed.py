"""A site deployed in moto with its secrets: the execution role may read exactly its own site's
parameter (moto's IAM evaluation, with the resource rule moto_secrets.py adds), and a canary value set
through `secret set` appears in no output, no request but the one PutParameter that stores it, and
nowhere in the emulator's state but that parameter."""

from __future__ import annotations

import dataclasses
import json
import secrets
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from fargate_deploy import secret_store
from fargate_deploy.aws import Aws
from tests.deployer.conftest import make_deployer, put_image

from .conftest import run

# moto warns (UserWarning) for each resource type its CloudFormation skips; under `filterwarnings =
# error` that warning would become an HTTP 500 inside the in-process server.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning"),
    pytest.mark.filterwarnings("ignore:No Moto CloudFormation support:UserWarning"),
]

OWN = "/flaskcom-test-www/secrets"
OTHER = "/flaskcom-test-blog/secrets"


@pytest.fixture
def deployable(aws, settings, monkeypatch):
    """moto does not implement UpdateTerminationProtection (issue 11 fills that gap); it is not what
    these tests are about, so the deployer's call to it does nothing here."""
    monkeypatch.setattr(Aws, "enable_termination_protection", lambda self, stack_name: None)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # moto's knob: the rollout reads COMPLETED
    return settings


def deploy_site(settings) -> dict:
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "abc1234")
    return deployer.deploy_service("abc1234").stack.outputs


def test_deploying_a_site_creates_its_empty_store_so_its_tasks_can_start(deployable):
    ssm = boto3.session.Session().client("ssm")
    with pytest.raises(ClientError, match="ParameterNotFound"):
        ssm.get_parameter(Name=OWN)
    deploy_site(deployable)
    parameter = ssm.get_parameter(Name=OWN, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert json.loads(parameter["Value"]) == {"format": 1, "secrets": {}}


def moto_auth(moto_server: str, count: str) -> None:
    """moto's switch for authenticating and authorizing every request (`inf` turns it off again)."""
    request = urllib.request.Request(
        f"{moto_server}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
    )
    urllib.request.urlopen(request, timeout=10).close()


def assert_denied(error: ClientError, action: str) -> None:
    # AWS answers AccessDeniedException; moto answers 403 with an XML body of its own, same words.
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"is not authorized to perform: {action}" in error.response["Error"]["Message"]


def test_the_execution_role_reads_its_own_site_s_secrets_and_no_other_site_s(deployable, aws):
    deploy_site(deployable)
    boto = boto3.session.Session()
    store = Aws(boto)
    secret_store.set_secret(store, deployable, "API_TOKEN", "own-site-value")
    secret_store.set_secret(
        store, dataclasses.replace(deployable, site="blog"), "API_TOKEN", "other-site-value"
    )
    resources = boto.client("cloudformation").describe_stack_resources(StackName="flaskcom-test-www")
    (role,) = [
        r["PhysicalResourceId"]
        for r in resources["StackResources"]
        if r.get("LogicalResourceId") == "TaskExecutionRole"
    ]
    role_arn = boto.client("iam").get_role(RoleName=role)["Role"]["Arn"]
    credentials = boto.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="ecs-agent")["Credentials"]
    as_the_role = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    ).client("ssm")
    moto_auth(aws, "0")
    try:
        # What ECS does at task start: GetParameters on the task definition's parameter.
        own = as_the_role.get_parameters(Names=[OWN], WithDecryption=True)
        assert [p["Name"] for p in own["Parameters"]] == [OWN]
        with pytest.raises(ClientError) as denied:
            as_the_role.get_parameters(Names=[OTHER], WithDecryption=True)
        assert_denied(denied.value, "ssm:GetParameters")
        with pytest.raises(ClientError) as denied:
            as_the_role.put_parameter(Name=OWN, Value="x", Type="SecureString", Overwrite=True)
        assert_denied(denied.value, "ssm:PutParameter")
    finally:
        moto_auth(aws, "inf")


def test_a_secret_value_appears_only_in_the_parameter_that_stores_it(
    deployable, aws, monkeypatch, capsys, tmp_path
):
    requests: list[tuple[str, str]] = []

    def record(request, event_name, **kwargs):
        body = request.body or b""
        requests.append(
            (event_name, body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))
        )
        requests.append((event_name, request.url + " " + json.dumps(dict(request.headers), default=str)))

    original_client = Aws.client

    def client_with_hook(self, service):
        fresh = service not in self._clients
        client = original_client(self, service)
        if fresh:
            client.meta.events.register("before-send", record)
        return client

    monkeypatch.setattr(Aws, "client", client_with_hook)
    monkeypatch.chdir(tmp_path)  # the settings fixture's deploy.toml
    canary = "canary-" + secrets.token_hex(16)
    outputs = []

    def cli(*argv: str, stdin: str = "") -> int:
        code, out, err = run(monkeypatch, capsys, list(argv), stdin=stdin)
        outputs.append(out + err)
        return code

    assert cli("secret", "set", "API_TOKEN", stdin=canary + "\n") == 0
    assert (
        cli("--debug", "secret", "set", "API_TOKEN", stdin=canary * 200) == 2
    )  # too big: refused, traceback
    assert cli("secret", "list") == 0 and cli("secret", "list", "--json") == 0
    assert cli("--debug", "secret", "rm", "NOPE", "--yes") == 2
    deploy_site(deployable)
    outputs.append("".join(capsys.readouterr()))
    assert cli("--debug", "secret", "set", "API_TOKEN", stdin=canary + "-2") == 0

    for output in outputs:
        assert canary not in output
    assert outputs[1].count("Traceback") == 1  # --debug did print one, without the value
    writes = [body for event, body in requests if event == "before-send.ssm.PutParameter" and canary in body]
    assert len(writes) == 2  # the two `secret set`s: the capture sees the value where it must be
    others = [
        (event, body)
        for event, body in requests
        if canary in body and event != "before-send.ssm.PutParameter"
    ]
    assert others == []
    assert any(event.startswith("before-send.cloudformation.") for event, _ in requests)

    # The emulator's side: every model moto holds (stacks with their templates and parameters, task
    # definitions, roles, logs), serialized; only Parameter Store's parameter may hold the value.
    with urllib.request.urlopen(f"{aws}/moto-api/data.json", timeout=30) as response:
        state = json.loads(response.read())
    parameters = state.pop("ssm")
    assert canary in json.dumps(parameters)
    assert canary not in json.dumps(state)
    # …and the dump does hold what the value must not reach: the stacks' templates and parameters, the
    # registered task definition with its secret references.
    stacks = json.dumps(state["cloudformation"]["Stack"])
    assert "APP_SECRETS_JSON" in stacks and "AppSettings" in stacks
    assert "APP_SECRETS_JSON" in json.dumps(state["ecs"]["TaskDefinition"])
