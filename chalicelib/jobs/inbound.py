"""The inbound mail consumer: S3's "object created" notices in, tickets and comments out.

Each SQS message holds an S3 event (``Records[].s3``) for messages SES stored; each is
handed to ``services/inbound_mail.receive_object``. Handling a message twice changes
nothing (the Message-ID is claimed in the same transaction as its effect), so a failed
message simply goes back to the queue alone and, after five receives, to the DLQ, from
which ``make redrive`` moves it back (``jobs/batch.py``).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.jobs.batch import each_message

log = logging.getLogger("helpdesk.mail")


def objects(body: str) -> list[tuple[str, str]]:
    """(bucket, key) of each stored object an S3 notification names; S3's test event,
    sent when the notification is set up, names none."""
    message = json.loads(body)
    found = []
    for record in message.get("Records", []) if isinstance(message, dict) else []:
        s3 = record.get("s3") or {}
        if str(record.get("eventName", "")).startswith("ObjectCreated"):
            # S3 events carry keys URL-encoded (a space is "+").
            found.append((s3["bucket"]["name"], unquote_plus(s3["object"]["key"])))
    return found


def handle_batch(event: dict[str, Any]) -> dict[str, Any]:
    """The SQS handler's body: returns the messages that failed, and only those."""
    return each_message(event, _handle, log, "inbound mail")


def _handle(body: str) -> None:
    from chalicelib.services.inbound_mail import receive_object

    for bucket, key in objects(body):
        for outcome in receive_object(bucket, key):
            log.info("inbound %s: %s %s", key, outcome.action, outcome.reason)
