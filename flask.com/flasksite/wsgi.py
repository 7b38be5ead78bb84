"""What gunicorn loads: `flasksite.wsgi:app`. A configuration error stops start-up with one line."""

from __future__ import annotations

from . import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as error:
    raise SystemExit(f"flasksite: cannot start: {error}") from None
