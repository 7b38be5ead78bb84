"""`deploy.py cost`: the monthly bill, line by line, for the settings or a profile."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import console
from ..cost import (
    PROFILES,
    DataUse,
    Estimate,
    Inputs,
    LineItem,
    Prices,
    database_at_max,
    estimate,
    load_prices,
)
from ..reporter import Reporter
from ..settings import DEFAULT_FILE, ENV_PREFIX, load_settings
from .options import with_reporter

PLACEHOLDER_DOMAIN = "example.com"  # the domain does not change the bill


@click.command("cost")
@click.option("--profile", type=click.Choice(sorted(PROFILES)), help="Start from a profile (docs/costs.md).")
@click.option(
    "--requests-per-month", type=click.IntRange(0), default=1_000_000, show_default=True, help="Site traffic."
)
@click.option("--nat-mode", type=click.Choice(["none", "single", "per-az"]), help="Override nat_mode.")
@click.option("--cpu", type=int, help="Override cpu (CPU units; 1024 = 1 vCPU).")
@click.option("--memory", type=int, help="Override memory (MiB).")
@click.option("--architecture", type=click.Choice(["X86_64", "ARM64"], case_sensitive=False))
@click.option("--spot/--no-spot", "use_spot", default=None, help="Override use_spot.")
@click.option("--desired-count", type=int, help="Override desired_count (tasks).")
@click.option("--log-retention-days", type=int, help="Override log_retention_days.")
# --- edge (issue 14) ---
@click.option("--cdn/--no-cdn", "cdn", default=None, help="Override cdn (CloudFront in front).")
@click.option("--waf/--no-waf", "waf", default=None, help="Override waf (a web ACL with managed rules).")
# --- Data stores (issue 16): the stores, and how the app uses them ---
@click.option("--database", type=click.Choice(["none", "postgres"]), help="Override database.")
@click.option("--min-acu", type=float, help="Override min_acu (0 = the database pauses when idle).")
@click.option("--max-acu", type=float, help="Override max_acu.")
@click.option("--table/--no-table", "table", default=None, help="Override table.")
@click.option("--uploads/--no-uploads", "uploads", default=None, help="Override uploads.")
@click.option(
    "--db-active-hours", type=click.FloatRange(0, 24), default=4.0, show_default=True,
    help="Hours a day the database is in use; the rest it idles at min_acu (paused at 0).",
)  # fmt: skip
@click.option(
    "--db-active-acus", type=click.FloatRange(0, 256),
    help="Average ACUs while in use (default: min_acu, at least 0.5; never above max_acu).",
)  # fmt: skip
@click.option("--db-storage-gb", type=click.FloatRange(0), default=1.0, show_default=True)
@click.option("--table-gb", type=click.FloatRange(0), default=1.0, show_default=True)
@click.option("--uploads-gb", type=click.FloatRange(0), default=1.0, show_default=True)
@with_reporter
def cost_command(
    reporter: Reporter,
    profile,
    requests_per_month,
    db_active_hours,
    db_active_acus,
    db_storage_gb,
    table_gb,
    uploads_gb,
    **flags,
) -> None:
    """Estimate the monthly AWS bill (us-east-1 prices) and what one more site adds."""
    overrides = dict(PROFILES[profile]) if profile else {}
    if flags.get("desired_count") is not None:
        # One more task than the profile's floor must not trip min_count ≤ desired_count.
        overrides["min_count"] = min(flags["desired_count"], overrides.get("min_count", 1))
    overrides.update({key: value for key, value in flags.items() if value is not None})
    if not Path(DEFAULT_FILE).exists() and f"{ENV_PREFIX}DOMAIN" not in os.environ:
        overrides.setdefault("domain", PLACEHOLDER_DOMAIN)
    settings = load_settings(overrides=overrides)
    prices = load_prices("us-east-1")
    data_use = DataUse(
        database_active_hours_per_day=db_active_hours,
        database_active_acus=db_active_acus,
        database_storage_gb=db_storage_gb,
        table_gb=table_gb,
        uploads_gb=uploads_gb,
    )
    inputs = Inputs.from_settings(settings, requests_per_month, data_use=data_use)
    result = estimate(inputs, prices)

    title = f"Monthly estimate, {profile or 'your settings'}, {requests_per_month:,} requests/month"
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("item", "left"),
        ("quantity", "right"),
        ("unit price", "right"),
        ("USD", "right"),
    ):
        table.add_column(column, justify=justify)
    for item in result.items:
        table.add_row(
            item.name, f"{item.quantity:,.2f} {item.unit}", f"{item.unit_price:g}", f"{item.monthly:.2f}"
        )
    table.add_row("total", "", "", f"{result.total:.2f}")
    lines = console.text_lines(table)
    lines.append(
        f"One more site on the same ALB (same settings and traffic) adds "
        f"{result.marginal_total:.2f} USD/month: "
        + ", ".join(f"{item.name} {item.monthly:.2f}" for item in result.marginal_site)
    )
    # --- The app's secrets (issue 13) ---
    lines.append(
        f"App secrets (python3 deploy.py secret set): "
        f"{prices.table['ssm_standard_parameter_month']:.2f} USD per secret per month, all of a site's in "
        f"one Parameter Store standard SecureString (Secrets Manager would be "
        f"{prices.table['secret_month']:.2f} USD per secret per month)"
    )
    database = database_note(inputs, prices, db_active_hours)
    if database:  # --- Data stores (issue 16) ---
        lines.append(
            f"Database: {db_active_hours:g} h a day in use, {24 - db_active_hours:g} h idle at "
            f"{inputs.min_acu:g} ACU{' (paused: storage only)' if database['paused_when_idle'] else ''}; "
            f"at max_acu ({inputs.max_acu:g}) for every hour in use its capacity would cost "
            f"{database['at_max_acu_usd_per_month']:.2f} USD/month. A paused database wakes in about "
            f"{WAKE_SECONDS} s (AWS's figure); the first request after a pause waits that long."
        )
    lines.append(
        f"Prices: {prices.region}, read {prices.read_on} ({len(prices.sources)} AWS pricing pages, "
        "fargate_deploy/prices/); assumptions in docs/costs.md. "
        "Taxes, data transfer out of the load balancer and free tiers other than CloudFront's, DynamoDB's"
        " storage and Step Functions' excluded."
    )
    reporter.result(cost_payload(profile, requests_per_month, result, database), lines)


WAKE_SECONDS = 15  # a paused Aurora Serverless v2 database resumes in about this long (AWS's figure)


def database_note(inputs: Inputs, prices: Prices, active_hours: float) -> dict[str, Any] | None:
    """The database line's values (postgres only): how the hours split, and the capacity at max_acu."""
    if inputs.database != "postgres":
        return None
    return {
        "active_hours_per_day": active_hours,
        "idle_hours_per_day": 24 - active_hours,
        "min_acu": inputs.min_acu,
        "max_acu": inputs.max_acu,
        "paused_when_idle": inputs.min_acu == 0,
        "at_max_acu_usd_per_month": database_at_max(inputs, prices),
        "wake_seconds": WAKE_SECONDS,
    }


def cost_payload(
    profile: str | None, requests_per_month: int, result: Estimate, database: dict[str, Any] | None
) -> dict[str, Any]:
    """cost --json: the same numbers as the table and the lines under it."""
    prices = result.prices

    def items(line_items: tuple[LineItem, ...]) -> list[dict[str, Any]]:
        return [
            {
                "name": item.name,
                "quantity": item.quantity,
                "unit": item.unit,
                "unit_price_usd": item.unit_price,
                "monthly_usd": item.monthly,
            }
            for item in line_items
        ]

    return {
        "profile": profile,
        "requests_per_month": requests_per_month,
        "items": items(result.items),
        "total_usd": result.total,
        "one_more_site": {"items": items(result.marginal_site), "total_usd": result.marginal_total},
        "app_secrets": {
            "parameter_store_usd_per_secret_month": prices.table["ssm_standard_parameter_month"],
            "secrets_manager_usd_per_secret_month": prices.table["secret_month"],
        },
        "database": database,
        "prices": {"region": prices.region, "read_on": prices.read_on, "sources": len(prices.sources)},
    }


COMMANDS: list[click.Command] = [cost_command]
