"""What the release command does on each deploy, from the site stack as DescribeStacks shows it
(fargate_deploy/release_hold.py), and what `plan` says about it. Pure: table-driven over stacks."""

from __future__ import annotations

import dataclasses

import pytest

from fargate_deploy import release_hold, site_parameters
from fargate_deploy.release_hold import Step
from fargate_deploy.settings import Settings

RELEASE = "flask db upgrade"


def stack(status: str, **parameters: str) -> dict:
    return {
        "StackName": "flaskcom-prod-www",
        "StackStatus": status,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    }


HELD = stack("CREATE_COMPLETE", HoldForRelease="true", ImageTag="a1")
LIFTED = stack("UPDATE_COMPLETE", HoldForRelease="false", ImageTag="a1")
BEFORE_THE_HOLD = stack("UPDATE_COMPLETE", ImageTag="a1")  # deployed by a deploy.py without HoldForRelease


@pytest.mark.parametrize(
    ("command", "current", "step", "sends_desired_count"),
    [
        (RELEASE, None, Step.CREATE_HELD, True),
        (RELEASE, stack("REVIEW_IN_PROGRESS"), Step.CREATE_HELD, True),  # an empty stack a plan left
        (RELEASE, HELD, Step.HELD, True),
        (RELEASE, stack("UPDATE_ROLLBACK_COMPLETE", HoldForRelease="true"), Step.HELD, True),
        (RELEASE, LIFTED, Step.BESIDE, False),
        (RELEASE, BEFORE_THE_HOLD, Step.BESIDE, False),
        # The update that follows refuses these, naming the fix: the release does not run first.
        (RELEASE, stack("UPDATE_IN_PROGRESS", HoldForRelease="false"), Step.NONE, False),
        (RELEASE, stack("ROLLBACK_COMPLETE"), Step.NONE, False),
        ("", None, Step.NONE, True),
        ("", HELD, Step.NONE, True),  # the release command removed: the next deploy still lifts the hold
        ("", LIFTED, Step.NONE, False),
    ],
)
def test_the_step_and_whether_the_update_sends_desired_count(command, current, step, sends_desired_count):
    assert release_hold.step(command, current) is step
    assert release_hold.sends_desired_count(current) is sends_desired_count


def settings(**changes) -> Settings:
    return dataclasses.replace(Settings(domain="example.com"), **{"release_command": RELEASE, **changes})


@pytest.mark.parametrize(
    ("current", "line"),
    [
        (
            None,
            "release: site www is new: its stack is created with no task and autoscaling suspended, "
            "'flask db upgrade' runs as a one-off task on the new image in the service's network, and "
            "only if it exits 0 does the service start 2 tasks; if it fails, no task serves",
        ),
        (
            HELD,
            "release: site www is held (no task serves: its first release did not succeed); "
            "'flask db upgrade' runs first, and only if it exits 0 does the service start 2 tasks",
        ),
        (
            LIFTED,
            "release: 'flask db upgrade' runs as a one-off task on the new image before the service is "
            "updated; if it fails, nothing else changes",
        ),
    ],
)
def test_plan_says_what_the_release_command_will_do(current, line):
    assert release_hold.plan_line(settings(desired_count=2), current) == line


def test_plan_of_a_held_site_without_a_release_command_says_the_hold_is_lifted():
    lifted = release_hold.plan_line(settings(release_command="", desired_count=1), HELD)
    assert lifted == "release: site www is held; this deploy lifts the hold and starts 1 task"
    assert release_hold.plan_line(settings(release_command=""), LIFTED) is None


def test_only_a_held_create_sends_the_hold_every_other_deploy_lifts_it():
    s = Settings(domain="example.com")
    base = {"TaskSubnets": "subnet-1", "TaskAssignPublicIp": "ENABLED"}
    held = site_parameters.service_parameters(
        s, base, image_tag="a1", creating=True, rule_priority=100, held=True
    )
    assert (held["HoldForRelease"], held["DesiredCount"]) == ("true", "1")
    lifted = site_parameters.service_parameters(s, base, image_tag="a1", creating=True, rule_priority=100)
    assert (lifted["HoldForRelease"], lifted["DesiredCount"]) == ("false", "1")
    later = site_parameters.service_parameters(s, base, image_tag="a2", creating=False, rule_priority=100)
    assert (later["HoldForRelease"], later["DesiredCount"]) == ("false", "")


def test_a_held_site_redeployed_for_the_base_stack_stays_held():
    """`resources` redeploys a site whose base values changed with its own values: a held one stays held
    (its release has still to run) and gets no DesiredCount."""
    s = Settings(domain="example.com")
    site = site_parameters.SiteStack(
        "flaskcom-prod-www", "www", "CREATE_COMPLETE",
        {"ImageTag": "a1", "HoldForRelease": "true", "DesiredCount": "1", "RulePriority": "100",
         "TaskSubnets": "subnet-old", "TaskAssignPublicIp": "ENABLED"},
        {},
    )  # fmt: skip
    again = site_parameters.redeploy_parameters(site, s, {"TaskSubnets": "subnet-new"})
    kept = (again["HoldForRelease"], again["DesiredCount"], again["TaskSubnets"])
    assert kept == ("true", "", "subnet-new")
