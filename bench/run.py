"""Build the image, start each contender on 127.0.0.1 with the same worker count, measure with wrk,
evaluate the targets, write docs/benchmarks.md and docs/benchmarks.png.

Every load is bounded (WRK_CONNECTIONS connections for WRK_SECONDS seconds); the whole run takes
about two minutes. Raw numbers go to bench/results/results.json (gitignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from fargate_deploy import docker

from . import cpu, report, wrk
from .targets import evaluate

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "flask.com"
TOOLS = ROOT / ".tools" / "bench"
RESULTS = ROOT / "bench" / "results"
IMAGE = "flaskcom-bench:latest"
WORKERS = 2  # the machine has 2 cores; every contender gets the same number of worker processes
WRK_THREADS, WRK_CONNECTIONS, WRK_SECONDS = 2, 32, 3
ROUNDS = 3  # contenders take turns, round after round: the median is robust to a neighbour's burst
SLOW_CLIENTS = 256
STARTS = 5
DYNAMIC_PATH, STATIC_PATH = "/", "/static/site.css"
SECRET = "bench-only-secret-key"  # a throwaway key for a container that lives a few seconds

_load: list[float] = []


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def note_load() -> None:
    _load.append(float(Path("/proc/loadavg").read_text().split()[0]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_200(url: str, timeout: float = 30.0, interval: float = 0.01) -> float:
    """Seconds until `url` answers 200 (raises after `timeout`)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def wrk_argv(url: str, netns_pid: int | None = None) -> list[str]:
    argv = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency", url]
    # wrk inside the container's network namespace reaches nginx directly, without docker-proxy.
    return ["nsenter", "-t", str(netns_pid), "-n", *argv] if netns_pid else argv


def run_wrk(port: int, path: str, roots: list[int], netns_pid: int | None = None) -> dict:
    """One bounded wrk run; also the CPU the contender's processes (under `roots`) spent per request."""
    url = url_of(port, path)
    note_load()
    before = cpu.snapshot(roots)
    output = subprocess.run(wrk_argv(url, netns_pid), capture_output=True, text=True, check=True).stdout
    after = cpu.snapshot(roots)
    note_load()
    result = wrk.parse(output).__dict__
    return {**result, "cpu_us_per_request": cpu.per_request_us(before, after, result["requests"])}


def run_wrk_with_slow_clients(port: int, path: str, roots: list[int], netns_pid: int | None = None) -> dict:
    holder_argv = [sys.executable, "-m", "bench.slowclients", "127.0.0.1", str(port), str(SLOW_CLIENTS)]
    holder_argv.append(str(WRK_SECONDS + 3))
    if netns_pid:  # the slow clients and wrk take the same path as the unloaded run
        holder_argv = ["nsenter", "-t", str(netns_pid), "-n", *holder_argv]
    holder = subprocess.Popen(holder_argv, cwd=ROOT)
    try:
        time.sleep(2)  # let them connect and occupy what they can
        result = run_wrk(port, path, roots, netns_pid)
    finally:
        holder.wait(timeout=30)
    return result


def warm_up(port: int, path: str) -> None:
    subprocess.run(["wrk", "-t1", "-c4", "-d1s", url_of(port, path)], capture_output=True, check=True)


def median_run(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["requests_per_second"])
    return {**ordered[len(ordered) // 2], "rounds_rps": [round(r["requests_per_second"]) for r in runs]}


def url_of(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


def app_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "WEB_CONCURRENCY": str(WORKERS),
        **extra,
    }


@contextlib.contextmanager
def process(
    argv: list[str], log: Path, *, env: dict[str, str], cwd: Path = SITE
) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def container(port: int, name: str) -> Iterator[int]:
    argv = docker.run_argv(
        IMAGE,
        name=name,
        publish=[f"127.0.0.1:{port}:8080"],
        env_names=["SECRET_KEY"],
        env={"WEB_CONCURRENCY": str(WORKERS), "IMAGE_TAG": "bench"},
        tmpfs=["/tmp"],
        detach=True,
    )
    docker.run(argv, capture=True, env={"SECRET_KEY": SECRET})
    try:
        inspect = ["docker", "inspect", "--format", "{{.State.Pid}}", name]
        yield int(subprocess.run(inspect, capture_output=True, text=True, check=True).stdout)
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True)


@contextlib.contextmanager
def bare_gunicorn(port: int, logs: Path) -> Iterator[list[int]]:
    argv = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--config",
        str(ROOT / "container" / "gunicorn.conf.py"),
        "flasksite.wsgi:app",
    ]
    with process(argv, logs / "gunicorn.log", env=app_env(GUNICORN_BIND=f"127.0.0.1:{port}")) as master:
        wait_for_200(url_of(port, "/health"))
        yield [master.pid]


