"""`deploy.py local` and `deploy.py local run -- CMD`: the site, or one command, on this machine as on
Fargate: the same image, the same [env] settings, secrets from the git-ignored local.secrets.toml."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .. import console, docker, local, local_stores
from ..errors import DeploymentFailed, RefusedError
from ..invocation import command
from ..settings import DEFAULT_FILE, load_local_settings


def _app(config_path: str | None, site: str | None):
    settings = load_local_settings(config_path, overrides={"site": site})
    secrets_file = Path(config_path or DEFAULT_FILE).parent / local.SECRETS_FILE
    return settings, local.local_app(settings, secrets_file)


@contextmanager
def _with_stores(settings, app: local.LocalApp) -> Iterator[local.LocalApp]:
    """Data stores (issue 16): the app with its local stores running, stopped (and saved) after."""
    if not local_stores.wanted(settings):
        yield app
        return
    stores = local_stores.LocalStores(settings)
    console.info(f"Starting the local data stores (data in {stores.folder})…")
    running = stores.start()
    try:
        yield dataclasses.replace(app, stores_env=running.env, stores_secrets=running.secrets)
    finally:
        stores.stop()


@click.group("local", invoke_without_command=True)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port on 127.0.0.1."
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Settings file.")
@click.option("--site", help="Site whose [sites.<site>.env] and local secrets to use.")
@click.option("--reset", is_flag=True, help="Remove the local data stores' data first (local_data_dir).")
@click.pass_context
def local_command(
    ctx: click.Context, port: int, config_path: str | None, site: str | None, reset: bool
) -> None:
    """Build the image and run the site at http://127.0.0.1:PORT (Ctrl-C stops it)."""
    ctx.obj = {**(ctx.obj or {}), "config_path": config_path, "site": site}
    if reset:
        removed = local_stores.reset(load_local_settings(config_path, overrides={"site": site}))
        console.info(f"Removed the local data in {removed}" if removed else "No local data to remove")
    if ctx.invoked_subcommand:
        return
    if not local.port_is_free(port):
        raise RefusedError(
            f"starting the site: port {port} on 127.0.0.1 is already in use",
            hint=command("local", "--port", str(port + 1 if port < 65535 else 8081)),
        )
    settings, app = _app(config_path, site)
    nginx_path = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    plan = local.plan_local(port, docker.engine_reachable(), nginx_path)
    if plan.mode == "docker" and local_stores.wanted(settings) and port != local.CONTAINER_PORT:
        raise RefusedError(
            f"starting the site: with data stores the container shares this machine's network, where "
            f"nginx listens on {local.CONTAINER_PORT}, not {port}",
            hint=command("local", "--port", str(local.CONTAINER_PORT)),
        )
    for notice in plan.notices:
        console.info(notice)
    if plan.mode == "docker":
        console.info(f"Building {local.IMAGE} and running it read-only as a non-root user…")

    def announce() -> None:
        console.out.print(f"The site: {plan.url}  (Ctrl-C stops it)")

    with _with_stores(settings, app) as app:
        if plan.mode == "docker":
            status = local.serve_in_docker(plan, app, announce)
        else:
            status = local.serve_on_host(plan, app, nginx_path, announce)
    if status != 0:
        raise DeploymentFailed(f"running the site locally: a server exited with status {status}")


@local_command.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_command(ctx: click.Context, argv: tuple[str, ...]) -> int:
    """Run one command in the local image (as a one-off task would), e.g. `-- flask --app shop init-db`;
    exits with the command's status."""
    if not argv:
        raise RefusedError(
            "local run: no command given; nothing was run",
            hint=command("local", "run", "--", "flask", "--app", "flasksite", "routes"),
        )
    settings, app = _app(ctx.obj["config_path"], ctx.obj["site"])
    mode = "docker" if docker.engine_reachable() else "host"
    if mode == "host":
        console.info(
            "No Docker engine reachable: running the command with this machine's Python in flask.com/."
        )
    with _with_stores(settings, app) as app:
        return local.run_one_off(
            mode, app, list(argv), interactive=sys.stdin.isatty() and sys.stdout.isatty()
        )


COMMANDS: list[click.Command] = [local_command]
