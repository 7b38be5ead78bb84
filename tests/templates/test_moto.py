"""Both stacks created against a real moto server, the way the deploy code's tests use them: an
existing hosted zone and a certificate made through moto's own APIs (moto does not model ACM
certificates inside CloudFormation, nor the name servers of a zone it creates).

moto 5.2 also lacks AWS::SecretsManager::Secret in CloudFormation: tests.templates.moto_secret adds it
to the in-process server, so the templates stay as AWS needs them.
"""

from __future__ import annotations

import boto3
import pytest

import tests.templates.moto_secret  # noqa: F401  (registers the Secret model with moto)
from fargate_deploy.site_parameters import FROM_BASE_OUTPUTS
from tests.templates.render import BASE, SERVICE
from tests.templates.test_conventions import BASE_OUTPUTS, SERVICE_OUTPUTS

# moto warns for each resource type it only pretends to create (alarms, autoscaling).
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")

FAST = {"Delay": 1, "MaxAttempts": 60}


def parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def create(cfn, name: str, body: str, values: dict[str, str]) -> dict[str, str]:
    cfn.create_stack(
        StackName=name, TemplateBody=body, Parameters=parameters(values), Capabilities=["CAPABILITY_IAM"]
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture
def existing_zone_and_certificate(aws):
    zone = boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="templates")
    certificate = boto3.client("acm").request_certificate(
        DomainName="example.com", SubjectAlternativeNames=["*.example.com"], ValidationMethod="DNS"
    )
    return zone["HostedZone"]["Id"].split("/")[-1], certificate["CertificateArn"]


def network(base: dict[str, str]) -> dict[str, str]:
    """What deploy.py passes a site from the base stack's outputs (fargate_deploy/site_parameters.py)."""
    return {parameter: base[output] for parameter, output in FROM_BASE_OUTPUTS.items()}


def base_values(zone: str, certificate: str, **extra: str) -> dict[str, str]:
    # moto names an unnamed ECR repository with capitals, which ECR (and moto) then refuse; AWS names
    # it in lower case. The optional RepositoryName sidesteps that without changing the default.
    return {"DomainName": "example.com", "HostedZoneId": zone, "CertificateArn": certificate,
            "RepositoryName": "flaskcom-prod", **extra}  # fmt: skip


@pytest.mark.parametrize("nat_mode", ["none", "per-az"])
def test_base_then_service_create_in_moto(existing_zone_and_certificate, nat_mode):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate, NatMode=nat_mode))
    assert set(base) == BASE_OUTPUTS - {"NameServers"}
    assert base["HostedZoneId"] == zone
    assert base["TaskAssignPublicIp"] == ("ENABLED" if nat_mode == "none" else "DISABLED")
    assert base["TaskSubnets"] == (base["PublicSubnets"] if nat_mode == "none" else base["PrivateSubnets"])
    assert base["LoadBalancerFullName"].startswith("app/")
    assert base["LoadBalancerArn"].endswith(base["LoadBalancerFullName"])
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert {f"flaskcom-prod-{k}": v for k, v in base.items()} == exports
    if nat_mode == "per-az":
        assert len(boto3.client("ec2").describe_nat_gateways()["NatGateways"]) == 2

    service = create(
        cfn,
        "flaskcom-prod-www",
        SERVICE.read_text(),
        {"BaseStackName": "flaskcom-prod", "ImageTag": "3f2c1ab", **network(base)},
    )
    assert set(service) == SERVICE_OUTPUTS
    assert service["Url"] == "https://example.com"
    rules = boto3.client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    forwarding = [r for r in rules if not r["IsDefault"]]
    assert [r["Actions"][0]["TargetGroupArn"] for r in forwarding] == [service["TargetGroupArn"]]
    assert forwarding[0]["Conditions"][0]["HostHeaderConfig"]["Values"] == ["example.com", "www.example.com"]


