"""Planning for the day-2 commands (status, logs, rollback, destroy, recover): pure functions over AWS
responses (dicts) → frozen dataclasses. No boto3 here; aws.py fetches, commands/operate.py renders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from . import stack_status
from .errors import RefusedError
from .invocation import command as cli_command
from .stack_status import NextStep, meaning_of


def outputs_of(stack: dict | None) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs", [])}


def parameters_of(stack: dict | None) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in (stack or {}).get("Parameters", [])}


# --- status ---

COST_REQUESTS_PER_MONTH = 1_000_000  # the traffic `status` prices at (the cost command's default)


@dataclass(frozen=True)
class StackState:
    name: str
    status: str | None  # None: the stack does not exist
    summary: str
    next_command: str | None  # what to run now, when the state needs an action


@dataclass(frozen=True)
class EdgeStackState(StackState):
    region: str  # us-east-1 for CloudFront's pieces, the base stack's region for a REGIONAL web ACL


@dataclass(frozen=True)
class Deployment:
    status: str  # PRIMARY | ACTIVE
    rollout_state: str  # IN_PROGRESS | COMPLETED | FAILED
    image_tag: str | None
    desired: int
    running: int
    pending: int


@dataclass(frozen=True)
class DatabaseState:
    """Data stores (issue 16): the base stack's database as `status` shows it."""

    cluster: str
    status: str  # describe_db_clusters' Status: available, creating, modifying, ...
    min_acu: float | None
    max_acu: float | None
    capacity: float | None  # ServerlessDatabaseCapacity now; 0 = paused; None: no datapoint yet

    @property
    def paused(self) -> bool:
        return self.capacity == 0


@dataclass(frozen=True)
class StatusReport:
    base: StackState
    service: StackState
    url: str | None
    image_tag: str | None
    desired: int | None
    running: int | None
    pending: int | None
    deployments: tuple[Deployment, ...] = ()
    targets: dict[str, int] = field(default_factory=dict)  # target health state → count
    monthly_cost_usd: float | None = None
    database: DatabaseState | None = None
    edge: tuple[EdgeStackState, ...] = ()  # the edge stack(s) (issue 14)
    waf_last_hour: dict[str, int] | None = None  # allowed / blocked / counted requests (edge.waf_counts)

    def as_dict(self) -> dict:
        return asdict(self)


def stack_state(name: str, stack: dict | None, missing_command: str) -> StackState:
    status = stack["StackStatus"] if stack else None
    summary = meaning_of(status).summary
    return StackState(name, status, summary, stack_status.next_command(status, missing=missing_command))


def running_image_tag(service_stack: dict | None, task_definition: dict | None = None) -> str | None:
    """The image tag running now, the one answer every command uses: the `web` container's image
    (`<repo uri>:<tag>`) in the task definition ECS runs, when the caller read it; else the service
    stack's ImageTag parameter, what the last deploy that stuck asked for (a rolled-back update rolls
    the parameter back too)."""
    for container in (task_definition or {}).get("containerDefinitions", []):
        image = container.get("image", "")
        if container.get("name") == "web" and ":" in image.rsplit("/", 1)[-1]:
            return image.rsplit(":", 1)[1]
    if task_definition is not None:
        return None  # a task definition without a tagged web image: say nothing rather than guess
    return parameters_of(service_stack).get("ImageTag") or None


# The database's capacity: "ServerlessDatabaseCapacity", per cluster, in the AWS/RDS namespace; an
# instance paused at 0 ACUs reports 0 (Amazon CloudWatch metrics for Aurora:
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
DATABASE_CAPACITY_METRIC = ("AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier")


def database_state(cluster: dict | None, capacity: float | None) -> DatabaseState | None:
    """From describe_db_clusters' cluster and the newest capacity datapoint."""
    if not cluster:
        return None
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    return DatabaseState(
        cluster=cluster.get("DBClusterIdentifier", "?"),
        status=cluster.get("Status", "unknown"),
        min_acu=scaling.get("MinCapacity"),
        max_acu=scaling.get("MaxCapacity"),
        capacity=capacity,
    )


