"""The site's running ECS service, found from the two stacks' outputs: what `run`, the release command
and `restart` start from. Refused, with the command that fixes it, when there is no service yet."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AwsError, RefusedError
from .invocation import command as cli_command
from .operations import outputs_of
from .workflows.stacks import ready_stack


@dataclass(frozen=True)
class RunningSite:
    cluster: str
    service: dict  # DescribeServices' answer for the site's service
    log_group: str  # the base stack's log group, where the task's awslogs streams are

    @property
    def service_name(self) -> str:
        return self.service["serviceName"]


def running_site(aws, settings, command: str) -> RunningSite:
    """The site's ECS service; a missing base or service stack (or service) is refused, not an error."""
    base = ready_stack(
        aws,
        settings.base_stack_name,
        refusal=f"{command}: the base stack {settings.base_stack_name} is not ready",
        fix=cli_command("up"),
    )
    stack = ready_stack(
        aws,
        settings.service_stack_name,
        refusal=f"{command}: site {settings.site} has no service yet: stack {settings.service_stack_name}",
        fix=cli_command("service"),
    )
    base_out, service_out = outputs_of(base), outputs_of(stack)
    missing = [key for key in ("ClusterName", "LogGroupName") if not base_out.get(key)]
    missing += [] if service_out.get("ServiceName") else ["ServiceName"]
    if missing:
        raise AwsError(f"{command}: the stacks have no {', '.join(missing)} output", hint=cli_command("up"))
    service = aws.describe_service(base_out["ClusterName"], service_out["ServiceName"])
    if service is None or service.get("status") != "ACTIVE":
        raise RefusedError(
            f"{command}: service {service_out['ServiceName']} is not active in cluster "
            f"{base_out['ClusterName']}",
            hint=cli_command("service"),
        )
    return RunningSite(base_out["ClusterName"], service, base_out["LogGroupName"])
