"""A site with a database gets a new deployment when RDS rotates the database's password (issue 16).

RDS rotates the password of the secret it manages (every 7 days by default) and ECS injects a task's
Secrets only when the task starts, so service.yaml adds, with DatabaseSecretArn only: an EventBridge
rule on Secrets Manager's "Secret Label Updated" event for AWSCURRENT of that secret, and a one-step
Step Functions state machine that calls ECS UpdateService with ForceNewDeployment for this site's
service. The AWS rules relied on, each with its page:
- the event's shape: source aws.secretsmanager, detail-type "Secret Label Updated", the secret's ARN in
  resources, detail.labelUpdated; sent for every label but AWSPENDING and AWSPREVIOUS
  (https://docs.aws.amazon.com/secretsmanager/latest/userguide/event-detail-secret-label-updated-secretsmanager.html);
- Step Functions' AWS SDK integration: arn:aws:states:::aws-sdk:<service>:<apiAction>, parameters
  in PascalCase (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html);
- EventBridge starts the state machine as a role allowed states:StartExecution on it
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html).

Proved here: the rendering per option; the rule's pattern against the event of AWS's page through the
TestEventPattern API (moto leaves it empty: tests/moto_as_aws.py answers it with moto's own matcher);
the state machine's definition run by moto's Step Functions interpreter, whose aws-sdk task makes the
UpdateService call against moto's ECS, which starts a new deployment of the service (moto passed the
task's PascalCase parameters to boto3 unmapped: tests/moto_as_aws.py maps them, as AWS documents).
Not proved here (moto does not model them): that Secrets Manager sends the event when RDS rotates,
and that EventBridge delivers it to a state machine, as the role: a real account only (README,
"What only a real account shows"; the taskcat data-stores test).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import boto3
import pytest

from tests.templates.render import SERVICE, SITE, render
from tests.templates.test_data_stores import DATABASE, SECRET, with_defaults
from tests.templates.test_static_gates import checkov

ROTATION_RESOURCES = {"NewDeploymentRole", "NewDeployment", "NewPasswordRuleRole", "NewPasswordRule"}


def label_updated(secret_arn: str, label: str = "AWSCURRENT") -> dict:
    """The "Secret Label Updated" event of the Secrets Manager User Guide's example, for this secret."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Secret Label Updated",
        "source": "aws.secretsmanager",
        "account": "123456789012",
        "time": "2024-02-06T16:43:48Z",
        "region": "us-east-1",
        "resources": [secret_arn],
        "detail": {
            "name": secret_arn.split(":")[-1].rsplit("-", 1)[0],
            "labelUpdated": label,
            "versionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        },
    }


def substituted(sub: dict, values: dict[str, str]) -> str:
    """A Fn::Sub [template, variables] with every ${Name} replaced from `values`."""
    template, variables = sub["Fn::Sub"]
    assert set(variables) <= set(values), "a variable of the Sub without a value in this test"
    return re.sub(r"\$\{([\w:]+)\}", lambda m: values[m.group(1)], template)


def test_without_a_database_there_is_no_rule_and_no_state_machine(service_template):
    site = render(service_template, **SITE, TableName="t-1", UploadsBucket="b-1")
    assert ROTATION_RESOURCES.isdisjoint(site.resources)


def test_with_a_database_the_rule_starts_the_state_machine_on_that_secrets_new_current_version(
    service_template,
):
    site = render(service_template, **SITE, **DATABASE)
    rule = site.properties("NewPasswordRule")
    assert rule["EventPattern"] == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["Secret Label Updated"],
        "resources": [{"Ref": "DatabaseSecretArn"}],
        "detail": {"labelUpdated": ["AWSCURRENT"]},
    }
    assert rule["State"] == "ENABLED"
    assert "EventBusName" not in rule  # the default bus, where AWS services send their events
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "NewDeployment"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["NewPasswordRuleRole", "Arn"]}


