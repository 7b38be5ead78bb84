"""Data stores (issue 16) through the deployer against moto: `resources` creates the table and the
uploads bucket in the base stack, and `service` passes their names to the site from the base stack's
outputs, so its tasks get TABLE_NAME and UPLOADS_BUCKET. (moto's CloudFormation has no model of an
Aurora Serverless v2 cluster's MasterUserSecret, so the database's outputs are rendered, not
deployed, here: tests/templates/test_data_stores.py.)"""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from .conftest import make_deployer, put_image


# moto's CloudFormation skips what it does not model (the site's alarms and autoscaling) with a
# warning; they are not what this test is about (tests/templates renders them).
@pytest.mark.filterwarnings("ignore:Tried to parse")
def test_the_table_and_bucket_reach_the_site_as_parameters_and_variables(aws, settings, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    settings = dataclasses.replace(settings, table=True, table_sort_key="at:N", uploads=True)
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    table, bucket = base.outputs["TableName"], base.outputs["UploadsBucket"]
    session = boto3.session.Session()
    described = session.client("dynamodb").describe_table(TableName=table)["Table"]
    assert [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]] == [
        ("pk", "HASH"),
        ("at", "RANGE"),
    ]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    session.client("s3").head_bucket(Bucket=bucket)

    put_image(base.outputs["RepositoryName"], "abc1234")
    deployer.deploy_service("abc1234")
    stack = session.client("cloudformation").describe_stacks(StackName="flaskcom-test-www")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert (params["TableName"], params["UploadsBucket"], params["DatabaseSecretArn"]) == (table, bucket, "")
    definition = session.client("ecs").describe_task_definition(
        taskDefinition=stack["Outputs"][
            [o["OutputKey"] for o in stack["Outputs"]].index("TaskDefinitionArn")
        ]["OutputValue"]
    )["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert (environment["TABLE_NAME"], environment["UPLOADS_BUCKET"]) == (table, bucket)
    assert "PGHOST" not in environment
