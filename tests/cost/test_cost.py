"""The cost arithmetic against hand-computed bills (us-east-1 prices of the committed price file)."""

import dataclasses
import json
import os
from pathlib import Path

import pytest

from fargate_deploy import cli
from fargate_deploy.cost import PRICE_DIR, PROFILES, Inputs, estimate, load_prices
from fargate_deploy.errors import ConfigError, ExitCode


@pytest.fixture
def prices():
    return load_prices("us-east-1")


def _by_name(items):
    return {item.name: item.monthly for item in items}


def test_price_file_is_dated_and_names_its_sources():
    data = json.loads((PRICE_DIR / "us-east-1.json").read_text())
    assert data["read_on"] and data["region"] == "us-east-1"
    assert all(source["url"].startswith("https://") and source["read_on"] for source in data["sources"])
    # Only rates read off the page: ARM64 Spot is estimated in code, never stored as if it had been read.
    assert "X86_64_SPOT" in data["prices"]["fargate"] and "ARM64_SPOT" not in data["prices"]["fargate"]


# The lean profile's inputs at 1,000,000 requests a month, computed by hand below.
LEAN_ONE_MILLION = Inputs(
    nat_mode="none", tasks=1, cpu=256, memory=512, architecture="X86_64", use_spot=True,
    creates_hosted_zone=True, log_retention_days=30, image_retention_count=20,
    requests_per_month=1_000_000,
)  # fmt: skip


def test_lean_one_million_requests_by_hand(prices):
    items = _by_name(estimate(LEAN_ONE_MILLION, prices).items)
    # ALB: 730 h × 0.0225 = 16.425
    assert items["ALB hours"] == pytest.approx(16.425)
    # LCU: 1e6 req / (730 × 3600 s) = 0.380518 conn/s → /25 = 0.0152207 LCU;
    #      bytes: 1e6 × 50 kB = 50 GB / 730 h = 0.0684932 GB/h → 0.0684932 LCU (the larger);
    #      × 730 h = 50 LCU-hours × 0.008 = 0.40
    assert items["ALB LCU"] == pytest.approx(0.40)
    # Spot x86: 0.25 vCPU × 730 h = 182.5 × 0.01334058 = 2.43465585;
    #           0.5 GB × 730 h = 365 × 0.00146489 = 0.53468485
    assert items["Fargate vCPU (X86_64 Spot)"] == pytest.approx(2.43465585)
    assert items["Fargate memory (X86_64 Spot)"] == pytest.approx(0.53468485)
    # No NAT: nothing.
    assert items["NAT gateway hours"] == 0 and items["NAT gateway data"] == 0
    # IPv4: 2 (ALB, one per AZ) + 1 task = 3 × 730 h × 0.005 = 10.95
    assert items["Public IPv4 addresses"] == pytest.approx(10.95)
    assert items["Route 53 hosted zone"] == pytest.approx(0.50)
    assert items["Secrets Manager secret"] == pytest.approx(0.40)
    # Logs: 1e6 × 300 B = 0.3 GB × 0.50 = 0.15; stored 0.3 GB × 30/30 days × 0.03 = 0.009
    assert items["CloudWatch Logs ingest"] == pytest.approx(0.15)
    assert items["CloudWatch Logs storage"] == pytest.approx(0.009)
    # ECR: 20 images × 0.1 GB = 2 GB × 0.10 = 0.20
    assert items["ECR storage"] == pytest.approx(0.20)
    # Sum: 16.425+0.40+2.43465585+0.53468485+10.95+0.50+0.40+0.15+0.009+0.20 = 32.0033407
    assert estimate(LEAN_ONE_MILLION, prices).total == pytest.approx(32.0033407)


def test_ha_per_az_nat_on_demand_arm_by_hand(prices):
    inputs = Inputs(
        nat_mode="per-az", tasks=2, cpu=512, memory=1024, architecture="ARM64", use_spot=False,
        creates_hosted_zone=False, log_retention_days=90, image_retention_count=10,
        requests_per_month=100_000_000,
    )  # fmt: skip
    result = estimate(inputs, prices)
    items = _by_name(result.items)
    # LCU: 1e8 / 2,628,000 s = 38.0518 conn/s /25 = 1.52207 LCU; bytes 5000 GB / 730 h = 6.84932 LCU (larger)
    #      → 5000 LCU-hours × 0.008 = 40.00
    assert items["ALB LCU"] == pytest.approx(40.0)
    # ARM on-demand: 2 × 0.5 vCPU × 730 = 730 vCPU-h × 0.03238 = 23.6374;
    #                2 × 1 GB × 730 = 1460 GB-h × 0.00356 = 5.1976
    assert items["Fargate vCPU (ARM64)"] == pytest.approx(23.6374)
    assert items["Fargate memory (ARM64)"] == pytest.approx(5.1976)
    # NAT: 2 gateways × 730 h × 0.045 = 65.70;
    #      data: pulls 2 tasks × 30 × 0.1 GB = 6 GB + logs 1e8 × 300 B = 30 GB → 36 GB × 0.045 = 1.62
    assert items["NAT gateway hours"] == pytest.approx(65.70)
    assert items["NAT gateway data"] == pytest.approx(1.62)
    # IPv4: 2 ALB + 0 tasks (private subnets) + 2 NAT EIPs = 4 × 730 × 0.005 = 14.60
    assert items["Public IPv4 addresses"] == pytest.approx(14.60)
    # An existing zone is not billed by this stack.
    assert items["Route 53 hosted zone"] == 0
    # Logs: 30 GB × 0.50 = 15.00; stored 30 × 90/30 = 90 GB × 0.03 = 2.70
    assert items["CloudWatch Logs ingest"] == pytest.approx(15.0)
    assert items["CloudWatch Logs storage"] == pytest.approx(2.70)
    # ECR: 10 × 0.1 GB × 0.10 = 0.10
    assert items["ECR storage"] == pytest.approx(0.10)