NGINX_UWSGI_CONF = """
worker_processes {workers};
pid {tmp}/nginx.pid;
daemon off;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    keepalive_timeout 65s;
    upstream app {{ server unix:{tmp}/uwsgi.sock; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{ include /etc/nginx/uwsgi_params; uwsgi_pass app; }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_uwsgi(port: int, logs: Path) -> Iterator[list[int]]:
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        os.chmod(tmp, 0o755)  # nginx's workers (nobody) reach the socket
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_UWSGI_CONF.format(workers=WORKERS, tmp=tmp, port=port))
        uwsgi = [
            str(TOOLS / "bin/uwsgi"), "--master", "--processes", str(WORKERS),
            "--socket", f"{tmp}/uwsgi.sock",
            "--chmod-socket=666", "--module", "flasksite.wsgi:app", "--need-app", "--die-on-term",
            "--pythonpath", str(SITE),
        ]  # fmt: skip
        with process(uwsgi, logs / "uwsgi.log", env=app_env()) as uwsgi_master:
            with process(["nginx", "-c", str(conf)], logs / "nginx.log", env=app_env()) as nginx_master:
                wait_for_200(url_of(port, "/health"))
                yield [uwsgi_master.pid, nginx_master.pid]


@contextlib.contextmanager
def flask_dev(port: int, logs: Path) -> Iterator[list[int]]:
    argv = [
        str(ROOT / ".venv/bin/flask"),
        "--app",
        "flasksite.wsgi",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with process(argv, logs / "flask.log", env=app_env()) as server:
        wait_for_200(url_of(port, "/health"))
        yield [server.pid]


def app_alone_cpu_us(path: str, requests: int = 5000) -> float:
    """The site's WSGI callable called in a loop in one process: what the app costs without a server."""
    argv = [str(ROOT / ".venv/bin/python"), "-m", "bench.appcpu", path, str(requests)]
    env = app_env(PYTHONPATH=str(ROOT))
    return float(subprocess.run(argv, cwd=SITE, env=env, capture_output=True, text=True, check=True).stdout)


def measure_starts() -> dict:
    runs = []
    for i in range(STARTS):
        port, name = free_port(), f"flaskcom-bench-start-{os.getpid()}-{i}"
        started = time.monotonic()
        with container(port, name):
            wait_for_200(url_of(port, "/health"), timeout=30, interval=0.005)
            runs.append(time.monotonic() - started)
    return {"runs_s": runs, "median_s": statistics.median(runs)}


def image_sizes() -> dict:
    size = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", IMAGE],
        capture_output=True,
        text=True,
        check=True,
    )
    compressed = 0
    gzip = zlib.compressobj(6, zlib.DEFLATED, 31)
    with subprocess.Popen(["docker", "save", IMAGE], stdout=subprocess.PIPE) as save:
        assert save.stdout is not None
        while chunk := save.stdout.read(1 << 20):
            compressed += len(gzip.compress(chunk))
    compressed += len(gzip.flush())
    return {"uncompressed_bytes": int(size.stdout), "compressed_bytes": compressed}


def versions() -> dict:
    def first_line(argv: list[str]) -> str:
        result = subprocess.run(argv, capture_output=True, text=True)
        return (result.stdout + result.stderr).strip().splitlines()[0]

    def pip_version(python: Path, package: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({package!r}))"
        return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()

    venv = ROOT / ".venv/bin/python"
    return {
        "nginx (host, for uWSGI)": first_line(["nginx", "-v"]).split("/")[-1],
        "nginx (container)": first_line(
            ["docker", "run", "--rm", "--entrypoint", "nginx", IMAGE, "-v"]
        ).split("/")[-1],
        "gunicorn": pip_version(venv, "gunicorn"),
        "Flask": pip_version(venv, "flask"),
        "uWSGI (pyuwsgi)": pip_version(TOOLS / "bin/python", "pyuwsgi"),
        "wrk": first_line(["wrk", "-v"]).split()[1],
        "Python (host)": platform.python_version(),
        "Docker engine": first_line(["docker", "version", "--format", "{{.Server.Version}}"]),
    }


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "cpu": cpu[1].strip() if cpu else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": int(memory[1]) / 1e6 if memory else 0.0,
        "kernel": f"Linux {platform.release()}",
    }


def ensure_tools() -> None:
    if not (TOOLS / "bin/uwsgi").exists() or not (TOOLS / "bin/python").exists():
        say(f"creating {TOOLS.relative_to(ROOT)} from bench/requirements.txt")
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=True)
        subprocess.run(
            [str(TOOLS / "bin/pip"), "install", "--quiet", "-r", str(ROOT / "bench/requirements.txt")],
            check=True,
        )
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench: {tool} is not installed (apt-get install {tool})")


