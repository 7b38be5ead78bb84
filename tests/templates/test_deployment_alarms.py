"""ECS deployment alarms: the service rolls a release back on its 5xx and unhealthy-host alarms.

AWS::ECS::Service DeploymentConfiguration.Alarms takes AlarmNames, Enable and Rollback
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-deploymentalarms.html);
Ref on an AWS::CloudWatch::Alarm returns the alarm's name, which is what AlarmNames wants
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html).
ECS fails the deployment when any of them goes into ALARM while it deploys and bakes, and rolls back
to the last COMPLETED deployment
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
"""

from __future__ import annotations

import pytest

from tests.templates.render import SITE, render

CONDITIONS = [
    {},
    {"UseSpot": "true"},
    {"EnableExec": "true"},
    {"HostName": "blog.example.com"},
    {"AlarmEmail": "ops@example.com"},
]


@pytest.mark.parametrize("overrides", CONDITIONS, ids=lambda o: ",".join(o) or "defaults")
def test_the_service_rolls_back_on_its_5xx_and_unhealthy_host_alarms(service_template, overrides):
    rendered = render(service_template, **SITE, **overrides)
    configuration = rendered.properties("Service")["DeploymentConfiguration"]
    assert configuration["Alarms"] == {
        "AlarmNames": [{"Ref": "Target5xxAlarm"}, {"Ref": "UnhealthyHostsAlarm"}],
        "Enable": True,
        "Rollback": True,
    }
    # Both failure detectors are on: either one fails the deployment.
    assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_the_alarms_watch_this_sites_target_group(service_template):
    rendered = render(service_template, **SITE)
    metrics = {}
    for name in ("Target5xxAlarm", "UnhealthyHostsAlarm"):
        alarm = rendered.resources[name]
        assert alarm["Type"] == "AWS::CloudWatch::Alarm"
        properties = alarm["Properties"]
        dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
        assert dimensions["TargetGroup"] == {"Fn::Select": [5, {"Fn::Split": [":", {"Ref": "TargetGroup"}]}]}
        metrics[name] = (properties["Namespace"], properties["MetricName"])
    assert metrics == {
        "Target5xxAlarm": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        "UnhealthyHostsAlarm": ("AWS/ApplicationELB", "UnHealthyHostCount"),
    }


def test_the_alarm_names_the_follower_reports_are_the_templates_alarms(service_template):
    """The ECS follower names the alarm that fired from triggeredAlarmNames: those are these alarms'
    physical names, so every alarm listed is one the stack owns (no name typed by hand)."""
    rendered = render(service_template, **SITE)
    names = rendered.properties("Service")["DeploymentConfiguration"]["Alarms"]["AlarmNames"]
    assert all(
        set(n) == {"Ref"} and rendered.resources[n["Ref"]]["Type"] == "AWS::CloudWatch::Alarm" for n in names
    )
