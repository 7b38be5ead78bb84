"""Where moto 5.2 differs from AWS for the table's permissions, fixed in the test process's moto server.

DynamoDB's actions are authorized against the table's ARN ("arn:aws:dynamodb:region:account:table/name",
Using identity-based policies with Amazon DynamoDB:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html).
With authorization on, moto checks every DynamoDB action against the resource "*", so a policy scoped
to one table (the task role's) is refused for every table, and a test could not tell a scoped policy
from a broken one. Here the resource is the request's table, as in AWS. (S3 needs no fix: moto already
authorizes object requests against arn:aws:s3:::bucket/key.)
"""

from __future__ import annotations

import pytest
from moto.dynamodb.responses import DynamoHandler


def _table_arn(self) -> str:
    table = (getattr(self, "params", None) or {}).get("TableName")
    if not table:
        return "*"
    return f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"


def patch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoHandler, "_determine_resource", _table_arn, raising=False)
