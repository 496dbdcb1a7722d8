"""Delivery records: each notification sent once, however often its message arrives.

Access pattern: conditional PutItem / UpdateItem / DeleteItem on
``PK=T#<tenant>#DELIVERY#<event id>:<user id>:<channel>`` in the ``idempotency`` table,
kept 30 days (TTL). The record is written before sending: a redelivered message finds
it and sends nothing. A send that fails outright removes it, so the retry sends.
"""

from __future__ import annotations

from chalicelib.store.clients import client
from chalicelib.store.dynamo import serialize
from chalicelib.store.tables import idempotency_table, scoped_pk

KEEP_SECONDS = 30 * 24 * 3600


def _key(tenant: str, delivery_id: str) -> dict[str, object]:
    return serialize({"PK": scoped_pk(tenant, "DELIVERY", delivery_id)})


def claim(tenant: str, delivery_id: str, now_epoch: int) -> bool:
    """True when this delivery is ours to send; False when it was claimed before."""
    ddb = client("dynamodb")
    try:
        ddb.put_item(TableName=idempotency_table(),
                     Item=serialize({"PK": scoped_pk(tenant, "DELIVERY", delivery_id),
                                     "state": "sending", "expires_at": now_epoch + KEEP_SECONDS}),
                     ConditionExpression="attribute_not_exists(PK)")
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def sent(tenant: str, delivery_id: str, provider_id: str | None) -> None:
    """Marks it sent, with the provider's message id (SES replaces our Message-ID)."""
    client("dynamodb").update_item(
        TableName=idempotency_table(), Key=_key(tenant, delivery_id),
        UpdateExpression="SET #s = :s, provider_id = :p",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues=serialize({":s": "sent", ":p": provider_id or ""}))


def release(tenant: str, delivery_id: str) -> None:
    client("dynamodb").delete_item(TableName=idempotency_table(), Key=_key(tenant, delivery_id))