def test_one_more_site_adds_its_tasks_traffic_and_task_ips_but_not_the_alb_nat_zone_or_secret(prices):
    inputs = Inputs(
        nat_mode="none", tasks=1, cpu=256, memory=512, architecture="X86_64", use_spot=False,
        creates_hosted_zone=True, log_retention_days=30, image_retention_count=20,
        requests_per_month=1_000_000,
    )  # fmt: skip
    marginal = _by_name(estimate(inputs, prices).marginal_site)
    # On-demand x86: 182.5 × 0.04048 = 7.3876; 365 × 0.004445 = 1.622425; one more task IP 730 × 0.005 = 3.65;
    # its traffic: LCU 0.40, logs 0.15 + 0.009.
    assert marginal == pytest.approx(
        {
            "ALB LCU": 0.40,
            "Fargate vCPU (X86_64)": 7.3876,
            "Fargate memory (X86_64)": 1.622425,
            "Public IPv4 addresses": 3.65,
            "CloudWatch Logs ingest": 0.15,
            "CloudWatch Logs storage": 0.009,
        }
    )
    assert estimate(inputs, prices).marginal_total == pytest.approx(13.219025)


def test_arm64_spot_is_estimated_with_the_x86_spot_discount(prices):
    # The file lists no ARM64 Spot rate: ARM64 on-demand × (X86_64 Spot ÷ X86_64 on-demand).
    # vCPU: 0.03238 × 0.01334058 / 0.04048 = 0.0106711457...; memory: 0.00356 × 0.00146489 / 0.004445
    # = 0.0011732302...
    assert prices.spot_rate_is_estimated("ARM64") and not prices.spot_rate_is_estimated("X86_64")
    assert prices.fargate("ARM64", spot=True) == pytest.approx(
        {"vcpu_hour": 0.0106711458, "gb_hour": 0.0011732302}
    )
    items = _by_name(estimate(dataclasses.replace(LEAN_ONE_MILLION, architecture="ARM64"), prices).items)
    # 0.25 vCPU × 730 h = 182.5 vCPU-h × 0.0106711458 = 1.9474841; 0.5 GB × 730 h = 365 GB-h × 0.0011732302
    # = 0.4282290.
    assert items["Fargate vCPU (ARM64 Spot, estimated)"] == pytest.approx(1.9474841)
    assert items["Fargate memory (ARM64 Spot, estimated)"] == pytest.approx(0.4282290)


def test_an_unpriced_architecture_is_a_config_error(prices):
    with pytest.raises(ConfigError, match="Fargate has no RISCV64 price"):
        prices.fargate("RISCV64", spot=False)


def test_profiles_are_valid_settings():
    from fargate_deploy.settings import load_settings

    for name, overrides in PROFILES.items():
        settings = load_settings(path=None, env={}, overrides={"domain": "example.com", **overrides})
        assert settings.cpu and settings.memory, name


