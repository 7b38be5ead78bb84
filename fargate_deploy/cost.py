"""Monthly cost estimate: settings + traffic + a dated price table → line items (pure, no AWS calls).

The profiles live here and nowhere else; docs/costs.md explains them and the assumptions below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

PRICE_DIR = Path(__file__).parent / "prices"

# The two profiles as settings overrides (keys of fargate_deploy.settings.Settings).
# lean is Spot on X86_64: AWS lists a Spot rate for X86_64 only (ARM64 Spot is estimated below), and
# X86_64 images need no cross-build on the usual laptop. ARM64 is the on-demand choice.
# Both put CloudFront in front: the load balancer then has no public IPv4 address (two fewer
# addresses, 7.30 USD) and CloudFront's always-free allowance covers a small site's requests.
# ha is two on-demand tasks in two zones without NAT (nat_mode none: tasks in the public subnets,
# reachable only from the load balancer's security group), so no zone is a single point of failure
# and no NAT gateway (32.85 USD each) is needed; docs/costs.md says what that gives up.
PROFILES: dict[str, dict[str, Any]] = {
    "lean": {
        "nat_mode": "none",
        "desired_count": 1,
        "min_count": 1,
        "use_spot": True,
        "architecture": "X86_64",
        "cpu": 256,
        "memory": 512,
        "enable_container_insights": False,
        "enable_access_logs": False,
        "cdn": True,
        "waf": False,
    },
    "ha": {
        "nat_mode": "none",
        "desired_count": 2,
        "min_count": 2,
        "use_spot": False,
        "architecture": "ARM64",
        "cpu": 512,
        "memory": 1024,
        "cdn": True,
    },
}

# Assumptions that turn "requests per month" into metered quantities (documented in docs/costs.md).
AVAILABILITY_ZONES = 2  # the base template spans two AZs: the ALB holds one public IPv4 in each
BYTES_PER_RESPONSE = 50_000  # average bytes through the ALB per request (request + response)
REQUESTS_PER_CONNECTION = 1  # worst case for LCU: every request opens a new connection
LOG_BYTES_PER_REQUEST = 300  # one nginx access line + a share of gunicorn's lines
IMAGE_GB = 0.1  # compressed image size, stored in ECR and pulled through NAT
PULLS_PER_MONTH_PER_TASK = 30  # deploys and task replacements that pull the image
GB = 1_000_000_000
LCU_NEW_CONNECTIONS_PER_SECOND = 25
LCU_GB_PER_HOUR = 1.0
# --- edge (issue 14) ---
# The web ACL's rules (cloudformation/edge.yaml; a test keeps the two equal): AWS's common rule set,
# known bad inputs, the IP reputation list, and the per-IP rate limit. A managed rule group is one
# rule on the bill.
WAF_RULES = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
             "AWSManagedRulesAmazonIpReputationList", "RateLimitPerIp")  # fmt: skip


@dataclass(frozen=True)
class Prices:
    region: str
    read_on: str
    hours_per_month: float
    table: dict[str, Any]
    sources: tuple[str, ...]

    def fargate(self, architecture: str, spot: bool) -> dict[str, float]:
        """vCPU-hour and GB-hour rates. Fargate runs ARM64 on Spot (platform 1.4.0+, ECS API reference),
        but the pricing page lists its live Spot rates for X86_64 only: a Spot rate the file lacks is
        estimated with X86_64's Spot discount (Spot ÷ on-demand, per dimension)."""
        table = self.table["fargate"]
        if architecture not in table:
            raise ConfigError(
                f"estimating cost: Fargate has no {architecture} price",
                hint=f"architectures priced: {', '.join(k for k in table if not k.endswith('_SPOT'))}",
            )
        if not spot:
            return table[architecture]
        if not self.spot_rate_is_estimated(architecture):
            return table[f"{architecture}_SPOT"]
        on_demand, x86, x86_spot = table[architecture], table["X86_64"], table["X86_64_SPOT"]
        return {name: on_demand[name] * x86_spot[name] / x86[name] for name in on_demand}

    def spot_rate_is_estimated(self, architecture: str) -> bool:
        return f"{architecture}_SPOT" not in self.table["fargate"]


