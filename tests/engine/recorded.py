"""Recorded CloudFormation event streams, shaped like describe_stack_events' StackEvents.

Each stream is written oldest first, as CloudFormation wrote it, with the fields and wording
CloudFormation uses (resource handler messages, cancellations, an embedded stack's summary, ECS's
eventual consistency check); `api_order` returns it newest first, as the API pages it. moto writes
no per-resource events, so the follower's rules are tested over these.
"""

from __future__ import annotations

import datetime
import uuid

ACCOUNT = "123456789012"
START = datetime.datetime(2026, 11, 24, 10, 0, 0, tzinfo=datetime.UTC)
STACK_TYPE = "AWS::CloudFormation::Stack"


def stack_id(name: str) -> str:
    return f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{name}/{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def stream(stack: str, rows: list[tuple]) -> list[dict]:
    """(seconds after START, logical id, type, status[, reason]) rows → events, oldest first."""
    events = []
    for n, (seconds, logical_id, resource_type, status, *reason) in enumerate(rows):
        when = START + datetime.timedelta(seconds=seconds, milliseconds=n)
        # CloudFormation's ids: a UUID for the stack's own events, "<logical id>-<status>-<time>" else.
        if logical_id == stack:
            event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stack}/{n}"))
        else:
            event_id = f"{logical_id}-{status}-{when.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z"
        event = {
            "StackId": stack_id(stack),
            "EventId": event_id,
            "StackName": stack,
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": stack_id(stack) if logical_id == stack else f"{stack}-{logical_id}-Phys",
            "ResourceType": resource_type,
            "Timestamp": when,
            "ResourceStatus": status,
            "ClientRequestToken": "deploy-py-0a1b2c3d4e5f",
        }
        if reason:
            event["ResourceStatusReason"] = reason[0]
        events.append(event)
    return events


def api_order(events: list[dict]) -> list[dict]:
    return list(reversed(events))


SERVICE_STACK = "flaskcom-prod-www"
BASE_STACK = "flaskcom-prod"

CIRCUIT_BREAKER_REASON = (
    "Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker "
    "was triggered'.\" (RequestToken: 5f1c0d2e-7a8b-4c9d-9e0f-1a2b3c4d5e6f, HandlerErrorCode: "
    "GeneralServiceException)"
)

