"""The sample's one table, for PostgreSQL through Flask-SQLAlchemy (issue 16); its schema is made by
the migration in flask.com/migrations, never by create_all, so the release command owns it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String
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
