"""AWS answers that go wrong become one-line errors: throttling after botocore's own retries, access
denied, and answers botocore cannot read. A small HTTP server on 127.0.0.1 plays AWS's endpoint, so
botocore's real parsers and its standard retry mode run; its retry sleeps are recorded, not slept."""

from __future__ import annotations

import http.server
import threading
from collections import deque

import boto3
import botocore.endpoint
import pytest

from fargate_deploy.aws import CLIENT_CONFIG, Aws
from fargate_deploy.errors import AccessDenied, AwsError
from tests.deployer.conftest import stubbed_aws

CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
THROTTLED = (
    400,
    f'<ErrorResponse xmlns="{CFN_NS}"><Error><Type>Sender</Type><Code>Throttling</Code>'
    "<Message>Rate exceeded</Message></Error><RequestId>5d1c0b2a</RequestId></ErrorResponse>",
)
STACK = (
    200,
    f'<DescribeStacksResponse xmlns="{CFN_NS}"><DescribeStacksResult><Stacks><member>'
    "<StackName>flaskcom-prod</StackName>"
    "<StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/flaskcom-prod/0f1e2d3c</StackId>"
    "<StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-11-24T10:00:00Z</CreationTime>"
    "</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>6e2d</RequestId>"
    "</ResponseMetadata></DescribeStacksResponse>",
)
# What a captive portal or a broken proxy answers instead of AWS.
PORTAL = (200, "<html><body>Please sign in to the hotel Wi-Fi</body></html>")
NOT_XML = (200, "Service Unavailable {maintenance}")


class FakeEndpoint:
    """Answers each request with the next (status, body) queued; records the request count."""

    def __init__(self):
        self.answers: deque[tuple[int, str]] = deque()
        self.requests = 0
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                endpoint.requests += 1
                status, body = endpoint.answers.popleft()
                data = body.encode()
                self.send_response(status)
                self.send_header("content-type", "text/xml")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def aws(self, service: str) -> Aws:
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        aws = Aws(session)
        aws._clients[service] = session.client(service, endpoint_url=self.url, config=CLIENT_CONFIG)
        return aws


class RecordedSleeps:
    """Stands in for the `time` module botocore's endpoint sleeps with between retries."""

    def __init__(self):
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name):
        import time

        return getattr(time, name)


@pytest.fixture
def endpoint(monkeypatch):
    fake = FakeEndpoint()
    fake.thread.start()
    retries = RecordedSleeps()
    monkeypatch.setattr(botocore.endpoint, "time", retries)
    fake.retry_sleeps = retries.sleeps
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    fake.thread.join(timeout=10)


def test_clients_use_botocores_standard_retry_mode():
    aws, _, _ = stubbed_aws()
    client = Aws(aws.session).client("ecs")
    assert client.meta.config.retries["mode"] == "standard"


def test_throttling_is_retried_by_botocore_then_succeeds(endpoint):
    endpoint.answers.extend([THROTTLED, THROTTLED, STACK])
    stack = endpoint.aws("cloudformation").describe_stack("flaskcom-prod")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert endpoint.requests == 3 and len(endpoint.retry_sleeps) == 2  # standard mode: 3 attempts


def test_throttling_that_outlasts_the_retries_is_one_line_with_a_hint(endpoint):
    endpoint.answers.extend([THROTTLED] * 3)
    with pytest.raises(AwsError) as raised:
        endpoint.aws("cloudformation").describe_stack("flaskcom-prod")
    assert raised.value.message == (
        "reading stack flaskcom-prod: Rate exceeded (Throttling); AWS still throttled the calls after "
        "botocore's retries"
    )
    assert raised.value.hint.startswith("wait a minute, then run the command again")


@pytest.mark.parametrize(
    ("answer", "detail"), [(NOT_XML, "Unable to parse response"), (PORTAL, "'DescribeStacksResult'")]
)
def test_an_answer_botocore_cannot_read_is_one_line(endpoint, answer, detail):
    endpoint.answers.extend([answer] * 3)  # botocore may retry a response it could not parse
    with pytest.raises(AwsError) as raised:
        endpoint.aws("cloudformation").describe_stack("flaskcom-prod")
    assert raised.value.message.startswith(
        "reading stack flaskcom-prod: the answer could not be read as the API's"
    )
    assert detail in raised.value.message and "\n" not in raised.value.message
    assert "AWS_ENDPOINT_URL" in raised.value.hint


def test_a_json_api_answering_html_is_one_line_too(endpoint):
    # ECS speaks JSON; botocore reads an HTML page as an empty answer, without the key the API promises.
    endpoint.answers.append(PORTAL)
    with pytest.raises(AwsError, match=r"reading service web: the answer could not be read .*'services'"):
        endpoint.aws("ecs").describe_service("cluster", "web")


def test_access_denied_on_a_describe_call_is_an_error_of_its_own_not_a_missing_thing():
    aws, stubs, _ = stubbed_aws("ecs")
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: "
        "ecs:DescribeServices on resource: arn:aws:ecs:us-east-1:123456789012:service/c/web"
    )
    stubs["ecs"].add_client_error("describe_services", "AccessDeniedException", message, http_status_code=400)
    with stubs["ecs"], pytest.raises(AccessDenied) as raised:
        aws.describe_service("c", "web")
    assert raised.value.message == f"reading service web: {message} (AccessDeniedException)"
    assert raised.value.hint.startswith("the AWS identity in use lacks this permission")
