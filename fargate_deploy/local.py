"""`deploy.py local`: the site on http://127.0.0.1:<port>, in the real image when Docker is there.

Planning (which mode, which argv, the host nginx.conf) is pure; `serve_*` run the processes.
"""

from __future__ import annotations

import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import app_env, app_secrets, docker, signals
from .errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "flask.com"
CONTAINER = REPO / "container"
IMAGE = "flaskcom-local:latest"
CONTAINER_PORT = 8080
# The image runs production settings; these are the only writable paths it needs.
WRITABLE_PATHS = ("/tmp", "/dev/shm")
STOP_TIMEOUT_SECONDS = 25


@dataclass(frozen=True)
class LocalPlan:
    mode: str  # "docker", "host" (nginx + gunicorn) or "gunicorn" (gunicorn alone)
    port: int
    notices: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def plan_local(port: int, engine_reachable: bool, nginx_path: str | None) -> LocalPlan:
    if engine_reachable:
        return LocalPlan("docker", port)
    notices = ("No Docker engine reachable: running nginx + gunicorn as host processes instead.",)
    if nginx_path:
        return LocalPlan("host", port, notices)
    return LocalPlan(
        "gunicorn",
        port,
        (
            "No Docker engine reachable and no nginx installed: running gunicorn alone "
            "(Flask serves /static/).",
        ),
    )


def container_name(port: int) -> str:
    return f"flaskcom-local-{port}"


# --- The app, as on Fargate (issue 13): deploy.toml's app settings, secrets from a local file ---
# The secrets file lives next to deploy.toml and is git-ignored (and outside the image's build
# context): top-level NAME = "value" lines for every site, [sites.<name>] tables for one site's own.
SECRETS_FILE = "local.secrets.toml"


@dataclass(frozen=True)
class LocalApp:
    """What `local` passes to the app: the same two JSON values the task gets on Fargate."""

    wsgi_app: str
    build_args: dict[str, str]
    settings_json: str
    secrets_json: str = field(repr=False)  # holds values: never printed, never in argv
    # --- Data stores (issue 16): the local stores' variables, and the secret ones (passed by name) ---
    stores_env: dict[str, str] = field(default_factory=dict)
    stores_secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def uses_stores(self) -> bool:
        return bool(self.stores_env or self.stores_secrets)

    @property
    def static_dir(self) -> Path:
        """What nginx serves at /static/: the app's top-level package's static/, as in the image."""
        return SITE / re.split(r"[.:]", self.wsgi_app, maxsplit=1)[0] / "static"


def read_local_secrets(path: Path, site: str, settings_names: set[str]) -> dict[str, str]:
    """local.secrets.toml → {NAME: value} for `site`; a missing file is no secrets. Every mistake is a
    ConfigError that names the entry, never its value."""
    import tomllib

    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as error:
        # A TOML error message can quote the line it stopped at: say where, not what.
        line = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
        raise ConfigError(
            f'reading {path}: not a TOML file of NAME = "value" lines{line}', hint=f"fix {path}"
        ) from None
    sites = data.pop("sites", {})
    values = {k: v for k, v in data.items()}
    if isinstance(sites, dict) and isinstance(sites.get(site), dict):
        values.update(sites[site])
    secrets: dict[str, str] = {}
    for name, value in values.items():
        try:
            app_secrets.check_secret_name(name)
            if not isinstance(value, str):
                raise app_secrets.SecretError(
                    f"the value for {name} is not a string", hint=f'write {name} = "..."'
                )
            app_secrets.check_secret_value(name, value)
        except app_secrets.SecretError as error:
            raise ConfigError(f"{path}: {error}", hint=error.hint) from None
        if name in settings_names:
            raise ConfigError(
                f"{path}: {name} is also a plain setting in [env]", hint=f"keep {name} in one of the two"
            )
        secrets[name] = value
    return secrets


def local_app(settings, secrets_file: Path) -> LocalApp:
    secrets = read_local_secrets(secrets_file, settings.site, set(settings.env))
    bundle = {name: app_secrets.Secret(name, value, 0, "local") for name, value in secrets.items()}
    try:
        secrets_json = app_secrets.encode(bundle) if bundle else ""
    except app_secrets.SecretError as error:
        raise ConfigError(f"{secrets_file}: {error}", hint=error.hint) from None
    return LocalApp(
        wsgi_app=settings.wsgi_app,
        build_args=settings.image_build_args,
        settings_json=app_env.settings_json(settings.env),
        secrets_json=secrets_json,
    )


def docker_env(app: LocalApp) -> dict[str, str]:
    """What the docker client's environment adds: values that `--env NAME` then passes by name."""
    return {"SECRET_KEY": secrets.token_hex(32), "APP_SECRETS_JSON": app.secrets_json, **app.stores_secrets}


