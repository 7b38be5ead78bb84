"""nat_mode changes after sites exist. CloudFormation refuses to change an export another stack imports
("After another stack imports an output value, you can't ... modify the exported output value",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html;
the test process's moto refuses it too, tests/moto_as_aws.py), so the task subnets and the public-IP
switch reach the sites as parameters, and `resources` names the sites to redeploy."""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from fargate_deploy.workflows import deploy

from .conftest import make_deployer, put_image, up_deployer

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


def service_network(cluster: str, service: str) -> tuple[list[str], str]:
    (described,) = (
        boto3.session.Session()
        .client("ecs")
        .describe_services(cluster=cluster, services=[service])["services"]
    )
    network = described["networkConfiguration"]["awsvpcConfiguration"]
    return sorted(network["subnets"]), network["assignPublicIp"]


def test_a_nat_mode_change_with_a_site_deployed_names_the_site_and_its_redeploy_moves_it(
    aws, settings, monkeypatch
):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True).outputs
    put_image(base["RepositoryName"], "abc1234")
    service = deployer.deploy_service("abc1234").stack.outputs["ServiceName"]
    public = sorted(base["PublicSubnets"].split(","))
    assert service_network(base["ClusterName"], service) == (public, "ENABLED")

    single = make_deployer(dataclasses.replace(settings, nat_mode="single"))
    after = single.resources(yes=True)  # today's main: rolled back, "Export ...-TaskSubnets ... in use"
    assert after.changed and after.outputs["TaskAssignPublicIp"] == "DISABLED"
    err = single.stderr.getvalue()
    assert (
        "Site flaskcom-test-www (TaskSubnets, TaskAssignPublicIp): redeploy it to pick up the base stack's "
        "new values: python3 deploy.py service --site www --tag abc1234 (or python3 deploy.py up)"
    ) in err
    assert service_network(base["ClusterName"], service) == (public, "ENABLED")  # until redeployed

    single.deploy_service("abc1234")
    private = sorted(after.outputs["PrivateSubnets"].split(","))
    assert service_network(base["ClusterName"], service) == (private, "DISABLED")
    assert deploy.stale_sites(single.parts, after.outputs) == []


def test_nat_none_single_none_with_two_sites_through_resources_and_their_redeploys(
    aws, settings, monkeypatch, capsys
):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    www = settings
    blog = dataclasses.replace(settings, site="blog", host_name="blog.example.com")
    base = make_deployer(www).resources(yes=True).outputs
    put_image(base["RepositoryName"], "abc1234")
    services = {
        name: make_deployer(s).deploy_service("abc1234").stack.outputs["ServiceName"]
        for name, s in (("www", www), ("blog", blog))
    }
    public = sorted(base["PublicSubnets"].split(","))
    private = sorted(base["PrivateSubnets"].split(","))

    def networks() -> dict[str, tuple[list[str], str]]:
        return {name: service_network(base["ClusterName"], service) for name, service in services.items()}

    assert networks() == {"www": (public, "ENABLED"), "blog": (public, "ENABLED")}
    capsys.readouterr()

    # none → single: `up` (of www, on the image it runs) redeploys www and then blog, which keeps its own
    # host name, priority and image.
    single = up_deployer(dataclasses.replace(www, nat_mode="single"), ["abc1234"])
    single.up(tag="abc1234", allow_dirty=False, yes=True)
    assert networks() == {"www": (private, "DISABLED"), "blog": (private, "DISABLED")}
    assert (
        "Site flaskcom-test-blog: redeploying to pick up the base stack's new values"
        in capsys.readouterr().err
    )
    blog_stack = {s.site: s for s in deploy.site_stacks(single.parts)}["blog"]
    assert (blog_stack.parameters["HostName"], blog_stack.parameters["RulePriority"]) == (
        "blog.example.com",
        "101",
    )
    assert blog_stack.parameters["ImageTag"] == "abc1234" and blog_stack.parameters["DesiredCount"] == ""

    # single → none: `resources` names both sites, and each site's own redeploy moves it back.
    after = make_deployer(www).resources(yes=True).outputs
    err = capsys.readouterr().err
    for site in ("blog", "www"):
        assert f"python3 deploy.py service --site {site} --tag abc1234" in err
    for s in (blog, www):
        make_deployer(s).deploy_service("abc1234")
    assert networks() == {"www": (public, "ENABLED"), "blog": (public, "ENABLED")}
    assert deploy.stale_sites(make_deployer(www).parts, after) == []
    assert (
        boto3.session.Session()
        .client("ec2")
        .describe_nat_gateways(Filters=[{"Name": "state", "Values": ["available", "pending"]}])["NatGateways"]
        == []
    )