def test_phase_one_base_without_https_creates_in_moto(existing_zone_and_certificate):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, "", EnableHttps="false"))
    assert "HttpsListenerArn" not in base
    listeners = boto3.client("elbv2").describe_listeners(LoadBalancerArn=base["LoadBalancerArn"])["Listeners"]
    assert [listener["Port"] for listener in listeners] == [80]


def test_second_site_on_its_own_host_name_in_moto(existing_zone_and_certificate):
    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate))
    site = {"BaseStackName": "flaskcom-prod", "ImageTag": "3f2c1ab", **network(base)}
    create(cfn, "flaskcom-prod-www", SERVICE.read_text(), site)
    docs = create(
        cfn,
        "flaskcom-prod-docs",
        SERVICE.read_text(),
        {**site, "HostName": "docs.example.com", "RulePriority": "200"},
    )
    assert docs["Url"] == "https://docs.example.com"
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    (cname,) = [r for r in records if r["Type"] == "CNAME"]
    assert cname["Name"].rstrip(".") == "docs.example.com"
    assert cname["ResourceRecords"] == [{"Value": base["LoadBalancerDnsName"]}]
    rules = boto3.client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    hosts = sorted(
        tuple(r["Conditions"][0]["HostHeaderConfig"]["Values"]) for r in rules if not r["IsDefault"]
    )
    assert hosts == [("docs.example.com",), ("example.com", "www.example.com")]


# --- edge (issue 14): dual stack, and CloudFront in front with the origin lock ------------------------
# tests/moto_edge.py fills what moto lacks (Fn::Cidr, the VPC's IPv6 block, dynamic references, the
# distribution, the load balancer's address type, prefix lists in security groups).


def cloudfront_prefix_list() -> str:
    """This region's id of CloudFront's IPv6 origin-facing list, looked up by name as the deployer does
    (the test process's moto has it: tests/moto_edge.py)."""
    from fargate_deploy.edge import CLOUDFRONT_PREFIX_LIST, prefix_list_id

    return prefix_list_id(
        boto3.client("ec2").describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT_PREFIX_LIST]}]
        )
    )


def test_the_network_is_dual_stack_in_moto(existing_zone_and_certificate):
    import ipaddress

    zone, certificate = existing_zone_and_certificate
    base = create(
        boto3.client("cloudformation"), "flaskcom-prod", BASE.read_text(), base_values(zone, certificate)
    )
    ec2 = boto3.client("ec2")
    (vpc,) = ec2.describe_vpcs(VpcIds=[base["VpcId"]])["Vpcs"]
    (vpc_block,) = [ipaddress.ip_network(a["Ipv6CidrBlock"]) for a in vpc["Ipv6CidrBlockAssociationSet"]]
    assert vpc_block.prefixlen == 56
    subnets = ec2.describe_subnets(
        SubnetIds=(base["PublicSubnets"] + "," + base["PrivateSubnets"]).split(",")
    )
    blocks = [
        ipaddress.ip_network(s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]) for s in subnets["Subnets"]
    ]
    assert sorted(blocks) == list(vpc_block.subnets(new_prefix=64))[:4]
    (balancer,) = boto3.client("elbv2").describe_load_balancers(LoadBalancerArns=[base["LoadBalancerArn"]])[
        "LoadBalancers"
    ]
    assert balancer["IpAddressType"] == "dualstack"
    # nat_mode none: no NAT gateway (moto's reading of !Condition is fixed in tests/moto_edge.py).
    assert boto3.client("ec2").describe_nat_gateways()["NatGateways"] == []


