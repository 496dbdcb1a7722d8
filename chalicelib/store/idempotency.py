"""The ``idempotency`` table: the first answer to a creating POST, kept for a day.

Access pattern: GetItem / conditional PutItem on
``PK=T#<tenant>#U#<user>#<METHOD> <path>#<key>`` (``record_key``).
A record is claimed (``pending``) with a condition before the work runs and
completed with the answer afterwards; an expired record is removed by TTL.

A claim carries ``running_until``: the moment the request that holds it is surely over
(its Lambda's remaining time). A ``pending`` claim past that moment belongs to a request
that died; a retry with the same body takes it over, with a conditional write, so of two
racing retries only one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.store.clients import client
from chalicelib.store.dynamo import deserialize, serialize

TTL_SECONDS = 24 * 3600
# Claims written before ``running_until`` existed: free once older than the longest a
# Lambda may run.
LONGEST_RUN_SECONDS = 900


def record_key(tenant: str, user_id: str, route: str, key: str) -> str:
    """The record of one user's ``Idempotency-Key`` on one route (``"POST /tickets"``):
    the same key on another route, or of another user, is another request."""
    return f"T#{tenant}#U#{user_id}#{route}#{key}"


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    state: str  # "pending" while the first request runs, then "done"
    status: int
    body: str
    headers: dict[str, str]


class IdempotencyStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def claim(self, pk: str, fingerprint: str, now_epoch: int,
              running_until: int) -> StoredAnswer | None:
        """Claims the key until ``running_until``; returns the stored answer instead when
        it was claimed before (and that claim is done, or still running, or for another
        body)."""
        ddb = client("dynamodb")
        item = {"PK": pk, "fingerprint": fingerprint, "state": "pending",
                "expires_at": now_epoch + TTL_SECONDS, "running_until": running_until}
        try:
            ddb.put_item(
                TableName=self.table,
                Item=serialize(item),
                # An expired record that TTL has not removed yet counts as absent; so does
                # the same request's claim whose holder died before it completed.
                ConditionExpression=(
                    "attribute_not_exists(PK) OR expires_at < :now OR "
                    "(#s = :pending AND fingerprint = :fp AND "
                    "(running_until < :now OR "
                    "(attribute_not_exists(running_until) AND expires_at < :legacy)))"),
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=serialize({
                    ":now": now_epoch, ":pending": "pending", ":fp": fingerprint,
                    ":legacy": now_epoch + TTL_SECONDS - LONGEST_RUN_SECONDS}),
            )
            return None
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
        raw = ddb.get_item(TableName=self.table, Key=serialize({"PK": pk}), ConsistentRead=True)
        stored = deserialize(raw.get("Item", {}))
        return StoredAnswer(
            fingerprint=str(stored.get("fingerprint", "")),
            state=str(stored.get("state", "pending")),
            status=int(stored.get("status", 0)),
            body=str(stored.get("body", "")),
            headers=dict(stored.get("headers", {})),
        )

    def complete(self, pk: str, status: int, body: str, headers: dict[str, Any]) -> None:
        client("dynamodb").update_item(
            TableName=self.table,
            Key=serialize({"PK": pk}),
            UpdateExpression="SET #s = :done, #st = :status, body = :body, headers = :headers",
            ExpressionAttributeNames={"#s": "state", "#st": "status"},
            ExpressionAttributeValues=serialize(
                {":done": "done", ":status": status, ":body": body, ":headers": headers}
            ),
        )

    def release(self, pk: str) -> None:
        """The first attempt failed on our side: let a retry run again."""
        client("dynamodb").delete_item(TableName=self.table, Key=serialize({"PK": pk}))