def load_prices(region: str = "us-east-1", directory: Path = PRICE_DIR) -> Prices:
    file = directory / f"{region}.json"
    if not file.exists():
        have = ", ".join(sorted(p.stem for p in directory.glob("*.json")))
        raise ConfigError(
            f"estimating cost: no price file for region {region}", hint=f"prices exist for: {have}"
        )
    data = json.loads(file.read_text(encoding="utf-8"))
    return Prices(
        region=data["region"],
        read_on=data["read_on"],
        hours_per_month=float(data["hours_per_month"]),
        table=data["prices"],
        sources=tuple(source["url"] for source in data["sources"]),
    )


@dataclass(frozen=True)
class DataUse:
    """How the app uses its stores: what the bill depends on that no setting says (cost's flags)."""

    database_active_hours_per_day: float = 4.0  # the rest of the day the database is idle (paused at 0)
    database_active_acus: float | None = None  # average capacity while active; None: min_acu, at least 0.5
    database_storage_gb: float = 1.0
    database_io_millions: float = 1.0  # Aurora Standard storage bills each million I/Os
    table_gb: float = 1.0
    table_writes_per_request: float = 1.0  # the sample's visit counter: one write per counted request
    table_reads_per_request: float = 1.0
    uploads_gb: float = 1.0
    uploads_put_share: float = 0.01  # of the site's requests, how many store an upload
    uploads_get_share: float = 0.10  # and how many read one


@dataclass(frozen=True)
class Inputs:
    """What the bill depends on, from Settings (or the templates' parameters)."""

    nat_mode: str
    tasks: int
    cpu: int  # CPU units, 1024 = 1 vCPU
    memory: int  # MiB
    architecture: str
    use_spot: bool
    creates_hosted_zone: bool
    log_retention_days: int
    image_retention_count: int
    requests_per_month: int
    sites: int = 1
    cdn: bool = False
    waf: bool = False
    # --- Data stores (issue 16): the settings, and how the app uses them (the user says; see DataUse) ---
    database: str = "none"
    min_acu: float = 0.0
    max_acu: float = 2.0
    table: bool = False
    uploads: bool = False
    data_use: DataUse = field(default_factory=lambda: DataUse())

    @classmethod
    def from_settings(
        cls, settings: Any, requests_per_month: int, sites: int = 1, data_use: DataUse | None = None
    ) -> Inputs:
        return cls(
            nat_mode=settings.nat_mode,
            tasks=settings.desired_count,
            cpu=settings.cpu,
            memory=settings.memory,
            architecture=settings.architecture,
            use_spot=settings.use_spot,
            creates_hosted_zone=not settings.hosted_zone_id,
            log_retention_days=settings.log_retention_days,
            image_retention_count=settings.image_retention_count,
            requests_per_month=requests_per_month,
            sites=sites,
            cdn=settings.cdn,
            waf=settings.waf,
            database=settings.database,
            min_acu=settings.min_acu,
            max_acu=settings.max_acu,
            table=settings.table,
            uploads=settings.uploads,
            data_use=data_use or DataUse(),
        )


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float


@dataclass(frozen=True)
class Estimate:
    items: tuple[LineItem, ...]
    marginal_site: tuple[LineItem, ...]  # what a second site with the same settings and traffic adds
    prices: Prices

    @property
    def total(self) -> float:
        return sum(item.monthly for item in self.items)

    @property
    def marginal_total(self) -> float:
        return sum(item.monthly for item in self.marginal_site)


def priced(name: str, quantity: float, unit: str, unit_price: float) -> LineItem:
    return LineItem(name, quantity, unit, unit_price, quantity * unit_price)


def nat_gateways(nat_mode: str) -> int:
    return {"none": 0, "single": 1, "per-az": AVAILABILITY_ZONES}[nat_mode]


