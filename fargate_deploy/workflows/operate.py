"""The day-2 workflows: status, logs, rollback, destroy, recover. Each `verb(parts, ...) -> Result`;
the decisions are pure (operations.py, stack_status.py), the calls go through `parts.aws`, progress
through `parts.reporter`; commands/operate.py renders the results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from .. import cost, edge_stack, operations, release_hold
from ..errors import AwsError, ConfigError, DeploymentFailed, RefusedError
from ..invocation import command
from ..stack_status import NextStep, meaning_of
from ..waiting import Pace
from . import deploy, stacks
from .parts import Parts

# --- status ---


def status(parts: Parts) -> operations.StatusReport:
    """Both stacks, the ECS service and its deployments, target health, the URL and the monthly cost."""
    aws, settings = parts.aws, parts.settings
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


# --- waiting for a stack someone else's operation keeps busy ---


def settled_stack(parts: Parts, stack_name: str, *, no_wait: bool) -> dict | None:
    """The stack once it accepts a new operation (None: it does not exist); --no-wait refuses instead
    of waiting. The wait is bounded (Timing.stack_timeout) and reports where the stack is."""
    aws = parts.aws
    stack = aws.describe_stack(stack_name)
    if stack is None or not meaning_of(stack["StackStatus"]).busy:
        return stack
    if no_wait:
        raise RefusedError(
            f"stack {stack_name} {meaning_of(stack['StackStatus']).summary} ({stack['StackStatus']})",
            hint=f"wait until it finishes ({command('status')}), then run this command again",
        )
    task = f"stack {stack_name}"
    seen = {"status": stack["StackStatus"]}

    def settled() -> dict | bool | None:
        current = aws.describe_stack(stack_name)
        seen["status"] = current["StackStatus"] if current else "DELETE_COMPLETE"
        if current is not None and meaning_of(current["StackStatus"]).busy:
            parts.reporter.progress(task, f"Stack {stack_name}: {seen['status']} – waiting for it to finish")
            return None
        return current or False  # False: it was deleted while we waited

    parts.reporter.progress(task, f"Stack {stack_name}: {stack['StackStatus']} – waiting for it to finish")
    found = parts.poll(
        settled,
        what=f"stack {stack_name} to finish its operation",
        pace=Pace(parts.timing.stack_poll, parts.timing.stack_timeout),
        last_seen=lambda: seen["status"],
        hint=command("status"),
    )
    parts.reporter.finish(task, f"Stack {stack_name}: {seen['status']}")
    return found or None


def confirm_by_typing(parts: Parts, action: str, yes: bool) -> None:
    """Typed confirmation of the domain; --yes for scripts; no terminal and no --yes → refused."""
    if yes:
        return
    domain = parts.settings.domain
    if not parts.interactive:
        raise RefusedError(
            f"{action}: refusing to ask for confirmation without a terminal",
            hint=f"run it in a terminal, or add --yes: {command(action, '--yes')}",
        )
    typed = parts.ask(f"Type the domain ({domain}) to confirm {action}").strip()
    if typed != domain:
        raise RefusedError(
            f"{action}: not confirmed ({typed!r} is not {domain!r}); nothing was changed",
            hint=f"{command(action)}, then type {domain}",
        )


def service_stack(parts: Parts, command_name: str) -> tuple[dict[str, str], dict]:
    """The base stack's outputs and the service stack (refused when either is not there)."""
    base_out = stacks.base_outputs(parts.aws, parts.settings, command_name)
    stack = parts.aws.describe_stack(parts.settings.service_stack_name)
    operations.require_service_stack(parts.settings.service_stack_name, stack, command_name)
    return base_out, stack


# --- logs ---


@dataclass(frozen=True)
class LogsResult:
    log_group: str
    lines: int  # how many were shown


def logs(parts: Parts, *, since_seconds: int, text: str | None, follow: bool) -> LogsResult:
    """The service's CloudWatch log lines, made readable, each shown as it arrives (reporter.data);
    --follow polls until Ctrl-C (the caller's KeyboardInterrupt ends it)."""
    base_out, _ = service_stack(parts, "logs")
    group = base_out["LogGroupName"]
    pattern = json.dumps(text) if text else None  # a quoted term: matched literally by CloudWatch
    aws = parts.aws
    start = int((parts.now() - since_seconds) * 1000)
    seen: set[str] = set()
    token = None
    while True:
        events, token = aws.log_events(group, start, pattern, token)
        for event in events:
            if event.get("eventId") in seen:
                continue
            seen.add(event.get("eventId"))
            start = max(start, event.get("timestamp", 0))
            parts.reporter.data([operations.format_log_event(event)])
        if token:
            continue
        if not follow:
            return LogsResult(group, len(seen))
        aws.sleep(parts.timing.logs_poll)


