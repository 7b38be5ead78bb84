"""The templates' contract with the deploy code and with each other, read from the decoded YAML."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fargate_deploy.fargate import VALID_MEMORY_FOR_CPU
from tests.templates.render import imports_in

BASE_PARAMETERS = set(
    """
    DomainName HostedZoneId CertificateArn EnableHttps NatMode VpcCidr PublicSubnet1Cidr
    PublicSubnet2Cidr PrivateSubnet1Cidr PrivateSubnet2Cidr EnableAccessLogs EnableContainerInsights
    LogRetentionDays EnableDeletionProtection ImageRetentionCount
    """.split()
)
# Optional extras beyond the contract: each has a default, so the deploy code never has to pass it.
BASE_EXTRA_PARAMETERS = {"RepositoryName"}
# edge (issue 14): CloudFront in front; deploy.py fills them in the second wave (docs/architecture.md).
BASE_EXTRA_PARAMETERS |= {"EnableCdn", "CdnCertificateArn", "CloudFrontPrefixListId", "WebAclArn"}
# Reusing the kept Flask secret key (issue 11).
BASE_EXTRA_PARAMETERS |= {"SecretArn"}
# Data stores (issue 16): the database, the table and its key schema, the uploads bucket.
BASE_EXTRA_PARAMETERS |= {
    "Database",
    "DatabaseMinCapacity",
    "DatabaseMaxCapacity",
    "DatabaseSecondsUntilAutoPause",
}
BASE_EXTRA_PARAMETERS |= {"EnableTable", "TablePartitionKey", "TablePartitionKeyType", "TableSortKey"}
BASE_EXTRA_PARAMETERS |= {"TableSortKeyType", "EnableUploads", "UploadsNoncurrentVersionDays"}
BASE_OUTPUTS = set(
    """
    DomainName HostedZoneId NameServers VpcId PublicSubnets PrivateSubnets TaskSubnets
    TaskAssignPublicIp LoadBalancerArn LoadBalancerFullName LoadBalancerDnsName HttpListenerArn
    HttpsListenerArn LoadBalancerSecurityGroup TaskSecurityGroup ClusterName ClusterArn RepositoryName
    RepositoryUri LogGroupName SecretArn TaskExecutionRoleArn
    """.split()
)
# edge (issue 14): read by deploy.py and passed to the sites as parameters, never exported, so the
# CDN can be turned on and off while sites exist (an imported export cannot change).
BASE_UNEXPORTED_OUTPUTS = {"DistributionId", "DistributionDomainName", "OriginVerifySecretArn"}
# Data stores (issue 16): passed to the sites as parameters for the same reason.
DATA_OUTPUTS = {"DatabaseClusterId", "DatabaseSecretArn", "DatabaseHost", "DatabasePort", "DatabaseName"}
DATA_OUTPUTS |= {"TableName", "UploadsBucket"}
BASE_UNEXPORTED_OUTPUTS |= DATA_OUTPUTS
SERVICE_PARAMETERS = set(
    """
    BaseStackName ImageTag HostName Cpu Memory Architecture UseSpot DesiredCount MinCount MaxCount
    TargetCpuPercent TargetRequestsPerTask EnableExec AlarmEmail OffHoursScaleDownCron
    OffHoursScaleUpCron AppSettings TaskSubnets TaskAssignPublicIp
    """.split()
)
SERVICE_EXTRA_PARAMETERS = {"RulePriority"}
SERVICE_EXTRA_PARAMETERS |= {"OriginVerifySecretArn", "DistributionDomainName"}  # edge (issue 14)
# Data stores (issue 16), from the base stack's unexported outputs.
SERVICE_EXTRA_PARAMETERS |= {"DatabaseSecretArn", "DatabaseHost", "DatabasePort", "DatabaseName", "TableName"}
SERVICE_EXTRA_PARAMETERS |= {"UploadsBucket"}
SERVICE_EXTRA_PARAMETERS |= {"HoldForRelease"}  # the release command's first deploy (release_hold.py)
SERVICE_OUTPUTS = {"ServiceName", "ServiceArn", "TaskDefinitionArn", "TargetGroupArn", "AlarmTopicArn", "Url"}
BOOLEANS = set(
    """
    EnableHttps EnableAccessLogs EnableContainerInsights EnableDeletionProtection UseSpot EnableExec
    EnableCdn EnableTable EnableUploads
    """.split()
)


def both(base_template, service_template) -> list[tuple[str, dict[str, Any]]]:
    """The base and service templates, and the edge stack's (issue 14), which follows the same rules."""
    from tests.templates.render import EDGE, load

    return [("resources.yaml", base_template), ("service.yaml", service_template), ("edge.yaml", load(EDGE))]


def test_parameter_names_are_the_contract(base_template, service_template):
    assert set(base_template["Parameters"]) == BASE_PARAMETERS | BASE_EXTRA_PARAMETERS
    assert set(service_template["Parameters"]) == SERVICE_PARAMETERS | SERVICE_EXTRA_PARAMETERS
    for name in BASE_EXTRA_PARAMETERS:
        assert "Default" in base_template["Parameters"][name]
    for name in SERVICE_EXTRA_PARAMETERS:
        assert "Default" in service_template["Parameters"][name]


