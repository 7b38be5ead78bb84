"""nat_mode changes after sites exist. CloudFormation refuses to change an export another stack imports
("After another stack imports an output value, you can't ... modify the exported output value",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html;
the test process's moto refuses it too, tests/moto_as_aws.py), so the task subnets and the public-IP
switch reach the sites as parameters, and `resources` names the sites to redeploy."""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from .conftest import make_deployer, put_image

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
    aws, settings, monkeypatch, capsys
):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True).outputs
    put_image(base["RepositoryName"], "abc1234")
    service = deployer.deploy_service("abc1234").stack.outputs["ServiceName"]
    public = sorted(base["PublicSubnets"].split(","))
    assert service_network(base["ClusterName"], service) == (public, "ENABLED")
    capsys.readouterr()

    single = make_deployer(dataclasses.replace(settings, nat_mode="single"))
    after = single.resources(yes=True)  # today's main: rolled back, "Export ...-TaskSubnets ... in use"
    assert after.changed and after.outputs["TaskAssignPublicIp"] == "DISABLED"
    err = capsys.readouterr().err
    assert (
        "Site flaskcom-test-www (TaskSubnets, TaskAssignPublicIp): redeploy it to pick up the base stack's "
        "new values: python3 deploy.py service --site www --tag abc1234 (or python3 deploy.py up)"
    ) in err
    assert service_network(base["ClusterName"], service) == (public, "ENABLED")  # until redeployed

    single.deploy_service("abc1234")
    private = sorted(after.outputs["PrivateSubnets"].split(","))
    assert service_network(base["ClusterName"], service) == (private, "DISABLED")
    assert single.stale_sites(after.outputs) == []
