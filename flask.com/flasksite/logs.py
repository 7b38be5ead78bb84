"""JSON lines on stdout: what CloudWatch Logs and `deploy.py logs` read."""

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
    """The one handler: also named by gunicorn.conf.py's logconfig_dict."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.flasksite_json = True
    return handler


def configure_json_logging(level: int = logging.INFO) -> None:
    """Give the root logger the JSON handler, unless it has it already (gunicorn installs it first)."""
    root = logging.getLogger()
    if any(getattr(handler, "flasksite_json", False) for handler in root.handlers):
        return
    root.addHandler(json_stdout_handler())
    root.setLevel(level)
