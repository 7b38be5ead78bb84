"""The thin effects layer: one method per AWS API call we use, nothing decided here.

Every botocore `ClientError` becomes an `AwsError` that keeps AWS's own message, so the CLI prints
`error: <what we were doing>: <AWS's words>`. Waiting goes through the injected `sleep`/`clock`, so
tests drive time instead of sleeping.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from botocore.parsers import ResponseParserError

from .errors import AccessDenied, AwsError
from .invocation import command
from .waiting import Pace, Waited, wait_for_acceptors

if TYPE_CHECKING:
    from .reporter import Reporter

# botocore's standard retry mode: throttling and transient errors are retried with backoff and a
# retry quota, by botocore, not by us (https://docs.aws.amazon.com/boto3/latest/guide/retries.html).
CLIENT_CONFIG = Config(retries={"mode": "standard"})
# Error codes AWS services use for "slow down" and for "not allowed" (each service names them its way).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    }
)
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def aws_message(error: ClientError) -> str:
    """AWS's own words from a ClientError (code + message), without botocore's wrapping."""
    details = error.response.get("Error", {})
    code = details.get("Code", "")
    message = details.get("Message", "") or str(error)
    return f"{message} ({code})" if code and code not in message else message


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def translated_client_error(doing: str, error: ClientError) -> AwsError:
    """A ClientError as our error, AWS's words kept; throttling and access denied get their own hint."""
    code = error_code(error)
    message = f"{doing}: {aws_message(error)}"
    if code in THROTTLING_CODES:
        return AwsError(
            f"{message}; AWS still throttled the calls after botocore's retries",
            hint="wait a minute, then run the command again (other tools in this account share the quota)",
        )
    if code in ACCESS_DENIED_CODES:
        return AccessDenied(
            message,
            hint="the AWS identity in use lacks this permission: grant it, or use another (AWS_PROFILE)",
        )
    return AwsError(message)


def unreadable_answer(doing: str, error: Exception) -> AwsError:
    """AWS (or something between us and AWS: a proxy, a captive portal) answered what botocore cannot
    read, or without what the API promises."""
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return AwsError(
        f"{doing}: the answer could not be read as the API's response ({detail})",
        hint="run it again; if it persists, check AWS_ENDPOINT_URL and any proxy between you and AWS",
    )


