"""`deploy.py init`: at a terminal (a real pseudo-terminal, pexpect), with flags and --yes, and refusing
to overwrite; AWS is the moto server (accounts, zones), DNS a server on 127.0.0.1."""

from __future__ import annotations

import os
import re
import sys
import tomllib

import boto3
import pexpect
import pytest
from moto.moto_api._internal import mock_random
from moto.route53 import models as route53_models

from fargate_deploy import initialize
from fargate_deploy.cli import main
from fargate_deploy.settings import load_settings
from tests.docker_engine import REPO
from tests.init.dns_server import NameServerTable


@pytest.fixture
def aws_shaped_zone_ids(monkeypatch):
    # Route 53 zone ids are "Z" and upper-case letters and digits (/hostedzone/Z1D633PJN98FT9 in
    # https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html); moto's do not
    # always start with Z, and settings (like the template's AllowedPattern) accept only AWS's shape.
    def zone_id(resource_identifier, existing_ids=None, tags=None):
        return "Z" + "".join(mock_random.choice(route53_models.ROUTE53_ID_CHOICE) for _ in range(20))

    monkeypatch.setattr(route53_models, "create_route53_zone_id", zone_id)


@pytest.fixture
def dns():
    table = NameServerTable()
    yield table
    table.close()


@pytest.fixture
def zone(aws, aws_shaped_zone_ids, dns):
    """An existing public zone for example.com that the world already delegates to."""
    route53 = boto3.client("route53")
    created = route53.create_hosted_zone(Name="example.com", CallerReference="init-tests")
    zone_id = created["HostedZone"]["Id"].rsplit("/", 1)[-1]
    dns.delegations["example.com"] = created["DelegationSet"]["NameServers"]
    # A private zone of the same name is never offered: it cannot serve the public site.
    route53.create_hosted_zone(
        Name="example.com",
        CallerReference="init-tests-private",
        HostedZoneConfig={"PrivateZone": True},
        VPC={
            "VPCRegion": "us-east-1",
            "VPCId": boto3.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"],
        },
    )
    return zone_id


def spawn(tmp_path, dns, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        [str(REPO / "deploy.py"), "init", "--nameserver", dns.address, *args],
        cwd=str(tmp_path),
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )


def answer(child: pexpect.spawn, prompt: str, reply: str) -> None:
    child.expect_exact(prompt)
    child.sendline(reply)


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before


def test_at_a_terminal_with_an_existing_zone(tmp_path, aws, zone, dns):
    child = spawn(tmp_path, dns)
    answer(child, "Domain the site lives under (its apex, e.g. example.com): ", "Example.com")
    answer(child, "AWS region [us-east-1]: ", "")
    child.expect_exact("AWS account 123456789012 (arn:aws:sts::123456789012:user/moto), region us-east-1.")
    child.expect_exact("Public hosted zones for example.com in this account: 1.")
    child.expect_exact(f"1) {zone}  example.com")
    answer(child, "Choose [1]: ", "")
    child.expect_exact("Name servers: the domain's NS records point to the hosted zone.")
    child.expect(r"1\) 0.25 vCPU, 0.5 GB  ~\$(\d+\.\d\d)/month")
    smallest = float(child.match.group(1))
    child.expect(r"2\) 0.5 vCPU, 1 GB  ~\$(\d+\.\d\d)/month")
    assert float(child.match.group(1)) > smallest
    answer(child, "Choose [1]: ", "2")
    child.expect_exact("ARM64 (Graviton, cheaper per vCPU)")
    answer(child, "Choose [1]: ", "2")
    answer(child, "Choose [1]: ", "")  # on-demand
    child.expect_exact("single: one NAT gateway, tasks in private subnets")
    answer(child, "Choose [1]: ", "")  # none
    output = finish(child)
    assert "Next: python3 deploy.py up" in output

    written = (tmp_path / "deploy.toml").read_text()
    values = tomllib.loads(written)
    assert {
        k: values[k] for k in ("domain", "region", "hosted_zone_id", "cpu", "memory", "architecture")
    } == {
        "domain": "example.com",
        "region": "us-east-1",
        "hosted_zone_id": zone,
        "cpu": 512,
        "memory": 1024,
        "architecture": "ARM64",
    }
    assert (values["use_spot"], values["nat_mode"]) == (False, "none")
    assert "# CPU units (1024 = 1 vCPU)" in written  # the example's explanations came along
    assert load_settings(tmp_path / "deploy.toml", env={}).hosted_zone_id == zone


def test_at_a_terminal_without_a_zone_a_bad_answer_is_asked_again(tmp_path, aws, dns):
    dns.delegations["example.org"] = ["ns1.registrar-parking.example.", "ns2.registrar-parking.example."]
    child = spawn(tmp_path, dns, "--region", "eu-west-1")
    answer(child, "(its apex, e.g. example.com): ", "not a domain")
    child.expect_exact("domain: 'not a domain' is not valid")
    answer(child, "(its apex, e.g. example.com): ", "example.org")
    child.expect_exact("region eu-west-1.")
    child.expect_exact("No public hosted zone for example.org in this account yet.")
    answer(child, "Choose [1]: ", "")  # the only option: a new zone
    child.expect_exact(
        "Name servers today: the domain's NS records point to ns1.registrar-parking.example, "
        "ns2.registrar-parking.example."
    )
    for _ in range(4):  # size, architecture, Spot, NAT: the defaults
        answer(child, "Choose [1]: ", "")
    finish(child)
    settings = load_settings(tmp_path / "deploy.toml", env={})
    assert (settings.domain, settings.region, settings.hosted_zone_id) == ("example.org", "eu-west-1", "")
    assert (settings.cpu, settings.memory, settings.architecture, settings.use_spot) == (
        256,
        512,
        "X86_64",
        False,
    )


