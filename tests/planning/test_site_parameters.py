"""The seam between the base stack and its sites (fargate_deploy/site_parameters.py), over DescribeStacks
answers shaped like the real API (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html)."""

from __future__ import annotations

from fargate_deploy import site_parameters
from fargate_deploy.settings import Settings

SETTINGS = Settings(domain="example.com")
PUBLIC = {"TaskSubnets": "subnet-pub1,subnet-pub2", "TaskAssignPublicIp": "ENABLED"}
PRIVATE = {"TaskSubnets": "subnet-priv1,subnet-priv2", "TaskAssignPublicIp": "DISABLED"}
BASE = {"ClusterName": "flaskcom-prod-Cluster", "RepositoryName": "flaskcom-prod", **PUBLIC}


def described(name: str, status: str = "UPDATE_COMPLETE", **parameters: str) -> dict:
    return {
        "StackName": name,
        "StackStatus": status,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Outputs": [{"OutputKey": "ServiceName", "OutputValue": f"{name}-Service"}],
    }


def site(name: str, **parameters: str) -> dict:
    """A site's stack as the current template leaves it: every parameter listed, defaults included."""
    defaults = site_parameters.from_base(SETTINGS, {})
    return described(name, BaseStackName="flaskcom-prod", ImageTag="abc1234", **{**defaults, **parameters})


def test_from_base_copies_the_outputs_a_base_change_may_alter():
    given = site_parameters.from_base(SETTINGS, BASE)
    assert {k: given[k] for k in PUBLIC} == PUBLIC
    # Each area's own function is merged in: edge (CloudFront) and data (the stores), "" when off.
    assert given["DistributionDomainName"] == "" and given["TableName"] == ""
    with_stores = site_parameters.from_base(
        SETTINGS, {**BASE, "TableName": "t1", "DistributionDomainName": "d1"}
    )
    assert (with_stores["TableName"], with_stores["DistributionDomainName"]) == ("t1", "d1")
    # A base stack without an output gives "" (the template's own check refuses an empty list).
    assert site_parameters.from_base(SETTINGS, {})["TaskSubnets"] == ""


def test_service_parameters_are_the_settings_the_base_and_the_priority():
    created = site_parameters.service_parameters(
        SETTINGS, BASE, image_tag="abc1234", creating=True, rule_priority=7
    )
    assert created["TaskSubnets"] == "subnet-pub1,subnet-pub2" and created["RulePriority"] == "7"
    assert (created["ImageTag"], created["DesiredCount"]) == ("abc1234", "1")
    updated = site_parameters.service_parameters(
        SETTINGS, BASE, image_tag="abc1234", creating=False, rule_priority=7
    )
    assert updated["DesiredCount"] == ""


def test_site_stacks_are_those_of_this_base_stack():
    stacks = [
        described("flaskcom-prod", NatMode="none"),  # the base stack itself
        described("flaskcom-prod-edge", EnableWaf="true"),  # edge stack: no BaseStackName
        site("flaskcom-prod-www", **PUBLIC),
        site("flaskcom-prod-blog", **PUBLIC),
        described("flaskcom-staging-www", BaseStackName="flaskcom-staging", ImageTag="x"),
        {**site("flaskcom-prod-gone"), "StackStatus": "DELETE_COMPLETE"},
        {**site("flaskcom-prod-planned"), "StackStatus": "REVIEW_IN_PROGRESS"},
    ]
    found = site_parameters.site_stacks(stacks, "flaskcom-prod")
    assert [(s.stack_name, s.site) for s in found] == [
        ("flaskcom-prod-blog", "blog"),
        ("flaskcom-prod-www", "www"),
    ]
    assert found[0].outputs == {"ServiceName": "flaskcom-prod-blog-Service"}


def test_stale_sites_are_those_whose_parameters_differ_from_the_base_outputs_now():
    sites = site_parameters.site_stacks(
        [
            site("flaskcom-prod-www", **PUBLIC),
            site("flaskcom-prod-blog", **PUBLIC),
            # deployed before the network parameters: the template imported them
            described("flaskcom-prod-old", BaseStackName="flaskcom-prod", ImageTag="abc1234"),
        ],
        "flaskcom-prod",
    )
    assert [s.stack_name for s in site_parameters.stale_sites(sites, SETTINGS, BASE)] == ["flaskcom-prod-old"]
    after_nat_change = {**BASE, **PRIVATE}
    stale = site_parameters.stale_sites(sites, SETTINGS, after_nat_change)
    assert [(s.site, s.changed, s.image_tag) for s in stale] == [
        ("blog", ("TaskSubnets", "TaskAssignPublicIp"), "abc1234"),
        ("old", ("TaskSubnets", "TaskAssignPublicIp"), "abc1234"),
        ("www", ("TaskSubnets", "TaskAssignPublicIp"), "abc1234"),
    ]
    assert stale[0].line() == "flaskcom-prod-blog (TaskSubnets, TaskAssignPublicIp)"


def test_a_redeploy_changes_only_what_the_base_decides_and_never_the_count():
    (blog,) = site_parameters.site_stacks(
        [site("flaskcom-prod-blog", HostName="blog.example.com", RulePriority="3", Removed="x", **PUBLIC)],
        "flaskcom-prod",
    )
    parameters = site_parameters.redeploy_parameters(blog, SETTINGS, {**BASE, **PRIVATE})
    assert parameters["TaskSubnets"] == PRIVATE["TaskSubnets"]
    assert (parameters["HostName"], parameters["RulePriority"], parameters["ImageTag"]) == (
        "blog.example.com",
        "3",
        "abc1234",
    )
    assert parameters["DesiredCount"] == ""
    assert "Removed" not in parameters  # a parameter today's service.yaml no longer has is not sent
