"""The image's start step and the database (issue 16): DATABASE_URL built from a secret shaped like the
one RDS manages, and the bounded wait for a database that is waking up — against a real PostgreSQL."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
from urllib.parse import unquote, urlsplit

import pytest

from tests.docker_engine import REPO

RDS_SECRET = json.dumps({"username": "flaskcom", "password": "q:/@?#[]%! 'x"})  # RDS's two keys


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "container" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ecs_environment(secret_string: str, **plain: str) -> dict[str, str]:
    """What the task definition gives the container: PGUSER and PGPASSWORD are the secret's JSON keys
    ("arn:...:username::"), the rest plain environment entries (cloudformation/service.yaml)."""
    secret = json.loads(secret_string)
    return {"PATH": "/usr/bin", "PGUSER": secret["username"], "PGPASSWORD": secret["password"], **plain}


def test_database_url_is_built_from_the_secret_with_the_password_percent_encoded():
    appenv = load("appenv")
    env, _, _ = appenv.expand(
        ecs_environment(RDS_SECRET, PGHOST="db.example", PGPORT="5432", PGDATABASE="app")
    )
    url = urlsplit(env["DATABASE_URL"])
    assert url.scheme == "postgresql"
    assert (unquote(url.username), unquote(url.password)) == ("flaskcom", json.loads(RDS_SECRET)["password"])
    assert (url.hostname, url.port, url.path) == ("db.example", 5432, "/app")
    assert env["PGCONNECT_TIMEOUT"] == "30"  # libpq waits through a resume instead of failing


def test_no_database_no_url_and_an_apps_own_url_is_kept():
    appenv = load("appenv")
    assert "DATABASE_URL" not in appenv.expand({"PATH": "/bin"})[0]
    own = appenv.expand({**ecs_environment(RDS_SECRET, PGHOST="h"), "DATABASE_URL": "postgresql://mine"})[0]
    assert own["DATABASE_URL"] == "postgresql://mine"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PGHOST": "h", "PGUSER": "u"}, "PGPASSWORD is not"),
        ({"PGHOST": "h"}, "PGUSER and PGPASSWORD are not"),
        ({"PGHOST": "h", "PGUSER": "u", "PGPASSWORD": "p", "PGPORT": "x"}, "PGPORT must be a port number"),
    ],
)
def test_a_half_given_database_is_refused_without_printing_values(environ, message):
    appenv = load("appenv")
    with pytest.raises(appenv.Refused) as refused:
        appenv.expand(environ)
    assert message in str(refused.value)
    assert "p" != str(refused.value) and "PGPASSWORD=" not in str(refused.value)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_wait_says_what_it_waits_for_and_ends_when_the_database_answers():
    pgenv, clock, said = load("pgenv"), Clock(), []
    answers = iter([False] * 15 + [True])  # a resume of about 15 s
    ok = pgenv.wait_for_database(
        {"PGHOST": "db", "PGPORT": "5432"},
        lambda level, message: said.append((level, message)),
        probe=lambda host, port, timeout: next(answers),
        clock=clock,
        sleep=clock.sleep,
    )
    assert ok is True
    assert said[0][1].startswith("waiting up to 60 s for the database at db:5432 to answer")
    assert said[-1] == ("info", "the database answered after 15 s")


def test_the_wait_is_bounded_and_then_lets_the_command_report_its_own_error():
    pgenv, clock, said = load("pgenv"), Clock(), []
    ok = pgenv.wait_for_database(
        {"PGHOST": "db", "DATABASE_WAIT_SECONDS": "20"},
        lambda level, message: said.append((level, message)),
        probe=lambda host, port, timeout: False,
        clock=clock,
        sleep=clock.sleep,
    )
    assert ok is False
    assert clock.now == 20
    assert said[-1] == ("warning", "the database at db:5432 did not answer within 20 s; starting anyway")


def test_no_wait_without_a_database_or_with_a_bound_of_zero():
    pgenv = load("pgenv")
    never = lambda *a: pytest.fail("probed")  # noqa: E731
    assert pgenv.wait_for_database({}, never, probe=never)
    assert pgenv.wait_for_database({"PGHOST": "h", "DATABASE_WAIT_SECONDS": "0"}, never, probe=never)
    with pytest.raises(ValueError, match="whole number of seconds"):
        pgenv.wait_for_database({"PGHOST": "h", "DATABASE_WAIT_SECONDS": "soon"}, never, probe=never)


def test_the_probe_sees_a_real_postgresql_and_nothing_else(postgres):
    pgenv = load("pgenv")
    assert pgenv.answers("127.0.0.1", postgres.port, 5.0)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        free = closed.getsockname()[1]
    assert not pgenv.answers("127.0.0.1", free, 1.0)
    # A server that accepts but never speaks PostgreSQL (a database still resuming behaves so) is not ready.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        held = []
        threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
        assert not pgenv.answers("127.0.0.1", silent.getsockname()[1], 1.0)
        for connection, _ in held:
            connection.close()


def test_the_start_step_waits_for_a_database_that_starts_late_then_runs_the_command(postgres, tmp_path):
    """appenv.py as the image runs it: the database comes up 3 s after the container's start step."""
    import subprocess
    import sys
    import time

    postgres.stop()
    env = {
        "PATH": "/usr/bin:/bin",
        **postgres.connection.environment(),
        "DATABASE_WAIT_SECONDS": "60",
    }
    started = time.monotonic()
    step = subprocess.Popen(
        [sys.executable, "-I", str(REPO / "container" / "appenv.py"), sys.executable, "-c",
         "import os; print(os.environ['DATABASE_URL'].split('@')[1])"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(3)
    postgres.start()
    out, err = step.communicate(timeout=90)
    assert step.returncode == 0, err
    assert out.strip() == f"127.0.0.1:{postgres.port}/app"
    assert "waiting up to 60 s for the database at 127.0.0.1" in err
    assert "the database answered after" in err
    assert postgres.password not in out + err
    assert time.monotonic() - started >= 3