def line_items(inputs: Inputs, prices: Prices) -> tuple[LineItem, ...]:
    """Every item of the monthly bill for `inputs.sites` sites sharing one base stack (one ALB)."""
    p = prices.table
    hours = prices.hours_per_month
    seconds = hours * 3600
    requests = inputs.requests_per_month * inputs.sites
    tasks = inputs.tasks * inputs.sites
    nats = nat_gateways(inputs.nat_mode)

    # LCU: the highest of the dimensions; new connections and processed bytes dominate for a web site.
    new_connections_per_second = requests / REQUESTS_PER_CONNECTION / seconds
    gb_per_hour = requests * BYTES_PER_RESPONSE / GB / hours
    lcu = max(new_connections_per_second / LCU_NEW_CONNECTIONS_PER_SECOND, gb_per_hour / LCU_GB_PER_HOUR)

    rate = prices.fargate(inputs.architecture, inputs.use_spot)
    vcpu_hours = tasks * inputs.cpu / 1024 * hours
    gb_hours = tasks * inputs.memory / 1024 * hours
    kind = inputs.architecture
    if inputs.use_spot:
        kind += " Spot, estimated" if prices.spot_rate_is_estimated(inputs.architecture) else " Spot"

    log_gb = requests * LOG_BYTES_PER_REQUEST / GB
    stored_log_gb = log_gb * inputs.log_retention_days / 30  # steady state, uncompressed (an upper bound)
    pulled_gb = tasks * PULLS_PER_MONTH_PER_TASK * IMAGE_GB
    # Through NAT: image pulls and log shipping (ALB traffic to tasks stays inside the VPC).
    nat_gb = (pulled_gb + log_gb) if nats else 0.0
    task_ips = tasks if inputs.nat_mode == "none" else 0
    # Behind CloudFront the load balancer is dualstack-without-public-ipv4: CloudFront reaches it over
    # IPv6, so it holds no public IPv4 address (cloudformation/resources.yaml, LoadBalancer).
    balancer_ips = 0 if inputs.cdn else AVAILABILITY_ZONES
    public_ips = balancer_ips + task_ips + nats

    item = priced
    return (
        (
            item("ALB hours", hours, "hour", p["alb_hour"]),
            item("ALB LCU", lcu * hours, "LCU-hour", p["alb_lcu_hour"]),
            item(f"Fargate vCPU ({kind})", vcpu_hours, "vCPU-hour", rate["vcpu_hour"]),
            item(f"Fargate memory ({kind})", gb_hours, "GB-hour", rate["gb_hour"]),
            item("NAT gateway hours", nats * hours, "hour", p["nat_gateway_hour"]),
            item("NAT gateway data", nat_gb, "GB", p["nat_gateway_gb"]),
            # one per AZ for the ALB (none behind CloudFront), one per task in a public subnet, one per NAT
            item("Public IPv4 addresses", public_ips * hours, "IP-hour", p["public_ipv4_hour"]),
            item(
                "Route 53 hosted zone", 1 if inputs.creates_hosted_zone else 0, "zone", p["hosted_zone_month"]
            ),
            item("Secrets Manager secret", 1, "secret", p["secret_month"]),
            item("CloudWatch Logs ingest", log_gb, "GB", p["logs_ingest_gb"]),
            item("CloudWatch Logs storage", stored_log_gb, "GB-month", p["logs_storage_gb_month"]),
            item(
                "ECR storage", inputs.image_retention_count * IMAGE_GB, "GB-month", p["ecr_storage_gb_month"]
            ),
        )
        + edge_line_items(inputs, prices)
        + app_secrets_line_items(inputs, prices)
        + data_store_line_items(inputs, prices)
    )


# --- Data stores (issue 16) ---


def database_active_acus(inputs: Inputs) -> float:
    use = inputs.data_use.database_active_acus
    chosen = use if use is not None else max(inputs.min_acu, 0.5)
    return min(max(chosen, inputs.min_acu), inputs.max_acu)


