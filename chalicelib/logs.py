"""One JSON line per log record, with the service name and level from the environment.

A line holds the level, the logger, the service and the message; the fields of the work
in progress (``log_context``: a request's id, and its tenant and user once the caller is
known; a queue message's id), so every line of a request carries them, not only the
request line; and the record's own fields, passed as structured values
(``log.info("request", extra={"status": 200})``), never as JSON inside the message.

The context lives in a ``ContextVar``: per thread and per task, and reset when the work
ends, so a warm Lambda never lends one request's fields to the next.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# None outside any log_context: then bind_log_context has nothing to add to.
_CONTEXT: ContextVar[dict[str, object] | None] = ContextVar("helpdesk_log_context",
                                                            default=None)
# What every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime",
                                                                   "taskName"}


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Every line logged inside carries ``fields`` (and those of the enclosing context)."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_log_context(**fields: object) -> None:
    """Adds ``fields`` to the innermost ``log_context`` until it ends (the tenant and user
    of a request, once its token is verified). Outside any context it adds nothing, so
    nothing outlives the work it belongs to."""
    current = _CONTEXT.get()
    if current is not None:
        current.update(fields)


def context_fields() -> dict[str, object]:
    """The fields of the work in progress."""
    return dict(_CONTEXT.get() or {})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname, "logger": record.name,
            "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "helpdesk"),
            "msg": record.getMessage()}
        own = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}
        for name, value in {**context_fields(), **own}.items():
            line.setdefault(name, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(app: Any) -> None:
    """JSON lines for the app's loggers (``helpdesk``, ``helpdesk.*``). Chalice gives the
    app's logger its own plain-text stdout handler when it creates the app: that handler
    writes JSON lines from now on (one line per record, no second handler)."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    root = logging.getLogger("helpdesk")
    root.setLevel(level)
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.propagate = False
    app.log.setLevel(level)
