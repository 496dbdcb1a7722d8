"""Log lines: JSON with structured fields, and the context of the work in progress."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest

from chalicelib.logs import JsonFormatter, bind_log_context, context_fields, log_context


def _capture(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[dict[str, object]]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("helpdesk.test")
    monkeypatch.setattr(logger, "handlers", [handler])
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def test_fields_are_structured_values_and_a_message_is_never_parsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _capture(monkeypatch)
    log = logging.getLogger("helpdesk.test")
    log.info("request", extra={"status": 201, "ms": 1.5})
    log.info('{"status": 500}')
    first, second = lines()
    assert first["msg"] == "request" and first["status"] == 201 and first["ms"] == 1.5
    assert first["level"] == "INFO" and first["logger"] == "helpdesk.test"
    assert second["msg"] == '{"status": 500}' and "status" not in second


def test_every_line_inside_a_context_carries_its_fields_and_none_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _capture(monkeypatch)
    log = logging.getLogger("helpdesk.test")
    with log_context(request_id="r-1"):
        bind_log_context(tenant="demo")
        with log_context(message_id="m-1"):
            bind_log_context(user_id="u-1")
            log.info("inner")
        log.info("outer")
    log.info("after")
    inner, outer, after = lines()
    assert inner["request_id"] == "r-1" and inner["message_id"] == "m-1"
    assert inner["tenant"] == "demo" and inner["user_id"] == "u-1"
    assert outer["request_id"] == "r-1" and outer["tenant"] == "demo"
    assert "message_id" not in outer and "user_id" not in outer
    assert "request_id" not in after and context_fields() == {}


def test_binding_outside_any_context_adds_nothing_that_could_outlive_it() -> None:
    bind_log_context(tenant="leaked")
    assert context_fields() == {}


def test_the_apps_log_lines_are_json() -> None:
    """Chalice gives the app's logger a plain-text handler; it writes JSON lines."""
    from app import app

    handlers = logging.getLogger("helpdesk").handlers
    assert handlers and all(isinstance(h.formatter, JsonFormatter) for h in handlers)
    assert app.log is logging.getLogger("helpdesk")


def test_each_queue_message_logs_with_its_own_id_and_tenant_and_nothing_leaks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.jobs.batch import each_message

    lines = _capture(monkeypatch)
    log = logging.getLogger("helpdesk.test")

    def handle(body: str) -> None:
        bind_log_context(tenant=body)  # what a use case does once the message names it
        log.info("handling")
        if body == "bad":
            raise ValueError("poison")

    event = {"Records": [{"messageId": "m-1", "body": "acme"},
                         {"messageId": "m-2", "body": "bad"},
                         {"messageId": "m-3", "body": "other"}]}
    answer = each_message(event, handle, log, "notifications")
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    first, second, failed, third = lines()
    assert (first["message_id"], first["tenant"], first["queue"]) == ("m-1", "acme",
                                                                      "notifications")
    assert (second["message_id"], second["tenant"]) == ("m-2", "bad")
    assert failed["message_id"] == "m-2" and failed["level"] == "ERROR"
    assert (third["message_id"], third["tenant"]) == ("m-3", "other")
    assert context_fields() == {}