@pytest.fixture
def no_settings(tmp_path, monkeypatch):
    """No deploy.toml and no FLASKCOM_* variables: only the profile and the flags count."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("FLASKCOM_")]:
        monkeypatch.delenv(name)


def test_cost_command_prints_items_total_and_marginal(no_settings, capsys):
    assert cli.main(["cost", "--profile", "lean"]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert "24.70" in out  # the hand-computed lean total with CloudFront (test_lean_profile_...)
    assert "One more site on the same ALB" in out and "Public IPv4 addresses" in out
    assert "CloudFront always-free allowance" in out and "WAF" not in out


def test_the_app_secrets_cost_nothing_and_the_command_says_both_prices(prices, no_settings, capsys):
    items = _by_name(estimate(LEAN_ONE_MILLION, prices).items)
    assert items["App secrets (Parameter Store SecureString)"] == 0.0
    assert cli.main(["cost"]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert "App secrets (python3 deploy.py secret set): 0.00 USD per secret per month" in out
    assert "(Secrets Manager would be 0.40 USD per secret per month)" in out


def test_cost_command_says_when_a_spot_rate_is_estimated(no_settings, capsys):
    assert cli.main(["cost", "--profile", "lean", "--architecture", "ARM64"]) == ExitCode.DONE
    assert "ARM64 Spot, estimated" in capsys.readouterr().out


def test_cost_command_refuses_a_bad_combination_with_error_and_hint(no_settings, capsys):
    assert cli.main(["cost", "--profile", "lean", "--memory", "4096"]) == ExitCode.REFUSED
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: settings 'cpu' = 256 and 'memory' = 4096: Fargate does not offer")
    assert err[1].startswith("hint:")


def test_missing_price_file_names_the_regions_that_exist(tmp_path):
    with pytest.raises(ConfigError, match="no price file for region eu-west-1"):
        load_prices("eu-west-1", directory=PRICE_DIR)
    assert Path(PRICE_DIR / "us-east-1.json").exists()


# --- edge (issue 14): CloudFront, WAF, the public IPv4 addresses per design, the two profiles ---

LEAN_BEHIND_CLOUDFRONT = dataclasses.replace(LEAN_ONE_MILLION, cdn=True)


def test_cloudfront_lines_and_the_always_free_allowance_by_hand(prices):
    items = _by_name(estimate(LEAN_BEHIND_CLOUDFRONT, prices).items)
    # 1e6 requests / 10,000 = 100 × 0.0100 = 1.00; 1e6 × 50 kB = 50 GB × 0.085 = 4.25
    assert items["CloudFront HTTPS requests"] == pytest.approx(1.00)
    assert items["CloudFront data out"] == pytest.approx(4.25)
    # Both inside the always-free 10 M requests and 1 TB: the allowance line cancels them.
    assert items["CloudFront always-free allowance"] == pytest.approx(-5.25)
    # The load balancer is dualstack-without-public-ipv4: only the task's address is billed, 730 × 0.005.
    assert items["Public IPv4 addresses"] == pytest.approx(3.65)
    assert not any(name.startswith("WAF") for name in items)


def test_the_free_allowance_stops_at_10_million_requests_and_1_tb(prices):
    busy = dataclasses.replace(LEAN_BEHIND_CLOUDFRONT, requests_per_month=40_000_000)
    items = _by_name(estimate(busy, prices).items)
    # 4e7 / 1e4 = 4000 × 0.01 = 40.00; 4e7 × 50 kB = 2000 GB × 0.085 = 170.00
    assert items["CloudFront HTTPS requests"] == pytest.approx(40.0)
    assert items["CloudFront data out"] == pytest.approx(170.0)
    # Free: 1e7 / 1e4 × 0.01 = 10.00 and 1000 GB × 0.085 = 85.00
    assert items["CloudFront always-free allowance"] == pytest.approx(-95.0)


def test_waf_lines_by_hand(prices):
    items = _by_name(estimate(dataclasses.replace(LEAN_BEHIND_CLOUDFRONT, waf=True), prices).items)
    # One web ACL 5.00; 4 rules (three managed groups + the rate limit) × 1.00; 1 M requests × 0.60
    assert items["WAF web ACL"] == pytest.approx(5.00)
    assert items["WAF rules"] == pytest.approx(4.00)
    assert items["WAF requests"] == pytest.approx(0.60)


def test_waf_rule_count_is_the_templates():
    """The bill counts the rules the web ACL really has (cloudformation/edge.yaml)."""
    from fargate_deploy.cost import WAF_RULES
    from tests.templates.render import EDGE, load

    (acl,) = [r for r in load(EDGE)["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    assert tuple(rule["Name"] for rule in acl["Properties"]["Rules"]) == WAF_RULES


def test_lean_profile_is_25_usd_or_less_at_one_million_requests(prices):
    from fargate_deploy.settings import load_settings

    settings = load_settings(path=None, env={}, overrides={"domain": "example.com", **PROFILES["lean"]})
    result = estimate(Inputs.from_settings(settings, 1_000_000), prices)
    assert settings.cdn and settings.use_spot and settings.desired_count == 1
    # 32.0033407 without CloudFront (test_lean_one_million_requests_by_hand), less the ALB's two
    # public IPv4 addresses 2 × 730 × 0.005 = 7.30; CloudFront's lines cancel in the free allowance.
    assert result.total == pytest.approx(24.7033407)
    assert result.total <= 25.0


def test_ha_profile_is_75_usd_or_less_without_nat(prices):
    from fargate_deploy.settings import load_settings

    settings = load_settings(path=None, env={}, overrides={"domain": "example.com", **PROFILES["ha"]})
    result = estimate(Inputs.from_settings(settings, 1_000_000), prices)
    items = _by_name(result.items)
    assert settings.nat_mode == "none" and settings.desired_count == settings.min_count == 2
    assert items["NAT gateway hours"] == 0
    # 16.425 + 0.40 + 23.6374 + 5.1976 + IPv4 2 tasks × 730 × 0.005 = 7.30 + 0.50 + 0.40 + 0.15 + 0.009
    # + 0.20 = 54.219; CloudFront inside its free allowance.
    assert result.total == pytest.approx(54.219)
    assert result.total <= 75.0


def test_cost_command_prices_the_waf_when_asked(no_settings, capsys):
    assert cli.main(["cost", "--profile", "lean", "--waf"]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert "WAF web ACL" in out and "34.30" in out  # 24.70 + 5.00 + 4.00 + 0.60