def main() -> int:
    began = time.monotonic()
    ensure_tools()
    if not docker.engine_reachable():
        raise SystemExit("bench: no Docker engine is reachable (set DOCKER_HOST)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    note_load()
    say("building the image")
    docker.run(docker.build_argv(ROOT, IMAGE), capture=True)

    results: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "workers": WORKERS}
    results["wrk"] = {"threads": WRK_THREADS, "connections": WRK_CONNECTIONS, "seconds": WRK_SECONDS}
    results["paths"] = {"dynamic": DYNAMIC_PATH, "static": STATIC_PATH}
    results["slow_clients"] = SLOW_CLIENTS
    say(f"starting the contenders; {ROUNDS} rounds of {WRK_SECONDS} s wrk runs, taking turns")
    ports = {name: free_port() for name in ("container", "gunicorn", "nginx_uwsgi", "flask_dev")}
    runs: dict[str, list[dict]] = {}
    with contextlib.ExitStack() as stack:
        pid = stack.enter_context(container(ports["container"], f"flaskcom-bench-{os.getpid()}"))
        wait_for_200(url_of(ports["container"], "/health"))
        roots = {
            "container": [pid],
            "gunicorn": stack.enter_context(bare_gunicorn(ports["gunicorn"], logs)),
            "nginx_uwsgi": stack.enter_context(nginx_uwsgi(ports["nginx_uwsgi"], logs)),
            "flask_dev": stack.enter_context(flask_dev(ports["flask_dev"], logs)),
        }
        direct = pid if os.geteuid() == 0 and shutil.which("nsenter") else None
        inside = 8080 if direct else ports["container"]

        def dynamic_run(name: str) -> dict:
            return run_wrk(ports[name], DYNAMIC_PATH, roots[name])

        scenarios = {
            "dynamic/container_published": lambda: dynamic_run("container"),
            "dynamic/gunicorn": lambda: dynamic_run("gunicorn"),
            "dynamic/nginx_uwsgi": lambda: dynamic_run("nginx_uwsgi"),
            "dynamic/flask_dev": lambda: dynamic_run("flask_dev"),
            "static/nginx": lambda: run_wrk(inside, STATIC_PATH, roots["container"], direct),
            "static/flask": lambda: run_wrk(ports["gunicorn"], STATIC_PATH, roots["gunicorn"]),
            "slow/container": lambda: run_wrk_with_slow_clients(
                inside, DYNAMIC_PATH, roots["container"], direct
            ),
            "slow/gunicorn": lambda: run_wrk_with_slow_clients(
                ports["gunicorn"], DYNAMIC_PATH, roots["gunicorn"]
            ),
        }
        if direct:
            scenarios["dynamic/container"] = lambda: run_wrk(8080, DYNAMIC_PATH, roots["container"], direct)
        for port in ports.values():
            warm_up(port, DYNAMIC_PATH)
        for round_number in range(ROUNDS):
            say(f"round {round_number + 1} of {ROUNDS}")
            for key, measure in scenarios.items():
                runs.setdefault(key, []).append(measure())
    measured = {key: median_run(value) for key, value in runs.items()}
    dynamic = {k.split("/")[1]: v for k, v in measured.items() if k.startswith("dynamic/")}
    slow = {k.split("/")[1]: v for k, v in measured.items() if k.startswith("slow/")}
    static = {k.split("/")[1]: v for k, v in measured.items() if k.startswith("static/")}
    if "container" not in dynamic:  # no nsenter: the published port is all we can measure
        dynamic["container"] = dynamic["container_published"]
    results["direct_container"] = bool(direct)
    results.update(dynamic=dynamic, slow=slow, static=static)

    say("the app alone: CPU per request without a server")
    results["app_alone_cpu_us"] = app_alone_cpu_us(DYNAMIC_PATH)
    say(f"container start → first 200, {STARTS} times")
    results["start"] = measure_starts()
    say("image size")
    results["image"] = image_sizes()
    say("deploy.py check")
    started = time.monotonic()
    subprocess.run([str(ROOT / ".venv/bin/python"), "deploy.py", "check"], cwd=ROOT, capture_output=True)
    results["check_seconds"] = time.monotonic() - started
    note_load()

    results["load"] = {"min": min(_load), "max": max(_load)}
    results["machine"] = machine()
    results["versions"] = versions()
    results["wall_seconds"] = time.monotonic() - began
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2))

    notes_file = ROOT / "bench" / "notes.md"
    notes = (
        [line[2:] for line in notes_file.read_text().splitlines() if line.startswith("- ")]
        if notes_file.exists()
        else []
    )
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs/benchmarks.md").write_text(report.render(results, notes))
    subprocess.run(
        [
            str(TOOLS / "bin/python"),
            "-m",
            "bench.chart",
            str(RESULTS / "results.json"),
            str(ROOT / "docs/benchmarks.png"),
        ],
        cwd=ROOT,
        check=True,
    )
    for target in evaluate(results):
        say(f"{'pass' if target.passed else 'FAIL'}  {target.name}: {target.measured:.2f} ({target.rule})")
    say(f"done in {results['wall_seconds']:.0f} s; logs in {logs}; wrote docs/benchmarks.md and .png")
    return 0