# --- Data stores (issue 16): the local stores' variables (local_stores.py). The container then shares
# the host's network, where the stores listen on 127.0.0.1 (a container's own loopback is its own).
def _by_name(app: LocalApp) -> list[str]:
    return ["SECRET_KEY", "APP_SECRETS_JSON", *app.stores_secrets]


def _network(app: LocalApp) -> str | None:
    return "host" if app.uses_stores else None


def host_env(app: LocalApp) -> dict[str, str]:
    """The image's variables for the servers run as host processes."""
    return {
        "APP_ENV": "local",
        "IMAGE_TAG": "local",
        "APP_ROOT": str(SITE),
        "WSGI_APP": app.wsgi_app,
        "APP_SETTINGS_JSON": app.settings_json,
        "APP_SECRETS_JSON": app.secrets_json,
        **app.stores_env,
        **app.stores_secrets,
    }


def docker_one_off_argv(app: LocalApp, command: list[str], interactive: bool) -> list[str]:
    """`deploy.py local run -- CMD`: CMD in a fresh container of the local image, as a one-off task."""
    return docker.run_argv(
        IMAGE,
        name=f"flaskcom-local-run-{secrets.token_hex(4)}",
        env_names=_by_name(app),
        env={
            "APP_ENV": "production",
            "IMAGE_TAG": "local",
            "APP_SETTINGS_JSON": app.settings_json,
            **app.stores_env,
        },
        read_only=True,
        tmpfs=WRITABLE_PATHS,
        remove=True,
        interactive=interactive,
        command=command,
        network=_network(app),
    )


def host_one_off_argv(python: str, command: list[str]) -> list[str]:
    """Without Docker: CMD through the image's entrypoint step, with this machine's Python."""
    return [python, str(CONTAINER / "appenv.py"), *command]


# What `uname -m` says → the Fargate architecture whose image runs natively here.
HOST_ARCHITECTURES = {"x86_64": "X86_64", "amd64": "X86_64", "aarch64": "ARM64", "arm64": "ARM64"}


def host_platform(machine: str) -> str | None:
    """The docker `--platform` of this machine (None for a CPU Fargate doesn't run: let docker pick)."""
    architecture = HOST_ARCHITECTURES.get(machine.lower())
    return docker.platform_for(architecture) if architecture else None


def docker_build_argv(machine: str, app: LocalApp) -> list[str]:
    return docker.build_argv(REPO, IMAGE, platform=host_platform(machine), build_args=app.build_args)


def docker_run_argv(port: int, app: LocalApp) -> list[str]:
    return docker.run_argv(
        IMAGE,
        name=container_name(port),
        publish=[] if app.uses_stores else [f"127.0.0.1:{port}:{CONTAINER_PORT}"],
        env_names=_by_name(app),
        env={
            "APP_ENV": "production",
            "IMAGE_TAG": "local",
            "APP_SETTINGS_JSON": app.settings_json,
            **app.stores_env,
        },
        read_only=True,
        tmpfs=WRITABLE_PATHS,
        remove=True,
        network=_network(app),
    )


def host_nginx_conf(image_conf: str, site_dir: Path, run_dir: Path, port: int, static_dir: Path) -> str:
    """The image's nginx.conf with the image's paths and port swapped for this machine's."""
    # One pass, so a repository that itself lives under /tmp is not rewritten twice.
    swaps = {"/app/static/": f"{static_dir}/", "/app/site/": f"{site_dir}/", "/tmp/": f"{run_dir}/"}
    conf = re.sub(
        "|".join(re.escape(path) for path in swaps), lambda match: swaps[match.group(0)], image_conf
    )
    conf = conf.replace(
        f"listen {CONTAINER_PORT} default_server;", f"listen 127.0.0.1:{port} default_server;"
    )
    return conf.replace(f"        listen [::]:{CONTAINER_PORT} default_server;\n", "")


def host_gunicorn_argv(python: str, bind: str) -> list[str]:
    """gunicorn with the container's config, through the image's entrypoint step (container/appenv.py),
    so the app gets its settings and secrets as it does in the image."""
    return [
        *host_one_off_argv(python, [python, "-m", "gunicorn"]),
        "--config",
        str(CONTAINER / "gunicorn.conf.py"),
        "--bind",
        bind,
    ]


def host_nginx_argv(nginx: str, conf_path: Path, run_dir: Path) -> list[str]:
    # -e: log start-up errors to stderr instead of the packaged /var/log path.
    return [nginx, "-e", "stderr", "-p", str(run_dir), "-c", str(conf_path)]


