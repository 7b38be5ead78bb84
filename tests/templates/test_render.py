"""What each condition of the templates produces, rendered offline (tests/templates/render.py)."""

from __future__ import annotations

import pytest

from tests.templates.render import SITE, render

DOMAIN = {"DomainName": "example.com"}
ZONE = "Z0123456789ABCDEFGHIJ"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f5e1b1e-6d7a-4a38-9d8f-0123456789ab"


def task_subnets(rendered):
    return rendered.outputs["TaskSubnets"]["Value"]["Fn::Join"][1]


def test_nat_none_runs_tasks_in_public_subnets_with_public_ips(base_template):
    base = render(base_template, **DOMAIN, NatMode="none")
    assert base.of_type("AWS::EC2::NatGateway") == {}
    assert base.of_type("AWS::EC2::EIP") == {}
    assert base.outputs["TaskAssignPublicIp"]["Value"] == "ENABLED"
    assert task_subnets(base) == [{"Ref": "PublicSubnet1"}, {"Ref": "PublicSubnet2"}]
    routes = base.of_type("AWS::EC2::Route")
    assert list(routes) == ["PublicDefaultRoute", "PublicIpv6DefaultRoute"]


def test_nat_single_shares_one_gateway(base_template):
    base = render(base_template, **DOMAIN, NatMode="single")
    assert list(base.of_type("AWS::EC2::NatGateway")) == ["NatGateway1"]
    assert base.outputs["TaskAssignPublicIp"]["Value"] == "DISABLED"
    assert task_subnets(base) == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]
    for route in ("PrivateDefaultRoute1", "PrivateDefaultRoute2"):
        assert base.properties(route)["NatGatewayId"] == {"Ref": "NatGateway1"}


def test_nat_per_az_has_a_gateway_in_each_zone(base_template):
    base = render(base_template, **DOMAIN, NatMode="per-az")
    gateways = base.of_type("AWS::EC2::NatGateway")
    assert list(gateways) == ["NatGateway1", "NatGateway2"]
    assert {g["Properties"]["SubnetId"]["Ref"] for g in gateways.values()} == {
        "PublicSubnet1",
        "PublicSubnet2",
    }
    assert base.properties("PrivateDefaultRoute1")["NatGatewayId"] == {"Ref": "NatGateway1"}
    assert base.properties("PrivateDefaultRoute2")["NatGatewayId"] == {"Ref": "NatGateway2"}
    assert base.outputs["TaskAssignPublicIp"]["Value"] == "DISABLED"


def test_without_hosted_zone_the_stack_creates_one_and_reports_its_name_servers(base_template):
    base = render(base_template, **DOMAIN)
    assert list(base.of_type("AWS::Route53::HostedZone")) == ["HostedZone"]
    assert "NameServers" in base.outputs
    assert base.outputs["HostedZoneId"]["Value"] == {"Ref": "HostedZone"}
    for record in ("ApexRecord", "WwwRecord"):
        assert base.properties(record)["HostedZoneId"] == {"Ref": "HostedZone"}


def test_with_hosted_zone_it_is_reused_and_no_name_servers_are_output(base_template):
    base = render(base_template, **DOMAIN, HostedZoneId=ZONE)
    assert base.of_type("AWS::Route53::HostedZone") == {}
    assert "NameServers" not in base.outputs
    assert base.value(base.outputs["HostedZoneId"]["Value"]) == ZONE
    assert base.properties("Certificate")["DomainValidationOptions"][0]["HostedZoneId"] == {
        "Ref": "HostedZoneId"
    }
    names = {base.properties(r)["Name"]["Ref"] if "Ref" in base.properties(r)["Name"] else "www"
             for r in ("ApexRecord", "WwwRecord")}  # fmt: skip
    assert names == {"DomainName", "www"}


def test_without_certificate_arn_the_stack_requests_apex_and_wildcard(base_template):
    base = render(base_template, **DOMAIN, HostedZoneId=ZONE)
    certificate = base.properties("Certificate")
    assert certificate["DomainName"] == {"Ref": "DomainName"}
    assert certificate["SubjectAlternativeNames"] == [{"Fn::Sub": "*.${DomainName}"}]
    assert certificate["ValidationMethod"] == "DNS"
    listener = base.properties("HttpsListener")
    assert listener["Certificates"] == [{"CertificateArn": {"Ref": "Certificate"}}]


