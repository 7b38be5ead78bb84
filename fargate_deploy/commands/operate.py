"""deploy.py status | logs | rollback | destroy | recover: presentation; decisions are in operations.py."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import click
from rich.markup import escape

from .. import console, cost, edge_stack, operations
from ..errors import AwsError, ConfigError, DeploymentFailed, RefusedError
from ..stack_status import meaning_of
from .deploy import checked_tag, settings_options, yes_option

confirmed_option = click.option(
    "--yes", "-y", is_flag=True, help="Skip typing the domain to confirm (for scripts)."
)
no_wait_option = click.option(
    "--no-wait", is_flag=True, help="Exit 2 instead of waiting when a stack operation is in progress."
)

SINCE = re.compile(r"^(\d+)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> int:
    """'10m' → seconds; anything else is refused."""
    match = SINCE.match(text.strip())
    if not match:
        raise RefusedError(f"logs: --since {text!r} is not a duration", hint="use e.g. 30s, 10m, 2h or 1d")
    return int(match.group(1)) * SECONDS[match.group(2)]


def wait_while_busy(deployer, stack_name: str, no_wait: bool) -> dict | None:
    """Wait (with a spinner) until the stack accepts a new operation; --no-wait refuses instead."""
    aws = deployer.aws
    stack = aws.describe_stack(stack_name)
    if stack is None or not meaning_of(stack["StackStatus"]).busy:
        return stack
    if no_wait:
        meaning = meaning_of(stack["StackStatus"])
        raise RefusedError(
            f"stack {stack_name} {meaning.summary} ({stack['StackStatus']})",
            hint="wait until it finishes (python3 deploy.py status), then run this command again",
        )
    with console.err.status(f"Stack {stack_name}: {stack['StackStatus']}") as shown:
        while stack is not None and meaning_of(stack["StackStatus"]).busy:
            shown.update(f"Stack {stack_name}: {stack['StackStatus']} – waiting for it to finish")
            aws.sleep(deployer.timing.stack_poll)
            stack = aws.describe_stack(stack_name)
    return stack


def confirm_by_typing(deployer, action: str, yes: bool) -> None:
    """Typed confirmation of the domain; --yes for scripts; no TTY and no --yes → refused."""
    if yes:
        return
    domain = deployer.settings.domain
    if not deployer.interactive:
        raise RefusedError(
            f"{action}: refusing to ask for confirmation without a terminal",
            hint=f"run it in a terminal, or add --yes: python3 deploy.py {action} --yes",
        )
    typed = click.prompt(f"Type the domain ({domain}) to confirm {action}", default="", err=True)
    if typed.strip() != domain:
        raise RefusedError(
            f"{action}: not confirmed ({typed.strip()!r} is not {domain!r}); nothing was changed",
            hint=f"python3 deploy.py {action}, then type {domain}",
        )


# --- status ---


def build_status(deployer) -> operations.StatusReport:
    aws, settings = deployer.aws, deployer.settings
    base = aws.describe_stack(settings.base_stack_name)
    service_stack = aws.describe_stack(settings.service_stack_name)
    base_out, service_out = operations.outputs_of(base), operations.outputs_of(service_stack)
    service = None
    task_definitions: dict[str, dict] = {}
    targets: list[dict] = []
    if base_out.get("ClusterName") and service_out.get("ServiceName"):
        service = aws.describe_service(base_out["ClusterName"], service_out["ServiceName"])
        for deployment in (service or {}).get("deployments", []):
            arn = deployment.get("taskDefinition")
            if arn and arn not in task_definitions:
                task_definitions[arn] = aws.describe_task_definition(arn)
    if service_out.get("TargetGroupArn"):
        targets = aws.target_health(service_out["TargetGroupArn"])
    edge_stacks = edge_stack.existing(aws, settings)
    return operations.status_report(
        base_name=settings.base_stack_name,
        base_stack=base,
        service_name=settings.service_stack_name,
        service_stack=service_stack,
        service=service,
        task_definitions=task_definitions,
        target_health=targets,
        monthly_cost_usd=monthly_cost(settings),
        database=database_state(aws, base_out),
        edge_stacks=edge_stacks,
        waf_last_hour=edge_stack.waf_last_hour(aws, edge_stacks, datetime.now(UTC)),
    )


def database_state(aws, base_out: dict[str, str]) -> operations.DatabaseState | None:
    """Data stores (issue 16): the base stack's database cluster and its capacity now."""
    cluster_id = base_out.get("DatabaseClusterId")
    if not cluster_id:
        return None
    namespace, metric, dimension = operations.DATABASE_CAPACITY_METRIC
    capacity = aws.latest_metric_average(namespace, metric, {dimension: cluster_id}, 10)
    return operations.database_state(aws.db_cluster(cluster_id), capacity)


