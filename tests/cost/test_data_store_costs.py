"""Data stores (issue 16) on the bill: Aurora capacity while in use and while idle (nothing while
paused at 0 ACUs), storage and I/O; the table's requests, storage and point-in-time recovery; the
bucket's storage and requests — shared by every site of the base stack."""

from __future__ import annotations

import pytest

from fargate_deploy import cli
from fargate_deploy.cost import DataUse, Inputs, database_at_max, estimate, line_items, load_prices

PRICES = load_prices("us-east-1")
HOURS = PRICES.hours_per_month
BASE = dict(nat_mode="none", tasks=1, cpu=256, memory=512, architecture="X86_64", use_spot=False,
            creates_hosted_zone=False, log_retention_days=30, image_retention_count=20)  # fmt: skip


def lines(**inputs) -> dict[str, float]:
    return {
        i.name: i for i in line_items(Inputs(**{**BASE, "requests_per_month": 100_000, **inputs}), PRICES)
    }


def test_no_store_no_line():
    assert not [name for name in lines() if name.startswith(("Aurora", "DynamoDB", "S3 uploads"))]


def test_a_database_paused_20_hours_a_day_bills_4_hours_of_capacity_and_its_storage():
    items = lines(
        database="postgres", min_acu=0.0, max_acu=2.0, data_use=DataUse(database_active_hours_per_day=4)
    )
    acu = PRICES.table["aurora_serverless_v2"]["acu_hour"]
    active = items["Aurora capacity, active (0.5 ACU)"]
    assert active.quantity == pytest.approx(0.5 * 4 * HOURS / 24)
    assert active.monthly == pytest.approx(0.5 * 4 * HOURS / 24 * acu)
    assert items["Aurora capacity, idle (0 ACU, paused)"].monthly == 0
    assert items["Aurora storage"].quantity == 1.0
    assert items["Aurora I/O"].quantity == 1.0


def test_a_database_that_never_pauses_bills_its_minimum_all_the_idle_hours():
    items = lines(
        database="postgres", min_acu=1.0, max_acu=4.0, data_use=DataUse(database_active_hours_per_day=6)
    )
    assert items["Aurora capacity, idle (1 ACU)"].quantity == pytest.approx(HOURS - 6 * HOURS / 24)
    assert items["Aurora capacity, active (1 ACU)"].quantity == pytest.approx(6 * HOURS / 24)


@pytest.mark.parametrize(("given", "expected"), [(None, 0.5), (8.0, 2.0), (0.0, 0.0)])
def test_the_capacity_in_use_stays_within_min_and_max(given, expected):
    items = lines(database="postgres", min_acu=0.0, max_acu=2.0, data_use=DataUse(database_active_acus=given))
    assert f"Aurora capacity, active ({expected:g} ACU)" in items


def test_the_upper_bound_is_max_acu_for_every_hour_in_use():
    inputs = Inputs(**BASE, requests_per_month=0, database="postgres", min_acu=0.0, max_acu=2.0)
    assert database_at_max(inputs, PRICES) == pytest.approx(2 * 4 * HOURS / 24 * 0.12)


def test_table_and_uploads_follow_the_requests_and_are_shared_by_the_sites():
    one = lines(table=True, uploads=True)
    assert one["DynamoDB writes"].quantity == pytest.approx(0.1)  # 100,000 requests, one write each
    assert one["DynamoDB point-in-time recovery"].quantity == 1.0
    assert one["S3 uploads PUT requests"].quantity == pytest.approx(1.0)  # 1 % of requests, per 1,000
    marginal = {i.name for i in estimate(Inputs(**BASE, requests_per_month=100_000, table=True, uploads=True,
                                                database="postgres"), PRICES).marginal_site}  # fmt: skip
    # A second site adds its requests, never a second database, table or bucket.
    assert "DynamoDB writes" in marginal
    assert not marginal & {
        "Aurora storage",
        "DynamoDB storage",
        "S3 uploads storage",
        "Aurora capacity, active (0.5 ACU)",
    }


def test_the_cost_command_prices_the_stores_and_says_what_a_pause_costs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    code = cli.main(["cost", "--database", "postgres", "--table", "--uploads", "--db-active-hours", "4"])
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "Aurora capacity, active (0.5 ACU)" in out
        and "DynamoDB writes" in out
        and "S3 uploads storage" in out
    )
    assert "Database: 4 h a day in use, 20 h idle at 0 ACU (paused: storage only)" in out
    assert "wakes in about 15 s" in out


def test_the_cost_command_refuses_a_bad_mix(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["cost", "--database", "postgres", "--db-active-hours", "30"]) == 2
    assert "--db-active-hours" in capsys.readouterr().err


def test_the_tables_first_25_gb_are_always_free():
    # "The first 25 GB consumed per month is free, and prices start from $0.25 per GB-month
    # thereafter" (https://aws.amazon.com/dynamodb/pricing/; prices/us-east-1.json says how read).
    small = lines(table=True, data_use=DataUse(table_gb=1.0))
    free = small["DynamoDB storage, always free (first 25 GB)"]
    assert small["DynamoDB storage"].monthly + free.monthly == pytest.approx(0)
    large = lines(table=True, data_use=DataUse(table_gb=40.0))
    billed = large["DynamoDB storage"].monthly + large["DynamoDB storage, always free (first 25 GB)"].monthly
    assert billed == pytest.approx(15 * 0.25)
    assert large["DynamoDB point-in-time recovery"].monthly == pytest.approx(40 * 0.20)  # no free part


STEP_FUNCTIONS = "Step Functions: new deployment after a password rotation (4,000 transitions free)"


def test_the_new_deployment_after_each_password_rotation_is_free_until_4000_transitions():
    # One run per site every 7 days, at most 4 transitions a run (the task and its 3 retries).
    one = lines(database="postgres")[STEP_FUNCTIONS]
    assert one.quantity == pytest.approx(HOURS / 24 / 7 * 4)  # about 17 a month
    assert one.monthly == 0
    assert STEP_FUNCTIONS not in lines(table=True)  # only with a database
    many = lines(database="postgres", sites=300)[STEP_FUNCTIONS]
    assert many.monthly == pytest.approx((300 * HOURS / 24 / 7 * 4 - 4000) * 0.025 / 1000)