# --- effects ---


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As servers bind: a port with only closed connections (TIME_WAIT) left on it is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def serve_in_docker(plan: LocalPlan, app: LocalApp, announce: Callable[[], None]) -> int:
    with signals.stop_on_signals() as request:
        docker.run(docker_build_argv(platform.machine(), app))
        # Secrets reach docker through its environment, by name: never in argv (`ps` shows argv).
        started = _Started(request)
        try:
            started.start(
                docker_run_argv(plan.port, app),
                env={**os.environ, **docker_env(app)},
                stop=lambda: _docker_stop(plan.port),
            )
            return started.watch(announce, plan.port)
        finally:
            started.stop_all()


def _docker_stop(port: int) -> None:
    subprocess.run(
        docker.stop_argv(container_name(port), STOP_TIMEOUT_SECONDS), capture_output=True, check=False
    )


def serve_on_host(
    plan: LocalPlan, app: LocalApp, nginx_path: str | None, announce: Callable[[], None]
) -> int:
    env = {**os.environ, **host_env(app)}
    with signals.stop_on_signals() as request:
        started = _Started(request)
        if plan.mode == "gunicorn":
            try:
                # Without nginx nobody else logs the requests: gunicorn's own access log comes on.
                started.start(
                    host_gunicorn_argv(sys.executable, f"127.0.0.1:{plan.port}"),
                    env={**env, "GUNICORN_ACCESS_LOG": "1"},
                    drain_signal=signal.SIGTERM,
                )
                return started.watch(announce, plan.port)
            finally:
                started.stop_all()

        run_dir = Path(tempfile.mkdtemp(prefix="flaskcom-local-"))
        try:
            # nginx's workers may run as another user (when started as root): they must reach the socket.
            run_dir.chmod(0o755)
            conf_path = run_dir / "nginx.conf"
            conf_path.write_text(
                host_nginx_conf((REPO / "nginx.conf").read_text(), SITE, run_dir, plan.port, app.static_dir)
            )
            # Stopped in reverse order, as in the container: nginx drains first (SIGQUIT), then
            # gunicorn (SIGTERM).
            started.start(
                host_gunicorn_argv(sys.executable, f"unix:{run_dir}/gunicorn.sock"),
                env=env,
                drain_signal=signal.SIGTERM,
            )
            started.start(host_nginx_argv(nginx_path, conf_path, run_dir), drain_signal=signal.SIGQUIT)
            return started.watch(announce, plan.port)
        finally:
            started.stop_all()
            shutil.rmtree(run_dir, ignore_errors=True)


class _Started:
    """The processes `local` started, each in a process group of its own: a Ctrl-C at the terminal
    reaches deploy.py alone, which then drains them in order (the last started first) instead of
    all of them stopping at once. A second stop signal while draining kills what is left."""

    def __init__(self, request: signals.StopRequest):
        self._request = request
        self._processes: list[tuple[subprocess.Popen, Callable[[], None]]] = []

    def start(
        self,
        argv: list[str],
        env: dict[str, str] | None = None,
        drain_signal: int = signal.SIGTERM,
        stop: Callable[[], None] | None = None,
    ) -> subprocess.Popen:
        process = subprocess.Popen(argv, env=env, process_group=0)

        def drain() -> None:
            if process.poll() is None:
                process.send_signal(drain_signal)

        self._processes.append((process, stop or drain))
        return process

    def watch(self, announce: Callable[[], None], port: int) -> int:
        """Announce the URL once /health answers; return when one process exits (its status)."""
        announced = False
        while True:
            for process, _ in self._processes:
                if process.poll() is not None:
                    return process.returncode
            if not announced and _answers_health(port):
                announce()
                announced = True
            time.sleep(0.2)

    def stop_all(self) -> None:
        self._request.begin_stopping()
        for process, stop in reversed(self._processes):
            stop()
            self._wait_or_kill(process)

    def _wait_or_kill(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while process.poll() is None:
            if self._request.hurried or time.monotonic() > deadline:
                process.kill()
                process.wait()
                return
            time.sleep(0.05)


def _answers_health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def run_one_off(mode: str, app: LocalApp, command: list[str], interactive: bool) -> int:
    """`deploy.py local run -- CMD`: its exit status. In the image (built quietly first) when Docker
    is there, else with this machine's Python in flask.com/."""
    if mode == "docker":
        docker.run(docker_build_argv(platform.machine(), app), capture=True)
        argv = docker_one_off_argv(app, command, interactive)
        return subprocess.run(argv, env={**os.environ, **docker_env(app)}, check=False).returncode
    env = {**os.environ, **host_env(app)}
    try:
        return subprocess.run(
            host_one_off_argv(sys.executable, command), env=env, cwd=SITE, check=False
        ).returncode
    except FileNotFoundError:
        return 127
