"""Fixtures shared by every room of the tests: a real moto server on 127.0.0.1."""

from __future__ import annotations

import signal
import urllib.request

import pytest
from moto.cloudformation import parsing
from moto.server import ThreadedMotoServer

from tests import moto_as_aws

REGION = "us-east-1"

# --- signals: the processes tests start get default signal handling ---
# CI may start pytest with SIGINT (or SIGQUIT) ignored, as a background job is; an ignored signal is
# inherited across exec, so every server a test starts would ignore it too. Python's own Ctrl-C
# handler for pytest, the default for the rest (a handler is not inherited: children get SIG_DFL).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
for _signum in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
    if signal.getsignal(_signum) is signal.SIG_IGN:
        signal.signal(_signum, signal.SIG_DFL)


def model_cloudformation_as_aws_does() -> None:
    """Two places where moto 5.2.5 differs from CloudFormation and our templates meet it. We fix
    the emulator (in this process, where the threaded server runs), never the templates."""
    generate_resource_name = parsing.generate_resource_name

    def lower_case_repository_names(resource_type: str, stack_name: str, logical_id: str) -> str:
        # CloudFormation names an unnamed ECR repository in lower case; ECR accepts nothing else.
        name = generate_resource_name(resource_type, stack_name, logical_id)
        return name.lower() if resource_type == "AWS::ECR::Repository" else name

    def exports_of_created_outputs(self) -> list[parsing.Export]:
        # CloudFormation creates (and exports) no output whose Condition is false.
        conditions = self._resource_map.lazy_condition_map
        return [
            parsing.Export(
                self._stack_id,
                parsing.clean_json(output["Export"].get("Name"), self._resource_map),
                parsing.clean_json(output.get("Value"), self._resource_map),
            )
            for output in (self._output_json_map or {}).values()
            if output.get("Export") and ("Condition" not in output or conditions[output["Condition"]])
        ]

    parsing.generate_resource_name = lower_case_repository_names
    parsing.OutputMap.exports = property(exports_of_created_outputs)
    # edge (issue 14): Fn::Cidr, IPv6, dynamic references, CloudFront (tests/moto_edge.py says what).
    import tests.moto_edge  # noqa: F401


@pytest.fixture(scope="session")
def moto_server():
    """One moto server for the session; `aws` resets its state before each test that uses it. The AWS
    rules moto lacks are added to it first (tests/moto_as_aws.py)."""
    model_cloudformation_as_aws_does()
    moto_as_aws.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_server, monkeypatch):
    """Point boto3 (and so the CLI) at the emulator, with throwaway credentials and a clean state."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # Never read the developer's real AWS files during tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return moto_server