def database_line(database: DatabaseState) -> str:
    if database.capacity is None:
        now = "capacity not reported in the last 10 minutes"
    elif database.paused:
        now = "paused (0 ACU: only storage is billed; the next connection wakes it in about 15 s)"
    else:
        now = f"running at {database.capacity:g} ACU"
    bounds = f", {database.min_acu:g}–{database.max_acu:g} ACU" if database.max_acu is not None else ""
    return f"database {database.cluster}: {database.status}, {now}{bounds}"


def status_report(
    *,
    base_name: str,
    base_stack: dict | None,
    service_name: str,
    service_stack: dict | None,
    service: dict | None,
    task_definitions: dict[str, dict],
    target_health: list[dict],
    monthly_cost_usd: float | None = None,
    database: DatabaseState | None = None,
    edge_stacks: Sequence[tuple[str, dict]] = (),
    waf_last_hour: dict[str, int] | None = None,
) -> StatusReport:
    """Both stacks, the ECS service (describe_services), task definitions by ARN and target health."""
    deployments = tuple(
        Deployment(
            status=d.get("status", ""),
            rollout_state=d.get("rolloutState", "COMPLETED"),
            image_tag=running_image_tag(None, task_definitions.get(d.get("taskDefinition", ""), {})),
            desired=d.get("desiredCount", 0),
            running=d.get("runningCount", 0),
            pending=d.get("pendingCount", 0),
        )
        for d in (service or {}).get("deployments", [])
    )
    primary = next((d for d in deployments if d.status == "PRIMARY"), None)
    image_tag = (primary.image_tag if primary else None) or running_image_tag(service_stack)
    targets: dict[str, int] = {}
    for description in target_health:
        state = description.get("TargetHealth", {}).get("State", "unknown")
        targets[state] = targets.get(state, 0) + 1
    return StatusReport(
        base=stack_state(base_name, base_stack, "python3 deploy.py resources"),
        service=stack_state(service_name, service_stack, "python3 deploy.py service"),
        url=outputs_of(service_stack).get("Url"),
        image_tag=image_tag,
        desired=service.get("desiredCount") if service else None,
        running=service.get("runningCount") if service else None,
        pending=service.get("pendingCount") if service else None,
        deployments=deployments,
        targets=dict(sorted(targets.items())),
        monthly_cost_usd=monthly_cost_usd,
        database=database,
        edge=tuple(
            EdgeStackState(
                **asdict(stack_state(stack["StackName"], stack, "python3 deploy.py resources")), region=region
            )
            for region, stack in edge_stacks
        ),
        waf_last_hour=waf_last_hour,
    )


def report_lines(report: StatusReport) -> list[str]:
    """The human rendering of `status` (the JSON one is `as_dict`)."""
    lines = []
    for label, stack in (("base", report.base), ("service", report.service)):
        lines.append(f"{label} stack {stack.name}: {stack.status or 'missing'} ({stack.summary})")
        if stack.next_command:
            lines.append(f"  next: {stack.next_command}")
    for stack in report.edge:
        lines.append(f"edge stack {stack.name} ({stack.region}): {stack.status} ({stack.summary})")
        if stack.next_command:
            lines.append(f"  next: {stack.next_command}")
    if report.waf_last_hour is not None:
        lines.append(
            "web ACL, last hour: " + ", ".join(f"{n} {what}" for what, n in report.waf_last_hour.items())
        )
    if report.url:
        lines.append(f"url: {report.url}")
    if report.image_tag:
        lines.append(f"image: {report.image_tag}")
    if report.desired is not None:
        lines.append(f"tasks: {report.running} running, {report.pending} pending, {report.desired} desired")
    for d in report.deployments:
        lines.append(
            f"deployment {d.status}: {d.rollout_state}, image {d.image_tag or '?'}, "
            f"{d.running}/{d.desired} running, {d.pending} pending"
        )
    if report.targets:
        lines.append("targets: " + ", ".join(f"{count} {state}" for state, count in report.targets.items()))
    if report.monthly_cost_usd is not None:
        lines.append(
            f"estimated cost: ${report.monthly_cost_usd:,.2f}/month at {COST_REQUESTS_PER_MONTH:,} requests"
            " (python3 deploy.py cost shows each line and the assumptions)"
        )
    if report.database:
        lines.append(database_line(report.database))
    return lines


