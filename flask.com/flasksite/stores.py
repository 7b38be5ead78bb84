"""Where the sample keeps a site-wide visit counter and uploads (issue 16), chosen by the environment
the stacks (and `deploy.py local`) give the app; with none of them it keeps only the per-visitor count in
the session cookie.

DATABASE_URL  the base stack's PostgreSQL (database = "postgres"): a `counters` row, through
              Flask-SQLAlchemy, its table created by the migration in flask.com/migrations
              (`flask --app flasksite db upgrade`, the release command). With DATABASE_SECRET_ARN
              (the RDS-managed secret, on Fargate) a refused connection re-reads the password
              from it, so a rotation costs no failed request (models.py).
TABLE_NAME    the base stack's DynamoDB table (table = true): one item, key pk = "counter#visits"
              (the sample assumes the default partition key "pk", a string, and no sort key).
UPLOADS_BUCKET  the base stack's private bucket (uploads = true): POST /uploads stores a body there.

The database and table drivers come with requirements = "flask.com/requirements-stores.txt"; a store
named in the environment without its driver installed stops start-up with one line saying so.
"""

from __future__ import annotations

import os
import uuid

from flask import Flask

COUNTER = "visits"


class StoreError(RuntimeError):
    """A store is configured but cannot be used as configured; the message says what to install or set."""


def _require(module: str, variable: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise StoreError(
            f"{variable} is set but {module.split('.')[0]} is not installed: build the image with "
            'requirements = "flask.com/requirements-stores.txt" in deploy.toml'
        ) from None


class SqlCounter:
    name = "postgres"

    def __init__(self, app: Flask, url: str, secret_arn: str | None = None):
        from . import models

        self.models = models
        models.init_app(app, url)
        if secret_arn:
            _require("boto3", "DATABASE_SECRET_ARN")
            with app.app_context():
                models.follow_password_rotation(models.db.engine, secret_arn)

    def increment(self, counter: str) -> int:
        return self.models.increment(counter)


class TableCounter:
    name = "dynamodb"

    def __init__(self, table_name: str):
        boto3 = _require("boto3", "TABLE_NAME")
        # boto3 reads the region (AWS_REGION on Fargate) and AWS_ENDPOINT_URL (moto, locally) itself.
        self.client = boto3.client("dynamodb")
        self.table_name = table_name

    def increment(self, counter: str) -> int:
        # One atomic ADD: concurrent visits from many tasks never lose a count.
        answer = self.client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"counter#{counter}"}},
            UpdateExpression="ADD #v :one",
            ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["value"]["N"])


class Uploads:
    def __init__(self, bucket: str):
        boto3 = _require("boto3", "UPLOADS_BUCKET")
        self.client = boto3.client("s3")
        self.bucket = bucket

    def save(self, body: bytes, content_type: str) -> str:
        key = f"uploads/{uuid.uuid4().hex}"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return key

    def read(self, key: str) -> tuple[bytes, str] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read(), answer.get("ContentType", "application/octet-stream")


def init_app(app: Flask) -> None:
    """app.extensions["stores"]: {"counter": SqlCounter | TableCounter | None, "uploads": Uploads | None}."""
    url = app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    table = app.config.get("TABLE_NAME") or os.environ.get("TABLE_NAME")
    bucket = app.config.get("UPLOADS_BUCKET") or os.environ.get("UPLOADS_BUCKET")
    secret_arn = app.config.get("DATABASE_SECRET_ARN") or os.environ.get("DATABASE_SECRET_ARN")
    counter = SqlCounter(app, url, secret_arn) if url else TableCounter(table) if table else None
    app.extensions["stores"] = {"counter": counter, "uploads": Uploads(bucket) if bucket else None}