def test_with_certificate_arn_no_certificate_is_created(base_template):
    base = render(base_template, **DOMAIN, HostedZoneId=ZONE, CertificateArn=CERT)
    assert base.of_type("AWS::CertificateManager::Certificate") == {}
    (certificate,) = base.properties("HttpsListener")["Certificates"]
    assert base.value(certificate["CertificateArn"]) == CERT


def test_https_listener_policy_and_default_404(base_template):
    listener = render(base_template, **DOMAIN).properties("HttpsListener")
    assert listener["Port"] == 443
    assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    (action,) = listener["DefaultActions"]
    assert action["Type"] == "fixed-response"
    assert action["FixedResponseConfig"]["StatusCode"] == "404"


def test_http_redirects_to_https_with_301(base_template):
    (action,) = render(base_template, **DOMAIN).properties("HttpListener")["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"]["Protocol"] == "HTTPS"
    assert action["RedirectConfig"]["StatusCode"] == "HTTP_301"


def test_phase_one_without_https_has_no_certificate_nor_https_listener(base_template):
    base = render(base_template, **DOMAIN, EnableHttps="false")
    assert base.of_type("AWS::CertificateManager::Certificate") == {}
    assert "HttpsListener" not in base.resources
    assert "HttpsListenerArn" not in base.outputs
    # Port 80 says HTTPS is coming (503) instead of redirecting to a port that does not listen yet.
    (action,) = base.properties("HttpListener")["DefaultActions"]
    assert action["Type"] == "fixed-response"
    assert action["FixedResponseConfig"]["StatusCode"] == "503"
    # Everything else is there, so phase 2 only adds the certificate and the listener.
    with_https = render(base_template, **DOMAIN)
    assert set(with_https.resources) - set(base.resources) == {"Certificate", "HttpsListener"}


# DependsOn cannot take a condition; a Ref can, anywhere in a resource (Metadata included), and a
# referenced resource is created and updated first:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html


def test_with_access_logs_the_load_balancer_waits_for_the_bucket_policy(base_template):
    # ELB refuses the access-log attributes ("Access Denied for bucket") until the bucket policy lets
    # it write: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
    on = render(base_template, **DOMAIN, EnableAccessLogs="true")
    assert on.depends_on("LoadBalancer", "AccessLogsBucketPolicy")
    assert on.properties("AccessLogsBucketPolicy")["Bucket"] == {"Ref": "AccessLogsBucket"}
    off = render(base_template, **DOMAIN, EnableAccessLogs="false")
    assert "AccessLogsBucketPolicy" not in off.resources
    assert "WaitFor" not in off.resources["LoadBalancer"]["Metadata"]


def test_phase_two_redirects_http_only_after_the_https_listener_exists(base_template):
    phase_two = render(base_template, **DOMAIN)
    (action,) = phase_two.properties("HttpListener")["DefaultActions"]
    assert action["Type"] == "redirect"
    assert phase_two.depends_on("HttpListener", "HttpsListener")
    phase_one = render(base_template, **DOMAIN, EnableHttps="false")
    assert "HttpsListener" not in phase_one.resources
    assert "WaitFor" not in phase_one.resources["HttpListener"]["Metadata"]


def test_the_dependency_check_sees_refs_getatts_and_subs_and_nothing_else(base_template):
    base = render(base_template, **DOMAIN)
    assert base.depends_on("PublicDefaultRoute", "InternetGatewayAttachment")  # DependsOn
    assert base.depends_on("ApexRecord", "LoadBalancer")  # GetAtt
    assert base.depends_on("LoadBalancer", "Vpc")  # through the subnets' Refs
    assert not base.depends_on("Vpc", "LoadBalancer")
    assert not base.depends_on("HttpsListener", "HttpListener")