def test_flags_and_yes_without_a_terminal(tmp_path, aws, zone, dns, capsys):
    path = tmp_path / "deploy.toml"
    code = main(
        [
            "init",
            "--yes",
            "--domain",
            "example.com",
            "--region",
            "us-east-1",
            "--cpu",
            "1024",
            "--memory",
            "2048",
        ]
        + ["--architecture", "arm64", "--spot", "--nat-mode", "single", "--config", str(path)]
        + ["--nameserver", dns.address]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [
        f"Wrote {path} for example.com in us-east-1.",
        "Next: python3 deploy.py up",
    ]
    settings = load_settings(path, env={})
    assert (settings.hosted_zone_id, settings.cpu, settings.memory) == (zone, 1024, 2048)  # the zone found
    assert (settings.architecture, settings.use_spot, settings.nat_mode) == ("ARM64", True, "single")
    assert "Choose" not in captured.err  # nothing was asked


def test_new_zone_flag_leaves_the_zone_to_the_stack(tmp_path, aws, zone, dns, capsys):
    path = tmp_path / "deploy.toml"
    assert main(["init", "--yes", "--domain", "example.com", "--new-zone", "--config", str(path)]
                + ["--nameserver", dns.address]) == 0  # fmt: skip
    assert load_settings(path, env={}).hosted_zone_id == ""


def test_it_never_overwrites_without_force(tmp_path, aws, dns, capsys):
    path = tmp_path / "deploy.toml"
    path.write_text('domain = "mine.example"\n')
    args = ["init", "--yes", "--domain", "example.com", "--config", str(path), "--nameserver", dns.address]
    assert main(args) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: init: {path} exists; nothing was changed",
        f"hint: edit {path}, or start again with: python3 deploy.py init --force",
    ]
    assert path.read_text() == 'domain = "mine.example"\n'
    assert main([*args, "--force"]) == 0
    assert load_settings(path, env={}).domain == "example.com"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--yes"], "error: init: --yes takes the defaults, but domain has none"),
        (["--yes", "--domain", "example.com", "--hosted-zone-id", "ZNOPE"],
         "error: init: hosted zone ZNOPE is not a public zone of example.com in this account"),
        (["--yes", "--domain", "example.com", "--cpu", "300"], "error: init: cpu: 300 is not one of"),
        (["--yes", "--domain", "example.com", "--cpu", "1024", "--memory", "512"],
         "error: init: Fargate does not offer cpu 1024 with memory 512"),
        (["--domain", "example.com"], "error: init: stdin is not a terminal, so nothing can be asked"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, aws, dns, capsys, args, error):
    path = tmp_path / "deploy.toml"
    assert main(["init", *args, "--config", str(path), "--nameserver", dns.address]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-2].startswith(error) and lines[-1].startswith("hint: ")
    assert list(tmp_path.iterdir()) == []


# --- the pure parts ---


def test_zones_that_can_hold_the_domain_own_zone_first_private_never():
    zones = [
        {"Id": "/hostedzone/ZPARENT", "Name": "example.com.", "Config": {"PrivateZone": False}},
        {"Id": "/hostedzone/ZOWN", "Name": "shop.example.com.", "Config": {"PrivateZone": False}},
        {"Id": "/hostedzone/ZPRIVATE", "Name": "shop.example.com.", "Config": {"PrivateZone": True}},
        {"Id": "/hostedzone/ZOTHER", "Name": "myshop.example.com.", "Config": {"PrivateZone": False}},
    ]
    found = initialize.matching_zones(zones, "shop.example.com")
    assert [initialize.zone_id_of(z) for z in found] == ["ZOWN", "ZPARENT"]


def test_the_file_is_the_example_with_the_answers_on_their_lines():
    example = initialize.EXAMPLE.read_text()
    values = {"domain": "example.org", "hosted_zone_id": "Z123", "use_spot": True, "cpu": 512}
    text = initialize.render_settings_file(example, values, "2026-12-02", "123456789012")
    assert text.startswith("# Written by `python3 deploy.py init` on 2026-12-02 for AWS account 123456789012")
    assert re.search(r"^hosted_zone_id = \"Z123\"$", text, re.M)  # uncommented
    assert re.search(r"^use_spot = true$", text, re.M) and re.search(r"^cpu = 512$", text, re.M)
    assert len(text.splitlines()) == len(example.splitlines()) + 3  # every other line kept


def test_each_option_costs_what_the_cost_command_says():
    base = {"domain": "example.com", "hosted_zone_id": "", "cpu": 256, "memory": 512}
    on_demand = initialize.monthly_cost({**base, "use_spot": False})
    spot = initialize.monthly_cost({**base, "use_spot": True})
    nat = initialize.monthly_cost({**base, "nat_mode": "single"})
    assert spot < on_demand < nat