def test_behind_cloudfront_only_requests_with_the_origin_header_reach_a_site_in_moto(
    existing_zone_and_certificate,
):
    from tests.templates.alb_rules import route

    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    prefix_list = cloudfront_prefix_list()
    base = create(
        cfn,
        "flaskcom-prod",
        BASE.read_text(),
        base_values(zone, certificate, EnableCdn="true", CloudFrontPrefixListId=prefix_list),
    )
    # The CDN outputs are read by deploy.py, not exported.
    exports = {e["Name"] for e in cfn.list_exports()["Exports"]}
    assert "flaskcom-prod-OriginVerifySecretArn" not in exports and base["DistributionDomainName"]

    # The load balancer: no public IPv4, reachable only from CloudFront's list, on 443.
    (balancer,) = boto3.client("elbv2").describe_load_balancers(LoadBalancerArns=[base["LoadBalancerArn"]])[
        "LoadBalancers"
    ]
    assert balancer["IpAddressType"] == "dualstack-without-public-ipv4"
    (group,) = boto3.client("ec2").describe_security_groups(GroupIds=[base["LoadBalancerSecurityGroup"]])[
        "SecurityGroups"
    ]
    assert [
        (p["FromPort"], p["PrefixListIds"], p["IpRanges"], p["Ipv6Ranges"]) for p in group["IpPermissions"]
    ] == [(443, [{"PrefixListId": prefix_list}], [], [])]

    # CloudFront sends the secret's value; the site's rule requires exactly that value.
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=base["OriginVerifySecretArn"])[
        "SecretString"
    ]
    assert len(secret) == 48 and secret.isalnum()
    (distribution,) = boto3.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    assert distribution["DomainName"] == base["DistributionDomainName"]
    (origin,) = distribution["Origins"]["Items"]
    assert origin["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": secret}]

    site = {
        "BaseStackName": "flaskcom-prod",
        "ImageTag": "3f2c1ab",
        **network(base),
        "HostName": "docs.example.com",
        "OriginVerifySecretArn": base["OriginVerifySecretArn"],
        "DistributionDomainName": base["DistributionDomainName"],
    }
    docs = create(cfn, "flaskcom-prod-docs", SERVICE.read_text(), site)
    rules = boto3.client("elbv2").describe_rules(ListenerArn=base["HttpsListenerArn"])["Rules"]
    through_cloudfront = route(rules, host="docs.example.com", headers={"X-Origin-Verify": secret})
    assert through_cloudfront["Type"] == "forward"
    assert through_cloudfront["TargetGroupArn"] == docs["TargetGroupArn"]
    for headers in ({}, {"X-Origin-Verify": "not-the-secret"}):
        direct = route(rules, host="docs.example.com", headers=headers)
        assert direct["Type"] == "fixed-response" and direct["FixedResponseConfig"]["StatusCode"] == "404"
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    (cname,) = [r for r in records if r["Type"] == "CNAME"]
    assert cname["ResourceRecords"] == [{"Value": base["DistributionDomainName"]}]


def test_the_prefix_list_counts_as_its_weight_against_the_rule_quota_in_moto(existing_zone_and_certificate):
    """AWS counts a prefix-list rule as the list's weight (55 of the 60 inbound rules): the CDN branch
    has room for the prefix list alone. Six more rules beside it are refused, here as in AWS."""
    zone, certificate = existing_zone_and_certificate
    marker = "https from CloudFront only}\n"
    text = BASE.read_text()
    assert marker in text
    extra = "".join(
        f"          - {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 10.0.0.0/8}}\n"
        for port in range(9000, 9006)
    )
    crowded = text.replace(marker, marker + extra)
    with pytest.raises(Exception, match="RulesPerSecurityGroupLimitExceeded"):
        create(
            boto3.client("cloudformation"),
            "flaskcom-prod",
            crowded,
            base_values(zone, certificate, EnableCdn="true", CloudFrontPrefixListId=cloudfront_prefix_list()),
        )


def test_a_base_stack_created_again_with_the_kept_secret_reuses_it_in_moto(existing_zone_and_certificate):
    zone, certificate = existing_zone_and_certificate
    secrets = boto3.client("secretsmanager")
    kept = secrets.create_secret(Name="kept-by-a-deleted-stack", SecretString="k" * 64)["ARN"]
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate, SecretArn=kept))
    assert base["SecretArn"] == kept
    assert [s["ARN"] for s in secrets.list_secrets()["SecretList"]] == [kept]  # no new key


