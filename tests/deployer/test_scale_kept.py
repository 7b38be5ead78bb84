"""A deploy keeps the service's scale: DesiredCount goes to CloudFormation only when the site's stack is
created. "For existing services, if a desired count is not specified, it is omitted from the operation"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount),
so an update leaves the count that autoscaling (or an off-hours action) has set."""

from __future__ import annotations

import boto3
import pytest

from tests.templates.render import SERVICE, SITE, load, render

from .conftest import make_deployer, put_image

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


def stack_parameters(name: str) -> dict[str, str]:
    stack = boto3.session.Session().client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack["Parameters"]}


def test_an_empty_desired_count_leaves_it_out_of_the_service():
    template = load(SERVICE)
    assert "DesiredCount" not in render(template, **SITE, DesiredCount="").properties("Service")
    assert render(template, **SITE, DesiredCount="0").properties("Service")["DesiredCount"] == {
        "Ref": "DesiredCount"
    }


def test_a_deploy_sends_desired_count_on_create_only_and_keeps_the_scale(aws, settings, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "4")  # moto's knob: tasks it reports running
    deployer = make_deployer(settings)
    base = deployer.resources(yes=True)
    put_image(base.outputs["RepositoryName"], "abc1234")
    created = deployer.deploy_service("abc1234")
    assert created.stack.created
    assert stack_parameters("flaskcom-test-www")["DesiredCount"] == "1"

    # Autoscaling grows the service to 4 tasks (it calls UpdateService, as here).
    ecs = boto3.session.Session().client("ecs")
    cluster, service = base.outputs["ClusterName"], created.stack.outputs["ServiceName"]
    ecs.update_service(cluster=cluster, service=service, desiredCount=4)

    put_image(base.outputs["RepositoryName"], "def5678")
    updated = deployer.deploy_service("def5678")
    assert updated.stack.changed and not updated.stack.created
    parameters = stack_parameters("flaskcom-test-www")
    assert (parameters["ImageTag"], parameters["DesiredCount"]) == ("def5678", "")
    (now,) = ecs.describe_services(cluster=cluster, services=[service])["services"]
    assert now["desiredCount"] == 4
