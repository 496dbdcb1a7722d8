"""The one SQS batch loop of the queue consumers (``jobs/inbound.py``,
``jobs/notifications.py``).

Each message is handled on its own; one that raises goes back to the queue alone
(``batchItemFailures``, with ``ReportBatchItemFailures`` on the event source) and, after
five receives, to its DLQ. A poison message (one that can never be handled) takes the same
path: it fails until it lands in the DLQ, where ``make redrive`` can return it.
aws-lambda-powertools' ``BatchProcessor`` does the same, at the cost of a dependency and
its import on the consumers' cold start; these few lines are all the consumers need.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalicelib.logs import log_context


def each_message(event: dict[str, Any], handle: Callable[[str], None],
                 log: logging.Logger, what: str) -> dict[str, Any]:
    """Calls ``handle`` with the body of each message of an SQS event; returns the
    Lambda's partial batch answer, naming the messages that failed and only those."""
    failures = []
    for record in event.get("Records", []):
        # Every line logged while handling the message names it (and, once bound, its tenant).
        with log_context(queue=what, message_id=record.get("messageId")):
            try:
                handle(record["body"])
            except Exception:
                log.exception("%s message %s failed", what, record.get("messageId"))
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
