"""Cross-file invariants: what nginx.conf, gunicorn.conf.py, the Flask app, the Dockerfile and the two
templates must agree on, each finding naming the file to fix. Also the rollout waits the templates
configure, next to what AWS does by default.

Read-only: decodes the templates with cfn-lint's decoder, reads nginx.conf as text, and asks a child
Python for gunicorn's effective settings and the app's routes (so neither runs inside this process).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fargate import VALID_MEMORY_FOR_CPU, describe_valid_memory, is_valid_pair

ROOT = Path(__file__).resolve().parent.parent
CONTAINER_NAME = "web"

# What AWS uses when a template leaves the value out (ELB CreateTargetGroup, ECS CreateService and
# ContainerDefinition references): health check every 30 s, 5 passes to be healthy, 300 s
# deregistration delay, no grace period, 30 s between SIGTERM and SIGKILL on Fargate.
AWS_DEFAULTS = {
    "interval": 30,
    "healthy_threshold": 5,
    "grace_period": 0,
    "deregistration_delay": 300,
    "stop_timeout": 30,
    "idle_timeout": 60,
}


@dataclass(frozen=True)
class Files:
    nginx: Path
    gunicorn: Path
    site: Path  # the app's directory (flask.com/), the image's /app/site
    container: Path  # the container's own files (container/): the entrypoint step, the app loader
    dockerfile: Path
    resources: Path
    service: Path

    @classmethod
    def under(cls, root: Path = ROOT) -> Files:
        return cls(
            nginx=root / "nginx.conf",
            gunicorn=root / "container" / "gunicorn.conf.py",
            site=root / "flask.com",
            container=root / "container",
            dockerfile=root / "Dockerfile",
            resources=root / "cloudformation" / "resources.yaml",
            service=root / "cloudformation" / "service.yaml",
        )


@dataclass(frozen=True)
class Finding:
    file: Path
    message: str

    def shown_file(self, root: Path = ROOT) -> Path:
        """The file relative to the project when it is in it (as people and scripts read it)."""
        try:
            return self.file.resolve().relative_to(root.resolve())
        except ValueError:
            return self.file

    def line(self, root: Path = ROOT) -> str:
        return f"{self.shown_file(root)}: {self.message}"


@dataclass(frozen=True)
class RolloutWaits:
    interval: int
    healthy_threshold: int
    grace_period: int
    deregistration_delay: int
    stop_timeout: int

    @property
    def worst_case(self) -> int:
        """Seconds one task swap may take: healthy checks, the grace period, draining the old task."""
        return self.interval * self.healthy_threshold + self.grace_period + self.deregistration_delay


DEFAULT_WAITS = RolloutWaits(**{k: v for k, v in AWS_DEFAULTS.items() if k != "idle_timeout"})


# --- reading each file -------------------------------------------------------------------------


def load_template(path: Path) -> dict[str, Any]:
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches or template is None:
        reason = matches[0].message if matches else "not a template"
        raise ValueError(f"cannot read {path.name}: {reason}")
    return template


def _resources_of_type(template: dict, kind: str) -> list[dict]:
    return [r.get("Properties", {}) for r in template.get("Resources", {}).values() if r.get("Type") == kind]


def _one(template: dict, kind: str, path: Path) -> dict:
    found = _resources_of_type(template, kind)
    if len(found) != 1:
        raise ValueError(f"{path.name} has {len(found)} resources of type {kind}, expected 1")
    return found[0]


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|m|h)?", value)
    if not match:
        raise ValueError(f"not a time: {value!r}")
    number, unit = int(match[1]), match[2] or "s"
    return {"ms": number // 1000, "s": number, "m": number * 60, "h": number * 3600}[unit]


def nginx_settings(path: Path) -> dict[str, Any]:
    """The directives the invariants need, from nginx.conf with its comments removed."""
    text = re.sub(r"#[^\n]*", "", path.read_text(encoding="utf-8"))
    keepalive = re.findall(r"^\s*keepalive_timeout\s+(\S+?)(?:\s+\S+)?\s*;", text, re.M)
    listens = re.findall(r"^\s*listen\s+(?:\[::\]:|[\d.]+:)?(\d+)\b[^;]*;", text, re.M)
    upstreams = re.findall(r"^\s*server\s+(unix:\S+?)(?:\s[^;]*)?;", text, re.M)
    return {
        # nginx's own default is 75 s when the directive is absent
        "keepalive_timeout": _seconds(keepalive[-1]) if keepalive else 75,
        "listen_ports": sorted({int(port) for port in listens}),
        "upstream_sockets": upstreams,
    }


# The app is loaded as the image loads it (container/appwsgi.py, WSGI_APP); a Flask app's routes are
# read from its url_map, any other WSGI app's are not known (and not checked).
_PROBE = r"""
import json, os, runpy, sys
conf, container, health = sys.argv[1], sys.argv[2], sys.argv[3]
settings = runpy.run_path(conf)
endpoint, routes, app, app_error = None, None, None, None
try:
    import appwsgi
    app = appwsgi.flask_app_of(appwsgi.application)
