"""What ``GET /health`` asks of the data stores: does DynamoDB answer a read, and how
many messages wait in a queue (the dead-letter queues).

Access patterns: one ``GetItem`` of a key that never exists; ``GetQueueUrl`` once per
queue and process, then ``GetQueueAttributes(ApproximateNumberOfMessages)``.
"""

from __future__ import annotations

from functools import cache

from chalicelib.config import get_config
from chalicelib.store.clients import client
from chalicelib.store.dynamo import get_item

# No item has this key: the read only proves that the table answers.
_PROBE_KEY = "HEALTH"


def read_database() -> None:
    """Raises what DynamoDB raises when it does not answer a read of the directory table."""
    get_item(get_config().directory_table, _PROBE_KEY, _PROBE_KEY)


@cache
def queue_url(name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def waiting_messages(name: str) -> int:
    """About how many messages wait in the queue ``name`` (SQS counts approximately)."""
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(name), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))
