"""The sample site and a third-party app on PostgreSQL in the real image (issue 16): the start step builds
DATABASE_URL from the PG* variables (as ECS gives them from the RDS-managed secret), the migration runs
as the release command would, the app serves from the database, and the data survives a container
restart. The containers share the host's network so they reach the tests' PostgreSQL on 127.0.0.1;
gunicorn listens on a free 127.0.0.1 port (GUNICORN_BIND) instead of nginx's fixed 8080."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import time
import types
from pathlib import Path

import boto3
import pytest

from fargate_deploy import docker, local_postgres
from fargate_deploy.local_postgres import free_port
from fargate_deploy.settings import load_settings
from tests.docker_engine import REPO, checkout_tag, require_engine, unique_name

pytestmark = pytest.mark.docker


class Database:
    """One database of the tests' server, for one app (each app's migrations have their own history)."""

    def __init__(self, server, name: str):
        self.connection = server.create_database(name)

    def environment(self) -> dict[str, str]:
        return self.connection.environment()


GUNICORN = ["/opt/venv/bin/gunicorn", "--config", "/app/container/gunicorn.conf.py"]


def build(context: Path, tag: str, deploy_toml: Path) -> str:
    require_engine()
    settings = load_settings(deploy_toml, env={})
    argv = docker.build_argv(context, tag, build_args=settings.image_build_args)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return tag


def run_argv(image: str, postgres, *command: str, name: str, detach: bool = False, extra: dict | None = None):
    """The image as ECS runs it (read-only, production), with the database's variables by name only."""
    argv = ["docker", "run", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp"]
    argv += ["--detach"] if detach else []
    for variable in [*postgres.connection.environment(), "SECRET_KEY", *(extra or {})]:
        argv += ["--env", variable]
    env = {
        **os.environ,
        **postgres.connection.environment(),
        "SECRET_KEY": "test-only-secret",
        **(extra or {}),
    }
    return [*argv, image, *command], env


def one_off(image: str, postgres, *command: str) -> subprocess.CompletedProcess:
    name = unique_name("flaskcom-db-run")
    argv, env = run_argv(image, postgres, *command, name=name)
    try:
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


class Server:
    def __init__(self, image: str, postgres, wsgi_app: str | None = None, env: dict | None = None):
        self.port = free_port()
        self.name = unique_name("flaskcom-db-web")
        extra = {"GUNICORN_BIND": f"127.0.0.1:{self.port}", **({"WSGI_APP": wsgi_app} if wsgi_app else {})}
        extra.update(env or {})
        argv, env = run_argv(image, postgres, *GUNICORN, name=self.name, detach=True, extra=extra)
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        self.wait()

    def get(self, path: str):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait(self, within_seconds: float = 90) -> None:
        deadline = time.monotonic() + within_seconds
        while time.monotonic() < deadline:
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"no answer on {self.port}: {self.logs()}")

    def logs(self) -> str:
        result = subprocess.run(["docker", "logs", self.name], capture_output=True, text=True)
        return result.stdout + result.stderr

    def remove(self) -> None:
        subprocess.run(["docker", "stop", "--time", "20", self.name], capture_output=True)
        subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)


@pytest.fixture(scope="module")
def sample_image(tmp_path_factory):
    toml = tmp_path_factory.mktemp("sample") / "deploy.toml"
    toml.write_text('domain = "example.com"\nrequirements = "flask.com/requirements-stores.txt"\n')
    return build(REPO, f"flaskcom-stores-test:{checkout_tag('ci')}", toml)


