"""Many sites on one listener (fargate_deploy/sites.py), over DescribeRules answers shaped like the real
API (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html)."""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy import sites
from fargate_deploy.errors import RefusedError
from fargate_deploy.settings import Settings
from fargate_deploy.site_parameters import SiteStack

WWW = SiteStack("flaskcom-prod-www", "www", "UPDATE_COMPLETE", {"ImageTag": "abc1234", "RulePriority": "100"},
                {"TargetGroupArn": "tg/www", "Url": "https://example.com"})  # fmt: skip
BLOG = SiteStack("flaskcom-prod-blog", "blog", "CREATE_COMPLETE",
                 {"ImageTag": "def5678", "RulePriority": "101", "HostName": "blog.example.com"},
                 {"TargetGroupArn": "tg/blog", "Url": "https://blog.example.com"})  # fmt: skip


def described_rule(priority: str, hosts: list[str], target: str, arn: str | None = None) -> dict:
    return {
        "RuleArn": arn or f"arn:rule/{priority}",
        "Priority": priority,
        "IsDefault": False,
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": hosts}}],
        "Actions": [{"Type": "forward", "TargetGroupArn": target, "Order": 1}],
    }


DEFAULT = {
    "RuleArn": "arn:rule/default",
    "Priority": "default",
    "IsDefault": True,
    "Conditions": [],
    "Actions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
}
RULES = sites.listener_rules(
    [
        DEFAULT,
        described_rule("101", ["blog.example.com"], "tg/blog"),
        described_rule("100", ["example.com", "www.example.com"], "tg/www"),
        described_rule("7", ["Legacy.example.com"], "tg/by-hand"),
    ],
    [WWW, BLOG],
)


def settings(site: str = "docs", host_name: str = "") -> Settings:
    return dataclasses.replace(Settings(domain="example.com"), site=site, host_name=host_name)


def test_the_listeners_rules_with_their_owners_in_priority_order():
    assert [(r.priority, r.hosts, r.owner) for r in RULES] == [
        (7, ("legacy.example.com",), ""),
        (100, ("example.com", "www.example.com"), "flaskcom-prod-www"),
        (101, ("blog.example.com",), "flaskcom-prod-blog"),
    ]


@pytest.mark.parametrize(
    ("used", "free"),
    [([], 100), ([100], 101), ([100, 101, 103], 102), ([7], 100), (list(range(100, 50001)), 1)],
)
def test_a_new_site_takes_the_lowest_free_priority_from_100(used, free):
    rules = [sites.ListenerRule(f"arn/{p}", p, (f"h{p}.example.com",), "", "") for p in used]
    assert sites.free_priority(rules) == free


def test_a_full_listener_is_refused():
    rules = [sites.ListenerRule(f"arn/{p}", p, (), "", "") for p in range(1, 50001)]
    with pytest.raises(RefusedError, match="every priority"):
        sites.free_priority(rules)


def test_a_site_keeps_the_priority_its_stack_has():
    assert sites.rule_priority({"RulePriority": "100"}, RULES) == 100
    assert sites.rule_priority(None, RULES) == 102


def test_a_host_name_another_stack_serves_is_refused_naming_that_stack():
    with pytest.raises(RefusedError) as refused:
        sites.check_hosts(settings("docs", "blog.example.com"), RULES)
    assert refused.value.message == (
        "service: host name blog.example.com is served by stack flaskcom-prod-blog already "
        "(rule priority 101)"
    )
    assert refused.value.exit_code == 2
    with pytest.raises(RefusedError, match=r"a rule deploy.py did not create \(arn:rule/7\)"):
        sites.check_hosts(settings("docs", "legacy.example.com"), RULES)


def test_only_one_site_may_go_without_a_host_name():
    with pytest.raises(RefusedError) as refused:
        sites.check_hosts(settings("docs"), RULES)
    assert "only one site may go without a host_name" in refused.value.message
    assert "stack flaskcom-prod-www" in refused.value.message
    assert refused.value.hint.endswith('host_name = "docs.example.com"')


def test_a_site_may_keep_its_own_host_names():
    sites.check_hosts(settings("www"), RULES)
    sites.check_hosts(settings("blog", "blog.example.com"), RULES)
    sites.check_hosts(settings("docs", "docs.example.com"), RULES)


def test_the_sites_report_and_its_table():
    services = {"flaskcom-prod-www": {"runningCount": 2, "desiredCount": 2}, "flaskcom-prod-blog": None}
    report = sites.sites_report(
        "flaskcom-prod", [BLOG, WWW], RULES, services, {"flaskcom-prod-www": "abc1234"}
    )
    assert report.sites[0] == sites.SiteRow(
        site="blog", stack_name="flaskcom-prod-blog", stack_status="CREATE_COMPLETE",
        hosts=("blog.example.com",), priority=101, image_tag="def5678", running=None, desired=None,
        url="https://blog.example.com",
    )  # fmt: skip
    assert report.as_dict()["sites"][1]["running"] == 2
    assert sites.report_lines(report) == [
        "SITE  STACK               HOST NAMES                   PRIORITY  IMAGE    TASKS  URL",
        "blog  flaskcom-prod-blog  blog.example.com             101       def5678  -/-    https://blog.example.com",
        "www   flaskcom-prod-www   example.com,www.example.com  100       abc1234  2/2    https://example.com",
        "other rule at priority 7: legacy.example.com (arn:rule/7)",
    ]
    empty = sites.sites_report("flaskcom-prod", [], [], {}, {})
    assert sites.report_lines(empty) == [
        "No sites on base stack flaskcom-prod yet: python3 deploy.py service"
    ]
