"""The hosted zone a base stack uses, and the records it may write there (issue 11). Pure.

Without `hosted_zone_id` the base stack used to create a zone every time; after `destroy` the old zone
is kept (it holds the delegation), so a second `resources` made a second zone of the same name and
waited for a delegation that would never come. Now an existing public zone of the domain is reused
(said so), and two of them are refused with their ids.

With a zone given (or reused), the base stack creates the A and AAAA alias records of the domain and
its www name. Route 53 refuses a record of a name and type that exists ("Tried to create resource
record set ... but it already exists", https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html)
and any record beside a CNAME, so a record the stack did not create at either name is refused here,
named, before anything is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RefusedError

OUR_TYPES = ("A", "AAAA")  # cloudformation/resources.yaml: ApexRecord, WwwRecord and their AAAA twins


def _name(value: str) -> str:
    return value.rstrip(".").lower()


def zone_id(zone: Mapping[str, Any]) -> str:
    return zone["Id"].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ZoneChoice:
    zone_id: str  # "" : the base stack creates the zone
    note: str  # what to tell the user ("" when nothing to say)


def choose_zone(domain: str, public_zones: Iterable[Mapping[str, Any]]) -> ZoneChoice:
    """For a base stack about to be created without `hosted_zone_id`: the one public zone of the domain
    (ListHostedZones' HostedZones), or none (the stack creates it); two or more are refused."""
    matching = [z for z in public_zones if _name(z.get("Name", "")) == domain]
    if not matching:
        return ZoneChoice("", "")
    if len(matching) > 1:
        ids = ", ".join(zone_id(z) for z in matching)
        raise RefusedError(
            f"resources: {len(matching)} public hosted zones of {domain} exist ({ids}); the base stack "
            "would not know which one your registrar delegates to",
            hint="set hosted_zone_id in deploy.toml to the one your registrar points at (e.g. "
            f'hosted_zone_id = "{zone_id(matching[0])}"), and delete the others',
        )
    found = zone_id(matching[0])
    return ZoneChoice(
        found,
        f"Hosted zone {found} of {domain} exists already (kept by an earlier stack, or made by hand): "
        f'using it; put hosted_zone_id = "{found}" in deploy.toml to say so',
    )


def conflicting_records(domain: str, record_sets: Iterable[Mapping[str, Any]]) -> list[str]:
    """Records at the domain or www that the base stack's own records would collide with, as
    "<name> <type>" (ListResourceRecordSets' ResourceRecordSets of a zone the stack did not create)."""
    ours = {domain, f"www.{domain}"}
    found = []
    for record in record_sets:
        name, kind = _name(record.get("Name", "")), record.get("Type", "")
        if name in ours and (kind in OUR_TYPES or kind == "CNAME"):
            found.append(f"{name} {kind}")
    return found


def check_records(domain: str, zone: str, record_sets: Iterable[Mapping[str, Any]]) -> None:
    conflicts = conflicting_records(domain, record_sets)
    if conflicts:
        raise RefusedError(
            f"resources: hosted zone {zone} already has {', '.join(conflicts)}, which the base stack "
            "would create (it points the domain and www at the load balancer); nothing was created",
            hint=f"delete {'those records' if len(conflicts) > 1 else 'that record'} in Route 53 "
            f"(aws route53 change-resource-record-sets --hosted-zone-id {zone} ...), or use another domain",
        )
