"""Many sites on one base stack, in moto: each site's stack takes its own listener rule at a free
priority and keeps it; a host name another site serves is refused naming that site's stack; only one
site goes without a host name; `deploy.py sites` lists them. "A listener can't have multiple rules with
the same priority" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html):
moto refuses it as AWS does (tests/templates/test_moto_rules.py shows it), so a second site at the old
fixed priority 100 fails here as it did for users."""

from __future__ import annotations

import dataclasses
import json

import boto3
import pytest

from fargate_deploy.cli import main
from fargate_deploy.errors import RefusedError
from fargate_deploy.site_listing import list_sites

from .conftest import make_deployer, put_image

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

HOSTS = {"www": "", "blog": "blog.example.com", "docs": "docs.example.com"}


def site_settings(settings, site: str, host_name: str | None = None):
    return dataclasses.replace(
        settings, site=site, host_name=HOSTS.get(site, "") if host_name is None else host_name
    )


def priority(stack_name: str) -> str:
    stack = (
        boto3.session.Session().client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    )
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["RulePriority"]


def listener_hosts(listener_arn: str) -> dict[str, tuple[str, ...]]:
    rules = boto3.session.Session().client("elbv2").describe_rules(ListenerArn=listener_arn)["Rules"]
    return {
        r["Priority"]: tuple(r["Conditions"][0]["HostHeaderConfig"]["Values"])
        for r in rules
        if not r["IsDefault"]
    }


def remove(stack_name: str) -> None:
    cfn = boto3.session.Session().client("cloudformation")
    cfn.update_termination_protection(StackName=stack_name, EnableTerminationProtection=False)
    cfn.delete_stack(StackName=stack_name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 1})


@pytest.fixture
def three_sites(aws, settings, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    base = make_deployer(settings).resources(yes=True).outputs
    put_image(base["RepositoryName"], "abc1234")
    for site in HOSTS:
        make_deployer(site_settings(settings, site)).deploy_service("abc1234")
    return base


def test_three_sites_each_get_their_own_rule_and_keep_its_priority(three_sites, settings):
    base = three_sites
    assert [priority(f"flaskcom-test-{s}") for s in HOSTS] == ["100", "101", "102"]
    assert listener_hosts(base["HttpsListenerArn"]) == {
        "100": ("example.com", "www.example.com"),
        "101": ("blog.example.com",),
        "102": ("docs.example.com",),
    }
    put_image(base["RepositoryName"], "def5678")
    for site in HOSTS:
        updated = make_deployer(site_settings(settings, site)).deploy_service("def5678")
        assert updated.stack.changed and not updated.stack.created
    assert [priority(f"flaskcom-test-{s}") for s in HOSTS] == ["100", "101", "102"]

    remove("flaskcom-test-blog")  # 101 is free again; docs keeps 102, a new site takes 101
    make_deployer(site_settings(settings, "docs")).deploy_service("abc1234")
    assert priority("flaskcom-test-docs") == "102"
    make_deployer(site_settings(settings, "shop", "shop.example.com")).deploy_service("abc1234")
    assert priority("flaskcom-test-shop") == "101"


def test_a_host_name_another_site_serves_is_refused_naming_its_stack(three_sites, settings):
    with pytest.raises(RefusedError) as refused:
        make_deployer(site_settings(settings, "blog2", "blog.example.com")).deploy_service("abc1234")
    assert refused.value.message == (
        "service: host name blog.example.com is served by stack flaskcom-test-blog already "
        "(rule priority 101)"
    )
    assert refused.value.exit_code == 2
    with pytest.raises(RefusedError, match="only one site may go without a host_name") as refused:
        make_deployer(site_settings(settings, "apex2", "")).deploy_service("abc1234")
    assert "stack flaskcom-test-www" in refused.value.message
    cfn = boto3.session.Session().client("cloudformation")
    names = {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
    assert not {"flaskcom-test-blog2", "flaskcom-test-apex2"} & names  # nothing was created


def test_sites_lists_every_site_of_the_base_stack(three_sites, settings, tmp_path, capsys):
    report = list_sites(make_deployer(settings).aws, settings)
    assert [(r.site, r.priority, r.image_tag, r.running, r.desired, r.url) for r in report.sites] == [
        ("blog", 101, "abc1234", 1, 1, "https://blog.example.com"),
        ("docs", 102, "abc1234", 1, 1, "https://docs.example.com"),
        ("www", 100, "abc1234", 1, 1, "https://example.com"),
    ]
    assert report.sites[2].hosts == ("example.com", "www.example.com")

    config = str(tmp_path / "deploy.toml")  # the settings fixture's file: domain, environment "test"
    assert main(["sites", "--config", config, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["stack_name"] for s in listed["sites"]] == [
        "flaskcom-test-blog",
        "flaskcom-test-docs",
        "flaskcom-test-www",
    ]
    assert main(["sites", "--config", config]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SITE", "STACK", "HOST", "NAMES", "PRIORITY", "IMAGE", "TASKS", "URL"]
    assert lines[3].split() == [
        "www", "flaskcom-test-www", "example.com,www.example.com", "100", "abc1234", "1/1", "https://example.com"
    ]  # fmt: skip
