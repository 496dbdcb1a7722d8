"""A request's id, tenant and user are on every line it logs, down to the store."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from chalicelib.logs import JsonFormatter
from chalicelib.store.clients import client
from tests.integration.conftest import Api

CUSTOMER = "customer@demo.test"
Lines = Callable[[], list[dict[str, object]]]


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lines]:
    """The app's log lines from now on, as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("helpdesk")
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_line_logged_deep_inside_a_request_carries_its_id_tenant_and_user(
        api: Api, lines: Lines) -> None:
    me = api.call("GET", "/me", as_user=CUSTOMER).body
    def inside_the_store(**_: object) -> None:
        # Logged from within a DynamoDB call the service makes through its repository.
        logging.getLogger("helpdesk.store").info("reading")

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", inside_the_store, unique_id="test-request-logs")
    try:
        answer = api.call("GET", "/ticket-types", as_user=CUSTOMER)
    finally:
        events.unregister("before-call.dynamodb", unique_id="test-request-logs")
    assert answer.status == 200, answer.body
    logged = lines()
    request = next(line for line in logged
                   if line["msg"] == "request" and line["route"] == "/ticket-types")
    assert request["status"] == 200  # a number, not text
    assert (request["tenant"], request["user_id"]) == ("demo", me["id"])
    deep = [line for line in logged if line["logger"] == "helpdesk.store"]
    assert deep and all(line["request_id"] == request["request_id"] for line in deep)
    # The service's reads come after the caller is known: they name the tenant and user.
    assert (deep[-1]["tenant"], deep[-1]["user_id"]) == ("demo", me["id"])
    logging.getLogger("helpdesk.store").info("after the request")
    assert "request_id" not in lines()[-1]