# --- rollback ---


@dataclass(frozen=True)
class RollbackResult:
    stack_name: str
    from_tag: str | None
    image_tag: str
    url: str
    stack_changed: bool


def rollback(parts: Parts, *, tag: str | None, yes: bool, no_wait: bool) -> RollbackResult:
    """Redeploy the image pushed before the running one (or `tag`) through the service stack."""
    base_out, stack = service_stack(parts, "rollback")
    name = parts.settings.service_stack_name
    release_hold.refuse_rollback_of_held(name, stack)
    running = operations.running_image_tag(stack)
    stack = settled_stack(parts, name, no_wait=no_wait)
    operations.require_updatable(name, stack, "rollback")
    target = operations.rollback_target(parts.aws.ecr_images(base_out["RepositoryName"]), running, tag)
    parts.reporter.note(f"Rolling back {name} to image {target}", image_tag=target)
    # No release command: the old image's migration tool would refuse a database newer than its code.
    deployed = deploy.service(parts, tag=target, yes=yes, release=False)
    return RollbackResult(name, running, deployed.image_tag, deployed.url, deployed.stack.changed)


# --- destroy ---


@dataclass(frozen=True)
class DestroyResult:
    deleted: tuple[str, ...]  # stacks, in the order they were deleted
    retained: tuple[operations.Retained, ...]  # what outlives them, with the command that removes it


def delete_stack(parts: Parts, stack_name: str, command_name: str) -> None:
    """Delete and wait (bounded); a failure names the stuck resource and the next command."""
    aws = parts.aws
    task = f"delete {stack_name}"
    parts.reporter.progress(task, f"Stack {stack_name}: deleting")
    try:
        aws.disable_termination_protection(stack_name)
        aws.delete_stack(stack_name)
        waited = aws.wait_for_stack_deleted(
            stack_name,
            pace=Pace(parts.timing.stack_poll, parts.timing.stack_timeout),
            reporter=parts.reporter,
        )
        cause = None if waited.succeeded else (waited.error_message or "the delete failed")
    except AwsError as error:
        cause = error.message
    if cause is None:
        parts.reporter.finish(task, f"Stack {stack_name}: deleted")
        return
    try:
        events = list(reversed(aws.stack_events(stack_name)))  # newest first
    except AwsError:
        events = []  # the stack record itself may be gone (moto drops it on DependencyViolation)
    stuck = operations.stuck_resource(events)
    where = f"resource {stuck[0]}: {stuck[1]}" if stuck else cause
    parts.reporter.finish(task, f"Stack {stack_name}: not deleted", ok=False)
    raise DeploymentFailed(
        f"{command_name}: stack {stack_name} could not be deleted: {where}",
        hint=f"fix or empty that resource, then run: {command(command_name)}",
    )


def destroy(parts: Parts, *, yes: bool, no_wait: bool) -> DestroyResult:
    """Delete the service stack, then the base stack, after the typed confirmation."""
    settings, aws = parts.settings, parts.aws
    service = settled_stack(parts, settings.service_stack_name, no_wait=no_wait)
    base = settled_stack(parts, settings.base_stack_name, no_wait=no_wait)
    # edge (issue 14): the edge stack(s) too, each in its own region (us-east-1 for CloudFront).
    edge_stacks = [
        (region, settled_stack(parts.in_region(region), stack["StackName"], no_wait=no_wait))
        for region, stack in edge_stack.existing(aws, settings)
    ]
    edge_stacks = [(region, stack) for region, stack in edge_stacks if stack]
    if service is None and base is None and not edge_stacks:
        parts.reporter.note(
            f"Nothing to destroy: stacks {settings.service_stack_name} and {settings.base_stack_name}"
        )
        return DestroyResult((), ())
    plan = operations.destroy_plan(
        region=aws.region or "us-east-1",
        base_name=settings.base_stack_name,
        base_stack=base,
        base_resources=aws.stack_resources(settings.base_stack_name) if base else [],
        service_name=settings.service_stack_name,
        service_stack=service,
        edge_stacks=edge_stacks,
    )
    parts.reporter.note("Will delete stacks, in order: " + ", ".join(plan.labels()))
    for item in plan.retained:
        parts.reporter.note(f"Will keep: {item.what} {item.identifier}")
    confirm_by_typing(parts, "destroy", yes)
    for stack_name, region in plan.in_order():
        delete_stack(parts.in_region(region) if region else parts, stack_name, "destroy")
    return DestroyResult(plan.stacks, plan.retained)


