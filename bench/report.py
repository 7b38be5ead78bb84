"""results.json → docs/benchmarks.md (pure: returns the text)."""

from __future__ import annotations

from typing import Any

from .targets import Target, evaluate

DYNAMIC = (
    ("container", "container (nginx + gunicorn), in its network namespace"),
    ("container_published", "container through the published port (docker-proxy)"),
    ("gunicorn", "bare gunicorn (same config)"),
    ("nginx_uwsgi", "nginx + uWSGI"),
    ("flask_dev", "Flask development server"),
)


def _row(label: str, result: dict[str, Any], base: float | None, with_cpu: bool = False) -> str:
    ratio = f"{result['requests_per_second'] / base:.2f}×" if base else "—"
    row = (
        f"| {label} | {result['requests_per_second']:,.0f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} "
        f"| {result['errors']} | {ratio} |"
    )
    if with_cpu:
        used = result.get("cpu_us_per_request", {})
        row += "".join(f" {used[p]:.0f} |" if used.get(p) else " — |" for p in ("app", "nginx"))
    return row


def render(results: dict[str, Any], notes: list[str] | None = None) -> str:
    targets = evaluate(results)
    machine, load, wrk = results["machine"], results["load"], results["wrk"]
    start, image = results["start"], results["image"]
    runs = ", ".join(f"{s:.2f}" for s in start["runs_s"])
    base = results["dynamic"]["container"]["requests_per_second"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} by `make bench` on {machine['cpu']} ({machine['cores']} cores "
        f"shared with other work), {machine['memory_gb']:.1f} GB RAM, {machine['kernel']}. Load average "
        f"(1 min) while measuring: {load['min']:.2f}–{load['max']:.2f}. Every contender runs on 127.0.0.1 "
        f"with {results['workers']} workers; wrk "
        f"{wrk['threads']} threads, {wrk['connections']} connections, "
        f"{wrk['seconds']} s per run. Ratios count, not absolute numbers: the machine was shared.",
        "",
        "## Targets",
        "",
        "| target | measured | rule | result |",
        "|---|---|---|---|",
    ]
    lines += [_target_row(t) for t in targets]
    lines += [
        "",
        f"## a. Dynamic page (`{results['paths']['dynamic']}`)",
        "",
        "| contender | req/s | p50 ms | p99 ms | errors | vs container | app server CPU µs/req "
        "| nginx CPU µs/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        _row(label, results["dynamic"][key], base, with_cpu=True)
        for key, label in DYNAMIC
        if key in results["dynamic"]
    ]
    lines += [
        "",
        "CPU per request: user + system time of the contender's own processes (the app server: gunicorn, "
        "uWSGI or Flask's; and nginx) during the run, divided by the requests served; wrk's share is not "
        "in it.",
    ]
    if "app_alone_cpu_us" in results:
        lines += ["", _server_share(results["dynamic"], results["app_alone_cpu_us"])]
    lines += [
        "",
        f"## b. Same load while {results['slow_clients']} slow clients hold connections open",
        "",
        "| contender | req/s | p50 ms | p99 ms | errors | vs its unloaded run |",
        "|---|---:|---:|---:|---:|---:|",
        _row("container (nginx + gunicorn)", results["slow"]["container"], base),
        _row(
            "bare gunicorn",
            results["slow"]["gunicorn"],
            results["dynamic"]["gunicorn"]["requests_per_second"],
        ),
        "",
        f"## c. Static asset (`{results['paths']['static']}`)",
        "",
        "| served by | req/s | p50 ms | p99 ms | errors | vs Flask |",
        "|---|---:|---:|---:|---:|---:|",
        _row(
            "nginx (in the container)",
            results["static"]["nginx"],
            results["static"]["flask"]["requests_per_second"],
        ),
        _row(
            "Flask (bare gunicorn)",
            results["static"]["flask"],
            results["static"]["flask"]["requests_per_second"],
        ),
        "",
        "## d. Container start and image size",
        "",
        f"- `docker run` → first 200 on `/health`: median **{start['median_s']:.2f} s** over "
        f"{len(start['runs_s'])} starts ({runs} s).",
        f"- Image: **{image['uncompressed_bytes'] / 1e6:.0f} MB** uncompressed, "
        f"{image['compressed_bytes'] / 1e6:.0f} MB as gzip-compressed layers (what a registry stores).",
        "",
        "## e. Static checks",
        "",
        f"- `deploy.py check` (cfn-lint on both templates + the cross-file invariants): "
        f"**{results['check_seconds']:.1f} s** wall time.",
        "",
        "## Versions",
        "",
    ]
    lines += [f"- {name}: {version}" for name, version in sorted(results["versions"].items())]
    lines += ["", "![req/s per contender](benchmarks.png)", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(lines)


def _server_share(dynamic: dict[str, Any], app_alone_us: float) -> str:
    """What the servers themselves cost: CPU per request minus what the app costs on its own."""
    shares = []
    for key, label in (("container", "nginx + gunicorn"), ("nginx_uwsgi", "nginx + uWSGI")):
        used = dynamic.get(key, {}).get("cpu_us_per_request")
        if used:
            server = used["app"] - app_alone_us + used["nginx"]
            shares.append(f"{label} {server:.0f} µs")
    return (
        "The app alone (its WSGI callable called in a loop, no server, no socket) takes "
        f"{app_alone_us:.0f} µs of CPU per request; what the servers add on top of it, per request: "
        f"{', '.join(shares)}."
    )


def _target_row(target: Target) -> str:
    value = f"{target.measured:.2f}{'×' if target.unit == '×' else ' ' + target.unit}"
    return f"| {target.name} | {value} | {target.rule} | {'pass' if target.passed else '**FAIL**'} |"