@pytest.mark.parametrize(("value", "expected"), [("true", "true"), ("false", "false")])
def test_operations_switches(base_template, value, expected):
    base = render(
        base_template,
        **DOMAIN,
        EnableAccessLogs=value,
        EnableContainerInsights=value,
        EnableDeletionProtection=value,
    )
    attributes = {a["Key"]: a["Value"] for a in base.properties("LoadBalancer")["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == expected
    assert attributes["deletion_protection.enabled"] == expected
    assert ("AccessLogsBucket" in base.resources) == (value == "true")
    assert ("access_logs.s3.bucket" in attributes) == (value == "true")
    (setting,) = base.properties("Cluster")["ClusterSettings"]
    assert setting == {"Name": "containerInsights", "Value": "enabled" if value == "true" else "disabled"}


def test_repository_is_immutable_scanned_retained_and_expires_images(base_template):
    base = render(base_template, **DOMAIN, ImageRetentionCount="7")
    repository = base.resources["Repository"]
    assert repository["DeletionPolicy"] == repository["UpdateReplacePolicy"] == "Retain"
    assert repository["Properties"]["ImageTagMutability"] == "IMMUTABLE"
    assert repository["Properties"]["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert "RepositoryPolicyText" not in repository["Properties"]
    lifecycle = repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"]
    assert '"tagStatus": "untagged"' in lifecycle and '"countNumber": ${ImageRetentionCount}' in lifecycle


def test_spot_off_and_on(service_template):
    off = render(service_template, **SITE, UseSpot="false")
    on = render(service_template, **SITE, UseSpot="true")
    assert off.properties("Service")["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Weight": 1}
    ]
    assert on.properties("Service")["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}
    ]


@pytest.mark.parametrize("architecture", ["X86_64", "ARM64"])
def test_architecture_sets_the_runtime_platform(service_template, architecture):
    task = render(service_template, **SITE, Architecture=architecture).properties("TaskDefinition")
    assert task["RuntimePlatform"] == {
        "CpuArchitecture": {"Ref": "Architecture"},
        "OperatingSystemFamily": "LINUX",
    }
    assert task["RequiresCompatibilities"] == ["FARGATE"] and task["NetworkMode"] == "awsvpc"


def test_off_hours_off_has_no_scheduled_actions(service_template):
    target = render(service_template, **SITE).properties("ScalableTarget")
    assert "ScheduledActions" not in target
    assert target["MinCapacity"] == {"Ref": "MinCount"} and target["MaxCapacity"] == {"Ref": "MaxCount"}


def test_off_hours_on_scales_to_zero_and_back(service_template):
    target = render(
        service_template,
        **SITE,
        OffHoursScaleDownCron="0 20 ? * MON-FRI *",
        OffHoursScaleUpCron="0 7 ? * MON-FRI *",
    ).properties("ScalableTarget")
    down, up = target["ScheduledActions"]
    assert down["Schedule"] == {"Fn::Sub": "cron(${OffHoursScaleDownCron})"}
    assert down["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert up["Schedule"] == {"Fn::Sub": "cron(${OffHoursScaleUpCron})"}
    assert up["ScalableTargetAction"] == {
        "MinCapacity": {"Ref": "MinCount"},
        "MaxCapacity": {"Ref": "MaxCount"},
    }


def test_a_site_held_for_its_release_has_no_task_and_autoscaling_suspended(service_template):
    held = render(service_template, **SITE, HoldForRelease="true", DesiredCount="2", MinCount="1")
    assert held.properties("Service")["DesiredCount"] == 0  # whatever DesiredCount says
    target = held.properties("ScalableTarget")
    assert target["MinCapacity"] == 0  # registering moves the service into [min, max]
    assert target["SuspendedState"] == dict.fromkeys(
        ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"), True
    )


@pytest.mark.parametrize("desired", ["", "2"])
def test_a_site_not_held_scales_as_its_settings_say_and_resumes_scaling(service_template, desired):
    lifted = render(service_template, **SITE, HoldForRelease="false", DesiredCount=desired)
    service = lifted.properties("Service")
    assert service.get("DesiredCount") == ({"Ref": "DesiredCount"} if desired else None)
    target = lifted.properties("ScalableTarget")
    assert target["MinCapacity"] == {"Ref": "MinCount"}
    # Each flag named false, so the update that lifts a hold resumes all three.
    assert target["SuspendedState"] == dict.fromkeys(
        ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended"), False
    )


def web_container(rendered):
    (container,) = rendered.properties("TaskDefinition")["ContainerDefinitions"]
    return container


def test_exec_off_and_on(service_template):
    off = render(service_template, **SITE)
    on = render(service_template, **SITE, EnableExec="true")
    assert off.properties("Service")["EnableExecuteCommand"] is False
    assert not off.properties("TaskRole").get("Policies")
    assert on.properties("Service")["EnableExecuteCommand"] is True
    assert on.properties("TaskRole")["Policies"][0]["PolicyName"] == "execute-command"


def test_the_root_filesystem_is_read_only_unless_exec_is_on(service_template):
    # ECS Exec's SSM agent must write to the container's filesystem; a read-only root "isn't
    # supported" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-considerations).
    assert web_container(render(service_template, **SITE))["ReadonlyRootFilesystem"] is True
    on = web_container(render(service_template, **SITE, EnableExec="true"))
    assert on["ReadonlyRootFilesystem"] is False
    # The rest of the container is the same either way: same user, same writable /tmp volume.
    off = web_container(render(service_template, **SITE))
    assert {k: v for k, v in on.items() if k != "ReadonlyRootFilesystem"} == {
        k: v for k, v in off.items() if k != "ReadonlyRootFilesystem"
    }


def test_alarm_email_subscription_only_when_given(service_template):
    assert "AlarmEmailSubscription" not in render(service_template, **SITE).resources
    on = render(service_template, **SITE, AlarmEmail="ops@example.com")
    assert on.value(on.properties("AlarmEmailSubscription")["Endpoint"]) == "ops@example.com"
    alarms = on.of_type("AWS::CloudWatch::Alarm")
    assert {a["Properties"]["MetricName"] for a in alarms.values()} == {
        "HTTPCode_Target_5XX_Count",
        "UnHealthyHostCount",
        "TargetResponseTime",
    }
    assert on.properties("ResponseTimeP99Alarm")["ExtendedStatistic"] == "p99"


def test_default_host_is_the_domain_and_www(service_template):
    service = render(service_template, **SITE)
    assert "HostRecord" not in service.resources
    (condition,) = service.properties("ListenerRule")["Conditions"]
    apex, www = condition["HostHeaderConfig"]["Values"]
    assert apex == {"Fn::ImportValue": {"Fn::Sub": "${BaseStackName}-DomainName"}}
    assert www["Fn::Sub"][0] == "www.${DomainName}"
    assert service.outputs["Url"]["Value"]["Fn::Sub"][0] == "https://${Host}"


def test_own_host_name_gets_its_rule_and_dns_record(service_template):
    service = render(service_template, **SITE, HostName="docs.example.com")
    (condition,) = service.properties("ListenerRule")["Conditions"]
    assert condition["HostHeaderConfig"]["Values"] == [{"Ref": "HostName"}]
    assert service.value(service.properties("HostRecord")["Name"]) == "docs.example.com"
    assert service.outputs["Url"]["Value"]["Fn::Sub"][1] == {"Host": {"Ref": "HostName"}}


def test_listener_rule_attaches_to_the_base_https_listener(service_template):
    rule = render(service_template, **SITE).properties("ListenerRule")
    assert rule["ListenerArn"] == {"Fn::ImportValue": {"Fn::Sub": "${BaseStackName}-HttpsListenerArn"}}
    assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]


def test_render_refuses_unknown_parameters(service_template):
    with pytest.raises(KeyError):
        render(service_template, **SITE, NotAParameter="x")


def test_security_groups_let_visitors_reach_only_the_load_balancer(base_template):
    base = render(base_template, **DOMAIN)
    balancer = base.properties("LoadBalancerSecurityGroup")
    # Dual stack (edge, issue 14): IPv4 and IPv6 visitors alike.
    assert {(r["FromPort"], r.get("CidrIp") or r["CidrIpv6"]) for r in balancer["SecurityGroupIngress"]} == {
        (80, "0.0.0.0/0"),
        (443, "0.0.0.0/0"),
        (80, "::/0"),
        (443, "::/0"),
    }
    (egress,) = balancer["SecurityGroupEgress"]
    assert (egress["FromPort"], egress["ToPort"]) == (8080, 8080)
    assert egress["DestinationSecurityGroupId"] == {"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}
    ingress = base.of_type("AWS::EC2::SecurityGroupIngress")
    assert [r["Properties"]["GroupId"] for r in ingress.values()] == [
        {"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}
    ]
    (rule,) = ingress.values()
    assert rule["Properties"]["SourceSecurityGroupId"] == {
        "Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]
    }
    assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (8080, 8080)
    for group in base.of_type("AWS::EC2::SecurityGroup").values():
        assert group["Properties"]["GroupDescription"]
        for r in group["Properties"].get("SecurityGroupIngress", []) + group["Properties"].get(
            "SecurityGroupEgress", []
        ):
            assert r["IpProtocol"] != "-1" and r.get("Description")


def trust_conditions(rendered, role: str) -> list:
    statements = rendered.properties(role)["AssumeRolePolicyDocument"]["Statement"]
    return [statement.get("Condition") for statement in statements]


def test_the_task_role_trusts_only_this_accounts_tasks_and_the_execution_role_as_documented(
    base_template, service_template
):
    # Task role: ECS recommends aws:SourceAccount in its trust policy
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
    site = render(service_template, **SITE)
    assert trust_conditions(site, "TaskRole") == [
        {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    ]
    # Execution role: AWS documents no such key when the Fargate agent assumes it, and a condition
    # the caller does not meet would stop every task; the documented trust policy has none
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
    base = render(base_template, **DOMAIN)
    assert trust_conditions(base, "TaskExecutionRole") == [None]
    assert trust_conditions(site, "TaskExecutionRole") == [None]  # each site's own (issue 13)
    for rendered, role in ((site, "TaskRole"), (base, "TaskExecutionRole"), (site, "TaskExecutionRole")):
        (statement,) = rendered.properties(role)["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Action"] == "sts:AssumeRole"


def test_without_secret_arn_the_stack_generates_the_key_and_keeps_it(base_template):
    base = render(base_template, **DOMAIN)
    secret = base.resources["Secret"]
    assert secret["DeletionPolicy"] == secret["UpdateReplacePolicy"] == "Retain"
    assert "GenerateSecretString" in secret["Properties"]
    assert base.outputs["SecretArn"]["Value"] == {"Ref": "Secret"}
    policy = base.properties("TaskExecutionRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert next(s for s in policy if s["Sid"] == "ReadThisSecret")["Resource"] == {"Ref": "Secret"}


def test_with_secret_arn_the_kept_key_is_reused_and_no_new_one_is_made(base_template):
    kept = "arn:aws:secretsmanager:us-east-1:123456789012:secret:Secret-AbCdEf"
    base = render(base_template, **DOMAIN, SecretArn=kept)
    assert base.of_type("AWS::SecretsManager::Secret") == {}
    assert base.value(base.outputs["SecretArn"]["Value"]) == kept
    policy = base.properties("TaskExecutionRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert base.value(next(s for s in policy if s["Sid"] == "ReadThisSecret")["Resource"]) == kept


# --- The app's settings and secrets (issue 13) ---

SECRETS_PARAMETER_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
    ":parameter/${AWS::StackName}/secrets"
}


def test_settings_reach_the_task_as_one_json_parameter_and_secrets_by_reference_only(service_template):
    service = render(service_template, **SITE, AppSettings='{"GREETING":"hi"}')
    container = web_container(service)
    environment = {e["Name"]: service.value(e["Value"]) for e in container["Environment"]}
    assert environment["APP_SETTINGS_JSON"] == '{"GREETING":"hi"}'
    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
    # ECS resolves the reference when a task starts; the template holds no value, only where it lives
    # (AWS::ECS::TaskDefinition Secret, ValueFrom: "the full ARN of the parameter in the SSM Parameter
    # Store": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-taskdefinition-secret.html).
    assert secrets["APP_SECRETS_JSON"] == SECRETS_PARAMETER_ARN
    assert "APP_SECRETS_JSON" not in environment


def test_each_site_starts_its_tasks_with_its_own_execution_role(service_template):
    service = render(service_template, **SITE)
    assert service.properties("TaskDefinition")["ExecutionRoleArn"] == {
        "Fn::GetAtt": ["TaskExecutionRole", "Arn"]
    }
    (policy,) = service.properties("TaskExecutionRole")["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    # Exactly this site's one parameter, and only the read ECS does at task start.
    assert statements["ReadThisSitesSecrets"]["Action"] == "ssm:GetParameters"
    assert statements["ReadThisSitesSecrets"]["Resource"] == SECRETS_PARAMETER_ARN
    ssm_statements = [
        s for s in statements.values() if any(a.startswith("ssm:") for a in as_list(s["Action"]))
    ]
    assert ssm_statements == [statements["ReadThisSitesSecrets"]]
    # No kms:Decrypt: the parameter uses Parameter Store's AWS-managed key (ECS task execution IAM role:
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
    assert not any(a.startswith("kms:") for s in statements.values() for a in as_list(s["Action"]))


def as_list(value):
    return value if isinstance(value, list) else [value]
