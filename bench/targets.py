"""The targets of issue 6 §2, evaluated on measured numbers (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IMAGE_LIMIT_MB = 180
START_LIMIT_S = 1.0


@dataclass(frozen=True)
class Target:
    name: str
    measured: float
    limit: float
    unit: str  # "×" for ratios
    at_least: bool  # True: measured ≥ limit passes; False: measured ≤ limit passes

    @property
    def passed(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    @property
    def rule(self) -> str:
        unit = self.unit if self.unit == "×" else f" {self.unit}"
        return f"{'≥' if self.at_least else '≤'} {self.limit:g}{unit}"


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def evaluate(results: dict[str, Any]) -> list[Target]:
    """`results`: req/s per scenario (`dynamic`, `slow`, `static`), start seconds, image bytes."""
    dynamic, slow, static = results["dynamic"], results["slow"], results["static"]
    container = dynamic["container"]["requests_per_second"]
    return [
        Target(
            "a. container vs bare gunicorn",
            _ratio(container, dynamic["gunicorn"]["requests_per_second"]),
            0.90,
            "×",
            True,
        ),
        Target(
            "a. container vs nginx + uWSGI",
            _ratio(container, dynamic["nginx_uwsgi"]["requests_per_second"]),
            1.0,
            "×",
            True,
        ),
        Target(
            "b. container with 256 slow clients vs unloaded",
            _ratio(slow["container"]["requests_per_second"], container),
            0.80,
            "×",
            True,
        ),
        Target(
            "c. static via nginx vs via Flask",
            _ratio(static["nginx"]["requests_per_second"], static["flask"]["requests_per_second"]),
            5.0,
            "×",
            True,
        ),
        Target(
            "d. container start → first 200 (median)", results["start"]["median_s"], START_LIMIT_S, "s", False
        ),
        Target(
            "d. image size, uncompressed",
            results["image"]["uncompressed_bytes"] / 1e6,
            IMAGE_LIMIT_MB,
            "MB",
            False,
        ),
    ]