# --- rollback ---


def available_tags(image_details: list[dict]) -> list[str]:
    """Tags newest first (describe_images imageDetails)."""
    ordered = sorted(image_details, key=lambda d: _timestamp(d.get("imagePushedAt")), reverse=True)
    return [tag for detail in ordered for tag in detail.get("imageTags", [])]


def _timestamp(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return 0.0


def rollback_target(image_details: list[dict], current_tag: str | None, requested: str | None) -> str:
    """`--to TAG` if ECR has it; else the newest tag pushed before the running one."""
    tags = available_tags(image_details)
    shown = ", ".join(tags[:10]) + (" …" if len(tags) > 10 else "") if tags else "none"
    if requested is not None:
        if requested not in tags:
            raise RefusedError(
                f"rollback: image tag {requested!r} is not in ECR (available, newest first: {shown})",
                hint="python3 deploy.py rollback --to <one of the tags above>",
            )
        if requested == current_tag:
            raise RefusedError(
                f"rollback: image tag {requested!r} is already running",
                hint=f"choose another tag (available, newest first: {shown})",
            )
        return requested
    if current_tag in tags:
        older = tags[tags.index(current_tag) + 1 :]
    else:
        older = [tag for tag in tags if tag != current_tag]
    if not older:
        raise RefusedError(
            f"rollback: no image older than {current_tag!r} in ECR (available: {shown})",
            hint="python3 deploy.py rollback --to <tag>",
        )
    return older[0]


def require_service_stack(name: str, stack: dict | None, command: str) -> None:
    if stack is None:
        raise RefusedError(
            f"{command}: the service stack {name} does not exist", hint="python3 deploy.py service"
        )


def require_updatable(name: str, stack: dict, command: str) -> None:
    """A stack that cannot take an update now: say why (the one map) and what to run."""
    status = stack["StackStatus"]
    meaning = meaning_of(status)
    if meaning.next_step is NextStep.UPDATE:
        return
    hint = stack_status.next_command(status, missing=cli_command("service")) or cli_command("status")
    raise RefusedError(f"{command}: stack {name} {meaning.summary} ({status})", hint=hint)


# --- destroy ---


@dataclass(frozen=True)
class Retained:
    what: str
    identifier: str
    remove_command: str


# What the base template keeps when its stack is deleted (a test compares this with its
# DeletionPolicy: Retain resources), and the command that removes each afterwards.
RETAINED_RESOURCE_TYPES = {
    "AWS::ECR::Repository": (
        "ECR repository and its images",
        "aws ecr delete-repository --repository-name {id} --force --region {region}",
    ),
    "AWS::Logs::LogGroup": ("log group", "aws logs delete-log-group --log-group-name {id} --region {region}"),
    "AWS::SecretsManager::Secret": (
        "Flask secret key (set secret_key_arn to it when you create the stack again: sessions survive)",
        "aws secretsmanager delete-secret --secret-id {id} --region {region}",
    ),
    "AWS::Route53::HostedZone": (
        "hosted zone (set hosted_zone_id to reuse it)",
        "aws route53 delete-hosted-zone --id {id}  (after deleting its records other than NS/SOA)",
    ),
    "AWS::S3::Bucket": ("access-log bucket", "aws s3 rb s3://{id} --force --region {region}"),
    # --- Data stores (issue 16) ---
    "AWS::DynamoDB::Table": (
        "DynamoDB table and its items",
        "aws dynamodb delete-table --table-name {id} --region {region}",
    ),
}
# Resources of a kept type whose role the type alone does not say.
RETAINED_NAMES = {
    "UploadsBucket": (
        "uploads bucket and every version of its objects",
        "aws s3api delete-bucket --bucket {id} --region {region}  (after emptying every object version)",
    ),
}
# Data stores (issue 16): the database cluster has DeletionPolicy Snapshot (CloudFormation takes a final
# snapshot, then deletes it) and deletion protection, which stops the stack's deletion until it is off.
DATABASE_CLUSTER = "DatabaseCluster"


@dataclass(frozen=True)
class DestroyPlan:
    stacks: tuple[str, ...]  # deleted in this order
    retained: tuple[Retained, ...]
    regions: tuple[str | None, ...] = ()  # each stack's region; None: the base stack's

    def in_order(self) -> list[tuple[str, str | None]]:
        return list(zip(self.stacks, self.regions or (None,) * len(self.stacks), strict=True))

    def labels(self) -> list[str]:
        return [name + (f" ({region})" if region else "") for name, region in self.in_order()]


def destroy_plan(
    *,
    region: str,
    base_name: str,
    base_stack: dict | None,
    base_resources: list[dict],
    service_name: str,
    service_stack: dict | None,
    edge_stacks: Sequence[tuple[str, dict]] = (),
) -> DestroyPlan:
    """What `destroy` deletes and what outlives it (from the stacks' parameters and resources).

    Kept by the template (DeletionPolicy: Retain, see RETAINED_RESOURCE_TYPES): the ECR repository
    with its images, the log group, the secret, a hosted zone the stack created, the access-log
    bucket. A hosted zone or certificate passed in as a parameter was never the stack's.

    Edge stacks (region, stack) go in the reverse order of their creation: the one that attaches a
    REGIONAL web ACL to the load balancer before the base stack, CloudFront's us-east-1 one (its
    certificate and web ACL are in use by the base stack's distribution until then) after it.
    """

    def on_balancer(stack: dict) -> bool:
        return parameters_of(stack).get("WafScope") == "REGIONAL"

    ordered: list[tuple[str, str | None]] = [(service_name, None)] if service_stack else []
    ordered += [(stack["StackName"], region) for region, stack in edge_stacks if on_balancer(stack)]
    ordered += [(base_name, None)] if base_stack else []
    ordered += [(stack["StackName"], region) for region, stack in edge_stacks if not on_balancer(stack)]
    stacks = tuple(name for name, _ in ordered)
    retained: list[Retained] = []
    params = parameters_of(base_stack)
    for resource in base_resources:
        kind, physical = resource.get("ResourceType"), resource.get("PhysicalResourceId")
        if physical and kind in RETAINED_RESOURCE_TYPES:
            what, command = RETAINED_NAMES.get(
                resource.get("LogicalResourceId"), RETAINED_RESOURCE_TYPES[kind]
            )
            retained.append(Retained(what, physical, command.format(id=physical, region=region)))
        if physical and resource.get("LogicalResourceId") == DATABASE_CLUSTER:
            retained.append(database_snapshot(physical, region))
    zone = params.get("HostedZoneId")
    if zone:
        retained.append(
            Retained(
                "hosted zone (yours, passed in as HostedZoneId)",
                zone,
                f"aws route53 delete-hosted-zone --id {zone}  (after deleting its records other than NS/SOA)",
            )
        )
    secret = params.get("SecretArn")
    if secret:
        retained.append(
            Retained(
                "Flask secret key (yours, passed in as SecretArn)",
                secret,
                f"aws secretsmanager delete-secret --secret-id {secret} --region {region}",
            )
        )
    certificate = params.get("CertificateArn")
    if certificate:
        retained.append(
            Retained(
                "certificate (yours, passed in as CertificateArn)",
                certificate,
                f"aws acm delete-certificate --certificate-arn {certificate} --region {region}",
            )
        )
    return DestroyPlan(stacks, tuple(retained), tuple(region for _, region in ordered))


def database_snapshot(cluster: str, region: str) -> Retained:
    """The final snapshot CloudFormation takes of the database (DeletionPolicy Snapshot): kept until
    removed. Its name is CloudFormation's own, so the command to find it comes first."""
    return Retained(
        f"final snapshot of database cluster {cluster} (deletion protection must be off first: "
        f"aws rds modify-db-cluster --db-cluster-identifier {cluster} --no-deletion-protection "
        f"--apply-immediately --region {region})",
        cluster,
        f"aws rds describe-db-cluster-snapshots --db-cluster-identifier {cluster} --snapshot-type manual "
        f"--region {region}, then aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier "
        f"<its name> --region {region}",
    )


def stuck_resource(events: list[dict]) -> tuple[str, str] | None:
    """(logical id, reason) of the newest resource that failed to delete; events newest first."""
    failed = [e for e in events if e.get("ResourceStatus") == "DELETE_FAILED"]
    resources = [e for e in failed if e.get("LogicalResourceId") != e.get("StackName")]
    for event in resources or failed:
        return event["LogicalResourceId"], event.get("ResourceStatusReason", "")
    return None


# --- recover ---


@dataclass(frozen=True)
class Recovery:
    stack_name: str
    action: str  # delete | continue-rollback | delete-change-sets | wait | none
    reason: str


# Change sets nobody executed (or that cannot be: UNAVAILABLE after a failed create, OBSOLETE).
UNEXECUTED = frozenset({"AVAILABLE", "UNAVAILABLE", "OBSOLETE"})


def recovery_for(stack_name: str, stack: dict | None, change_sets: list[dict]) -> Recovery:
    """What unsticks a stack: the one map (stack_status.recovery) decides, this only names the action;
    a stable stack with change sets nobody executed gets them deleted."""
    if stack is None:
        return Recovery(stack_name, "none", "does not exist")
    status = stack["StackStatus"]
    reason = f"{meaning_of(status).summary} ({status})"
    action = stack_status.recovery(status)
    if action is not stack_status.Recovery.NONE:
        return Recovery(stack_name, action.value, reason)
    stale = [cs for cs in change_sets if cs.get("ExecutionStatus") in UNEXECUTED]
    if stale:
        return Recovery(stack_name, "delete-change-sets", f"{len(stale)} unexecuted change set(s)")
    return Recovery(stack_name, "none", reason)


# --- logs ---


def format_log_event(event: dict) -> str:
    """One CloudWatch event (filter_log_events) as `time stream-tail  readable message`."""
    when = datetime.fromtimestamp(event.get("timestamp", 0) / 1000, tz=UTC).strftime("%H:%M:%S")
    stream = event.get("logStreamName", "").rsplit("/", 1)[-1][:8]
    return f"{when} {stream}  {format_log_message(event.get('message', ''))}"


def format_log_message(message: str) -> str:
    """nginx access lines and the app's/gunicorn's JSON lines made readable; anything else unchanged."""
    text = message.rstrip("\n")
    try:
        entry = json.loads(text)
    except ValueError:
        return text
    if not isinstance(entry, dict):
        return text
    if entry.get("source") == "nginx":
        upstream = entry.get("upstream_time") or "-"
        return (
            f"nginx {entry.get('status', '?')} {entry.get('method', '?')} {entry.get('uri', '?')} "
            f"{entry.get('bytes', 0)}B {entry.get('request_time', '?')}s (upstream {upstream}s)"
        )
    if "message" in entry:
        level = str(entry.get("level", "info")).upper()
        logger = entry.get("logger", "")
        line = f"{level} {logger}: {entry['message']}" if logger else f"{level} {entry['message']}"
        if entry.get("exception"):
            line += "\n" + str(entry["exception"])
        return line
    return text
