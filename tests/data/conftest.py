"""A real PostgreSQL server for the data-store tests (issue 16), started and stopped by them: the same
LocalPostgres that `deploy.py local` runs, in a fresh data folder, on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from fargate_deploy import local_postgres
from fargate_deploy.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "flask.com"))  # the sample site


def data_folder() -> Path:
    """A fresh folder for a cluster. Run as root the server runs as `nobody`, which must be able to
    reach it: pytest's own temporary folders are private to root, so this one is made in /tmp."""
    folder = Path(tempfile.mkdtemp(prefix="flaskcom-pg-test-"))
    folder.chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def postgres():
    try:
        local_postgres.binaries()
    except ConfigError as error:
        if os.environ.get("REQUIRE_POSTGRES") == "1":  # .ci/run installs it: there it must be found
            raise
        pytest.skip(f"{error} ({error.hint})")
    folder = data_folder()
    server = local_postgres.LocalPostgres(
        folder / "data", local_postgres.free_port(), "p@ss:w/rd?#% " + secrets.token_hex(4)
    )
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)