# RDS rotates the database's password every 7 days by default
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html), and each
# site's state machine then starts a new deployment (cloudformation/service.yaml, NewDeployment): one
# Task state, retried at most 3 times, so at most 4 state transitions a run ("Step Functions counts a
# state transition each time a step of your workflow is executed ... including retries",
# https://aws.amazon.com/step-functions/pricing/). The event that starts it is free (prices file).
ROTATION_DAYS = 7
TRANSITIONS_PER_ROTATION = 4  # an upper bound: the task and its three retries


def data_store_line_items(inputs: Inputs, prices: Prices) -> tuple[LineItem, ...]:
    """The base stack's stores, shared by its sites: Aurora capacity while active (the average ACUs the
    user gives) and while idle (min_acu; 0 = paused, nothing billed), storage and I/O, and each site's
    new deployment after a password rotation; the table's requests (per site request) and storage
    (the first 25 GB always free) with point-in-time recovery; the bucket's storage and requests.
    Backups within the cluster's own size are free (not a line).

    Where each price comes from, and which of them the stored AWS pages show (the price tables of the
    Aurora, DynamoDB and S3 pricing pages are drawn by script, so their stored copies have no numbers):
    prices/us-east-1.json, "sources"."""
    use, hours, days = inputs.data_use, prices.hours_per_month, prices.hours_per_month / 24
    requests = inputs.requests_per_month * inputs.sites
    items: list[LineItem] = []
    if inputs.database == "postgres":
        aurora = prices.table["aurora_serverless_v2"]
        active_hours = use.database_active_hours_per_day * days
        acus = database_active_acus(inputs)
        items += [
            priced(
                f"Aurora capacity, active ({acus:g} ACU)", acus * active_hours, "ACU-hour", aurora["acu_hour"]
            ),
            priced(
                f"Aurora capacity, idle ({inputs.min_acu:g} ACU{', paused' if inputs.min_acu == 0 else ''})",
                inputs.min_acu * (hours - active_hours),
                "ACU-hour",
                aurora["acu_hour"],
            ),
            priced("Aurora storage", use.database_storage_gb, "GB-month", aurora["storage_gb_month"]),
            priced("Aurora I/O", use.database_io_millions, "M requests", aurora["io_per_million"]),
            new_deployments_after_rotation(inputs, prices),
        ]
    if inputs.table:
        dynamodb = prices.table["dynamodb_on_demand"]
        items += [
            priced(
                "DynamoDB writes",
                requests * use.table_writes_per_request / 1e6,
                "M WRU",
                dynamodb["write_per_million"],
            ),
            priced(
                "DynamoDB reads",
                requests * use.table_reads_per_request / 1e6,
                "M RRU",
                dynamodb["read_per_million"],
            ),
            priced("DynamoDB storage", use.table_gb, "GB-month", dynamodb["storage_gb_month"]),
            # Per account and region, shared with its other tables; it does not expire.
            priced(
                f"DynamoDB storage, always free (first {dynamodb['free_storage_gb_month']:g} GB)",
                min(use.table_gb, dynamodb["free_storage_gb_month"]),
                "GB-month",
                -dynamodb["storage_gb_month"],
            ),
            priced("DynamoDB point-in-time recovery", use.table_gb, "GB-month", dynamodb["pitr_gb_month"]),
        ]
    if inputs.uploads:
        s3 = prices.table["s3_standard"]
        items += [
            priced("S3 uploads storage", use.uploads_gb, "GB-month", s3["storage_gb_month"]),
            priced(
                "S3 uploads PUT requests",
                requests * use.uploads_put_share / 1000,
                "1k requests",
                s3["put_per_1000"],
            ),
            priced(
                "S3 uploads GET requests",
                requests * use.uploads_get_share / 1000,
                "1k requests",
                s3["get_per_1000"],
            ),
        ]
    return tuple(items)