def only_statement(role: dict) -> dict:
    (policy,) = role["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    return statement


def test_each_role_may_do_one_thing_to_one_resource(service_template):
    site = render(service_template, **SITE, **DATABASE)
    machine_role = site.properties("NewDeploymentRole")
    (trust,) = machine_role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    update = only_statement(machine_role)
    assert (update["Effect"], update["Action"], update["Resource"]) == (
        "Allow",
        "ecs:UpdateService",
        {"Ref": "Service"},  # this site's service (its ARN), no other
    )
    rule_role = site.properties("NewPasswordRuleRole")
    (trust,) = rule_role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    start = only_statement(rule_role)
    assert (start["Action"], start["Resource"]) == ("states:StartExecution", {"Ref": "NewDeployment"})
    assert site.properties("NewDeployment")["RoleArn"] == {"Fn::GetAtt": ["NewDeploymentRole", "Arn"]}


def test_the_state_machine_forces_a_new_deployment_of_this_site_only(service_template):
    site = render(service_template, **SITE, **DATABASE)
    machine = site.properties("NewDeployment")
    assert machine["StateMachineType"] == "STANDARD"  # billed per transition; 4,000 a month free
    _, variables = machine["DefinitionString"]["Fn::Sub"]
    assert variables == {
        "ClusterName": {"Fn::ImportValue": {"Fn::Sub": "${BaseStackName}-ClusterName"}},
        "ServiceArn": {"Ref": "Service"},
        "ServiceName": {"Fn::GetAtt": ["Service", "Name"]},
    }
    definition = json.loads(
        substituted(
            machine["DefinitionString"],
            {"AWS::Partition": "aws", "ClusterName": "c", "ServiceArn": "s", "ServiceName": "n"},
        )
    )
    task = definition["States"][definition["StartAt"]]
    assert task["Resource"] == "arn:aws:states:::aws-sdk:ecs:updateService"
    assert task["Parameters"] == {"Cluster": "c", "Service": "s", "ForceNewDeployment": True}
    assert task["End"] is True and len(definition["States"]) == 1


def test_checkov_passes_with_the_rule_and_the_state_machine(checkov_bin, tmp_path):
    # test_data_stores runs checkov with the database on too; this one names what it is for.
    result = checkov(checkov_bin, with_defaults(SERVICE, tmp_path, DatabaseSecretArn=SECRET))
    assert result.returncode == 0, result.stdout + result.stderr


# --- against moto -------------------------------------------------------------------------------------


@pytest.fixture
def executing_state_machines(aws, monkeypatch):
    """moto runs state machines only when told to, and its aws-sdk tasks call the moto server on
    localhost:$MOTO_PORT (moto/stepfunctions/parser/asl/utils/boto_client.py)."""
    monkeypatch.setenv("MOTO_PORT", aws.rsplit(":", 1)[1])

    def configure(execute: bool) -> None:
        body = json.dumps({"stepfunctions": {"execute_state_machine": execute}}).encode()
        request = urllib.request.Request(f"{aws}/moto-api/config", data=body, method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    configure(True)
    yield aws
    configure(False)


def test_the_rules_pattern_matches_the_event_of_that_secret_only(aws, service_template):
    site = render(service_template, **SITE, **DATABASE)
    pattern = json.loads(json.dumps(site.properties("NewPasswordRule")["EventPattern"]))
    pattern["resources"] = [SECRET]  # the value CloudFormation puts in for the Ref
    events = boto3.client("events")

    def matches(event: dict) -> bool:
        answer = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
        return answer["Result"]

    assert matches(label_updated(SECRET))
    other = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-99999999-ZzZzZz"
    assert not matches(label_updated(other))  # another cluster's secret
    assert not matches(label_updated(SECRET, label="release-2026"))  # a custom label, not the password


def test_the_state_machine_starts_a_new_deployment_of_the_service(executing_state_machines, service_template):
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="flaskcom-prod-Cluster-abc123")
    task_definition = ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster="flaskcom-prod-Cluster-abc123",
        serviceName="flaskcom-prod-www-Service-1A2B3C",
        taskDefinition=task_definition,
        desiredCount=1,
    )["service"]
    (before,) = service["deployments"]

    site = render(service_template, **SITE, **DATABASE)
    machine = site.properties("NewDeployment")
    definition = substituted(
        machine["DefinitionString"],
        {
            "AWS::Partition": "aws",
            "ClusterName": "flaskcom-prod-Cluster-abc123",
            "ServiceArn": service["serviceArn"],
            "ServiceName": service["serviceName"],
        },
    )
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="NewDeployment-a1b2c3",
        definition=definition,
        roleArn="arn:aws:iam::123456789012:role/flaskcom-prod-www-NewDeploymentRole-1A2B",
        type=machine["StateMachineType"],
    )["stateMachineArn"]
    # EventBridge passes the matched event as the execution's input.
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(label_updated(SECRET)))
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not end within 60 s"
        time.sleep(0.2)
    assert described["status"] == "SUCCEEDED", described

    (after,) = ecs.describe_services(
        cluster="flaskcom-prod-Cluster-abc123", services=[service["serviceArn"]]
    )["services"][0]["deployments"]
    assert after["id"] != before["id"]  # a new deployment: its tasks start with the current password
    assert after["taskDefinition"] == before["taskDefinition"]  # the same release
