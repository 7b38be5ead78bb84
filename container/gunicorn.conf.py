"""gunicorn settings for the container, whatever the app: read from the environment, validated, then
assigned in one block. The app is WSGI_APP (deploy.toml `wsgi_app`, baked into the image), loaded by
appwsgi.py from APP_ROOT (the image's /app/site: your flask.com/ folder).

Behind nginx on a unix socket: nginx buffers slow clients, so plain sync workers are the right kind.
"""

from __future__ import annotations

import json
import math
import os
import sys

from gunicorn import glogging

# The app's folder first, so its modules are found whatever the working directory; the container's
# own modules (this file's folder: /app/container in the image, the repository's container/ for
# `deploy.py local`) last, so they never shadow the app's.
_app_root = os.environ.get("APP_ROOT") or os.getcwd()
sys.path.insert(0, _app_root)
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from jsonlog import json_stdout_handler  # noqa: E402
from unread_body import discard_unread_body  # noqa: E402


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number >= {minimum}, not {raw!r}")
    return int(raw)


def usable_cpus(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """CPUs this container may use: the cgroup quota when there is one (Fargate, docker --cpus),
    else the CPUs the scheduler lets us run on; never the host's core count."""
    try:
        with open(os.path.join(cgroup_root, "cpu.max")) as cpu_max:  # cgroup v2: "quota period"
            quota, period = cpu_max.read().split()
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        with open(os.path.join(cgroup_root, "cpu", "cpu.cfs_quota_us")) as quota_file:
            quota_us = int(quota_file.read())
        with open(os.path.join(cgroup_root, "cpu", "cpu.cfs_period_us")) as period_file:
            period_us = int(period_file.read())
        if quota_us > 0:
            return max(1, math.ceil(quota_us / period_us))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0))


_cpus = usable_cpus()
_workers = _env_int("WEB_CONCURRENCY", 2 * _cpus + 1)
_graceful = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 20)
_timeout = _env_int("GUNICORN_TIMEOUT", 30)
_bind = os.environ.get("GUNICORN_BIND", "unix:/tmp/gunicorn.sock")

# --- the settings gunicorn reads ---
# appwsgi.py imports WSGI_APP and makes SECRET_KEY and the logs right for any app; an app named on
# gunicorn's command line (the tests' bare WSGI apps) takes its place.
wsgi_app = "appwsgi:application"
chdir = _app_root
bind = [_bind]
workers = _workers
worker_class = "sync"
# Load the app once in the master, then fork: faster start-up and shared memory pages.
preload_app = True
# A heartbeat file per worker; /dev/shm is memory, so a slow or read-only disk never stalls it.
# (Where there is no writable /dev/shm, e.g. some hosts for `deploy.py local`, gunicorn's default.)
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# ECS stops a task with SIGTERM and kills it after stopTimeout (30 s): finish requests within 20 s.
graceful_timeout = _graceful
timeout = _timeout
# Only the local nginx may set X-Forwarded-* (it talks over the unix socket, or from loopback).
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = "127.0.0.1,::1"
# nginx already writes one JSON line per request with gunicorn's time in it; a second line from
# gunicorn costs a quarter of its throughput (docs/benchmarks.md). GUNICORN_ACCESS_LOG=1 turns it
# on, e.g. when gunicorn runs without nginx.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") == "1" else None
access_log_format = '"%(r)s" %(s)s %(B)s bytes %(D)s us for %({x-forwarded-for}i)s'
# gunicorn 25.1+ opens a control socket for `gunicornc` by default, under $XDG_RUNTIME_DIR or
# $HOME/.gunicorn; the container's HOME is /nonexistent on a read-only root, so every start logged
# "Control server error". Nothing here uses gunicornc: no socket, no attempt.
# https://gunicorn.org/reference/settings/#control_socket_disable
control_socket_disable = True


class JsonLogger(glogging.Logger):
    """gunicorn's own lines as JSON on stdout, like the app's. (A logconfig_dict would do the same
    but makes gunicorn format an access entry for every request even with the access log off.)"""

    def setup(self, cfg):
        super().setup(cfg)
        handler = json_stdout_handler()
        for logger in (self.error_log, self.access_log):
            logger.handlers = [handler]


logger_class = JsonLogger


def post_request(worker, req, environ, resp):
    # Whatever the app: read the body it left unread, so nginx passes on its answer instead of a
    # 502 (container/unread_body.py says why).
    discard_unread_body(environ)


def when_ready(server):
    effective = {
        "app": os.environ.get("WSGI_APP", ""),
        # What gunicorn really listens on: a --bind on the command line (deploy.py local) wins over `bind`.
        "bind": [str(listener) for listener in server.LISTENERS],
        "workers": workers,
        "usable_cpus": _cpus,
        "worker_class": worker_class,
        "graceful_timeout": graceful_timeout,
        "timeout": timeout,
        "preload_app": preload_app,
        "worker_tmp_dir": worker_tmp_dir,
        "forwarded_allow_ips": forwarded_allow_ips,
    }
    # One JSON line: the message for people, the same settings as an object for log queries.
    server.log.info("gunicorn config %s", json.dumps(effective, sort_keys=True), extra={"config": effective})
