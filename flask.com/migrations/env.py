"""Alembic's entry point, run by Flask-Migrate inside the app: the app's engine and models."""

from __future__ import annotations

import logging.config

from alembic import context
from flask import current_app

if context.config.config_file_name:
    logging.config.fileConfig(context.config.config_file_name, disable_existing_loggers=False)

database = current_app.extensions["migrate"].db
metadata = database.metadata

if context.is_offline_mode():  # `flask db upgrade --sql`: print the SQL instead of running it
    context.configure(url=database.engine.url.render_as_string(hide_password=False), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
