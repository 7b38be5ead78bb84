"""The sample's one table, for PostgreSQL through Flask-SQLAlchemy (issue 16); its schema is made by
the migration in flask.com/migrations, never by create_all, so the release command owns it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, Integer, String, event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

db = SQLAlchemy()
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"  # whatever the working folder


class Counter(db.Model):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def sqlalchemy_url(url: str) -> str:
    """DATABASE_URL is libpq's postgresql://; SQLAlchemy 2.0 read that scheme as psycopg2's (2.1 as
    psycopg 3's), so the driver the sample installs, psycopg 3, is named whatever the version."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def init_app(app: Flask, url: str) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(url)
    # No pool of idle connections: Aurora pauses a database at 0 ACUs only while nobody is connected
    # (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html),
    # and a hobby site's few requests pay one connection each.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"poolclass": NullPool})
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS))


def increment(name: str) -> int:
    # One statement: the first visit inserts the row, later ones add to it, concurrently safe.
    statement = insert(Counter).values(name=name, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + 1}
    ).returning(Counter.value)
    value = db.session.execute(statement).scalar_one()
    db.session.commit()
    return value


log = logging.getLogger(__name__)


def follow_password_rotation(engine: Engine, secret_arn: str) -> None:
    """RDS rotates the password of the secret it manages (every 7 days by default:
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html), while the
    task keeps the one ECS gave it at start. So when the database refuses a new connection, read the
    secret's current password ({"username": ..., "password": ...}) and, if it differs from the one
    just tried, connect once more with it, and keep using it. The stack also starts a new deployment
    after each rotation (cloudformation/service.yaml); this closes the minutes until it is done. The
    task role may read that one secret. A connection per request (NullPool) meets the new password at
    once; SQLAlchemy's do_connect event may return the connection itself
    (https://docs.sqlalchemy.org/en/20/core/events.html#sqlalchemy.events.DialectEvents.do_connect)."""
    import boto3

    # The secret's own region, from its ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>).
    client = boto3.client("secretsmanager", region_name=secret_arn.split(":")[3])
    current: dict[str, str] = {}

    def read_password() -> str:
        secret = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
        return secret["password"]

    @event.listens_for(engine, "do_connect")
    def connect(dialect, connection_record, cargs, cparams):
        if "password" in current:
            cparams["password"] = current["password"]
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError:
            tried = cparams.get("password")
            current["password"] = read_password()
            if current["password"] == tried:
                raise  # not the password (a paused database, the network): the error as it was
            log.warning("the database refused the password; connecting with the one its secret holds now")
            cparams["password"] = current["password"]
            return dialect.connect(*cargs, **cparams)