# --- edge (issue 14): the edge stack's life in moto (its certificate and web ACL, created and deleted) --


def edge_values(zone: str, **extra: str) -> dict[str, str]:
    return {"DomainName": "example.com", "HostedZoneId": zone, "LoadBalancerArn": "", **extra}


def test_the_us_east_1_edge_stack_creates_and_deletes_its_certificate_and_web_acl_in_moto(aws):
    from fargate_deploy.cost import WAF_RULES
    from tests.templates.render import EDGE

    zone = boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="edge")[
        "HostedZone"
    ]
    zone_id = zone["Id"].split("/")[-1]
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    outputs = create(
        cfn, "flaskcom-prod-edge", EDGE.read_text(), edge_values(zone_id, EnableWaf="true", WafMode="block")
    )
    acm = boto3.client("acm", region_name="us-east-1")
    certificate = acm.describe_certificate(CertificateArn=outputs["CertificateArn"])["Certificate"]
    assert certificate["DomainName"] == "example.com"
    assert sorted(certificate["SubjectAlternativeNames"]) == ["*.example.com", "example.com"]
    waf = boto3.client("wafv2", region_name="us-east-1")
    (listed,) = waf.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert listed["ARN"] == outputs["WebAclArn"] and ":global/webacl/" in outputs["WebAclArn"]
    assert listed["Name"] == outputs["WebAclName"] == "flaskcom-prod-edge"
    acl = waf.get_web_acl(Name=listed["Name"], Scope="CLOUDFRONT", Id=listed["Id"])["WebACL"]
    assert tuple(rule["Name"] for rule in acl["Rules"]) == WAF_RULES

    cfn.delete_stack(StackName="flaskcom-prod-edge")
    cfn.get_waiter("stack_delete_complete").wait(StackName="flaskcom-prod-edge", WaiterConfig=FAST)
    assert waf.list_web_acls(Scope="CLOUDFRONT")["WebACLs"] == []
    assert acm.list_certificates()["CertificateSummaryList"] == []


def test_a_cloudfront_web_acl_outside_us_east_1_is_refused_in_moto(aws):
    """AWS WAF: a CLOUDFRONT web ACL is created in us-east-1, so the deployer must put the edge stack
    there; the test process's moto refuses it elsewhere, as AWS does."""
    from tests.templates.render import EDGE

    cfn = boto3.client("cloudformation", region_name="eu-west-1")
    with pytest.raises(Exception, match="scope is not valid"):
        create(cfn, "flaskcom-prod-edge", EDGE.read_text(),
               edge_values("Z0123456789ABCDEFGHIJ", EnableWaf="true", EnableCertificate="false"))  # fmt: skip


def test_without_cloudfront_the_regional_web_acl_is_attached_to_the_load_balancer_in_moto(
    existing_zone_and_certificate,
):
    from tests.templates.render import EDGE

    zone, certificate = existing_zone_and_certificate
    cfn = boto3.client("cloudformation")
    base = create(cfn, "flaskcom-prod", BASE.read_text(), base_values(zone, certificate))
    values = edge_values(
        zone,
        EnableWaf="true",
        WafScope="REGIONAL",
        EnableCertificate="false",
        LoadBalancerArn=base["LoadBalancerArn"],
    )
    outputs = create(cfn, "flaskcom-prod-edge", EDGE.read_text(), values)
    assert "CertificateArn" not in outputs
    waf = boto3.client("wafv2")
    attached = waf.get_web_acl_for_resource(ResourceArn=base["LoadBalancerArn"])["WebACL"]
    assert attached["ARN"] == outputs["WebAclArn"]
    cfn.delete_stack(StackName="flaskcom-prod-edge")
    cfn.get_waiter("stack_delete_complete").wait(StackName="flaskcom-prod-edge", WaiterConfig=FAST)
    assert "WebACL" not in waf.get_web_acl_for_resource(ResourceArn=base["LoadBalancerArn"])
    assert waf.list_web_acls(Scope="REGIONAL")["WebACLs"] == []