def test_the_sample_migrates_serves_from_postgres_and_keeps_its_data_across_restarts(sample_image, postgres):
    postgres = Database(postgres, "sample")
    migrated = one_off(sample_image, postgres, "flask", "--app", "flasksite", "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    assert "Running upgrade  -> 0001_counters" in migrated.stderr
    assert postgres.connection.password not in migrated.stdout + migrated.stderr
    again = one_off(sample_image, postgres, "flask", "--app", "flasksite", "db", "upgrade")
    assert again.returncode == 0 and "Running upgrade" not in again.stderr  # nothing left to do

    first = Server(sample_image, postgres)
    try:
        totals = [json.loads(first.get("/visits")[1]) for _ in range(2)]
        assert [(t["total"], t["store"]) for t in totals] == [(1, "postgres"), (2, "postgres")]
    finally:
        first.remove()
    second = Server(sample_image, postgres)  # a new task: nothing of the first one's disk
    try:
        assert json.loads(second.get("/visits")[1])["total"] == 3
        assert postgres.connection.password not in second.logs()
    finally:
        second.remove()


def superuser_sql(server, statement: str) -> None:
    """One statement as the tests' server's superuser (local_postgres.USER), over TCP like the apps."""
    subprocess.run(
        [str(local_postgres.binaries() / "psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U",
         local_postgres.USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", statement],
        env={**os.environ, "PGPASSWORD": server.password}, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_after_a_password_rotation_the_sample_reads_the_new_password_from_its_secret(
    sample_image, postgres, aws
):
    """RDS rotates the password of its secret while tasks run (cloudformation/service.yaml says what
    then starts a new deployment). Here: a real PostgreSQL whose role's password changes under two
    running containers of the sample, the secret (moto's Secrets Manager, shaped as RDS keeps it)
    updated as RDS's rotation does; the container given DATABASE_SECRET_ARN, as the stack gives it,
    re-reads the password and keeps serving, the one without it (the task as it was) fails."""
    role = f"rotating_{secrets.token_hex(3)}"
    old, new = f"old:/@?#% {secrets.token_hex(4)}", f"new[]&= {secrets.token_hex(4)}"
    superuser_sql(postgres, f"CREATE ROLE {role} LOGIN PASSWORD '{old}'")
    superuser_sql(postgres, f"CREATE DATABASE {role} OWNER {role}")
    before = types.SimpleNamespace(
        connection=local_postgres.Connection("127.0.0.1", postgres.port, role, old, role)
    )
    manager = boto3.client("secretsmanager")
    arn = manager.create_secret(
        Name=f"rds!cluster-{role}", SecretString=json.dumps({"username": role, "password": old})
    )["ARN"]
    assert one_off(sample_image, before, "flask", "--app", "flasksite", "db", "upgrade").returncode == 0
    # moto for Secrets Manager; the region comes from the secret's ARN, as on Fargate.
    aws_env = {"AWS_ENDPOINT_URL": aws, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    following = Server(sample_image, before, env={**aws_env, "DATABASE_SECRET_ARN": arn})
    stale = Server(sample_image, before)
    try:
        assert [following.get("/visits")[0], stale.get("/visits")[0]] == [200, 200]

        superuser_sql(postgres, f"ALTER ROLE {role} PASSWORD '{new}'")  # what RDS's rotation does
        manager.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": role, "password": new}))

        status, body = following.get("/visits")
        assert status == 200, following.logs()
        assert json.loads(body)["total"] == 3  # the count went on, in the same database
        assert following.get("/visits")[0] == 200  # and the new password is kept, not re-read each time
        assert stale.get("/visits")[0] == 500  # the old password, refused
        logs = following.logs()
        assert "connecting with the one its secret holds now" in logs
        assert old not in logs and new not in logs
    finally:
        following.remove()
        stale.remove()


NOTES = '''
"""A notes app of someone else's: Flask-SQLAlchemy reading DATABASE_URL as it is (SQLAlchemy 2.1 reads
postgresql:// as psycopg 3's), Flask-Migrate for its schema."""
import os

from flask import Flask, jsonify
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200), nullable=False)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)
    Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/add/<text>")
    def add(text):
        db.session.add(Note(text=text))
        db.session.commit()
        return jsonify(notes=[n.text for n in Note.query.order_by(Note.id)])

    return app
'''
NOTES_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("note", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String(200)))


def downgrade():
    op.drop_table("note")
"""
NOTES_REQUIREMENTS = """\
alembic==1.20.1
blinker==1.9.0
click==8.5.1
Flask==3.1.3
Flask-Migrate==4.1.0
Flask-SQLAlchemy==3.1.1
itsdangerous==2.2.0
Jinja2==3.1.6
Mako==1.4.3
MarkupSafe==3.0.4
psycopg==3.3.9
psycopg-binary==3.3.9
SQLAlchemy==2.1.9
typing_extensions==4.16.0
Werkzeug==3.1.9
"""


@pytest.fixture(scope="module")
def notes_image(tmp_path_factory):
    project = tmp_path_factory.mktemp("notes-project")
    for name in ("Dockerfile", "nginx.conf", ".dockerignore"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "container", project / "container", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "certs", project / "certs")
    package = project / "flask.com" / "notes"
    (package / "migrations" / "versions").mkdir(parents=True)
    (package / "__init__.py").write_text(NOTES)
    # Alembic's env.py for Flask-Migrate, as `flask db init` would write one (the sample's is the same kind).
    shutil.copy(REPO / "flask.com" / "migrations" / "env.py", package / "migrations" / "env.py")
    shutil.copy(REPO / "flask.com" / "migrations" / "alembic.ini", package / "migrations" / "alembic.ini")
    (package / "migrations" / "versions" / "a1_notes.py").write_text(NOTES_MIGRATION)
    (project / "flask.com" / "notes-requirements.txt").write_text(NOTES_REQUIREMENTS)
    toml = project / "deploy.toml"
    toml.write_text(
        'domain = "example.com"\nwsgi_app = "notes:create_app()"\n'
        'requirements = "flask.com/notes-requirements.txt"\n'
        'release_command = "flask --app notes db upgrade"\n'
    )
    return build(project, f"flaskcom-notes-test:{checkout_tag('ci')}", toml), load_settings(toml, env={})


def test_a_third_party_app_migrates_and_serves_through_the_documented_settings_only(notes_image, postgres):
    image, settings = notes_image
    postgres = Database(postgres, "notes")
    release = one_off(image, postgres, *settings.release_command.split())
    assert release.returncode == 0, release.stderr
    assert "Running upgrade  -> a1" in release.stderr
    server = Server(image, postgres)
    try:
        status, body = server.get("/add/first")
        assert status == 200, server.logs()
        assert json.loads(server.get("/add/second")[1]) == {"notes": ["first", "second"]}
    finally:
        server.remove()
