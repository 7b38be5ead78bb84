"""Answers shaped like the real CloudFormation and ECS APIs for the one-off task and restart tests.

moto runs no task to its end: a task it starts stays RUNNING, with no exit code and no stopped reason,
and it does not model ECS's service deployment API. Where a test needs those, ECS answers through
botocore's Stubber, which checks each answer against botocore's model of the API; the task's log is
written to the session's moto server, whose CloudWatch Logs does model GetLogEvents and its tokens.
"""

from __future__ import annotations

import json
import time

import boto3

from fargate_deploy import one_off
from tests.engine import recorded_ecs as ecs

BASE_STACK = "flaskcom-test"
SERVICE_STACK = "flaskcom-test-www"
LOG_GROUP = "flaskcom-test-Logs-AbC123"
TASK_ARN = f"{ecs.PREFIX}:task/{ecs.CLUSTER}/0123456789abcdef0123456789abcdef"
NETWORK = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        "securityGroups": ["sg-0a1b2c3d4e5f60003"],
        "assignPublicIp": "ENABLED",
    }
}
DEPLOY_TOML = 'domain = "example.com"\nenvironment = "test"\n[env]\nGREETING = "hi"\n'


def stack(name: str, outputs: dict[str, str], status: str = "UPDATE_COMPLETE") -> dict:
    return {
        "Stacks": [
            {
                "StackId": f"arn:aws:cloudformation:us-east-1:{ecs.PREFIX.rsplit(':', 1)[-1]}:stack/{name}/1",
                "StackName": name,
                "CreationTime": ecs.at(-86400),
                "StackStatus": status,
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }


def site_service() -> dict:
    """DescribeServices' item for the site's service (on Spot, in two subnets)."""
    return {
        "serviceArn": ecs.SERVICE_ARN,
        "serviceName": ecs.SERVICE,
        "clusterArn": ecs.CLUSTER_ARN,
        "status": "ACTIVE",
        "taskDefinition": ecs.TASK_DEFINITION,
        "platformVersion": "LATEST",
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
        "networkConfiguration": NETWORK,
        "desiredCount": 2,
        "runningCount": 2,
        "pendingCount": 0,
        "deployments": [],
    }


def answer_site(stubs: dict, task_definition: str = ecs.TASK_DEFINITION) -> dict:
    """The calls that find the site's running service: both stacks, then DescribeServices."""
    cfn, ecs_stub = stubs["cloudformation"], stubs["ecs"]
    cfn.add_response(
        "describe_stacks",
        stack(BASE_STACK, {"ClusterName": ecs.CLUSTER, "LogGroupName": LOG_GROUP}),
        {"StackName": BASE_STACK},
    )
    cfn.add_response(
        "describe_stacks", stack(SERVICE_STACK, {"ServiceName": ecs.SERVICE}), {"StackName": SERVICE_STACK}
    )
    service = {**site_service(), "taskDefinition": task_definition}
    ecs_stub.add_response(
        "describe_services",
        {"services": [service], "failures": []},
        {"cluster": ecs.CLUSTER, "services": [ecs.SERVICE]},
    )
    return service


def started(task_arn: str = TASK_ARN, task_definition: str = ecs.TASK_DEFINITION) -> dict:
    """RunTask's answer: one task, PROVISIONING."""
    return {"tasks": [task(task_arn, "PROVISIONING", task_definition)], "failures": []}


def task(task_arn: str, status: str, task_definition: str = ecs.TASK_DEFINITION, **stopped) -> dict:
    container = {"name": "web", "lastStatus": status}
    for key in ("exitCode", "reason"):
        if key in stopped:
            container[key] = stopped.pop(key)
    answer = {
        "taskArn": task_arn,
        "clusterArn": ecs.CLUSTER_ARN,
        "taskDefinitionArn": task_definition,
        "lastStatus": status,
        "desiredStatus": "STOPPED" if status == "STOPPED" else "RUNNING",
        "startedBy": one_off.STARTED_BY_RUN,
        "containers": [container],
        **stopped,
    }
    return answer


def answer_task(stub, status: str, task_arn: str = TASK_ARN, **stopped) -> None:
    stub.add_response(
        "describe_tasks",
        {"tasks": [task(task_arn, status, **stopped)], "failures": []},
        {"cluster": ecs.CLUSTER, "tasks": [task_arn]},
    )


def write_log(lines: list[str], task_arn: str = TASK_ARN, group: str = LOG_GROUP) -> None:
    """Lines of the task's container, as awslogs writes them to the session's moto server."""
    logs = boto3.session.Session().client("logs")
    stream = one_off.log_stream(task_arn)
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    if not logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)["logStreams"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now + n, "message": line} for n, line in enumerate(lines)],
    )


def json_line(message: str) -> str:
    """A line of the container's JSON logging (container/jsonlog.py)."""
    return json.dumps({"level": "info", "logger": "alembic", "message": message})