def test_output_names_are_the_contract(base_template, service_template):
    assert set(base_template["Outputs"]) == BASE_OUTPUTS | BASE_UNEXPORTED_OUTPUTS
    assert set(service_template["Outputs"]) == SERVICE_OUTPUTS


def test_every_base_output_is_exported_as_stack_name_dash_key(base_template):
    for key, output in base_template["Outputs"].items():
        if key in BASE_UNEXPORTED_OUTPUTS:
            assert "Export" not in output, key
            continue
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{key}"}, key


def test_conditional_outputs(base_template):
    outputs = base_template["Outputs"]
    assert outputs["NameServers"]["Condition"] == "CreateHostedZone"
    assert outputs["HttpsListenerArn"]["Condition"] == "HttpsEnabled"
    conditional = [k for k, o in outputs.items() if "Condition" in o]
    assert conditional[:2] == ["NameServers", "HttpsListenerArn"]
    assert set(conditional[2:]) == BASE_UNEXPORTED_OUTPUTS
    assert {outputs[k]["Condition"] for k in BASE_UNEXPORTED_OUTPUTS - DATA_OUTPUTS} == {"CdnEnabled"}
    assert {outputs[k]["Condition"] for k in DATA_OUTPUTS} == {"HasDatabase", "HasTable", "HasUploads"}


def test_every_import_matches_a_base_export(base_template, service_template):
    imports = imports_in(service_template["Resources"]) + imports_in(service_template["Outputs"])
    assert imports, "the service stack imports nothing?"
    exports = {o["Export"]["Name"]["Fn::Sub"].replace("${AWS::StackName}", "${BaseStackName}")
               for o in base_template["Outputs"].values() if "Export" in o}  # fmt: skip
    assert set(imports) <= exports, set(imports) - exports


def test_what_the_base_stack_may_change_reaches_sites_as_parameters_not_imports(service_template):
    # "After another stack imports an output value, you can't ... modify the exported output value"
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html):
    # a NatMode change alters TaskSubnets and TaskAssignPublicIp, so no site may import them.
    from fargate_deploy.site_parameters import FROM_BASE_OUTPUTS

    imports = imports_in(service_template["Resources"]) + imports_in(service_template["Outputs"])
    for parameter, output in FROM_BASE_OUTPUTS.items():
        assert f"${{BaseStackName}}-{output}" not in imports, output
        assert parameter in service_template["Parameters"], parameter


def test_every_parameter_is_described_and_optional_ones_say_so(base_template, service_template):
    for file, template in both(base_template, service_template):
        for name, spec in template["Parameters"].items():
            description = spec.get("Description", "")
            assert len(description) >= 20, f"{file} {name}: no real description"
            if spec.get("Default") == "":
                assert description.startswith("(Optional)"), f"{file} {name}: optional but not said"
                assert "AllowedPattern" in spec, f"{file} {name}: an optional value is still checked"
            if "AllowedPattern" in spec:
                assert spec.get("ConstraintDescription"), f"{file} {name}: pattern without an example"
                if "Default" in spec:
                    assert re.fullmatch(spec["AllowedPattern"], str(spec["Default"])), f"{file} {name}"


def test_descriptions_are_not_copy_pasted(base_template, service_template):
    for file, template in both(base_template, service_template):
        descriptions = [spec["Description"] for spec in template["Parameters"].values()]
        assert len(descriptions) == len(set(descriptions)), file


def test_booleans_are_true_false_strings(base_template, service_template):
    parameters = {**base_template["Parameters"], **service_template["Parameters"]}
    for name in BOOLEANS:
        assert parameters[name]["Type"] == "String", name
        assert parameters[name]["AllowedValues"] == ["true", "false"], name


def memory_rules(service_template) -> dict[int, tuple[int, ...]]:
    table = {}
    for name, rule in service_template["Rules"].items():
        condition = rule.get("RuleCondition")
        if not name.startswith("Cpu"):  # the other rules check other parameters
            continue
        if not condition:
            continue
        ref, cpu = condition["Fn::Equals"]
        assert ref == {"Ref": "Cpu"}
        (assertion,) = rule["Assertions"]
        allowed, memory = assertion["Assert"]["Fn::Contains"]
        assert memory == {"Ref": "Memory"}
        table[int(cpu)] = tuple(int(m) for m in allowed)
    return table


def test_cpu_memory_rules_are_exactly_the_fargate_table(service_template):
    assert memory_rules(service_template) == VALID_MEMORY_FOR_CPU
    allowed_cpu = service_template["Parameters"]["Cpu"]["AllowedValues"]
    assert [int(c) for c in allowed_cpu] == list(VALID_MEMORY_FOR_CPU)


def test_cpu_memory_rule_check_catches_a_drift(service_template):
    drifted = json.loads(json.dumps(service_template))
    drifted["Rules"]["Cpu256Memory"]["Assertions"][0]["Assert"]["Fn::Contains"][0].append("4096")
    assert memory_rules(drifted) != VALID_MEMORY_FOR_CPU