def monthly_cost(settings) -> float | None:
    """The cost command's estimate for these settings; None where no price file covers the region."""
    try:
        prices = cost.load_prices(settings.region or "us-east-1")
    except ConfigError:
        return None
    inputs = cost.Inputs.from_settings(settings, operations.COST_REQUESTS_PER_MONTH)
    return round(cost.estimate(inputs, prices).total, 2)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for scripts).")
@settings_options
def status(deployer, as_json: bool) -> None:
    """Both stacks, the tasks, the image running, deployments, target health and the URL."""
    report = build_status(deployer)
    if as_json:
        console.out.print_json(json.dumps(report.as_dict()))
        return
    for line in operations.report_lines(report):
        console.out.print(escape(line))


# --- logs ---


def _service_outputs(deployer, command: str) -> tuple[dict[str, str], dict[str, str]]:
    base_out = deployer.base_outputs(command)
    stack = deployer.aws.describe_stack(deployer.settings.service_stack_name)
    operations.require_service_stack(deployer.settings.service_stack_name, stack, command)
    return base_out, operations.outputs_of(stack) | {
        "ImageTag": operations.parameters_of(stack).get("ImageTag", "")
    }


@click.command()
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--since", default="10m", show_default=True, help="How far back to start (30s, 10m, 2h, 1d).")
@click.option("--filter", "text", help="Only lines containing this text.")
@settings_options
def logs(deployer, follow: bool, since: str, text: str | None) -> None:
    """The service's CloudWatch logs, nginx and gunicorn JSON lines made readable."""
    seconds = parse_since(since)
    base_out, _ = _service_outputs(deployer, "logs")
    group = base_out["LogGroupName"]
    pattern = json.dumps(text) if text else None  # a quoted term: matched literally by CloudWatch
    aws = deployer.aws
    start = int((time.time() - seconds) * 1000)
    seen: set[str] = set()
    token = None
    while True:
        events, token = aws.log_events(group, start, pattern, token)
        for event in events:
            if event.get("eventId") in seen:
                continue
            seen.add(event.get("eventId"))
            start = max(start, event.get("timestamp", 0))
            console.out.print(escape(operations.format_log_event(event)))
        if token:
            continue
        if not follow:
            return
        aws.sleep(2)


# --- rollback ---


@click.command()
@click.option(
    "--to",
    "tag",
    callback=checked_tag,
    help="Image tag to go back to [the one pushed before the running one].",
)
@yes_option
@no_wait_option
@settings_options
def rollback(deployer, tag: str | None, yes: bool, no_wait: bool) -> None:
    """Redeploy the previous (or given) image tag through the service stack, watching the rollout."""
    base_out, service_out = _service_outputs(deployer, "rollback")
    stack = wait_while_busy(deployer, deployer.settings.service_stack_name, no_wait)
    operations.require_updatable(deployer.settings.service_stack_name, stack, "rollback")
    target = operations.rollback_target(
        deployer.aws.ecr_images(base_out["RepositoryName"]), service_out.get("ImageTag") or None, tag
    )
    console.info(f"Rolling back {deployer.settings.service_stack_name} to image {target}")
    result = deployer.deploy_service(target, yes=yes, release=False)  # no release command: see deployer
    console.out.print(f"{result.url} runs image {result.image_tag}")


# --- destroy ---


def delete_stack(deployer, stack_name: str) -> None:
    """Delete and wait; a failure names the stuck resource and the next command."""
    aws = deployer.aws
    try:
        aws.disable_termination_protection(stack_name)
        aws.delete_stack(stack_name)
        with console.err.status(f"Stack {stack_name}: deleting"):
            aws.wait_stack_deleted(stack_name, delay=max(1, int(deployer.timing.stack_poll)))
    except AwsError as error:
        try:
            events = list(reversed(aws.stack_events(stack_name)))  # newest first
        except AwsError:
            events = []  # the stack record itself may be gone (moto drops it on DependencyViolation)
        stuck = operations.stuck_resource(events)
        where = f"resource {stuck[0]}: {stuck[1]}" if stuck else error.message
        raise DeploymentFailed(
            f"destroy: stack {stack_name} could not be deleted: {where}",
            hint="fix or empty that resource, then run: python3 deploy.py destroy",
        ) from error
    console.info(f"Stack {stack_name}: deleted")


