"""`deploy.py cost --json`: one JSON document on stdout holding the numbers of the table and the lines
under it, checked against the estimate computed here from the same settings."""

from __future__ import annotations

import json

import pytest

from fargate_deploy import cli
from fargate_deploy.commands.cost import WAKE_SECONDS
from fargate_deploy.cost import PROFILES, DataUse, Inputs, database_at_max, estimate, load_prices
from fargate_deploy.errors import ExitCode
from fargate_deploy.settings import load_settings

from .test_cost import no_settings  # noqa: F401 (a fixture)


def expected(overrides: dict, data_use: DataUse | None = None) -> tuple[Inputs, object]:
    settings = load_settings(path=None, env={}, overrides={"domain": "example.com", **overrides})
    inputs = Inputs.from_settings(settings, 1_000_000, data_use=data_use or DataUse())
    return inputs, estimate(inputs, load_prices("us-east-1"))


def as_json(items) -> list[dict]:
    return [
        {
            "name": i.name,
            "quantity": pytest.approx(i.quantity),
            "unit": i.unit,
            "unit_price_usd": pytest.approx(i.unit_price),
            "monthly_usd": pytest.approx(i.monthly),
        }
        for i in items
    ]


def run_json(capsys, argv: list[str]) -> tuple[int, dict, str]:
    code = cli.main(["cost", "--json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.usefixtures("no_settings")
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_line_item_the_total_and_one_more_site(profile, capsys):
    code, result, err = run_json(capsys, ["--profile", profile])
    assert code == ExitCode.DONE and err == ""
    _, want = expected(dict(PROFILES[profile]))
    assert result["profile"] == profile and result["requests_per_month"] == 1_000_000
    assert result["items"] == as_json(want.items)
    assert result["total_usd"] == pytest.approx(want.total)
    assert result["one_more_site"]["items"] == as_json(want.marginal_site)
    assert result["one_more_site"]["total_usd"] == pytest.approx(want.marginal_total)
    prices = want.prices
    assert result["app_secrets"] == {
        "parameter_store_usd_per_secret_month": prices.table["ssm_standard_parameter_month"],
        "secrets_manager_usd_per_secret_month": prices.table["secret_month"],
    }
    assert result["prices"] == {
        "region": "us-east-1",
        "read_on": prices.read_on,
        "sources": len(prices.sources),
    }
    assert result["database"] is None


@pytest.mark.usefixtures("no_settings")
def test_the_database_note_values_when_postgres(capsys):
    code, result, _ = run_json(capsys, ["--database", "postgres", "--min-acu", "0", "--db-active-hours", "6"])
    assert code == ExitCode.DONE
    inputs, want = expected({"database": "postgres", "min_acu": 0}, DataUse(database_active_hours_per_day=6))
    assert result["items"] == as_json(want.items)
    assert result["database"] == {
        "active_hours_per_day": 6,
        "idle_hours_per_day": 18,
        "min_acu": inputs.min_acu,
        "max_acu": inputs.max_acu,
        "paused_when_idle": True,
        "at_max_acu_usd_per_month": pytest.approx(database_at_max(inputs, want.prices)),
        "wake_seconds": WAKE_SECONDS,
    }


@pytest.mark.usefixtures("no_settings")
def test_json_holds_no_rich_markup_or_colour(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    code = cli.main(["cost", "--json", "--profile", "lean"])
    out = capsys.readouterr().out
    assert code == ExitCode.DONE
    assert "\x1b[" not in out and "[bold]" not in out and "[/]" not in out
    json.loads(out)  # exactly one document


@pytest.mark.usefixtures("no_settings")
def test_bad_input_with_json_is_still_one_error_line_and_exit_2(capsys):
    assert cli.main(["cost", "--json", "--profile", "lean", "--memory", "4096"]) == ExitCode.REFUSED
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.splitlines()
    assert err[0].startswith("error: settings 'cpu' = 256 and 'memory' = 4096") and err[1].startswith("hint:")
    assert len(err) == 2
