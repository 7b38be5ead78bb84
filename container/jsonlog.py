"""The container's log format, for any app: JSON lines on stdout, what CloudWatch Logs and
`deploy.py logs` read. gunicorn.conf.py gives gunicorn's own loggers this handler; appwsgi.py gives
it to the root logger before the app is imported, so an app's `logging` lines (Flask's app.logger
included) come out the same way unless the app sets up logging of its own."""

from __future__ import annotations

import json
import logging
import sys
import time

STRUCTURED_FIELDS = ("config",)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Structured fields passed as `extra={"config": {...}}` stay objects, not text.
        for key in STRUCTURED_FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_stdout_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    return handler


def log_to_stdout_as_json(level: int = logging.INFO) -> None:
    """The root logger's handler, unless something (the app, a test runner) has given it one."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(json_stdout_handler())
    root.setLevel(level)
