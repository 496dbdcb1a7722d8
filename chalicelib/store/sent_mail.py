"""Which mail we sent to whom, kept for as long as a bounce of it may come back.

A bounce switches e-mail off for its recipient, so it counts only when it names a mail we
sent to that recipient (issue 14, item 2): each sent mail records its Message-ID (ours,
and the one SES gave it) with the tenant and the recipient.

Access patterns (``idempotency`` table, TTL ``expires_at``, kept 30 days):
- record a sent Message-ID:              PutItem PK=T#<t>#SENTMAIL#<message key>
- the recipient of a Message-ID a bounce names, in the tenant the bounce came back to:
                                         GetItem PK=T#<t>#SENTMAIL#<message key>
The key starts with the tenant: a bounce reaching one tenant never finds another's mail.
"""

from __future__ import annotations

from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item, get_item, serialize
from chalicelib.store.tables import idempotency_table, scoped_pk

KEEP_SECONDS = 30 * 24 * 3600


def _pk(tenant: str, message_key: str) -> str:
    return scoped_pk(tenant, "SENTMAIL", message_key)


def record(tenant: str, message_key: str, recipient: str, user_id: str | None,
           now_epoch: int) -> None:
    """One PutItem; ``message_key`` is ``mail.addresses.message_key`` / ``ses_key``."""
    client("dynamodb").put_item(TableName=idempotency_table(), Item=serialize({
        "PK": _pk(tenant, message_key), "recipient": recipient.lower(), "user_id": user_id,
        "sent_at": now_epoch, "expires_at": now_epoch + KEEP_SECONDS}))


def recipient_of(tenant: str, message_key: str, now_epoch: int) -> Item | None:
    """The record of a mail this tenant sent, if it is ours and not past its keep time
    (DynamoDB deletes expired items late, so the expiry is checked here too)."""
    item = get_item(idempotency_table(), _pk(tenant, message_key))
    if item is None or int(item.get("expires_at", 0)) < now_epoch:
        return None
    return item