@click.command()
@confirmed_option
@no_wait_option
@settings_options
def destroy(deployer, yes: bool, no_wait: bool) -> None:
    """Delete the service stack, then the base stack, after you type the domain."""
    settings, aws = deployer.settings, deployer.aws
    service_stack = wait_while_busy(deployer, settings.service_stack_name, no_wait)
    base = wait_while_busy(deployer, settings.base_stack_name, no_wait)
    edge_stacks = [
        (region, wait_while_busy(deployer.in_region(region), stack["StackName"], no_wait))
        for region, stack in edge_stack.existing(aws, settings)
    ]
    edge_stacks = [(region, stack) for region, stack in edge_stacks if stack]
    if service_stack is None and base is None and not edge_stacks:
        console.info(
            f"Nothing to destroy: stacks {settings.service_stack_name} and {settings.base_stack_name}"
        )
        return
    plan = operations.destroy_plan(
        region=aws.region or "us-east-1",
        base_name=settings.base_stack_name,
        base_stack=base,
        base_resources=aws.stack_resources(settings.base_stack_name) if base else [],
        service_name=settings.service_stack_name,
        service_stack=service_stack,
        edge_stacks=edge_stacks,
    )
    console.info("Will delete stacks, in order: " + ", ".join(plan.labels()))
    for item in plan.retained:
        console.info(f"Will keep: {item.what} {item.identifier}")
    confirm_by_typing(deployer, "destroy", yes)
    for stack_name, region in plan.in_order():
        delete_stack(deployer.in_region(region) if region else deployer, stack_name)
    for item in plan.retained:
        console.out.print(
            escape(f"kept {item.what} {item.identifier}; remove it with: {item.remove_command}")
        )


# --- recover ---


@click.command()
@confirmed_option
@no_wait_option
@settings_options
def recover(deployer, yes: bool, no_wait: bool) -> None:
    """Unstick the stacks: delete failed creates, continue a stuck rollback, drop stale change sets."""
    settings = deployer.settings
    plans = []
    # edge (issue 14): the edge stack(s) too, each in its own region (us-east-1 for CloudFront).
    where = [(deployer, settings.service_stack_name), (deployer, settings.base_stack_name)]
    where += [
        (deployer.in_region(region), stack["StackName"])
        for region, stack in edge_stack.existing(deployer.aws, settings)
    ]
    for regional, name in where:
        aws = regional.aws
        stack = aws.describe_stack(name)
        plan = operations.recovery_for(name, stack, aws.list_change_sets(name) if stack else [])
        if plan.action == "wait":
            wait_while_busy(regional, name, no_wait)
            stack = aws.describe_stack(name)
            plan = operations.recovery_for(name, stack, aws.list_change_sets(name) if stack else [])
        plans.append((regional, plan))
    todo = [(regional, p) for regional, p in plans if p.action != "none"]
    if not todo:
        console.info("Nothing to recover: " + "; ".join(f"{p.stack_name} {p.reason}" for _, p in plans))
        return
    for _, plan in todo:
        console.info(f"{plan.stack_name} {plan.reason}: will {plan.action}")
    confirm_by_typing(deployer, "recover", yes)
    for regional, plan in todo:
        aws = regional.aws
        if plan.action == "delete":
            delete_stack(regional, plan.stack_name)
        elif plan.action == "continue-rollback":
            aws.continue_update_rollback(plan.stack_name)
            wait_while_busy(regional, plan.stack_name, no_wait=False)
            console.info(f"Stack {plan.stack_name}: rollback continued")
        elif plan.action == "delete-change-sets":
            for change_set in aws.list_change_sets(plan.stack_name):
                if change_set.get("ExecutionStatus") in operations.UNEXECUTED:
                    aws.delete_change_set(plan.stack_name, change_set["ChangeSetName"])
            console.info(f"Stack {plan.stack_name}: stale change sets deleted")


COMMANDS: list[click.Command] = [status, logs, rollback, destroy, recover]
