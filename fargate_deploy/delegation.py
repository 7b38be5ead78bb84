"""Is the domain delegated to the hosted zone? Compare the NS records the world sees with the zone's.

`is_delegated` is pure; `resolve_name_servers` asks DNS through dnspython (a resolver is injected so
tests never touch the network).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import dns.exception
import dns.resolver


def normalize(name: str) -> str:
    return name.strip().rstrip(".").lower()


@dataclass(frozen=True)
class Delegation:
    expected: tuple[str, ...]  # the zone's name servers
    seen: tuple[str, ...]  # what the domain's NS records resolve to now
    error: str = ""  # NXDOMAIN, timeout, ... (the domain not resolvable yet)

    @property
    def delegated(self) -> bool:
        return bool(self.seen) and set(self.seen) == set(self.expected)

    def line(self) -> str:
        if self.delegated:
            return "the domain's NS records point to the hosted zone"
        if self.error:
            return f"NS lookup: {self.error}"
        if not self.seen:
            return "the domain has no NS records yet"
        return "NS records point to " + ", ".join(self.seen) + " (not the hosted zone)"


def is_delegated(expected: Iterable[str], seen: Iterable[str], error: str = "") -> Delegation:
    return Delegation(
        expected=tuple(sorted(normalize(n) for n in expected)),
        seen=tuple(sorted(normalize(n) for n in seen)),
        error=error,
    )


Resolver = Callable[[str], list[str]]


def resolve_name_servers(domain: str, resolver: dns.resolver.Resolver | None = None) -> tuple[list[str], str]:
    """(name servers, error text): NXDOMAIN/no answer/timeouts are answers, not exceptions."""
    resolver = resolver or dns.resolver.Resolver()
    try:
        answer = resolver.resolve(domain, "NS", lifetime=5.0)
    except dns.resolver.NXDOMAIN:
        return [], f"{domain} does not exist in DNS yet"
    except dns.resolver.NoAnswer:
        return [], f"{domain} has no NS records"
    except (dns.resolver.NoNameservers, dns.exception.Timeout) as error:
        return [], f"looking up NS of {domain}: {error}"
    return [rr.target.to_text() for rr in answer], ""


def check_delegation(
    domain: str, expected: Iterable[str], lookup: Callable = resolve_name_servers
) -> Delegation:
    seen, error = lookup(domain)
    return is_delegated(expected, seen, error)


# --- init (first-run): ask one name server instead of the system's resolver ---


def resolver_at(address: str) -> dns.resolver.Resolver:
    """A resolver that asks only HOST[:PORT] (e.g. a public resolver, past a stale local cache)."""
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host or address]
    if port:
        resolver.port = int(port)
    return resolver