def new_deployments_after_rotation(inputs: Inputs, prices: Prices) -> LineItem:
    """Every site's state machine runs once a rotation; only transitions beyond Step Functions' free
    4,000 a month (per account, never expiring) are billed."""
    sfn = prices.table["step_functions_standard"]
    transitions = inputs.sites * prices.hours_per_month / 24 / ROTATION_DAYS * TRANSITIONS_PER_ROTATION
    per_transition = sfn["transition_per_1000"] / 1000
    billed = max(0.0, transitions - sfn["free_transitions_month"]) * per_transition
    name = "Step Functions: new deployment after a password rotation (4,000 transitions free)"
    return LineItem(name, transitions, "transition", per_transition, billed)


def database_at_max(inputs: Inputs, prices: Prices) -> float:
    """The database's capacity bill if it ran at max_acu for all its active hours (an upper bound)."""
    active_hours = inputs.data_use.database_active_hours_per_day * prices.hours_per_month / 24
    idle = inputs.min_acu * (prices.hours_per_month - active_hours)
    return (inputs.max_acu * active_hours + idle) * prices.table["aurora_serverless_v2"]["acu_hour"]


# --- The app's secrets (issue 13) ---
APP_SECRETS_LINE = "App secrets (Parameter Store SecureString)"


def app_secrets_line_items(inputs: Inputs, prices: Prices) -> tuple[LineItem, ...]:
    """One standard SecureString per site holds all of that site's secrets: no charge whatever their
    number (Secrets Manager would be `secret_month` per secret)."""
    price = prices.table["ssm_standard_parameter_month"]
    return (LineItem(APP_SECRETS_LINE, inputs.sites, "parameter", price, inputs.sites * price),)


# --- edge (issue 14) ---


def edge_line_items(inputs: Inputs, prices: Prices) -> tuple[LineItem, ...]:
    """CloudFront (requests, GB out, and its always-free allowance as a line of its own) and the WAF
    (web ACL, rules, requests). Every request is counted at CloudFront and at the WAF; the load
    balancer lines above still count every request too (no cache hits assumed: an upper bound)."""
    requests = inputs.requests_per_month * inputs.sites
    items: list[LineItem] = []
    if inputs.cdn:
        cloudfront = prices.table["cloudfront"]
        gb_out = requests * BYTES_PER_RESPONSE / GB
        # HTTPS, United States, Mexico and Canada: every viewer request is HTTPS (HTTP only redirects).
        # https://aws.amazon.com/cloudfront/pricing/ (prices/us-east-1.json says how it was checked)
        per_10k = cloudfront["https_requests_per_10k"]
        free_value = (
            min(requests, cloudfront["free_requests_month"]) / 10_000 * per_10k
            + min(gb_out, cloudfront["free_data_out_gb_month"]) * cloudfront["data_out_gb"]
        )
        items += [
            priced("CloudFront HTTPS requests", requests / 10_000, "10k requests", per_10k),
            priced("CloudFront data out", gb_out, "GB", cloudfront["data_out_gb"]),
            priced("CloudFront always-free allowance", 1, "month", -free_value),
        ]
    if inputs.waf:
        waf = prices.table["waf"]
        items += [
            priced("WAF web ACL", 1, "web ACL", waf["web_acl_month"]),
            priced("WAF rules", len(WAF_RULES), "rule", waf["rule_month"]),
            priced("WAF requests", requests / 1_000_000, "M requests", waf["requests_per_million"]),
        ]
    return tuple(items)


def estimate(inputs: Inputs, prices: Prices) -> Estimate:
    """The bill for `inputs`, and what one more site with the same settings and traffic adds to it."""
    items = line_items(inputs, prices)
    more = line_items(_with_sites(inputs, inputs.sites + 1), prices)
    marginal = tuple(
        LineItem(b.name, b.quantity - a.quantity, b.unit, b.unit_price, b.monthly - a.monthly)
        for a, b in zip(items, more, strict=True)
        if abs(b.monthly - a.monthly) > 1e-9
    )
    return Estimate(items=items, marginal_site=marginal, prices=prices)


def _with_sites(inputs: Inputs, sites: int) -> Inputs:
    from dataclasses import replace

    return replace(inputs, sites=sites)
