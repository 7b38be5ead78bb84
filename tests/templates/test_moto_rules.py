"""The test process's moto refuses what AWS refuses (tests/moto_as_aws.py adds the rules moto lacks).

Each test drives the emulator through the public API, as the deployer does, and shows the refusal in
AWS's words; the docstring quotes the AWS documentation the rule follows. Without these rules, an
export contract that works only once, a second site on one priority, or a CNAME at the apex would
pass every test here and fail in a real account.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

FAST = {"Delay": 1, "MaxAttempts": 30}

EXPORTER = {
    "Parameters": {"Value": {"Type": "String"}, "Exported": {"Type": "String", "Default": "yes"}},
    "Conditions": {"Exports": {"Fn::Equals": [{"Ref": "Exported"}, "yes"]}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        "Shared": {
            "Condition": "Exports",
            "Value": {"Ref": "Value"},
            "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Shared"}},
        }
    },
}
IMPORTER = {
    "Resources": {
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": {"Fn::ImportValue": "exporter-Shared"}},
        }
    }
}


def _params(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def _change(cfn, name: str, template: dict, kind: str, **values: str) -> dict:
    """Create, wait for and execute one change set, as the deployer does; the stack afterwards."""
    change_set = f"change-{uuid.uuid4().hex[:12]}"
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType=kind,
        TemplateBody=json.dumps(template),
        Parameters=_params(**values),
    )
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def _reasons(cfn, name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [e.get("ResourceStatusReason", "") for e in events]


@pytest.fixture
def exported_and_imported(aws):
    cfn = boto3.client("cloudformation")
    _change(cfn, "exporter", EXPORTER, "CREATE", Value="one")
    _change(cfn, "importer", IMPORTER, "CREATE")
    return cfn


def _export(cfn) -> dict[str, str]:
    return {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}


def test_an_export_in_use_cannot_change(exported_and_imported):
    """ "After another stack imports an output value, you can't delete the stack that is exporting the
    output value or modify the exported output value."
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html)"""
    cfn = exported_and_imported
    stack = _change(cfn, "exporter", EXPORTER, "UPDATE", Value="two")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "Export exporter-Shared cannot be updated as it is in use by importer" in _reasons(cfn, "exporter")
    assert _export(cfn) == {"exporter-Shared": "one"}
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Value"] == "one"


def test_an_export_in_use_cannot_be_removed(exported_and_imported):
    cfn = exported_and_imported
    stack = _change(cfn, "exporter", EXPORTER, "UPDATE", Value="one", Exported="no")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "Export exporter-Shared cannot be deleted as it is in use by importer" in _reasons(cfn, "exporter")
    assert _export(cfn) == {"exporter-Shared": "one"}


def test_the_same_update_passes_once_nothing_imports_the_export(exported_and_imported):
    cfn = exported_and_imported
    cfn.delete_stack(StackName="importer")
    assert _change(cfn, "exporter", EXPORTER, "UPDATE", Value="two")["StackStatus"] == "UPDATE_COMPLETE"
    assert _export(cfn) == {"exporter-Shared": "two"}


def test_update_stack_obeys_the_same_rule(exported_and_imported):
    cfn = exported_and_imported
    cfn.update_stack(StackName="exporter", TemplateBody=json.dumps(EXPORTER), Parameters=_params(Value="two"))
    assert cfn.describe_stacks(StackName="exporter")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert _export(cfn) == {"exporter-Shared": "one"}


def test_a_stack_whose_export_is_imported_cannot_be_deleted(exported_and_imported):
    """The delete leaves the stack as it was; botocore's stack_delete_complete waiter treats the
    UPDATE_COMPLETE it then shows as a failure."""
    cfn = exported_and_imported
    cfn.delete_stack(StackName="exporter")
    (stack,) = cfn.describe_stacks(StackName="exporter")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert "Export exporter-Shared cannot be deleted as it is in use by importer" in _reasons(cfn, "exporter")
    with pytest.raises(Exception, match="UPDATE_COMPLETE"):
        cfn.get_waiter("stack_delete_complete").wait(StackName="exporter", WaiterConfig=FAST)


def test_list_imports_names_the_importers(exported_and_imported):
    """https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html; AWS answers
    an export nobody imports with "Export '<name>' is not imported by any stack."
    """
    cfn = exported_and_imported
    assert cfn.list_imports(ExportName="exporter-Shared")["Imports"] == ["importer"]
    cfn.delete_stack(StackName="importer")
    with pytest.raises(ClientError, match="Export 'exporter-Shared' is not imported by any stack."):
        cfn.list_imports(ExportName="exporter-Shared")


@pytest.fixture
def listener(aws):
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
        for i, z in ((1, "a"), (2, "b"))
    ]
    balancer = elbv2.create_load_balancer(Name="rules", Subnets=[s["Subnet"]["SubnetId"] for s in subnets])
    balancer = balancer["LoadBalancers"][0]["LoadBalancerArn"]
    group = elbv2.create_target_group(Name="rules", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    group_arn = group["TargetGroups"][0]["TargetGroupArn"]
    arn = elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )["Listeners"][0]["ListenerArn"]
    return elbv2, arn, group_arn


def test_two_listener_rules_cannot_share_a_priority(listener):
    """ "A listener can't have multiple rules with the same priority."
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html). moto
    itself enforces this one; the test proves it, so the sites' priorities are tested against it."""
    elbv2, arn, group = listener

    def rule(host: str) -> dict:
        return elbv2.create_rule(
            ListenerArn=arn,
            Priority=100,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": group}],
        )

    rule("one.example.com")
    with pytest.raises(ClientError) as raised:
        rule("two.example.com")
    assert raised.value.response["Error"]["Code"] == "PriorityInUse"