def statements(template) -> list[dict[str, Any]]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "Effect" in node and "Action" in node:
                found.append(node)
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template["Resources"])
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_no_wildcard_action_on_wildcard_resource(base_template, service_template):
    for file, template in both(base_template, service_template):
        for statement in statements(template):
            if statement["Effect"] != "Allow":
                continue
            actions = as_list(statement["Action"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), (file, statement)
            if as_list(statement.get("Resource")) == ["*"]:
                # Only actions that AWS defines without resource-level permissions may use "*".
                assert set(actions) <= {
                    "ecr:GetAuthorizationToken",
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                }, (file, statement)


def test_every_checkov_skip_gives_a_reason(base_template, service_template):
    skips = 0
    for file, template in both(base_template, service_template):
        for name, resource in template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skips += 1
                assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (file, name)
                assert len(skip.get("comment", "")) > 20 and "\n" not in skip["comment"], (file, name, skip)
    assert skips


def test_every_depends_on_is_explained():
    from tests.templates.render import BASE, EDGE, SERVICE

    for path in (BASE, SERVICE, EDGE):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip().startswith("DependsOn:"):
                assert lines[number - 1].strip().startswith("#"), f"{path.name}:{number + 1}: why DependsOn?"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("StopTimeout", 30),
        ("User", "10001"),
        ("Name", "web"),
    ],
)
def test_container_contract(service_template, key, expected):
    (container,) = service_template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container[key] == expected


def test_container_ports_logs_secret_and_volumes(service_template):
    task = service_template["Resources"]["TaskDefinition"]["Properties"]
    (container,) = task["ContainerDefinitions"]
    assert container["PortMappings"] == [{"ContainerPort": 8080, "Protocol": "tcp"}]
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    assert container["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "web"
    # Every task has these two; the database's (issue 16) come only with it, as Fn::If entries.
    assert [s["Name"] for s in container["Secrets"] if "Name" in s] == ["SECRET_KEY", "APP_SECRETS_JSON"]
    assert "SECRET_KEY" not in {e["Name"] for e in container.get("Environment", []) if "Name" in e}
    assert "/health" in " ".join(container["HealthCheck"]["Command"])
    # Fargate has no tmpfs: writable paths are task volumes with a name and no host.
    assert all(set(v) == {"Name"} for v in task["Volumes"])
    assert {m["ContainerPath"] for m in container["MountPoints"]} == {"/tmp"}
    # Fargate rejects tmpfs mounts and a /dev/shm size: neither may appear.
    assert "Tmpfs" not in json.dumps(task) and "SharedMemorySize" not in json.dumps(task)


def test_image_declares_the_mounted_paths_as_volumes(service_template):
    """Fargate copies a VOLUME's content and mode into the mounted volume: that is what lets user 10001
    write to /tmp. A mount point the Dockerfile does not declare would be root-owned and unwritable."""
    from tests.templates.render import ROOT

    dockerfile = (ROOT / "Dockerfile").read_text()
    declared = set()
    for match in re.finditer(r"^VOLUME\s+(.+)$", dockerfile, re.MULTILINE):
        declared |= set(re.findall(r"/[\w./-]+", match.group(1)))
    (container,) = service_template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert {m["ContainerPath"] for m in container["MountPoints"]} <= declared


def test_target_group_and_service_drain_numbers(service_template, base_template):
    target_group = service_template["Resources"]["TargetGroup"]["Properties"]
    assert target_group["Port"] == 8080
    assert target_group["TargetType"] == "ip"
    assert target_group["HealthCheckPath"] == "/health"
    assert target_group["HealthCheckIntervalSeconds"] == 10
    assert target_group["HealthyThresholdCount"] == 2
    assert target_group["HealthCheckTimeoutSeconds"] == 5
    attributes = {a["Key"]: a["Value"] for a in target_group["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "20"
    service = service_template["Resources"]["Service"]["Properties"]
    assert service["HealthCheckGracePeriodSeconds"] == 30
    assert service["DeploymentConfiguration"] == {
        "MinimumHealthyPercent": 100,
        "MaximumPercent": 200,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        # tests/templates/test_deployment_alarms.py checks these
        "Alarms": service["DeploymentConfiguration"]["Alarms"],
    }
    assert service["LoadBalancers"] == [
        {"ContainerName": "web", "ContainerPort": 8080, "TargetGroupArn": {"Ref": "TargetGroup"}}
    ]
    balancer = base_template["Resources"]["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]
    balancer = {a["Key"]: a["Value"] for a in balancer if "Key" in a}
    assert balancer["idle_timeout.timeout_seconds"] == "60"
    assert balancer["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert balancer["routing.http.desync_mitigation_mode"] in {"defensive", "strictest"}


def test_full_names_come_from_arns_not_getatt(service_template):
    """GetAtt on a target group fails in moto; splitting the ARN is the same value in AWS."""
    text = json.dumps(service_template["Resources"])
    assert '"Fn::GetAtt": ["TargetGroup"' not in text
    split = {"Fn::Select": [5, {"Fn::Split": [":", {"Ref": "TargetGroup"}]}]}
    assert json.dumps(split) in text
