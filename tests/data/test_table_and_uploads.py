"""The sample site's table and uploads (issue 16) through its own code path, against moto, as the task
role of cloudformation/service.yaml: the visit counter in the table, an upload in the bucket, and
nothing else the role may touch."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.secrets import moto_secrets
from tests.secrets.test_deployed import assert_denied, moto_auth
from tests.templates.render import PSEUDO, SERVICE, load, render
from tests.templates.test_ci_role import substitute

from . import moto_dynamodb

TABLE, OTHER_TABLE = "flaskcom-test-AppTable-1A2B", "flaskcom-test-other"
BUCKET, OTHER_BUCKET = "flaskcom-test-uploadsbucket-1a2b", "flaskcom-test-other-bucket"
TOKEN = "upload-token"


@pytest.fixture
def role_session(aws, monkeypatch):
    """Table and bucket (and two the role must not reach), the task role from the rendered template,
    and this process's AWS credentials switched to that role's, with moto checking every request."""
    moto_dynamodb.patch(monkeypatch)
    moto_secrets.patch(monkeypatch)  # roles' inline policies kept as JSON text, as IAM does
    admin = boto3.session.Session()
    for table in (TABLE, OTHER_TABLE):
        admin.client("dynamodb").create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    for bucket in (BUCKET, OTHER_BUCKET):
        admin.client("s3").create_bucket(Bucket=bucket)
    site = render(
        load(SERVICE),
        BaseStackName="flaskcom-test",
        ImageTag="abc1234",
        TaskSubnets="subnet-0a1b2c3d,subnet-4e5f6a7b",
        TaskAssignPublicIp="ENABLED",
        TableName=TABLE,
        UploadsBucket=BUCKET,
    )
    role = site.properties("TaskRole")
    iam = admin.client("iam")
    trust = substitute(role["AssumeRolePolicyDocument"], PSEUDO)
    arn = iam.create_role(RoleName="task-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for policy in role["Policies"]:
        document = substitute(policy["PolicyDocument"], {**PSEUDO, **site.parameters})
        iam.put_role_policy(
            RoleName="task-role", PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document)
        )
    credentials = admin.client("sts").assume_role(RoleArn=arn, RoleSessionName="task")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    # The sample's boto3.client() calls use boto3's default session, which keeps the credentials it
    # found first: an earlier test's would be used instead of the role's (InvalidClientTokenId).
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    moto_auth(aws, "0")
    yield boto3.session.Session()
    moto_auth(aws, "inf")


def sample_app():
    from flasksite import create_app

    return create_app(
        {
            "APP_ENV": "local",
            "TABLE_NAME": TABLE,
            "UPLOADS_BUCKET": BUCKET,
            "API_TOKEN": TOKEN,
            "TESTING": True,
        }
    )


# One test for the three parts: after moto's reset between tests, S3 in moto 5.2 refused a second
# test's freshly assumed role as an unknown key (InvalidAccessKeyId) where DynamoDB accepted it.
def test_as_the_task_role_the_sample_counts_in_its_table_stores_in_its_bucket_and_reaches_nothing_else(
    role_session,
):
    the_visit_counter_counts_every_visitor_in_the_table()
    an_upload_goes_into_the_bucket_and_comes_back_through_the_app(role_session)
    the_task_role_reaches_its_table_and_bucket_only(role_session)


def the_visit_counter_counts_every_visitor_in_the_table():
    app = sample_app()
    first, second = app.test_client(), app.test_client()
    assert [first.get("/visits").get_json()["total"] for _ in range(3)] == [1, 2, 3]
    answer = second.get("/visits").get_json()
    assert (answer["visits"], answer["total"], answer["store"]) == (1, 4, "dynamodb")
    # The count is the table's, not the process's: another app instance (another task) sees it.
    assert sample_app().test_client().get("/visits").get_json()["total"] == 5


def an_upload_goes_into_the_bucket_and_comes_back_through_the_app(role_session):
    client = sample_app().test_client()
    refused = client.post("/uploads", data=b"hello", content_type="text/plain")
    assert refused.status_code == 403
    stored = client.post(
        "/uploads", data=b"hello", content_type="text/plain", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert stored.status_code == 201
    key = stored.get_json()["key"]
    again = client.get(f"/uploads/{key}")
    assert (again.status_code, again.data, again.content_type) == (200, b"hello", "text/plain")
    assert again.headers["Cache-Control"] == "private, no-store"
    assert client.get("/uploads/uploads/missing").status_code == 404
    listed = role_session.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [o["Key"] for o in listed] == [key]


def the_task_role_reaches_its_table_and_bucket_only(role_session):
    dynamodb, s3 = role_session.client("dynamodb"), role_session.client("s3")
    with pytest.raises(ClientError) as denied:
        dynamodb.put_item(TableName=OTHER_TABLE, Item={"pk": {"S": "x"}})
    assert_denied(denied.value, "dynamodb:PutItem")
    with pytest.raises(ClientError) as denied:
        dynamodb.delete_table(TableName=TABLE)  # its own table's data, never the table itself
    assert_denied(denied.value, "dynamodb:DeleteTable")
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=OTHER_BUCKET, Key="x", Body=b"x")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as denied:
        s3.delete_bucket(Bucket=BUCKET)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_without_stores_the_sample_counts_in_the_session_only(aws):
    from flasksite import create_app

    answer = create_app({"APP_ENV": "local", "TESTING": True}).test_client().get("/visits").get_json()
    assert (answer["visits"], answer["total"], answer["store"]) == (1, None, None)
    assert create_app({"APP_ENV": "local"}).test_client().post("/uploads", data=b"x").status_code == 404
