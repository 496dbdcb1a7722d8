"""Fixed-window request counters, in the ``idempotency`` table.

Access pattern (the only one): one conditional UpdateItem per check on
``PK=RL#<limit name>#<subject digest>#<window start>`` that adds 1 to ``count`` only while
``count`` is below the limit; a failed condition means the limit is used up. No read
first, so concurrent requests cannot both slip under the limit. ``expires_at`` (the TTL
attribute) is the window's end: DynamoDB removes a window's counter after it.

Why this table: its key is a bare ``PK`` that is not scoped to a tenant, and sign-in and
password-reset limits are counted before any tenant is known; it already has the TTL,
no stream reads it, and the functions' role may UpdateItem it. ``RL#`` keys cannot meet
idempotency records (``T#<tenant>#U#…``). Subjects are HMAC digests (services/rate_limits),
so no e-mail address or IP address is stored.
"""

from __future__ import annotations

from chalicelib.store.clients import client
from chalicelib.store.dynamo import serialize


def rate_limit_pk(name: str, subject_digest: str, window_start: int) -> str:
    return f"RL#{name}#{subject_digest}#{window_start}"


class RateLimitStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def take(self, name: str, subject_digest: str, window_start: int, limit: int,
             expires_at: int) -> bool:
        """Counts one request of limit ``name`` by ``subject_digest`` in the window starting
        at ``window_start``; False (nothing counted) when ``limit`` are in."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table,
                Key=serialize({"PK": rate_limit_pk(name, subject_digest, window_start)}),
                UpdateExpression="ADD #count :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues=serialize(
                    {":one": 1, ":limit": limit, ":expires": expires_at}),
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