except BaseException as error:  # the app's own failure, SystemExit included: reported, not raised
    app_error = str(error) if isinstance(error, SystemExit) else f"{type(error).__name__}: {error}"
if app is not None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(health, method="GET")
    except Exception:
        endpoint = None
    routes = sorted(r.rule for r in app.url_map.iter_rules())
print(json.dumps({"graceful_timeout": settings["graceful_timeout"], "bind": settings["bind"],
                  "health_endpoint": endpoint, "routes": routes, "app_error": app_error}))
"""
DEFAULT_WSGI_APP = "flasksite.wsgi:app"  # Settings.wsgi_app's default
APP_DOES_NOT_START = "the app {} does not start"


def python_side(
    files: Files, health_path: str, wsgi_app: str = DEFAULT_WSGI_APP, app_environment: dict | None = None
) -> dict[str, Any]:
    """gunicorn's effective defaults and the app's routes, read in a child Python with a clean environment
    plus the app's own (APP_SETTINGS_JSON, APP_SECRETS_JSON), expanded by the image's entrypoint step."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY", "APP_"))}
    env.pop("ENABLE_TEST_ENDPOINTS", None)  # the health path must be a route of the production app
    env.update(
        APP_ENV="local",
        SECRET_KEY="invariants-check-" + "x" * 16,
        APP_ROOT=str(files.site),
        WSGI_APP=wsgi_app,
    )
    env.update(app_environment or {})
    entrypoint = [sys.executable, str(files.container / "appenv.py")]
    result = subprocess.run(
        [*entrypoint, sys.executable, "-c", _PROBE, str(files.gunicorn), str(files.container), health_path],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ValueError(f"cannot load gunicorn.conf.py and the app {wsgi_app}: {last}")
    return json.loads(result.stdout)


def dockerfile_ports(path: Path) -> list[int]:
    return [int(p) for p in re.findall(r"^\s*EXPOSE\s+(\d+)", path.read_text(encoding="utf-8"), re.M | re.I)]


# --- the invariants -----------------------------------------------------------------------------


def check(
    files: Files | None = None, wsgi_app: str = DEFAULT_WSGI_APP, app_environment: dict | None = None
) -> list[Finding]:
    """Every broken invariant as one Finding; an empty list means the files agree."""
    files = files or Files.under()
    findings: list[Finding] = []
    try:
        resources = load_template(files.resources)
        service = load_template(files.service)
    except ValueError as error:
        return [Finding(files.resources if "resources" in str(error) else files.service, str(error))]

    balancer = _one(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer", files.resources)
    idle = _attribute(balancer.get("LoadBalancerAttributes", []), "idle_timeout.timeout_seconds")
    idle_timeout = int(idle) if idle is not None else AWS_DEFAULTS["idle_timeout"]

    task = _one(service, "AWS::ECS::TaskDefinition", files.service)
    container = next(
        (c for c in task.get("ContainerDefinitions", []) if c.get("Name") == CONTAINER_NAME), None
    )
    target_group = _one(service, "AWS::ElasticLoadBalancingV2::TargetGroup", files.service)
    ecs_service = _one(service, "AWS::ECS::Service", files.service)
    if container is None:
        return [Finding(files.service, f"no container named {CONTAINER_NAME!r} in the task definition")]

    nginx = nginx_settings(files.nginx)
    health_path = target_group.get("HealthCheckPath", "/")
    try:
        py = python_side(files, health_path, wsgi_app, app_environment)
    except ValueError as error:
        return findings + [Finding(files.gunicorn, str(error))]

    if py["app_error"]:
        findings.append(Finding(files.site, f"{APP_DOES_NOT_START.format(wsgi_app)}: {py['app_error']}"))

    # 1. nginx must outlive the ALB's idle connections, or the ALB reuses a socket nginx just closed (502).
    if not nginx["keepalive_timeout"] > idle_timeout:
        findings.append(
            Finding(
                files.nginx,
                f"keepalive_timeout {nginx['keepalive_timeout']} s must be above the ALB idle timeout "
                f"{idle_timeout} s (resources.yaml), or the ALB reuses closed connections (502)",
            )
        )

    # 2. ECS must wait longer than gunicorn's graceful shutdown, or in-flight requests are killed.
    stop_timeout = int(container.get("StopTimeout", AWS_DEFAULTS["stop_timeout"]))
    graceful = int(py["graceful_timeout"])
    if not stop_timeout > graceful:
        findings.append(
            Finding(
                files.service,
                f"container StopTimeout {stop_timeout} s must be above gunicorn graceful_timeout "
                f"{graceful} s "
                "(container/gunicorn.conf.py), or ECS kills requests still draining",
            )
        )

    # 3. One port everywhere: container, nginx, target group, the service's load balancer mapping, Dockerfile.
    container_ports = [int(m["ContainerPort"]) for m in container.get("PortMappings", [])]
    port = container_ports[0] if container_ports else None
    if len(set(container_ports)) != 1:
        findings.append(
            Finding(files.service, f"container {CONTAINER_NAME} maps ports {container_ports}, expected one")
        )
    if nginx["listen_ports"] != [port]:
        findings.append(
            Finding(files.nginx, f"nginx listens on {nginx['listen_ports']}, the container port is {port}")
        )
    if int(target_group.get("Port", -1)) != port:
        findings.append(
            Finding(
                files.service,
                f"target group port {target_group.get('Port')} is not the container port {port}",
            )
        )
    for mapping in ecs_service.get("LoadBalancers", []):
        if int(mapping.get("ContainerPort", -1)) != port or mapping.get("ContainerName") != CONTAINER_NAME:
            findings.append(
                Finding(
                    files.service,
                    f"service load balancer mapping "
                    f"{mapping.get('ContainerName')}:{mapping.get('ContainerPort')} "
                    f"is not {CONTAINER_NAME}:{port}",
                )
            )
    exposed = dockerfile_ports(files.dockerfile)
    if exposed and exposed != [port]:
        findings.append(Finding(files.dockerfile, f"EXPOSE {exposed} is not the container port {port}"))

    # 4. nginx must proxy to the socket gunicorn binds.
    gunicorn_binds = [b for b in py["bind"] if b.startswith("unix:")]
    for socket in nginx["upstream_sockets"]:
        if socket not in gunicorn_binds:
            findings.append(
                Finding(
                    files.nginx, f"upstream {socket} is not a socket gunicorn binds ({', '.join(py['bind'])})"
                )
            )

    # 5. The health check path must be a route of the app (else every task is unhealthy forever).
    if py["routes"] is not None and py["health_endpoint"] is None:
        findings.append(
            Finding(
                files.service,
                f"target group HealthCheckPath {health_path} is not a route of the Flask app "
                f"(routes: {', '.join(py['routes'])})",
            )
        )

    # 6. The default Cpu/Memory pair must be one Fargate runs, and the template's Rules must agree with
    #    fargate_deploy/fargate.py (the settings check uses that table).
    params = service.get("Parameters", {})
    cpu, memory = int(params["Cpu"]["Default"]), int(params["Memory"]["Default"])
    if not is_valid_pair(cpu, memory):
        findings.append(
            Finding(
                files.service,
                f"default Cpu {cpu} / Memory {memory} is not a Fargate pair: {describe_valid_memory(cpu)}",
            )
        )
    findings.extend(_rules_agree_with_fargate_table(service, files.service))
    return findings


def _attribute(attributes: list[dict], key: str) -> str | None:
    return next((a.get("Value") for a in attributes if a.get("Key") == key), None)


def _rules_agree_with_fargate_table(template: dict, path: Path) -> list[Finding]:
    findings = []
    seen = set()
    for name, rule in template.get("Rules", {}).items():
        condition = rule.get("RuleCondition", {})
        equals = condition.get("Fn::Equals") if isinstance(condition, dict) else None
        if not equals or {"Ref": "Cpu"} not in equals:
            continue
        cpu = int(next(v for v in equals if v != {"Ref": "Cpu"}))
        seen.add(cpu)
        for assertion in rule.get("Assertions", []):
            allowed = assertion["Assert"]["Fn::Contains"][0]
            if tuple(int(m) for m in allowed) != VALID_MEMORY_FOR_CPU.get(cpu):
                findings.append(
                    Finding(
                        path,
                        f"rule {name} allows memory {allowed} for Cpu {cpu}; "
                        f"Fargate: {describe_valid_memory(cpu)}",
                    )
                )
    missing = sorted(set(VALID_MEMORY_FOR_CPU) - seen)
    if missing:
        findings.append(Finding(path, f"no Rules entry checks Memory for Cpu {', '.join(map(str, missing))}"))
    return findings


def rollout_waits(files: Files | None = None) -> RolloutWaits:
    """The waits the service template configures, AWS's default for each value it leaves out."""
    files = files or Files.under()
    service = load_template(files.service)
    target_group = _one(service, "AWS::ElasticLoadBalancingV2::TargetGroup", files.service)
    ecs_service = _one(service, "AWS::ECS::Service", files.service)
    task = _one(service, "AWS::ECS::TaskDefinition", files.service)
    container = next(c for c in task["ContainerDefinitions"] if c.get("Name") == CONTAINER_NAME)
    delay = _attribute(target_group.get("TargetGroupAttributes", []), "deregistration_delay.timeout_seconds")
    return RolloutWaits(
        interval=int(target_group.get("HealthCheckIntervalSeconds", AWS_DEFAULTS["interval"])),
        healthy_threshold=int(target_group.get("HealthyThresholdCount", AWS_DEFAULTS["healthy_threshold"])),
        grace_period=int(ecs_service.get("HealthCheckGracePeriodSeconds", AWS_DEFAULTS["grace_period"])),
        deregistration_delay=int(delay) if delay is not None else AWS_DEFAULTS["deregistration_delay"],
        stop_timeout=int(container.get("StopTimeout", AWS_DEFAULTS["stop_timeout"])),
    )


def to_json(waits: RolloutWaits) -> str:
    return json.dumps(waits.__dict__ | {"worst_case": waits.worst_case})


def health_check_path(files: Files | None = None) -> str:
    """The path the load balancer (and so `check`) asks the app for."""
    files = files or Files.under()
    target_group = _one(
        load_template(files.service), "AWS::ElasticLoadBalancingV2::TargetGroup", files.service
    )
    return target_group.get("HealthCheckPath", "/")
