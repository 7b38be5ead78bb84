"""`deploy.py local` with data stores (issue 16): real local servers with the names the tasks get,
data that survives a restart, and `--reset` that clears it."""

from __future__ import annotations

import os
import shutil
import subprocess

import boto3
import pytest

from fargate_deploy import cli, local_postgres, local_stores
from fargate_deploy.settings import load_local_settings
from tests.docker_engine import REPO, require_engine

from .conftest import data_folder


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A deploy.toml with every store on and its data folder somewhere the database's user can reach."""
    folder = data_folder()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy.toml").write_text(
        'database = "postgres"\ntable = true\ntable_partition_key = "pk"\ntable_sort_key = "n:N"\n'
        f'uploads = true\nlocal_data_dir = "{folder / "stores"}"\n'
        'requirements = "flask.com/requirements-stores.txt"\n'
    )
    yield tmp_path, folder / "stores"
    shutil.rmtree(folder, ignore_errors=True)


def client(env: dict, service: str):
    return boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    ).client(service, endpoint_url=env["AWS_ENDPOINT_URL"])  # fmt: skip


def psql(running: local_stores.Running, sql: str) -> str:
    env = {**os.environ, **running.env, **running.secrets}
    result = subprocess.run(
        [str(local_postgres.binaries() / "psql"), "-At", "-c", sql], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_stores_start_with_the_tasks_names_and_keep_their_data_across_a_restart(project):
    _, folder = project
    settings = load_local_settings("deploy.toml", env={})
    stores = local_stores.LocalStores(settings)
    running = stores.start()
    try:
        assert set(running.env) >= {
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "TABLE_NAME",
            "UPLOADS_BUCKET",
        }
        assert set(running.secrets) == {"PGPASSWORD"} and "PGPASSWORD" not in running.env
        assert running.env["PGHOST"] == "127.0.0.1" and running.env["AWS_ENDPOINT_URL"].startswith(
            "http://127.0.0.1:"
        )
        psql(running, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('row')")
        client(running.env, "dynamodb").put_item(
            TableName=running.env["TABLE_NAME"],
            Item={"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}},
        )
        client(running.env, "s3").put_object(
            Bucket=running.env["UPLOADS_BUCKET"], Key="uploads/x", Body=b"kept", ContentType="text/plain"
        )
    finally:
        stores.stop()
    assert folder.is_dir() and not str(folder).startswith(str(REPO))

    again = local_stores.LocalStores(settings)
    running = again.start()
    try:
        assert psql(running, "SELECT v FROM kept") == "row"
        (item,) = client(running.env, "dynamodb").scan(TableName=running.env["TABLE_NAME"])["Items"]
        assert item == {"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}}
        upload = client(running.env, "s3").get_object(Bucket=running.env["UPLOADS_BUCKET"], Key="uploads/x")
        assert (upload["Body"].read(), upload["ContentType"]) == (b"kept", "text/plain")
    finally:
        again.stop()

    assert local_stores.reset(settings) == folder
    assert not folder.exists()
    fresh = local_stores.LocalStores(settings)
    running = fresh.start()
    try:
        assert psql(running, "SELECT count(*) FROM pg_tables WHERE tablename = 'kept'") == "0"
        assert client(running.env, "dynamodb").scan(TableName=running.env["TABLE_NAME"])["Items"] == []
    finally:
        fresh.stop()


def test_reset_says_what_it_removed_and_refuses_another_port_with_docker(project, capsys, monkeypatch):
    _, folder = project
    folder.mkdir(parents=True)
    monkeypatch.setattr("fargate_deploy.docker.engine_reachable", lambda: True)
    assert cli.main(["local", "--reset", "--port", "8099"]) == 2
    err = capsys.readouterr().err
    assert f"Removed the local data in {folder}" in err
    assert "nginx listens on 8080, not 8099" in err
    assert not folder.exists()


def test_local_run_migrates_the_local_database_in_the_image_and_the_data_stays(project, capfd):
    """`deploy.py local run -- flask --app flasksite db upgrade` as the README says, twice: the second
    finds the database (restarted in between) already at the head."""
    require_engine()
    assert cli.main(["local", "run", "--", "flask", "--app", "flasksite", "db", "upgrade"]) == 0
    assert cli.main(["local", "run", "--", "flask", "--app", "flasksite", "db", "current"]) == 0
    assert "0001_counters (head)" in capfd.readouterr().out
