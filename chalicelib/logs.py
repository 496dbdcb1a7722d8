"""One JSON line per log record, with the service name and level from the environment."""

from __future__ import annotations

import json
import logging
import os
from typing import Any


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        try:
            fields: dict[str, Any] = json.loads(message)
            if not isinstance(fields, dict):
                fields = {"msg": message}
        except ValueError:
            fields = {"msg": message}
        line = {"level": record.levelname, "logger": record.name,
                "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "helpdesk"), **fields}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(app: Any) -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    root = logging.getLogger("helpdesk")
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False
    app.log.setLevel(level)
