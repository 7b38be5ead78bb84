"""The base stack's hosted zone and the records it writes (fargate_deploy/zones.py), over ListHostedZones
and ListResourceRecordSets answers shaped like the real API."""

from __future__ import annotations

import pytest

from fargate_deploy import zones
from fargate_deploy.errors import RefusedError


def zone(zone_id: str, name: str = "example.com.", private: bool = False) -> dict:
    return {"Id": f"/hostedzone/{zone_id}", "Name": name, "Config": {"PrivateZone": private}}


def test_no_zone_of_the_domain_means_the_stack_creates_it():
    assert zones.choose_zone("example.com", [zone("Z1", "other.com."), zone("Z2", "sub.example.com.")]) == (
        zones.ZoneChoice("", "")
    )


def test_one_zone_of_the_domain_is_reused_and_said_so():
    choice = zones.choose_zone("example.com", [zone("Z0AAA"), zone("Z9", "other.com.")])
    assert choice.zone_id == "Z0AAA"
    assert 'hosted_zone_id = "Z0AAA"' in choice.note


def test_two_zones_of_the_domain_are_refused_with_both_ids():
    with pytest.raises(RefusedError, match=r"2 public hosted zones of example.com exist \(Z1, Z2\)"):
        zones.choose_zone("example.com", [zone("Z1"), zone("Z2", "EXAMPLE.com.")])


@pytest.mark.parametrize(
    ("records", "conflicts"),
    [
        ([{"Name": "example.com.", "Type": "NS"}, {"Name": "example.com.", "Type": "SOA"}], []),
        ([{"Name": "example.com.", "Type": "MX"}, {"Name": "example.com.", "Type": "TXT"}], []),
        ([{"Name": "blog.example.com.", "Type": "A"}], []),
        ([{"Name": "example.com.", "Type": "A"}], ["example.com A"]),
        ([{"Name": "www.example.com.", "Type": "CNAME"}], ["www.example.com CNAME"]),
        ([{"Name": "www.example.com.", "Type": "AAAA"}, {"Name": "example.com.", "Type": "AAAA"}],
         ["www.example.com AAAA", "example.com AAAA"]),
    ],
)  # fmt: skip
def test_records_at_the_domain_or_www_the_stack_would_create_are_conflicts(records, conflicts):
    assert zones.conflicting_records("example.com", records) == conflicts


def test_a_conflict_is_refused_naming_the_record_and_the_zone():
    with pytest.raises(RefusedError) as refused:
        zones.check_records("example.com", "Z1", [{"Name": "example.com.", "Type": "A"}])
    assert refused.value.message.startswith("resources: hosted zone Z1 already has example.com A")
    zones.check_records("example.com", "Z1", [{"Name": "example.com.", "Type": "NS"}])