def _translated(doing: str) -> Callable:
    """Decorator: ClientError/BotoCoreError → AwsError('<doing>: <AWS's words>'); an answer botocore
    could not parse (or that lacks a key the API promises) → AwsError saying so."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self: Aws, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except ClientError as error:
                raise translated_client_error(doing.format(*args, **kwargs), error) from error
            except (ResponseParserError, KeyError) as error:
                raise unreadable_answer(doing.format(*args, **kwargs), error) from error
            except WaiterError as error:
                reason = error.last_response.get("StatusReason") if error.last_response else None
                raise AwsError(f"{doing.format(*args, **kwargs)}: {reason or error}") from error
            except BotoCoreError as error:
                raise AwsError(
                    f"{doing.format(*args, **kwargs)}: {error}",
                    hint="check your AWS credentials, region and network (AWS_PROFILE, AWS_REGION)",
                ) from error

        return wrapper

    return decorate


class Aws:
    """A boto3 session with one small method per API call; `sleep`/`clock` injected for waiting."""

    def __init__(
        self,
        session: boto3.session.Session,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        region_name: str | None = None,
    ):
        self.session = session
        self.sleep = sleep
        self.clock = clock
        self.region_name = region_name  # None: the session's region
        self._clients: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> Aws:
        """AWS_PROFILE/AWS_REGION win over deploy.toml; boto3 itself honours AWS_ENDPOINT_URL."""
        profile = os.environ.get("AWS_PROFILE") or getattr(settings, "profile", None) or None
        region = (
            os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or getattr(settings, "region", None)
            or None
        )
        try:
            session = boto3.session.Session(profile_name=profile, region_name=region)
        except BotoCoreError as error:
            raise AwsError(
                f"opening an AWS session: {error}", hint="check AWS_PROFILE or `profile` in deploy.toml"
            ) from error
        return cls(session, **kwargs)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, config=CLIENT_CONFIG, region_name=self.region_name
            )
        return self._clients[service]

    @property
    def region(self) -> str | None:
        return self.region_name or self.session.region_name

    def in_region(self, region: str) -> Aws:
        """The same credentials, clock and sleep, for the calls that must go to another region (the
        edge stack in us-east-1, where CloudFront takes its certificate and web ACL from)."""
        if region == self.region:
            return self
        return Aws(self.session, sleep=self.sleep, clock=self.clock, region_name=region)

    # --- CloudFormation ---

    @_translated("reading stack {0}")
    def describe_stack(self, stack_name: str) -> dict | None:
        """The stack's description, or None when it does not exist."""
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as error:
            if error_code(error) == "ValidationError" and "does not exist" in aws_message(error):
                return None
            raise
        return stacks[0] if stacks else None

    @_translated("creating a change set for stack {stack_name}")
    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        change_set_type: str,
        template_body: str,
        parameters: dict[str, str],
        tags: dict[str, str] | None = None,
        role_arn: str = "",
    ) -> dict:
        # RoleARN: CloudFormation makes the changes as that role, and keeps it for the stack.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
        return self.client("cloudformation").create_change_set(
            StackName=stack_name,
            ChangeSetName=change_set_name,
            ChangeSetType=change_set_type,
            TemplateBody=template_body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            **({"RoleARN": role_arn} if role_arn else {}),
        )

    def wait_change_set_created(self, stack_name: str, change_set_name: str, delay: int = 2) -> None:
        """Wait for the change set; a FAILED one (e.g. "no changes") is returned, not raised."""
        waiter = self.client("cloudformation").get_waiter("change_set_create_complete")
        try:
            waiter.wait(
                StackName=stack_name,
                ChangeSetName=change_set_name,
                WaiterConfig={"Delay": delay, "MaxAttempts": 300},
            )
        except WaiterError as error:
            # FAILED is a normal answer ("didn't contain changes"); the caller reads the status.
            if error.last_response and error.last_response.get("Status") == "FAILED":
                return
            raise AwsError(f"waiting for change set {change_set_name}: {error}") from error
        except ClientError as error:
            raise AwsError(f"waiting for change set {change_set_name}: {aws_message(error)}") from error

    @_translated("reading change set {1}")
    def describe_change_set(self, stack_name: str, change_set_name: str) -> dict:
        """The whole change set, all pages of Changes joined."""
        client = self.client("cloudformation")
        first: dict | None = None
        changes: list[dict] = []
        token = None
        while True:
            kwargs = {"StackName": stack_name, "ChangeSetName": change_set_name}
            if token:
                kwargs["NextToken"] = token
            page = client.describe_change_set(**kwargs)
            first = first or page
            changes.extend(page.get("Changes", []))
            token = page.get("NextToken")
            if not token:
                break
        return {**first, "Changes": changes}

    @_translated("executing change set {1}")
    def execute_change_set(self, stack_name: str, change_set_name: str) -> None:
        self.client("cloudformation").execute_change_set(StackName=stack_name, ChangeSetName=change_set_name)

    @_translated("deleting change set {1}")
    def delete_change_set(self, stack_name: str, change_set_name: str) -> None:
        self.client("cloudformation").delete_change_set(StackName=stack_name, ChangeSetName=change_set_name)

    @_translated("reading events of stack {0}")
    def stack_events(self, stack_name: str, since_event_id: str | None = None) -> list[dict]:
        """Events newer than `since_event_id`, oldest first (the API pages newest first)."""
        paginator = self.client("cloudformation").get_paginator("describe_stack_events")
        newer: list[dict] = []
        for page in paginator.paginate(StackName=stack_name):
            for event in page["StackEvents"]:
                if event["EventId"] == since_event_id:
                    return list(reversed(newer))
                newer.append(event)
        return list(reversed(newer))

    @_translated("reading resources of stack {0}")
    def stack_resources(self, stack_name: str) -> list[dict]:
        return self.client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]

    @_translated("deleting stack {0}")
    def delete_stack(self, stack_name: str) -> None:
        self.client("cloudformation").delete_stack(StackName=stack_name)

    @_translated("turning on termination protection for stack {0}")
    def enable_termination_protection(self, stack_name: str) -> None:
        self.client("cloudformation").update_termination_protection(
            StackName=stack_name, EnableTerminationProtection=True
        )

    # --- sites (issue 11): every site stack of a base stack ---

    @_translated("listing the stacks named {0}*")
    def stacks_named(self, prefix: str) -> list[dict]:
        """Every live stack whose name starts with `prefix`, described (parameters and outputs). ListStacks
        has no resource-level permission; DescribeStacks is asked by name, so a role scoped to the app's
        stacks may make both calls."""
        paginator = self.client("cloudformation").get_paginator("list_stacks")
        names = [
            summary["StackName"]
            for page in paginator.paginate()
            for summary in page["StackSummaries"]
            if summary["StackName"].startswith(prefix) and summary["StackStatus"] != "DELETE_COMPLETE"
        ]
        return [stack for name in sorted(set(names)) if (stack := self.describe_stack(name)) is not None]

    @_translated("reading the rules of listener {0}")
    def listener_rules(self, listener_arn: str) -> list[dict]:
        """DescribeRules, every page (it pages with Marker/NextMarker and has no botocore paginator)."""
        client, rules, marker = self.client("elbv2"), [], None
        while True:
            page = client.describe_rules(ListenerArn=listener_arn, **({"Marker": marker} if marker else {}))
            rules += page.get("Rules", [])
            marker = page.get("NextMarker")
            if not marker:
                return rules

    # --- a brand-new account (issue 11) ---

    @_translated("creating the ECS service-linked role")
    def create_ecs_service_linked_role(self) -> str:
        """ "created", or "exists": IAM refuses a second one with InvalidInput "Service role name
        AWSServiceRoleForECS has been taken in this account"
        (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html)."""
        try:
            self.client("iam").create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
        except ClientError as error:
            if error_code(error) == "InvalidInput" and "has been taken" in aws_message(error):
                return "exists"
            raise
        return "created"

    @_translated("reading the records of hosted zone {0}")
    def zone_record_sets(self, zone_id: str) -> list[dict]:
        paginator = self.client("route53").get_paginator("list_resource_record_sets")
        return [r for page in paginator.paginate(HostedZoneId=zone_id) for r in page["ResourceRecordSets"]]

    # --- Route 53 ---

    @_translated("reading hosted zone {0}")
    def hosted_zone_name_servers(self, zone_id: str) -> list[str]:
        zone = self.client("route53").get_hosted_zone(Id=zone_id)
        return list(zone.get("DelegationSet", {}).get("NameServers", []))

    # --- ECR ---

    @_translated("getting an ECR login token")
    def ecr_authorization_token(self) -> dict:
        return self.client("ecr").get_authorization_token()["authorizationData"][0]

    @_translated("reading images of repository {0}")
    def ecr_images(self, repository: str) -> list[dict]:
        paginator = self.client("ecr").get_paginator("describe_images")
        images: list[dict] = []
        for page in paginator.paginate(repositoryName=repository, filter={"tagStatus": "TAGGED"}):
            images.extend(page["imageDetails"])
        return images

    @_translated("looking for tag {1} in repository {0}")
    def ecr_image_exists(self, repository: str, tag: str) -> bool:
        try:
            found = self.client("ecr").describe_images(
                repositoryName=repository, imageIds=[{"imageTag": tag}]
            )["imageDetails"]
        except ClientError as error:
            if error_code(error) == "ImageNotFoundException":
                return False
            raise
        return bool(found)

    # --- ECS ---

    @_translated("reading service {1}")
    def describe_service(self, cluster: str, service: str) -> dict | None:
        services = self.client("ecs").describe_services(cluster=cluster, services=[service])["services"]
        return services[0] if services else None

    @_translated("listing stopped tasks of service {1}")
    def stopped_task_arns(self, cluster: str, service: str) -> list[str]:
        return self.client("ecs").list_tasks(
            cluster=cluster, serviceName=service, desiredStatus="STOPPED", maxResults=100
        )["taskArns"]

    @_translated("reading tasks in cluster {0}")
    def describe_tasks(self, cluster: str, task_arns: list[str]) -> list[dict]:
        if not task_arns:
            return []
        return self.client("ecs").describe_tasks(cluster=cluster, tasks=task_arns[:100])["tasks"]

    # --- Elastic Load Balancing ---

    @_translated("reading target health of {0}")
    def target_health(self, target_group_arn: str) -> list[dict]:
        return self.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)[
            "TargetHealthDescriptions"
        ]

    # --- operations ---

    @_translated("turning off termination protection for stack {0}")
    def disable_termination_protection(self, stack_name: str) -> None:
        self.client("cloudformation").update_termination_protection(
            StackName=stack_name, EnableTerminationProtection=False
        )

    @_translated("waiting for stack {0} to be deleted")
    def wait_stack_deleted(self, stack_name: str, delay: int = 5) -> None:
        waiter = self.client("cloudformation").get_waiter("stack_delete_complete")
        waiter.wait(StackName=stack_name, WaiterConfig={"Delay": delay, "MaxAttempts": 720})

    @_translated("continuing the rollback of stack {0}")
    def continue_update_rollback(self, stack_name: str) -> None:
        self.client("cloudformation").continue_update_rollback(StackName=stack_name)

    @_translated("listing change sets of stack {0}")
    def list_change_sets(self, stack_name: str) -> list[dict]:
        paginator = self.client("cloudformation").get_paginator("list_change_sets")
        return [s for page in paginator.paginate(StackName=stack_name) for s in page["Summaries"]]

    @_translated("reading task definition {0}")
    def describe_task_definition(self, task_definition: str) -> dict:
        return self.client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]

    @_translated("reading log group {0}")
    def log_events(
        self, log_group: str, start_ms: int, pattern: str | None = None, token: str | None = None
    ) -> tuple[list[dict], str | None]:
        """One page of filter_log_events; the next token (None at the end) lets --follow resume."""
        kwargs: dict[str, Any] = {"logGroupName": log_group, "startTime": start_ms, "interleaved": True}
        if pattern:
            kwargs["filterPattern"] = pattern
        if token:
            kwargs["nextToken"] = token
        page = self.client("logs").filter_log_events(**kwargs)
        return page["events"], page.get("nextToken")

    # --- SSM Parameter Store: the app's secrets (issue 13) ---
    # A SecureString's value crosses these two methods only. AWS's error messages can quote a request
    # value ("Value '…' at 'value' failed to satisfy constraint"), so an error on a write keeps AWS's
    # words with the value cut out, and drops the original exception (and its text) from the chain.

    @_translated("reading parameter {0}")
    def get_secure_parameter(self, name: str) -> dict | None:
        """The parameter with its value decrypted, or None when it does not exist."""
        try:
            return self.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except ClientError as error:
            if error_code(error) == "ParameterNotFound":
                return None
            raise

    def put_secure_parameter(self, name: str, value: str, *, description: str) -> int:
        """Create or overwrite a standard-tier SecureString under the AWS-managed key; its new version."""
        try:
            return self.client("ssm").put_parameter(
                Name=name,
                Value=value,
                Type="SecureString",
                Tier="Standard",
                Overwrite=True,
                Description=description,
            )["Version"]
        except ClientError as error:
            message = aws_message(error).replace(value, "<the value>")
            raise AwsError(f"writing parameter {name}: {message}") from None
        except BotoCoreError as error:
            raise AwsError(
                f"writing parameter {name}: {type(error).__name__}",
                hint="check your AWS credentials, region and network (AWS_PROFILE, AWS_REGION)",
            ) from None

    # --- the deploy engine: bounded waits, the ECS service deployment API, who we are ---
    # (issue 12; the workflows of the second wave call these)

    def wait(
        self,
        service: str,
        waiter_name: str,
        params: dict[str, Any],
        *,
        what: str,
        pace: Pace,
        reporter: Reporter | None = None,
        describe: Callable[[dict], str] | None = None,
        hint: str | None = None,
    ) -> Waited:
        """Wait by the rules of botocore's waiter `waiter_name` (its acceptors), with our clock and
        sleep and a bound. A failure state is returned, not raised: the caller knows what it means."""
        client = self.client(service)
        config = client.get_waiter(waiter_name).config
        operation = getattr(client, xform_name(config.operation))

        def call() -> dict:
            try:
                return operation(**params)
            except ClientError as error:
                return error.response

        try:
            return wait_for_acceptors(
                call,
                config.acceptors,
                what=what,
                pace=pace,
                clock=self.clock,
                sleep=self.sleep,
                tick=reporter.tick if reporter else None,
                until_tick=reporter.seconds_until_heartbeat if reporter else None,
                describe=describe,
                hint=hint,
            )
        except (ResponseParserError, KeyError) as error:
            raise unreadable_answer(f"waiting for {what}", error) from error
        except BotoCoreError as error:
            raise AwsError(f"waiting for {what}: {error}") from error

    def wait_for_change_set(
        self, stack_name: str, change_set_name: str, *, pace: Pace, reporter: Reporter | None = None
    ) -> dict:
        """The change set's first page once CloudFormation has computed it: CREATE_COMPLETE or FAILED
        (FAILED is also how "no changes" is said; the caller reads StatusReason)."""
        waited = self.wait(
            "cloudformation",
            "change_set_create_complete",
            {"StackName": stack_name, "ChangeSetName": change_set_name},
            what=f"change set {change_set_name} of stack {stack_name} to be computed",
            pace=pace,
            reporter=reporter,
            describe=lambda response: response.get("Status") or response.get("Error", {}).get("Code", "?"),
        )
        if "Error" in waited.response:
            raise AwsError(
                f"waiting for change set {change_set_name} of stack {stack_name}: "
                f"{waited.error_message} ({waited.error_code})"
            )
        return waited.response

    def wait_for_stack_deleted(
        self, stack_name: str, *, pace: Pace, reporter: Reporter | None = None
    ) -> Waited:
        """Wait until the stack is gone. A failure (DELETE_FAILED, or a state a delete cannot be in) is
        returned with describe_stacks' answer; the stack's events then say which resource blocked it."""
        return self.wait(
            "cloudformation",
            "stack_delete_complete",
            {"StackName": stack_name},
            what=f"stack {stack_name} to be deleted",
            pace=pace,
            reporter=reporter,
            describe=lambda response: ",".join(s["StackStatus"] for s in response.get("Stacks", [])) or "?",
            hint=command("status"),
        )

    @_translated("reading the newest event of stack {0}")
    def newest_stack_event_id(self, stack_name: str) -> str | None:
        """The id of the stack's newest event (one page, not its whole history); None: no stack."""
        try:
            page = self.client("cloudformation").describe_stack_events(StackName=stack_name)
        except ClientError as error:
            if error_code(error) == "ValidationError" and "does not exist" in aws_message(error):
                return None
            raise
        return page["StackEvents"][0]["EventId"] if page["StackEvents"] else None

    @_translated("listing deployments of service {1}")
    def list_service_deployments(self, cluster: str, service: str, created_after: Any = None) -> list[dict]:
        """Service deployments (brief), newest first as ECS lists them; `created_after` narrows them
        to those created at or after a time (a datetime)."""
        params: dict[str, Any] = {"cluster": cluster, "service": service}
        if created_after is not None:
            params["createdAt"] = {"after": created_after}
        found: list[dict] = []
        while True:
            page = self.client("ecs").list_service_deployments(**params)
            found.extend(page["serviceDeployments"])
            if not page.get("nextToken"):
                return found
            params["nextToken"] = page["nextToken"]

    @_translated("reading service deployment {0}")
    def describe_service_deployment(self, arn: str) -> dict:
        answer = self.client("ecs").describe_service_deployments(serviceDeploymentArns=[arn])
        for deployment in answer["serviceDeployments"]:
            return deployment
        reasons = "; ".join(
            f"{f.get('reason', '')} {f.get('detail', '')}".strip() for f in answer["failures"]
        )
        raise AwsError(f"reading service deployment {arn}: {reasons or 'not found'}")

    @_translated("reading service revisions")
    def describe_service_revisions(self, arns: list[str]) -> list[dict]:
        if not arns:
            return []
        return self.client("ecs").describe_service_revisions(serviceRevisionArns=arns[:20])[
            "serviceRevisions"
        ]

    @_translated("asking AWS which account and identity these credentials belong to")
    def caller_identity(self) -> dict:
        """Account, Arn and UserId of the credentials in use (sts get-caller-identity needs no permission)."""
        return self.client("sts").get_caller_identity()

    # --- one-off tasks, the release command and restarts (issue 13) ---

    @_translated("starting a one-off task")
    def run_task(self, request: dict) -> dict:
        """RunTask with one_off.run_task_request's parameters; the whole answer (tasks and failures)."""
        return self.client("ecs").run_task(**request)

    @_translated("registering the release's task definition")
    def register_task_definition(self, definition: dict) -> dict:
        return self.client("ecs").register_task_definition(**definition)["taskDefinition"]

    @_translated("deregistering task definition {0}")
    def deregister_task_definition(self, task_definition: str) -> None:
        self.client("ecs").deregister_task_definition(taskDefinition=task_definition)

    @_translated("reading log stream {1}")
    def log_stream_events(
        self, log_group: str, stream: str, token: str | None = None
    ) -> tuple[list, str | None]:
        """One page of a stream, oldest first, and the token to read on from. "If you have reached the
        end of the stream, it returns the same token you passed in", and a stream that does not exist
        yet (the task has not started writing) is no lines
        (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html)."""
        kwargs: dict[str, Any] = {"logGroupName": log_group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        try:
            page = self.client("logs").get_log_events(**kwargs)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return [], token
            raise
        return page["events"], page.get("nextForwardToken")

    @_translated("starting a new deployment of service {1}")
    def force_new_deployment(self, cluster: str, service: str) -> dict:
        """UpdateService with forceNewDeployment: new tasks from the same task definition, which read
        their secrets when they start; the answer is the service (its currentServiceDeployment)."""
        return self.client("ecs").update_service(cluster=cluster, service=service, forceNewDeployment=True)[
            "service"
        ]

    # --- the edge (issue 14) ---

    @_translated("looking up the managed prefix list {0}")
    def managed_prefix_lists(self, name: str) -> dict:
        """describe_managed_prefix_lists filtered by name (AWS's lists are found by name; their ids
        differ per region: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html)."""
        return self.client("ec2").describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [name]}]
        )

    def wait_for_certificate(self, arn: str, *, pace: Pace, reporter: Reporter | None = None) -> Waited:
        """Until ACM has validated every name of the certificate, by the rules of botocore's
        certificate_validated waiter (FAILED or a missing certificate is a failure, returned)."""
        return self.wait(
            "acm",
            "certificate_validated",
            {"CertificateArn": arn},
            what=f"certificate {arn} to be validated",
            pace=pace,
            reporter=reporter,
            describe=lambda response: (
                response.get("Certificate", {}).get("Status") or response.get("Error", {}).get("Code", "?")
            ),
            hint=command("resources"),
        )

    @_translated("listing the CloudWatch metrics of web ACL {0}")
    def waf_metrics(self, web_acl_name: str) -> dict:
        """The AWS/WAFV2 metrics of one web ACL (list_metrics, all pages in one answer)."""
        paginator = self.client("cloudwatch").get_paginator("list_metrics")
        metrics = []
        for page in paginator.paginate(
            Namespace="AWS/WAFV2", Dimensions=[{"Name": "WebACL", "Value": web_acl_name}]
        ):
            metrics.extend(page["Metrics"])
        return {"Metrics": metrics}

    @_translated("reading CloudWatch metric data")
    def metric_data(self, queries: list[dict], start: Any, end: Any) -> dict:
        """get_metric_data over [start, end), all pages' results joined."""
        paginator = self.client("cloudwatch").get_paginator("get_metric_data")
        results = []
        for page in paginator.paginate(MetricDataQueries=queries, StartTime=start, EndTime=end):
            results.extend(page["MetricDataResults"])
        return {"MetricDataResults": results}

    # --- init (first-run) ---

    @_translated("listing hosted zones")
    def public_hosted_zones(self) -> list[dict]:
        paginator = self.client("route53").get_paginator("list_hosted_zones")
        zones = [zone for page in paginator.paginate() for zone in page["HostedZones"]]
        return [zone for zone in zones if not zone.get("Config", {}).get("PrivateZone")]

    # --- data stores (issue 16): the database's state for status ---

    @_translated("reading database cluster {0}")
    def db_cluster(self, identifier: str) -> dict | None:
        try:
            return self.client("rds").describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "DBClusterNotFoundFault":
                return None
            raise

    @_translated("reading the metric {1}")
    def latest_metric_average(
        self, namespace: str, metric: str, dimensions: dict[str, str], minutes: int
    ) -> float | None:
        """The newest one-minute average of `metric` in the last `minutes` (None: no datapoint)."""
        now = datetime.now(UTC)
        answer = self.client("cloudwatch").get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": name, "Value": value} for name, value in dimensions.items()],
            StartTime=now - timedelta(minutes=minutes),
            EndTime=now + timedelta(minutes=1),  # the current, unfinished minute's period too
            Period=60,
            Statistics=["Average"],
        )
        points = sorted(answer["Datapoints"], key=lambda point: point["Timestamp"])
        return points[-1]["Average"] if points else None

    # --- ci (first-run) ---

    @_translated("listing the account's OpenID Connect providers")
    def oidc_provider_arns(self) -> list[str]:
        providers = self.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
        return [provider["Arn"] for provider in providers]
