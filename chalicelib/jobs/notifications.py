"""The notifications consumer: each SQS message is one outbox record, handed to
``services/notifications.deliver``.

A message that fails goes back to the queue alone and, after five receives, to the DLQ
(``jobs/batch.py``); delivering is claimed per notice, so a redelivered message sends
nothing twice. A message handled deletes its outbox item (``store/outbox.py``): the record
came at once, after its commit, and the relay must not send it again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalicelib.jobs.batch import each_message
from chalicelib.services.notifications import deliver
from chalicelib.store import outbox

log = logging.getLogger("helpdesk.notifications")


def handle_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The SQS handler's body: returns the messages that failed, and only those."""
    return each_message(event, _handle, log, "notification")


def _handle(body: str) -> None:
    message = json.loads(body)
    deliver(message)
    _discard(message)


def _discard(message: dict[str, Any]) -> None:
    """Best effort: a record left behind is relayed once more, which sends nothing twice."""
    try:
        outbox.discard(message)
    except Exception:
        log.warning("outbox record %s of a handled message stays; the relay resends it",
                    message.get("id"), exc_info=True)
