"""The base stack's hosted zone and a brand-new account, in moto.

- Without hosted_zone_id, an existing public zone of the domain (e.g. the one `destroy` kept) is reused
  and said so, instead of a second zone of the same name that no registrar delegates to; two of them
  are refused with their ids.
- With a zone, a record at the domain or www that the base stack would create is refused, named,
  before anything is created: Route 53 refuses a second record of one name and type
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html) and
  anything beside a CNAME (the test process's moto refuses both, tests/moto_as_aws.py).
- ECS's service-linked role is created before the first base stack; one that exists is success
  (IAM's refusal of a second one is modelled in tests/moto_as_aws.py).
"""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from fargate_deploy.delegation import Delegation
from fargate_deploy.errors import RefusedError

from .conftest import DOMAIN, make_deployer

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS:UserWarning")


def delegated(domain, servers):
    return Delegation(tuple(servers), tuple(servers))


def zones_of_domain() -> list[str]:
    zones = boto3.session.Session().client("route53").list_hosted_zones()["HostedZones"]
    return [z["Id"].rsplit("/", 1)[-1] for z in zones if z["Name"].rstrip(".") == DOMAIN]  # as listed


def stack_exists(name: str) -> bool:
    cfn = boto3.session.Session().client("cloudformation")
    return name in {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}


def test_an_existing_zone_of_the_domain_is_reused_and_said_so(aws, settings, capsys):
    (kept,) = zones_of_domain()  # the settings fixture's zone, as `destroy` leaves it
    without_zone = dataclasses.replace(settings, hosted_zone_id="")
    result = make_deployer(without_zone, delegation=delegated).resources(yes=True)
    assert result.outputs["HostedZoneId"] == kept and zones_of_domain() == [kept]
    err = capsys.readouterr().err
    assert f"Hosted zone {kept} of {DOMAIN} exists already" in err
    assert f'put hosted_zone_id = "{kept}" in deploy.toml' in err
    # The next deploy keeps that zone (the template would otherwise create one).
    again = make_deployer(without_zone, delegation=delegated).resources(yes=True)
    assert again.outputs["HostedZoneId"] == kept and zones_of_domain() == [kept]


def test_two_zones_of_the_domain_are_refused_with_their_ids(aws, settings):
    boto3.session.Session().client("route53").create_hosted_zone(Name=DOMAIN, CallerReference="second")
    ids = zones_of_domain()
    with pytest.raises(RefusedError) as refused:
        make_deployer(dataclasses.replace(settings, hosted_zone_id="")).resources(yes=True)
    assert refused.value.exit_code == 2
    assert f"2 public hosted zones of {DOMAIN} exist ({', '.join(ids)})" in refused.value.message
    assert not stack_exists("flaskcom-test")


def test_a_record_the_stack_did_not_create_is_refused_by_name(aws, settings):
    record = {
        "Name": f"www.{DOMAIN}",
        "Type": "CNAME",
        "TTL": 60,
        "ResourceRecords": [{"Value": "elsewhere.example.net"}],
    }
    boto3.session.Session().client("route53").change_resource_record_sets(
        HostedZoneId=settings.hosted_zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]},
    )
    with pytest.raises(RefusedError) as refused:
        make_deployer(settings).resources(yes=True)
    assert f"hosted zone {settings.hosted_zone_id} already has www.{DOMAIN} CNAME" in refused.value.message
    assert not stack_exists("flaskcom-test")


def test_the_ecs_service_linked_role_is_created_before_the_first_base_stack(aws, settings, capsys):
    iam = boto3.session.Session().client("iam")
    make_deployer(settings).resources(yes=True)
    assert (
        iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["Path"]
        == "/aws-service-role/ecs.amazonaws.com/"
    )
    assert "created the ECS service-linked role AWSServiceRoleForECS" in capsys.readouterr().err


def test_an_existing_service_linked_role_is_success(aws, settings, capsys):
    boto3.session.Session().client("iam").create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert make_deployer(settings).resources(yes=True).created
    assert "service-linked role" not in capsys.readouterr().err
