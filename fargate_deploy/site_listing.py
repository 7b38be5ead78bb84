"""`deploy.py sites`: every site on the base stack, read from CloudFormation, the listener and ECS.

The one workflow of the command over injected parts (an `Aws` and the settings); the decisions are in
sites.py, the rendering in commands/sites.py.
"""

from __future__ import annotations

from typing import Any

from . import operations, sites
from .aws import Aws
from .errors import AwsError, RefusedError
from .invocation import command
from .site_parameters import site_stacks


def list_sites(aws: Aws, settings: Any) -> sites.SitesReport:
    base_name = settings.base_stack_name
    base = aws.describe_stack(base_name)
    if base is None:
        raise RefusedError(f"sites: the base stack {base_name} does not exist", hint=command("resources"))
    outputs = operations.outputs_of(base)
    found = site_stacks(aws.stacks_named(f"{base_name}-"), base_name)
    listener = outputs.get("HttpsListenerArn")
    rules = sites.listener_rules(aws.listener_rules(listener), found) if listener else []
    services: dict[str, dict | None] = {}
    image_tags: dict[str, str | None] = {}
    for site in found:
        service = None
        if outputs.get("ClusterName") and site.outputs.get("ServiceName"):
            try:
                service = aws.describe_service(outputs["ClusterName"], site.outputs["ServiceName"])
            except AwsError:
                service = None  # gone or not readable: the row says "-"
        services[site.stack_name] = service
        primary = next(
            (d for d in (service or {}).get("deployments", []) if d.get("status") == "PRIMARY"), None
        )
        if primary and primary.get("taskDefinition"):
            image_tags[site.stack_name] = operations.running_image_tag(
                None, aws.describe_task_definition(primary["taskDefinition"])
            )
    return sites.sites_report(base_name, found, rules, services, image_tags)
