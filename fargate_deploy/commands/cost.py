"""`deploy.py cost`: the monthly bill, line by line, for the settings or a profile."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.table import Table

from .. import console
from ..cost import PROFILES, Inputs, estimate, load_prices
from ..settings import DEFAULT_FILE, ENV_PREFIX, load_settings

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
def cost_command(profile, requests_per_month, **flags) -> None:
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
    result = estimate(Inputs.from_settings(settings, requests_per_month), prices)

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
    table.add_row("[bold]total[/]", "", "", f"[bold]{result.total:.2f}[/]")
    console.out.print(table)
    console.out.print(
        f"One more site on the same ALB (same settings and traffic) adds "
        f"{result.marginal_total:.2f} USD/month: "
        + ", ".join(f"{item.name} {item.monthly:.2f}" for item in result.marginal_site)
    )
    # --- The app's secrets (issue 13) ---
    console.out.print(
        f"App secrets (python3 deploy.py secret set): "
        f"{prices.table['ssm_standard_parameter_month']:.2f} USD per secret per month, all of a site's in "
        f"one Parameter Store standard SecureString (Secrets Manager would be "
        f"{prices.table['secret_month']:.2f} USD per secret per month)"
    )
    console.out.print(
        f"Prices: {prices.region}, read {prices.read_on} ({len(prices.sources)} AWS pricing pages, "
        "fargate_deploy/prices/); assumptions in docs/costs.md. "
        "Taxes, data transfer out of the load balancer and free tiers other than CloudFront's excluded."
    )


COMMANDS: list[click.Command] = [cost_command]
