"""wrk's text output → numbers (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors of every kind + non-2xx/3xx responses


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse(output: str) -> WrkResult:
    """Parse `wrk --latency` output; a run that did no requests has no latency lines (0 ms)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if rps is None:
        raise ValueError("wrk output has no Requests/sec line")
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)", output, re.M))
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return WrkResult(
        requests_per_second=float(rps[1]),
        p50_ms=_ms(percentiles["50"]) if "50" in percentiles else 0.0,
        p99_ms=_ms(percentiles["99"]) if "99" in percentiles else 0.0,
        requests=int(total[1]) if total else 0,
        errors=errors + (int(non_2xx[1]) if non_2xx else 0),
    )
