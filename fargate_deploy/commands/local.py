"""`deploy.py local`: run the site on this machine as it runs on Fargate."""

from __future__ import annotations

import shutil

import click

from .. import console, docker, local
from ..errors import DeploymentFailed, RefusedError


@click.command("local")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port on 127.0.0.1."
)
def local_command(port: int) -> None:
    """Build the image and run the site at http://127.0.0.1:PORT (Ctrl-C stops it)."""
    if not local.port_is_free(port):
        raise RefusedError(
            f"starting the site: port {port} on 127.0.0.1 is already in use",
            hint=f"python3 deploy.py local --port {port + 1 if port < 65535 else 8081}",
        )
    nginx_path = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    plan = local.plan_local(port, docker.engine_reachable(), nginx_path)
    for notice in plan.notices:
        console.info(notice)
    if plan.mode == "docker":
        console.info(f"Building {local.IMAGE} and running it read-only as a non-root user…")

    def announce() -> None:
        console.out.print(f"The site: {plan.url}  (Ctrl-C stops it)")

    if plan.mode == "docker":
        status = local.serve_in_docker(plan, announce)
    else:
        status = local.serve_on_host(plan, nginx_path, announce)
    if status != 0:
        raise DeploymentFailed(f"running the site locally: a server exited with status {status}")


COMMANDS: list[click.Command] = [local_command]
