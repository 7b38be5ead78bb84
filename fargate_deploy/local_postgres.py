"""A real PostgreSQL server as a process this program starts and stops (issue 16): `deploy.py local`
with `database = "postgres"`, and the tests.

Debian's package (`apt-get install postgresql`) provides the binaries; the cluster lives in a data
folder given by the caller (outside the repo), so its data survives a restart and `local --reset`
removes it. The server listens on 127.0.0.1 only, on the port given, with password sign-in
(scram-sha-256) for the one user it creates, like the RDS master user the tasks get on Fargate.
PostgreSQL refuses to run as root ("root execution of the PostgreSQL server is not permitted",
https://www.postgresql.org/docs/current/server-start.html): run by root, as in a CI container, the
server and its files belong to the unprivileged `nobody` instead.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

USER = "flaskcom"  # the same master user name as the base stack's cluster
DATABASE = "app"  # and the same database name
READY_SECONDS = 60  # initdb and the first start on a loaded 2-core machine
STOP_SECONDS = 30


def binaries() -> Path:
    """The folder of Debian's PostgreSQL server binaries (the newest installed major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).resolve().parent
    raise ConfigError(
        "starting the local database: PostgreSQL is not installed",
        hint="sudo apt-get install postgresql (Debian/Ubuntu), or brew install postgresql on macOS",
    )


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """libpq's variables, the names the tasks get on Fargate (the image builds DATABASE_URL)."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }


class LocalPostgres:
    """One cluster in `data_dir`: `start()` creates it the first time, `stop()` shuts it down fast
    (SIGINT: no new sessions, open ones rolled back, data flushed)."""

    def __init__(self, data_dir: Path, port: int, password: str):
        self.data_dir = Path(data_dir)
        self.port = port
        self.password = password
        self.process: subprocess.Popen | None = None
        self._socket_dir: str | None = None
        self.log_file = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def connection(self) -> Connection:
        return Connection("127.0.0.1", self.port, USER, self.password, DATABASE)

    def _as_server_user(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        nobody = pwd.getpwnam("nobody")
        return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]

    def _own(self, path: Path) -> None:
        """Run by root: hand `path` (a file, or a folder and what it holds) to the server's user."""
        if os.geteuid() != 0:
            return
        nobody = pwd.getpwnam("nobody")
        paths = (
            [path] if path.is_file() else [Path(f) / n for f, _, names in os.walk(path) for n in ["", *names]]
        )
        for each in paths:
            os.chown(each, nobody.pw_uid, nobody.pw_gid)

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def _initdb(self, bin_dir: Path) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self._own(self.data_dir)
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.data_dir.parent) as pwfile:
            pwfile.write(self.password)
        self._own(Path(pwfile.name))
        try:
            subprocess.run(
                [*self._as_server_user(), str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", USER,
                 f"--pwfile={pwfile.name}", "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions"],
                check=True, capture_output=True, text=True, timeout=READY_SECONDS,
            )  # fmt: skip
        except subprocess.CalledProcessError as error:
            raise ConfigError(
                f"creating the local database in {self.data_dir}: {error.stderr.strip().splitlines()[-1]}",
                hint=f"remove {self.data_dir} (deploy.py local --reset) and start again",
            ) from None
        finally:
            os.unlink(pwfile.name)

    def start(self) -> Connection:
        bin_dir = binaries()
        first = not self.initialized()
        if first:
            self._initdb(bin_dir)
        self._socket_dir = tempfile.mkdtemp(prefix="flaskcom-pg-")
        self._own(Path(self._socket_dir))
        with open(self.log_file, "ab") as log:  # the server's messages; the child keeps its own copy
            self.process = subprocess.Popen(
                [*self._as_server_user(), str(bin_dir / "postgres"), "-D", str(self.data_dir),
                 "-h", "127.0.0.1", "-p", str(self.port), "-k", self._socket_dir],
                stdout=subprocess.DEVNULL, stderr=log,
                # Its own session: a Ctrl-C at the terminal must not stop the database before the app
                # has drained; `stop()` ends it, last.
                start_new_session=True,
            )  # fmt: skip
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        if first:
            self._psql(bin_dir, "postgres", f'CREATE DATABASE "{DATABASE}" OWNER "{USER}"')
        return self.connection

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                lines = self.log_file.read_text(errors="replace").strip().splitlines()
                reason = lines[-1] if lines else "no message"
                raise ConfigError(
                    f"starting the local database: postgres exited ({reason})",
                    hint=f"is port {self.port} free? its log: {self.log_file}",
                )
            if answers("127.0.0.1", self.port, 2.0):
                return
            time.sleep(0.2)
        raise ConfigError(
            f"starting the local database: no answer on 127.0.0.1:{self.port} in {READY_SECONDS} s",
            hint=f"see {self.log_file}, or try again on a less busy machine",
        )

    def create_database(self, name: str) -> Connection:
        """Another database of the running server (tests give each app its own)."""
        self._psql(binaries(), "postgres", f'CREATE DATABASE "{name}" OWNER "{USER}"')
        return Connection("127.0.0.1", self.port, USER, self.password, name)

    def _psql(self, bin_dir: Path, database: str, sql: str) -> None:
        subprocess.run(
            [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password}, check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # Started through setpriv, which execs: the pid is the server's own.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None


def _image_module(name: str):
    """A module of the image's entrypoint step (container/), which runs without this package."""
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).resolve().parents[1] / "container" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The container's probe: whether a PostgreSQL server answers its SSLRequest.
answers = _image_module("pgenv").answers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
