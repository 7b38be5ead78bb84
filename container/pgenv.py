"""The database's variables, for container/appenv.py (issue 16): DATABASE_URL built from libpq's own
variables, and a bounded wait for a database that is waking up.

On Fargate the service stack sets PGHOST, PGPORT and PGDATABASE, and ECS injects PGUSER and PGPASSWORD
from the JSON keys of the secret RDS manages for the cluster ({"username": ..., "password": ...},
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html). `deploy.py
local` sets the same names for its local PostgreSQL. psycopg and libpq read the PG* variables as
they are; Flask-SQLAlchemy and most frameworks read DATABASE_URL, so it is built here, once, with the
user name and password percent-encoded (RDS's generated passwords hold characters a URL reserves).

An Aurora Serverless v2 database with a minimum of 0 capacity units pauses when idle and "automatically
resume[s] when a connection request arrives"; AWS gives about 15 seconds for it
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html,
and the AWS Database Blog's "Introducing scaling to 0 capacity with Amazon Aurora Serverless v2": "It
can take up to 15 seconds for the database to resume"). So before the command runs (the web servers,
a release command such as `flask db upgrade`, `deploy.py run`), `wait_for_database` asks the server
to answer PostgreSQL's SSLRequest (the first message of every connection, answered before any sign-in:
https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL) until it does, for at
most DATABASE_WAIT_SECONDS, saying what it waits for. And PGCONNECT_TIMEOUT (libpq's connect_timeout)
defaults to 30 s, so the app's own first connection after a later pause waits for the resume too
instead of failing.

Standard library only, like appenv.py.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

DEFAULT_PORT = "5432"
DEFAULT_WAIT_SECONDS = 60  # four times AWS's resume time; a database that takes longer is unwell
DEFAULT_CONNECT_TIMEOUT = "30"  # seconds libpq waits for each connection (two resumes' worth)
SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # length 8, the SSLRequest code


def database_variables(env: Mapping[str, str]) -> dict[str, str]:
    """DATABASE_URL (and PGCONNECT_TIMEOUT) when the environment names a database (PGHOST); nothing
    when it does not, or when the app brings its own DATABASE_URL (a secret or [env] setting)."""
    if not env.get("PGHOST") or "DATABASE_URL" in env:
        return {}
    missing = [name for name in ("PGUSER", "PGPASSWORD") if not env.get(name)]
    if missing:
        raise ValueError(
            f"PGHOST is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not: the "
            "task definition injects both from the database's secret"
        )
    port = env.get("PGPORT") or DEFAULT_PORT
    if not port.isdigit():
        raise ValueError(f"PGPORT must be a port number, not {port!r}")
    user = quote(env["PGUSER"], safe="")
    password = quote(env["PGPASSWORD"], safe="")
    database = quote(env.get("PGDATABASE") or env["PGUSER"], safe="")
    query = f"?sslmode={quote(env['PGSSLMODE'], safe='')}" if env.get("PGSSLMODE") else ""
    added = {"DATABASE_URL": f"postgresql://{user}:{password}@{env['PGHOST']}:{port}/{database}{query}"}
    if "PGCONNECT_TIMEOUT" not in env:
        added["PGCONNECT_TIMEOUT"] = DEFAULT_CONNECT_TIMEOUT
    return added


def answers(host: str, port: int, timeout: float) -> bool:
    """Whether a PostgreSQL server at host:port answers an SSLRequest ('S' or 'N') within timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(SSL_REQUEST)
            return connection.recv(1) in (b"S", b"N")
    except OSError:
        return False


def wait_for_database(
    env: Mapping[str, str],
    say: Callable[[str, str], None],
    *,
    probe: Callable[[str, int, float], bool] = answers,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until the database answers, at most DATABASE_WAIT_SECONDS (0: do not wait). True when it
    answered (or there is none); False when the bound passed (the command still runs: it reports the
    connection error in its own words)."""
    host = env.get("PGHOST")
    if not host:
        return True
    bound_text = env.get("DATABASE_WAIT_SECONDS", str(DEFAULT_WAIT_SECONDS))
    if not bound_text.isdigit():
        raise ValueError(f"DATABASE_WAIT_SECONDS must be a whole number of seconds, not {bound_text!r}")
    bound, port = int(bound_text), int(env.get("PGPORT") or DEFAULT_PORT)
    if bound == 0:
        return True
    start = clock()
    if probe(host, port, min(5.0, bound)):
        return True
    say(
        "info",
        f"waiting up to {bound} s for the database at {host}:{port} to answer (a paused Aurora "
        "Serverless database resumes in about 15 s)",
    )
    while clock() - start < bound:
        sleep(1.0)
        if probe(host, port, min(5.0, max(0.5, bound - (clock() - start)))):
            say("info", f"the database answered after {clock() - start:.0f} s")
            return True
    say("warning", f"the database at {host}:{port} did not answer within {bound} s; starting anyway")
    return False
