"""status and the database (issue 16): the cluster's state and its capacity now, paused at 0 ACUs."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from fargate_deploy import operations
from fargate_deploy.aws import Aws
from fargate_deploy.workflows.operate import database_state

CLUSTER = {
    "DBClusterIdentifier": "flaskcom-prod-databasecluster-1a2b",
    "Status": "available",
    "ServerlessV2ScalingConfiguration": {
        "MinCapacity": 0.0,
        "MaxCapacity": 2.0,
        "SecondsUntilAutoPause": 300,
    },
}


@pytest.mark.parametrize(
    ("capacity", "expected"),
    [
        (
            0.0,
            "available, paused (0 ACU: only storage is billed; the next connection wakes it in about 15 s)"
            ", 0–2 ACU",
        ),
        (1.5, "available, running at 1.5 ACU, 0–2 ACU"),
        (None, "available, capacity not reported in the last 10 minutes, 0–2 ACU"),
    ],
)
def test_the_status_line_says_paused_or_the_capacity(capacity, expected):
    state = operations.database_state(CLUSTER, capacity)
    assert operations.database_line(state) == f"database flaskcom-prod-databasecluster-1a2b: {expected}"
    assert state.paused is (capacity == 0)


def test_no_cluster_no_line():
    assert operations.database_state(None, None) is None


def test_from_rds_and_cloudwatch_through_the_emulator(aws):
    session = boto3.session.Session()
    rds = session.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="flaskcom-prod-databasecluster-1a2b",
        Engine="aurora-postgresql",
        EngineVersion="17.9",
        MasterUsername="flaskcom",
        ManageMasterUserPassword=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 2, "SecondsUntilAutoPause": 300},
    )
    session.client("cloudwatch").put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ServerlessDatabaseCapacity",
                "Dimensions": [
                    {"Name": "DBClusterIdentifier", "Value": "flaskcom-prod-databasecluster-1a2b"}
                ],
                "Timestamp": datetime.now(UTC),
                "Value": 0.0,
            }
        ],
    )
    state = database_state(Aws(session), {"DatabaseClusterId": "flaskcom-prod-databasecluster-1a2b"})
    assert (state.cluster, state.capacity, state.paused) == ("flaskcom-prod-databasecluster-1a2b", 0.0, True)
    assert state.status == "available"
    assert database_state(Aws(session), {}) is None  # no database in the base stack: no line
    assert Aws(session).db_cluster("gone") is None