def _change_batch(zone: str, name: str, kind: str, value: str):
    record = {"Name": name, "Type": kind, "TTL": 60, "ResourceRecords": [{"Value": value}]}
    return boto3.client("route53").change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]}
    )


@pytest.fixture
def zone(aws):
    created = boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="rules")
    return created["HostedZone"]["Id"].split("/")[-1]


def test_no_cname_at_the_zone_apex(zone):
    """ "If you're creating a record that has a value of CNAME for Record type, the name of the record
    can't be the same as the name of the hosted zone."
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-shared.html)"""
    with pytest.raises(ClientError) as raised:
        _change_batch(zone, "example.com", "CNAME", "lb.example.net")
    assert raised.value.response["Error"]["Code"] == "InvalidChangeBatch"
    assert "is not permitted at apex in zone example.com." in raised.value.response["Error"]["Message"]


def test_no_cname_beside_another_record_of_the_same_name_and_no_record_beside_a_cname(zone):
    """A CNAME owns its name alone: "If a CNAME RR is present at a node, no other data should be
    present" (RFC 1034 §3.6.2), which Route 53 enforces with InvalidChangeBatch."""
    _change_batch(zone, "docs.example.com", "TXT", '"verification"')
    with pytest.raises(ClientError, match="conflicts with other records with the same DNS name"):
        _change_batch(zone, "docs.example.com", "CNAME", "lb.example.net")
    _change_batch(zone, "blog.example.com", "CNAME", "lb.example.net")
    with pytest.raises(ClientError, match="a conflicting RRSet of type CNAME with the same DNS name"):
        _change_batch(zone, "blog.example.com", "TXT", '"verification"')


def test_a_stack_whose_record_route53_refuses_fails_and_rolls_back(zone):
    """In a stack the same refusal is the resource's CREATE_FAILED reason, and the stack rolls back
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html)."""
    cfn = boto3.client("cloudformation")
    template = {
        "Resources": {
            "Apex": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": zone,
                    "Name": "example.com",
                    "Type": "CNAME",
                    "TTL": "300",
                    "ResourceRecords": ["lb.example.net"],
                },
            }
        }
    }
    assert _change(cfn, "apex", template, "CREATE")["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [
        e
        for e in cfn.describe_stack_events(StackName="apex")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert [e["LogicalResourceId"] for e in failed] == ["Apex"]
    assert "is not permitted at apex" in failed[0]["ResourceStatusReason"]


def test_conditions_written_with_the_short_condition_form_are_evaluated(aws):
    """`!Condition Name` inside a condition
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html):
    moto used to treat `!Not [!Condition X]` as true whatever X was."""
    cfn = boto3.client("cloudformation")
    body = """
Parameters:
  Mode: {Type: String}
Conditions:
  IsNone: !Equals [!Ref Mode, none]
  HasTopic: !Not [!Condition IsNone]
Resources:
  Always: {Type: AWS::SNS::Topic}
  Topic: {Type: AWS::SNS::Topic, Condition: HasTopic}
"""
    cfn.create_stack(StackName="short", TemplateBody=body, Parameters=_params(Mode="none"))
    resources = cfn.describe_stack_resources(StackName="short")["StackResources"]
    assert {r["LogicalResourceId"] for r in resources} == {"Always"}


def test_the_ecs_service_linked_role_is_named_and_refused_again_as_aws_does(aws):
    """AWSServiceRoleForECS (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html);
    a second CreateServiceLinkedRole answers InvalidInput "... has been taken in this account ...\""""
    iam = boto3.client("iam")
    role = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForECS"
    with pytest.raises(ClientError) as raised:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert raised.value.response["Error"]["Code"] == "InvalidInput"
    assert raised.value.response["Error"]["Message"] == (
        "Service role name AWSServiceRoleForECS has been taken in this account, "
        "please try a different suffix."
    )