# --- recover ---


# A stack recover leaves in one of these states can be created or updated again.
USABLE = (NextStep.CREATE, NextStep.UPDATE)


@dataclass(frozen=True)
class Recovered:
    stack_name: str
    action: str  # delete | continue-rollback | delete-change-sets | none
    reason: str  # why (the state it was in)
    status: str | None  # the status it really ended in (None: it no longer exists)
    summary: str  # what that status means (the one map)


@dataclass(frozen=True)
class RecoverResult:
    stacks: tuple[Recovered, ...]

    @property
    def acted(self) -> bool:
        return any(item.action != "none" for item in self.stacks)


def _plan_recovery(parts: Parts, name: str, no_wait: bool) -> tuple[operations.Recovery, Recovered]:
    """What recover will do to the stack, and the stack as it is now."""
    aws = parts.aws
    stack = aws.describe_stack(name)
    plan = operations.recovery_for(name, stack, aws.list_change_sets(name) if stack else [])
    if plan.action == "wait":
        stack = settled_stack(parts, name, no_wait=no_wait)
        plan = operations.recovery_for(name, stack, aws.list_change_sets(name) if stack else [])
    return plan, _as_found(plan, stack)


def _as_found(plan: operations.Recovery, stack: dict | None) -> Recovered:
    status = stack["StackStatus"] if stack else None
    summary = meaning_of(status).summary if stack else "does not exist"
    return Recovered(plan.stack_name, plan.action, plan.reason, status, summary)


def recover(parts: Parts, *, yes: bool, no_wait: bool) -> RecoverResult:
    """Unstick the stacks: delete failed creates and empty shells, continue a stuck rollback, drop
    stale change sets; report the status each stack really ended in. A continued rollback that ends
    stuck again is a failure (exit 1) with CloudFormation's reason."""
    settings = parts.settings
    where = [(parts, settings.service_stack_name), (parts, settings.base_stack_name)]
    # edge (issue 14): the edge stack(s) too, each in its own region (us-east-1 for CloudFront).
    where += [
        (parts.in_region(region), stack["StackName"])
        for region, stack in edge_stack.existing(parts.aws, settings)
    ]
    regional = {name: in_region for in_region, name in where}
    found = [_plan_recovery(in_region, name, no_wait) for in_region, name in where]
    todo = [plan for plan, _ in found if plan.action != "none"]
    if not todo:
        parts.reporter.note(
            "Nothing to recover: " + "; ".join(f"{p.stack_name} {p.reason}" for p, _ in found)
        )
        return RecoverResult(tuple(now for _, now in found))
    for plan in todo:
        parts.reporter.note(f"{plan.stack_name} {plan.reason}: will {plan.action}")
    confirm_by_typing(parts, "recover", yes)
    ended: dict[str, Recovered] = {}
    for plan in todo:
        here = regional[plan.stack_name]
        aws = here.aws
        if plan.action == "delete":
            delete_stack(here, plan.stack_name, "recover")
        elif plan.action == "continue-rollback":
            aws.continue_update_rollback(plan.stack_name)
            settled_stack(here, plan.stack_name, no_wait=False)
        elif plan.action == "delete-change-sets":
            for change_set in aws.list_change_sets(plan.stack_name):
                if change_set.get("ExecutionStatus") in operations.UNEXECUTED:
                    aws.delete_change_set(plan.stack_name, change_set["ChangeSetName"])
        stack = aws.describe_stack(plan.stack_name)
        now = ended[plan.stack_name] = _as_found(plan, stack)
        if now.status is not None and meaning_of(now.status).next_step not in (
            NextStep.CREATE,
            NextStep.UPDATE,
        ):
            reason = (stack or {}).get("StackStatusReason", "")
            raise DeploymentFailed(
                f"recover: stack {plan.stack_name} {now.summary} ({now.status})"
                + (f": {reason}" if reason else ""),
                hint=f"fix the cause above, then run: {command('recover')}",
            )
        parts.reporter.note(
            f"Stack {plan.stack_name}: {plan.action} done; it "
            + (f"{now.summary} ({now.status})" if now.status else "no longer exists")
        )
    return RecoverResult(tuple(ended.get(plan.stack_name, now) for plan, now in found))