# A new image tag whose tasks never pass the health check: ECS's circuit breaker stops the deployment,
# CloudFormation rolls the stack back to the previous task definition.
SERVICE_UPDATE_ROLLED_BACK = stream(
    SERVICE_STACK,
    [
        (0, SERVICE_STACK, STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated"),
        (
            3,
            "TaskDefinition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_IN_PROGRESS",
            "Requested update requires the creation of a new physical resource; hence creating one.",
        ),
        (
            4,
            "TaskDefinition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_IN_PROGRESS",
            "Resource creation Initiated",
        ),
        (5, "TaskDefinition", "AWS::ECS::TaskDefinition", "UPDATE_COMPLETE"),
        (8, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS"),
        (70, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS", "Eventual consistency check initiated"),
        (610, "Service", "AWS::ECS::Service", "UPDATE_FAILED", CIRCUIT_BREAKER_REASON),
        (
            611,
            SERVICE_STACK,
            STACK_TYPE,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to update: [Service]. ",
        ),
        (615, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS"),
        (680, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS", "Eventual consistency check initiated"),
        (900, "Service", "AWS::ECS::Service", "UPDATE_COMPLETE"),
        (902, SERVICE_STACK, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
        (903, "TaskDefinition", "AWS::ECS::TaskDefinition", "DELETE_IN_PROGRESS"),
        (904, "TaskDefinition", "AWS::ECS::TaskDefinition", "DELETE_COMPLETE"),
        (905, SERVICE_STACK, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE"),
    ],
)

REPOSITORY_REASON = (
    "Resource handler returned message: \"Invalid parameter at 'repositoryName' failed to satisfy "
    "constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+"
    "(?:[._-][a-z0-9]+)*''\" (RequestToken: 9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b, HandlerErrorCode: "
    "InvalidRequest)"
)

# A first create where one resource fails: CloudFormation cancels the others still being created,
# then rolls back (deletes) what it made.
BASE_CREATE_ROLLED_BACK = stream(
    BASE_STACK,
    [
        (0, BASE_STACK, STACK_TYPE, "CREATE_IN_PROGRESS", "User Initiated"),
        (2, "Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS"),
        (3, "Repository", "AWS::ECR::Repository", "CREATE_IN_PROGRESS"),
        (3, "Certificate", "AWS::CertificateManager::Certificate", "CREATE_IN_PROGRESS"),
        (4, "Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS", "Resource creation Initiated"),
        (
            5,
            "Certificate",
            "AWS::CertificateManager::Certificate",
            "CREATE_IN_PROGRESS",
            "Resource creation Initiated",
        ),
        (6, "Repository", "AWS::ECR::Repository", "CREATE_FAILED", REPOSITORY_REASON),
        (16, "Vpc", "AWS::EC2::VPC", "CREATE_COMPLETE"),
        (
            17,
            "Certificate",
            "AWS::CertificateManager::Certificate",
            "CREATE_FAILED",
            "Resource creation cancelled",
        ),
        (
            18,
            BASE_STACK,
            STACK_TYPE,
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Certificate, Repository]. "
            "Rollback requested by user.",
        ),
        (19, "Certificate", "AWS::CertificateManager::Certificate", "DELETE_IN_PROGRESS"),
        (20, "Vpc", "AWS::EC2::VPC", "DELETE_IN_PROGRESS"),
        (21, "Repository", "AWS::ECR::Repository", "DELETE_COMPLETE"),
        (22, "Certificate", "AWS::CertificateManager::Certificate", "DELETE_COMPLETE"),
        (30, "Vpc", "AWS::EC2::VPC", "DELETE_COMPLETE"),
        (31, BASE_STACK, STACK_TYPE, "ROLLBACK_COMPLETE"),
    ],
)

EMBEDDED_REASON = (
    f"Embedded stack {stack_id('flaskcom-prod-EdgeCertificate-1Q2W3E4R5T6Y')} was not successfully created: "
    "The following resource(s) failed to create: [Certificate]. "
)

# A nested stack fails: the parent's event for it carries the embedded stack's own summary.
NESTED_STACK_FAILED = stream(
    BASE_STACK,
    [
        (0, BASE_STACK, STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated"),
        (2, "EdgeCertificate", STACK_TYPE, "CREATE_IN_PROGRESS"),
        (3, "EdgeCertificate", STACK_TYPE, "CREATE_IN_PROGRESS", "Resource creation Initiated"),
        (190, "EdgeCertificate", STACK_TYPE, "CREATE_FAILED", EMBEDDED_REASON),
        (
            191,
            BASE_STACK,
            STACK_TYPE,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [EdgeCertificate]. ",
        ),
        (192, "EdgeCertificate", STACK_TYPE, "DELETE_IN_PROGRESS"),
        (240, "EdgeCertificate", STACK_TYPE, "DELETE_COMPLETE"),
        (241, BASE_STACK, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE"),
    ],
)

ROLLBACK_UPDATE_REASON = (
    'Resource handler returned message: "Invalid request provided: UpdateService error: TaskDefinition is '
    'inactive (Service: Ecs, Status Code: 400, Request ID: 4d3c2b1a-0f9e-8d7c-6b5a-4f3e2d1c0b9a)" '
    "(RequestToken: 0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f, HandlerErrorCode: InvalidRequest)"
)

# The update fails, and so does its rollback: the stack is stuck until someone continues it.
SERVICE_ROLLBACK_FAILED = stream(
    SERVICE_STACK,
    [
        (0, SERVICE_STACK, STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated"),
        (8, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS"),
        (600, "Service", "AWS::ECS::Service", "UPDATE_FAILED", CIRCUIT_BREAKER_REASON),
        (
            601,
            SERVICE_STACK,
            STACK_TYPE,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to update: [Service]. ",
        ),
        (603, "Service", "AWS::ECS::Service", "UPDATE_FAILED", ROLLBACK_UPDATE_REASON),
        (
            604,
            SERVICE_STACK,
            STACK_TYPE,
            "UPDATE_ROLLBACK_FAILED",
            "The following resource(s) failed to update: [Service]. ",
        ),
    ],
)

DEPENDENT_OBJECT_REASON = (
    "resource sg-0a1b2c3d4e5f67890 has a dependent object (Service: Ec2, Status Code: 400, "
    "Request ID: 7f6e5d4c-3b2a-1908-f7e6-d5c4b3a29180)"
)

# A delete that a resource outside the stack blocks (an ENI still in the security group).
BASE_DELETE_FAILED = stream(
    BASE_STACK,
    [
        (0, BASE_STACK, STACK_TYPE, "DELETE_IN_PROGRESS", "User Initiated"),
        (2, "HttpsListener", "AWS::ElasticLoadBalancingV2::Listener", "DELETE_IN_PROGRESS"),
        (3, "HttpsListener", "AWS::ElasticLoadBalancingV2::Listener", "DELETE_COMPLETE"),
        (4, "LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup", "DELETE_IN_PROGRESS"),
        (
            900,
            "LoadBalancerSecurityGroup",
            "AWS::EC2::SecurityGroup",
            "DELETE_FAILED",
            DEPENDENT_OBJECT_REASON,
        ),
        (
            901,
            BASE_STACK,
            STACK_TYPE,
            "DELETE_FAILED",
            "The following resource(s) failed to delete: [LoadBalancerSecurityGroup]. ",
        ),
    ],
)

# An image change that goes well.
SERVICE_UPDATE_COMPLETE = stream(
    SERVICE_STACK,
    [
        (0, SERVICE_STACK, STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated"),
        (
            3,
            "TaskDefinition",
            "AWS::ECS::TaskDefinition",
            "UPDATE_IN_PROGRESS",
            "Requested update requires the creation of a new physical resource; hence creating one.",
        ),
        (5, "TaskDefinition", "AWS::ECS::TaskDefinition", "UPDATE_COMPLETE"),
        (8, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS"),
        (70, "Service", "AWS::ECS::Service", "UPDATE_IN_PROGRESS", "Eventual consistency check initiated"),
        (200, "Service", "AWS::ECS::Service", "UPDATE_COMPLETE"),
        (202, SERVICE_STACK, STACK_TYPE, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
        (203, "TaskDefinition", "AWS::ECS::TaskDefinition", "DELETE_IN_PROGRESS"),
        (204, "TaskDefinition", "AWS::ECS::TaskDefinition", "DELETE_COMPLETE"),
        (205, SERVICE_STACK, STACK_TYPE, "UPDATE_COMPLETE"),
    ],
)
