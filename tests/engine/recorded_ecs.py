"""Answers of ECS's service deployment API and of DescribeServices/DescribeTasks, shaped like the real
API (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html,
API_ListServiceDeployments.html, API_DescribeServiceRevisions.html). moto does not model the service
deployment API, so the follower's tests answer with botocore's Stubber, which checks each answer
against botocore's model of the real API. The rules read the structured fields (status, alarms,
circuit breaker counts, task definitions, times); the reason sentences are examples of ECS's kind.
"""

from __future__ import annotations

import datetime

from tests.engine.recorded import ACCOUNT, START

REGION = "us-east-1"
CLUSTER = "flaskcom-prod-Cluster-AbC123"
SERVICE = "flaskcom-prod-www-Service-XyZ789"
PREFIX = f"arn:aws:ecs:{REGION}:{ACCOUNT}"
SERVICE_ARN = f"{PREFIX}:service/{CLUSTER}/{SERVICE}"
CLUSTER_ARN = f"{PREFIX}:cluster/{CLUSTER}"
OLD_TASK_DEFINITION = f"{PREFIX}:task-definition/flaskcom-prod-www:6"
TASK_DEFINITION = f"{PREFIX}:task-definition/flaskcom-prod-www:7"
OTHER_TASK_DEFINITION = f"{PREFIX}:task-definition/flaskcom-prod-www:8"
ALARM_5XX = "flaskcom-prod-www-Target5xxAlarm-1A2B3C4D5E6F"
ALARM_UNHEALTHY = "flaskcom-prod-www-UnhealthyHostsAlarm-6F5E4D3C2B1A"


def at(seconds: float) -> datetime.datetime:
    return START + datetime.timedelta(seconds=seconds)


def deployment_arn(name: str) -> str:
    return f"{PREFIX}:service-deployment/{CLUSTER}/{SERVICE}/{name}"


def revision_arn(number: int) -> str:
    return f"{PREFIX}:service-revision/{CLUSTER}/{SERVICE}/{number}"


OURS = deployment_arn("NCWGC2ZR-taawPAYrIaU5")
THEIRS = deployment_arn("r9i43YFjvgF_xlg7m2eJ1r")
EARLIER = deployment_arn("tjxth6Tkk4Ani2lCxst11")
OLD_REVISION = revision_arn(4980306466373577095)
OUR_REVISION = revision_arn(4980306466373577211)
THEIR_REVISION = revision_arn(4980306466373577302)
REVISION_TASK_DEFINITIONS = {
    OLD_REVISION: OLD_TASK_DEFINITION,
    OUR_REVISION: TASK_DEFINITION,
    THEIR_REVISION: OTHER_TASK_DEFINITION,
}


def brief(arn: str, revision: str, created: float, status: str = "IN_PROGRESS") -> dict:
    """An item of ListServiceDeployments' serviceDeployments."""
    return {
        "serviceDeploymentArn": arn,
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "startedAt": at(created + 1),
        "createdAt": at(created),
        "targetServiceRevisionArn": revision,
        "status": status,
    }


def revisions(*arns: str) -> dict:
    """DescribeServiceRevisions' answer."""
    return {
        "serviceRevisions": [
            {
                "serviceRevisionArn": arn,
                "serviceArn": SERVICE_ARN,
                "clusterArn": CLUSTER_ARN,
                "taskDefinition": REVISION_TASK_DEFINITIONS[arn],
                "launchType": "FARGATE",
                "platformVersion": "1.4.0",
                "createdAt": at(5),
            }
            for arn in arns
        ],
        "failures": [],
    }


def described(
    status: str,
    *,
    running: int = 0,
    pending: int = 0,
    arn: str = OURS,
    revision: str = OUR_REVISION,
    created: float = 10,
    reason: str = "",
    rollback_reason: str = "",
    triggered: tuple[str, ...] = (),
    breaker_failures: int = 0,
    breaker_status: str = "MONITORING",
) -> dict:
    """DescribeServiceDeployments' answer for one deployment."""
    deployment = {
        "serviceDeploymentArn": arn,
        "serviceArn": SERVICE_ARN,
        "clusterArn": CLUSTER_ARN,
        "createdAt": at(created),
        "startedAt": at(created + 1),
        "updatedAt": at(created + 60),
        "sourceServiceRevisions": [
            {"arn": OLD_REVISION, "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0}
        ],
        "targetServiceRevision": {
            "arn": revision,
            "requestedTaskCount": 2,
            "runningTaskCount": running,
            "pendingTaskCount": pending,
        },
        "status": status,
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "alarms": {"alarmNames": [ALARM_5XX, ALARM_UNHEALTHY], "enable": True, "rollback": True},
            "strategy": "ROLLING",
        },
        "deploymentCircuitBreaker": {
            "status": breaker_status,
            "failureCount": breaker_failures,
            "threshold": 3,
        },
        "alarms": {
            "status": "TRIGGERED" if triggered else "MONITORING",
            "alarmNames": [ALARM_5XX, ALARM_UNHEALTHY],
            "triggeredAlarmNames": list(triggered),
        },
    }
    if reason:
        deployment["statusReason"] = reason
    if rollback_reason:
        deployment["rollback"] = {
            "reason": rollback_reason,
            "startedAt": at(created + 300),
            "serviceRevisionArn": OLD_REVISION,
        }
    if status in ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"):
        deployment["finishedAt"] = at(created + 600)
    return {"serviceDeployments": [deployment], "failures": []}


def service(events: list[tuple[float, str]]) -> dict:
    """DescribeServices' answer with `events` (seconds after START, message), listed newest first."""
    return {
        "services": [
            {
                "serviceArn": SERVICE_ARN,
                "serviceName": SERVICE,
                "clusterArn": CLUSTER_ARN,
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": 2,
                "pendingCount": 0,
                "deployments": [
                    {
                        "id": "ecs-svc/1234567890123456789",
                        "status": "PRIMARY",
                        "taskDefinition": OLD_TASK_DEFINITION,
                        "desiredCount": 2,
                        "runningCount": 2,
                        "pendingCount": 0,
                        "failedTasks": 0,
                        "createdAt": at(900),
                        "rolloutState": "COMPLETED",
                    },
                    {
                        "id": "ecs-svc/9876543210987654321",
                        "status": "INACTIVE",
                        "taskDefinition": TASK_DEFINITION,
                        "desiredCount": 0,
                        "runningCount": 0,
                        "pendingCount": 0,
                        "failedTasks": 2,
                        "createdAt": at(10),
                        "rolloutState": "FAILED",
                    },
                ],
                "events": [
                    {"id": f"e{n}", "createdAt": at(seconds), "message": f"(service {SERVICE}) {message}"}
                    for n, (seconds, message) in sorted(enumerate(events), key=lambda e: -e[1][0])
                ],
            }
        ],
        "failures": [],
    }


def task(
    number: int, task_definition: str, started_by: str, created: float, reason: str, exit_code: int | None
):
    container = {"name": "web", "lastStatus": "STOPPED"}
    if exit_code is not None:
        container["exitCode"] = exit_code
    return {
        "taskArn": f"{PREFIX}:task/{CLUSTER}/5f3c1b2e9a0d4c8b{number:04d}",
        "taskDefinitionArn": task_definition,
        "startedBy": started_by,
        "createdAt": at(created),
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "stopCode": "TaskFailedToStart" if exit_code is None else "EssentialContainerExited",
        "stoppedReason": reason,
        "containers": [container],
    }
