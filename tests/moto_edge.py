"""What moto 5.2 lacks for the edge (issue 14), added to the test process's moto server (it runs
in this process: ThreadedMotoServer), so the templates stay as AWS needs them. Importing this
module installs it; each piece follows an AWS documentation page, and where AWS refuses something
moto would let through, this refuses it too.

- moto reads the short form `!Condition Name` as {"Fn::Condition": Name}, which it then takes for a
  true value (so `!Not [!Condition NatNone]` is true even when NatNone is): the short form stands for
  {"Condition": Name} (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html).
- moto creates a resource that another one refers to as soon as it is referred to, before what it
  DependsOn (here: a subnet before the VPC's IPv6 block). CloudFormation creates a resource only
  after every resource in its DependsOn
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
- An Fn::If that gives AWS::NoValue inside a list leaves a None item in moto; CloudFormation drops it.
- Fn::Cidr is not evaluated by moto. Evaluated here as CloudFormation does: `count` blocks with
  `cidrBits` host bits each, carved from the start of the range
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html).
- AWS::EC2::VPCCidrBlock is skipped by moto, and `GetAtt Vpc.Ipv6CidrBlocks` is unknown. Modelled
  with moto's own associate_vpc_cidr_block (an Amazon-provided /56).
- A subnet's Ipv6CidrBlock, a route's DestinationIpv6CidrBlock, a security group rule's CidrIpv6 and
  SourcePrefixListId are dropped by moto's CloudFormation. Passed on here; a subnet's /64 must lie
  inside the VPC's IPv6 block, or EC2 refuses it (InvalidSubnet.Range,
  https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
- A rule that names a prefix list counts as the list's weight (its maximum entries; 55 for CloudFront's
  origin-facing lists) against the 60 inbound rules of a security group, which moto does not count
  (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html,
  https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups).
- moto's EC2 lists AWS's IPv4 CloudFront origin-facing list but not the IPv6 one, and gives AWS's lists
  no maximum size. AWS has both in every region, each of weight 55
  (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html,
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html#managed-prefix-list):
  added here, so the deployer finds the list by name as it does in AWS.
- A load balancer's IpAddressType is dropped by moto's CloudFormation and moto's API knows no
  dualstack-without-public-ipv4. Kept here, with AWS's rule that a dual-stack load balancer's
  subnets must have IPv6 blocks
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-ip-address-type.html).
- Dynamic references {{resolve:secretsmanager:<id>:SecretString}} stay literal in moto. Resolved
  here against moto's Secrets Manager, as CloudFormation resolves them when it applies a resource
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html).
- AWS::CertificateManager::Certificate, AWS::WAFv2::WebACL and AWS::WAFv2::WebACLAssociation are
  skipped by moto's CloudFormation. Modelled with moto's ACM and WAFv2 backends, with AWS's rules
  that a CLOUDFRONT web ACL is created in us-east-1 only and that a distribution names its web ACL
  itself (an association resource is for regional resources)
  (https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html).
  The certificate is requested, not validated: moto issues nothing by DNS.
- AWS::CloudFront::Distribution is skipped by moto's CloudFormation. Modelled here by creating the
  distribution through moto's CloudFront backend from the template's DistributionConfig, and deleting
  it with its stack.
- ACM refuses to delete a certificate another AWS service uses (ResourceInUseException,
  https://docs.aws.amazon.com/acm/latest/userguide/gs-acm-delete.html); moto deletes it. Refused
  here while a distribution names it, so an edge stack deleted before the base stack fails, as in AWS.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from moto.acm.models import acm_backends
from moto.cloudformation import models as cloudformation_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cloudformation_responses
from moto.cloudformation import utils as cloudformation_utils
from moto.cloudformation.exceptions import ValidationError
from moto.cloudfront.models import cloudfront_backends
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.managed_prefixes import ManagedPrefixListBackend
from moto.ec2.models.route_tables import Route
from moto.ec2.models.security_groups import SecurityGroup
from moto.ec2.models.subnets import Subnet
from moto.ec2.models.vpcs import VPC
from moto.elbv2.models import FakeLoadBalancer, elbv2_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.utils import get_partition
from moto.wafv2.models import GLOBAL_REGION as WAF_GLOBAL_REGION
from moto.wafv2.models import wafv2_backends

_DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:(?P<id>.+?):SecretString(?P<rest>(?::[^}]*)?)\}\}")


def cidr(block: str, count: int, bits: int) -> list[str]:
    network = ipaddress.ip_network(block)
    subnets = network.subnets(new_prefix=network.max_prefixlen - int(bits))
    return [str(next(subnets)) for _ in range(int(count))]


def _resolve_secrets(text: str, resources_map: Any) -> str:
    backend = secretsmanager_backends[resources_map._account_id][resources_map._region_name]

    def value(match: re.Match) -> str:
        if match.group("rest").strip(":"):
            raise NotImplementedError("json-key / version parts of a dynamic reference: not needed here")
        return backend.get_secret_value(match.group("id"), None, None)["SecretString"]

    return _DYNAMIC_SECRET.sub(value, text)


_yaml_tag_constructor = cloudformation_utils.yaml_tag_constructor


def yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
    result = _yaml_tag_constructor(loader, tag, node)
    return {"Condition": result["Fn::Condition"]} if tag == "!Condition" else result


_clean_json = parsing.clean_json
_get_resource = parsing.ResourceMap.__getitem__


def get_resource(self: Any, key: str) -> Any:
    if key not in self._parsed_resources:
        depends_on = (self._resource_json_map.get(key) or {}).get("DependsOn", [])
        for dependency in [depends_on] if isinstance(depends_on, str) else depends_on:
            _get_resource(self, dependency)
    return _get_resource(self, key)


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, dict) and set(resource_json) == {"Fn::Cidr"}:
        block, count, bits = (_clean_json(part, resources_map) for part in resource_json["Fn::Cidr"])
        return cidr(block, count, bits)
    result = _clean_json(resource_json, resources_map)
    if isinstance(resource_json, list) and isinstance(result, list):
        # CloudFormation drops an AWS::NoValue list item; moto leaves a None in its place
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html).
        return [item for item in result if item is not None]
    # moto cleans a Sub's template before it substitutes: resolve only what has been substituted.
    if isinstance(result, str) and "{{resolve:secretsmanager:" in result and "${" not in result:
        return _resolve_secrets(result, resources_map)
    return result


class CloudFormationVpcCidrBlock(CloudFormationModel):
    def __init__(self, association_id: str) -> None:
        self.association_id = association_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::VPCCidrBlock"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.association_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationVpcCidrBlock:
        properties = cloudformation_json["Properties"]
        association = ec2_backends[account_id][region_name].associate_vpc_cidr_block(
            properties["VpcId"],
            cidr_block=properties.get("CidrBlock"),
            amazon_provided_ipv6_cidr_block=bool(properties.get("AmazonProvidedIpv6CidrBlock")),
        )
        return cls(association["association_id"])


def _ipv6_blocks(vpc: VPC) -> list[str]:
    return [a["cidr_block"] for a in vpc.get_cidr_block_association_set(ipv6=True)]


_vpc_attribute = VPC.get_cfn_attribute


def vpc_attribute(self: VPC, attribute_name: str) -> Any:
    if attribute_name == "Ipv6CidrBlocks":
        return _ipv6_blocks(self)
    return _vpc_attribute(self, attribute_name)


_create_subnet = Subnet.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def create_subnet(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    subnet = _create_subnet(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    block = cloudformation_json["Properties"].get("Ipv6CidrBlock")
    if block:
        backend = ec2_backends[account_id][region_name]
        vpc_blocks = [ipaddress.ip_network(b) for b in _ipv6_blocks(backend.get_vpc(subnet.vpc_id))]
        if not any(ipaddress.ip_network(block).subnet_of(v) for v in vpc_blocks):
            raise ValidationError(
                message=f"InvalidSubnet.Range: {block} is not inside the VPC's IPv6 block(s) {vpc_blocks}"
            )
        backend.associate_subnet_cidr_block(subnet.id, block)
    return subnet


_create_route = Route.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def create_route(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    properties = cloudformation_json["Properties"]
    if "DestinationIpv6CidrBlock" not in properties:
        return _create_route(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    return ec2_backends[account_id][region_name].create_route(
        route_table_id=properties["RouteTableId"],
        destination_cidr_block=None,
        destination_ipv6_cidr_block=properties["DestinationIpv6CidrBlock"],
        gateway_id=properties.get("GatewayId"),
        egress_only_igw_id=properties.get("EgressOnlyInternetGatewayId"),
    )


INBOUND_RULES_PER_GROUP = 60


def _rule_weight(backend: Any, rule: dict[str, Any]) -> int:
    if "SourcePrefixListId" not in rule:
        return 1
    (prefix_list,) = backend.describe_managed_prefix_lists(
        prefix_list_ids=[rule["SourcePrefixListId"]], filters={}
    )
    return int(prefix_list.max_entries)


def create_security_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    properties = cloudformation_json["Properties"]
    backend = ec2_backends[account_id][region_name]
    weight = sum(_rule_weight(backend, rule) for rule in properties.get("SecurityGroupIngress", []))
    if weight > INBOUND_RULES_PER_GROUP:
        raise ValidationError(
            message=f"RulesPerSecurityGroupLimitExceeded: {resource_name} needs {weight} rules (quota 60)"
        )
    group = backend.create_security_group(
        name=resource_name, description=properties.get("GroupDescription"), vpc_id=properties.get("VpcId")
    )
    for tag in properties.get("Tags", []):
        group.add_tag(tag["Key"], tag["Value"])
    for rule in properties.get("SecurityGroupIngress", []):
        sources = [{"GroupId": rule["SourceSecurityGroupId"]}] if "SourceSecurityGroupId" in rule else []
        ranges = [{"CidrIp": rule["CidrIp"]}] if "CidrIp" in rule else []
        ranges += [{"CidrIpv6": rule["CidrIpv6"]}] if "CidrIpv6" in rule else []
        prefix_lists = [{"PrefixListId": rule["SourcePrefixListId"]}] if "SourcePrefixListId" in rule else []
        backend.authorize_security_group_ingress(
            group_name_or_id=group.id,
            ip_protocol=rule["IpProtocol"],
            from_port=rule["FromPort"],
            to_port=rule["ToPort"],
            ip_ranges=ranges,
            source_groups=sources,
            prefix_list_ids=prefix_lists,
            vpc_id=properties.get("VpcId"),
        )
    return group


CLOUDFRONT_LIST_WEIGHT = 55
_create_default_prefix_lists = ManagedPrefixListBackend.create_default_pls


def create_default_prefix_lists(self: ManagedPrefixListBackend) -> None:
    _create_default_prefix_lists(self)
    self._create_aws_managed_prefix_list(  # type: ignore[attr-defined]
        name="com.amazonaws.global.ipv6.cloudfront.origin-facing",
        address_family="IPv6",
        entries=[{"Cidr": "2600:9000:2000::/36", "Description": "default"}],
    )
    for prefix_list in self.managed_prefix_lists.values():
        if prefix_list.prefix_list_name.endswith(".cloudfront.origin-facing"):
            prefix_list.max_entries = str(CLOUDFRONT_LIST_WEIGHT)


_DUAL_STACK = ("dualstack", "dualstack-without-public-ipv4")


def create_load_balancer(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    properties = cloudformation_json["Properties"]
    ip_address_type = properties.get("IpAddressType", "ipv4")
    if ip_address_type not in ("ipv4", *_DUAL_STACK):
        raise ValidationError(message=f"IpAddressType {ip_address_type!r} is not one AWS offers")
    ec2 = ec2_backends[account_id][region_name]
    if ip_address_type in _DUAL_STACK:
        for subnet_id in properties.get("Subnets", []):
            if not ec2.get_subnet(subnet_id).ipv6_cidr_block_associations:
                raise ValidationError(
                    message=f"A {ip_address_type} load balancer needs subnets with IPv6 ({subnet_id})"
                )
    balancer = elbv2_backends[account_id][region_name].create_load_balancer(
        resource_name,
        properties.get("SecurityGroups"),
        properties.get("Subnets"),
        scheme=properties.get("Scheme", "internet-facing"),
        ip_address_type="ipv4" if ip_address_type == "ipv4" else "dualstack",
    )
    balancer.ip_address_type = ip_address_type
    return balancer


def _api_list(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items}


def _behavior(behavior: dict[str, Any]) -> dict[str, Any]:
    """A cache behaviour as CloudFormation writes it → as the CloudFront API (and moto) takes it."""
    methods = behavior.get("AllowedMethods", ["GET", "HEAD"])
    cached = behavior.get("CachedMethods", ["GET", "HEAD"])
    return {
        **{k: v for k, v in behavior.items() if k not in ("AllowedMethods", "CachedMethods")},
        "AllowedMethods": {**_api_list(methods), "CachedMethods": _api_list(cached)},
    }


class CloudFormationDistribution(CloudFormationModel):
    def __init__(self, distribution: Any) -> None:
        self.distribution = distribution

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::Distribution"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.distribution.distribution_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("DomainName", "Id")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return {"DomainName": self.distribution.domain_name, "Id": self.distribution.distribution_id}[
            attribute_name
        ]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationDistribution:
        config = cloudformation_json["Properties"]["DistributionConfig"]
        origins = [
            {
                "Id": origin["Id"],
                "DomainName": origin["DomainName"],
                "CustomOriginConfig": {
                    **{k: v for k, v in origin["CustomOriginConfig"].items() if k != "OriginSSLProtocols"},
                    "OriginSslProtocols": _api_list(
                        origin["CustomOriginConfig"].get("OriginSSLProtocols", [])
                    ),
                },
                "CustomHeaders": _api_list(origin.get("OriginCustomHeaders", [])),
            }
            for origin in config["Origins"]
        ]
        certificate = config["ViewerCertificate"]
        api_config = {
            "CallerReference": f"{kwargs.get('stack_id', '')}-{resource_name}",
            "Comment": config.get("Comment", ""),
            "Enabled": config["Enabled"],
            "Aliases": {"Items": config.get("Aliases", [])},
            "Origins": _api_list(origins),
            "DefaultCacheBehavior": _behavior(config["DefaultCacheBehavior"]),
            "CacheBehaviors": _api_list([_behavior(b) for b in config.get("CacheBehaviors", [])]),
            "ViewerCertificate": {
                "CloudFrontDefaultCertificate": False,
                "ACMCertificateArn": certificate.get("AcmCertificateArn"),
                "SSLSupportMethod": certificate.get("SslSupportMethod"),
                "MinimumProtocolVersion": certificate.get("MinimumProtocolVersion"),
            },
            "HttpVersion": config.get("HttpVersion", "http2"),
            "IsIPV6Enabled": config.get("IPV6Enabled", False),
            "PriceClass": config.get("PriceClass", "PriceClass_All"),
            "WebACLId": config.get("WebACLId", ""),
        }
        backend = cloudfront_backends[account_id][get_partition(region_name)]
        distribution, _, _ = backend.create_distribution(api_config, tags=[])
        return cls(distribution)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = cloudfront_backends[account_id][get_partition(region_name)]
        backend.delete_distribution(self.distribution.distribution_id, if_match=True)


class CloudFormationCertificate(CloudFormationModel):
    def __init__(self, arn: str) -> None:
        self.arn = arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CertificateManager::Certificate"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.arn  # Ref on a certificate is its ARN

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationCertificate:
        properties = cloudformation_json["Properties"]
        arn = acm_backends[account_id][region_name].request_certificate(
            properties["DomainName"], None, properties.get("SubjectAlternativeNames", []), tags=[]
        )
        return cls(arn)

    def delete(self, account_id: str, region_name: str) -> None:
        distributions = cloudfront_backends[account_id][get_partition(region_name)].distributions.values()
        users = [
            d.distribution_id
            for d in distributions
            if d.distribution_config.ViewerCertificate.acm_certificate_arn == self.arn
        ]
        if users:
            raise ValidationError(
                message=f"ResourceInUseException: Certificate {self.arn} is in use by CloudFront {users}"
            )
        acm_backends[account_id][region_name].delete_certificate(self.arn)


def _waf_backend(account_id: str, region_name: str, scope: str) -> Any:
    return wafv2_backends[account_id][WAF_GLOBAL_REGION if scope == "CLOUDFRONT" else region_name]


class CloudFormationWebAcl(CloudFormationModel):
    def __init__(self, acl: Any, scope: str) -> None:
        self.acl = acl
        self.scope = scope

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::WAFv2::WebACL"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return f"{self.acl.name}|{self.acl.id}|{self.scope}"  # Ref on a web ACL: name|id|scope

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "Id")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return {"Arn": self.acl.arn, "Id": self.acl.id}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationWebAcl:
        properties = cloudformation_json["Properties"]
        scope = properties["Scope"]
        if scope == "CLOUDFRONT" and region_name != "us-east-1":
            raise ValidationError(
                message="WAFInvalidParameterException: Error reason: The scope is not valid."
            )
        acl = _waf_backend(account_id, region_name, scope).create_web_acl(
            name=properties.get("Name", resource_name),
            visibility_config=properties["VisibilityConfig"],
            default_action=properties["DefaultAction"],
            scope=scope,
            description=properties.get("Description", ""),
            tags=[],
            rules=properties.get("Rules", []),
            association_config=None,
            captcha_config=None,
            challenge_config=None,
            custom_response_bodies=None,
            token_domains=None,
        )
        return cls(acl, scope)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _waf_backend(account_id, region_name, self.scope)
        backend.delete_web_acl(self.acl.name, self.scope, self.acl.id, self.acl.lock_token)


class CloudFormationWebAclAssociation(CloudFormationModel):
    def __init__(self, resource_arn: str) -> None:
        self.resource_arn = resource_arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::WAFv2::WebACLAssociation"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.resource_arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFormationWebAclAssociation:
        properties = cloudformation_json["Properties"]
        if ":global/" in properties["WebACLArn"]:
            raise ValidationError(
                message="WAFInvalidParameterException: a CLOUDFRONT web ACL is set in the distribution"
            )
        wafv2_backends[account_id][region_name].associate_web_acl(
            properties["WebACLArn"], properties["ResourceArn"]
        )
        return cls(properties["ResourceArn"])

    def delete(self, account_id: str, region_name: str) -> None:
        wafv2_backends[account_id][region_name].disassociate_web_acl(self.resource_arn)


def install() -> None:
    cloudformation_models.yaml_tag_constructor = yaml_tag_constructor
    cloudformation_responses.yaml_tag_constructor = yaml_tag_constructor
    parsing.clean_json = clean_json
    parsing.ResourceMap.__getitem__ = get_resource  # type: ignore[method-assign]
    VPC.get_cfn_attribute = vpc_attribute  # type: ignore[method-assign]
    Subnet.create_from_cloudformation_json = classmethod(create_subnet)  # type: ignore[method-assign,assignment]
    Route.create_from_cloudformation_json = classmethod(create_route)  # type: ignore[method-assign,assignment]
    SecurityGroup.create_from_cloudformation_json = classmethod(create_security_group)  # type: ignore[method-assign,assignment]
    FakeLoadBalancer.create_from_cloudformation_json = classmethod(create_load_balancer)  # type: ignore[method-assign,assignment]
    ManagedPrefixListBackend.create_default_pls = create_default_prefix_lists  # type: ignore[method-assign]


install()
