"""Thin DynamoDB helpers: item conversion, single reads, paged queries and the unit of
work that commits an aggregate, its history and its outbox in one transaction."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import DomainError, FieldError, InvalidInput
from chalicelib.store.clients import client

Item = dict[str, Any]

log = logging.getLogger("helpdesk.store")
# How often a transaction is sent when it only met another on a counter (see
# ``UnitOfWork._met_a_counter``).
CONFLICT_ATTEMPTS = 4


# DynamoDB stores numbers from 1e-130 to 9.9e125 in magnitude. A float nearer zero than
# this means nothing in any field of ours (hours, prices, answers) and is stored as 0; one
# beyond the largest is refused as input (400), never a failed write (500).
_TINY = 1e-100
_HUGE = 1e100


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        if abs(value) < _TINY:
            return Decimal(0)
        if abs(value) > _HUGE:
            raise InvalidInput("A number is too large to store.", [FieldError(
                ("body",), f"{value} is beyond the largest number kept (1e100)")])
        return Decimal(str(value))
    if isinstance(value, dict):
        # Inside a map, None is kept (as NULL): a history's {"from": None} says something.
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_from_dynamo(v) for v in value]
    return value


def serialize(item: Item) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    s = TypeSerializer()
    return {k: s.serialize(_to_dynamo(v)) for k, v in item.items() if v is not None}


def deserialize(raw: dict[str, Any]) -> Item:
    from boto3.dynamodb.types import TypeDeserializer

    d = TypeDeserializer()
    return {k: _from_dynamo(d.deserialize(v)) for k, v in raw.items()}


def get_item(table: str, pk: str, sk: str | None = None, consistent: bool = False) -> Item | None:
    key = {"PK": pk} if sk is None else {"PK": pk, "SK": sk}
    answer = client("dynamodb").get_item(
        TableName=table, Key=serialize(key), ConsistentRead=consistent
    )
    raw = answer.get("Item")
    return deserialize(raw) if raw else None


@dataclass
class Page:
    items: list[Item]
    last_key: dict[str, Any] | None


def query(
    table: str,
    key_condition: str,
    values: dict[str, Any],
    *,
    index: str | None = None,
    limit: int = 25,
    start_key: dict[str, Any] | None = None,
    newest_first: bool = False,
    names: dict[str, str] | None = None,
    filter_expression: str | None = None,
) -> Page:
    """One ``Query`` call. ``last_key`` is set only when DynamoDB says more may follow."""
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": serialize(values),
        "Limit": limit,
        "ScanIndexForward": not newest_first,
    }
    if index:
        params["IndexName"] = index
    if start_key:
        params["ExclusiveStartKey"] = serialize(start_key)
    if names:
        params["ExpressionAttributeNames"] = names
    if filter_expression:
        params["FilterExpression"] = filter_expression
    answer = client("dynamodb").query(**params)
    last = answer.get("LastEvaluatedKey")
    return Page(
        items=[deserialize(i) for i in answer.get("Items", [])],
        last_key=deserialize(last) if last else None,
    )


def batch_get(table: str, keys: list[Item]) -> list[Item]:
    """Up to 100 items by key in one ``BatchGetItem`` (a second call only for what DynamoDB
    left unprocessed). Order is not kept; missing items are left out."""
    if not keys:
        return []
    if len(keys) > 100:
        raise ValueError("BatchGetItem reads at most 100 keys")
    ddb = client("dynamodb")
    request: dict[str, Any] = {table: {"Keys": [serialize(k) for k in keys]}}
    found: list[Item] = []
    for _ in range(3):
        answer = ddb.batch_get_item(RequestItems=request)
        found.extend(deserialize(i) for i in answer.get("Responses", {}).get(table, []))
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            break
    return found


def batch_write(table: str, requests: list[dict[str, Any]]) -> None:
    """Puts and deletes (``{"PutRequest": {"Item": item}}``, ``{"DeleteRequest": {"Key":
    key}}``, plain items and keys) 25 per ``BatchWriteItem``, what DynamoDB left unprocessed
    sent again. Not a transaction: for idempotent writes of derived items only."""
    ddb = client("dynamodb")
    wire = [{kind: {part: serialize(value) for part, value in body.items()}}
            for request in requests for kind, body in request.items()]
    for start in range(0, len(wire), 25):
        pending: dict[str, Any] = {table: wire[start:start + 25]}
        for _ in range(5):
            answer = ddb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            raise RuntimeError(f"BatchWriteItem left items unprocessed in {table}")


def query_all(table: str, key_condition: str, values: dict[str, Any], cap: int = 500) -> list[Item]:
    """Every item of a small, bounded partition (roles, a user's settings): at most ``cap``."""
    items: list[Item] = []
    start: dict[str, Any] | None = None
    while True:
        page = query(table, key_condition, values, limit=min(100, cap), start_key=start)
        items.extend(page.items)
        if not page.last_key or len(items) >= cap:
            return items[:cap]
        start = page.last_key


@dataclass
class _Op:
    kind: str
    params: dict[str, Any]
    on_condition_failure: Callable[[], DomainError] | None


@dataclass
class UnitOfWork:
    """Collects writes and commits them in one ``TransactWriteItems``.

    Each write may name the domain error to raise when its condition fails, so a
    failed commit says which rule was broken (a taken number, a stale version).

    ``after_commit`` hooks run, in order, only once the transaction has succeeded, and
    are best effort: a hook that raises is logged and skipped, because the write it
    follows is already committed and must not be answered as a failure.
    """

    ops: list[_Op] = field(default_factory=list)
    hooks: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Runs ``hook()`` after a successful commit (dropped if the commit fails)."""
        self.hooks.append(hook)

    def put(
        self,
        table: str,
        item: Item,
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        error: Callable[[], DomainError] | None = None,
    ) -> None:
        self._add("Put", {"TableName": table, "Item": serialize(item)}, condition, values,
                  names, error)

    def create(self, table: str, item: Item, error: Callable[[], DomainError]) -> None:
        """Put an item that must not exist yet."""
        self.put(table, item, condition="attribute_not_exists(PK)", error=error)

    def replace(
        self, table: str, item: Item, expected_version: int, error: Callable[[], DomainError]
    ) -> None:
        """Put the next version of an item whose stored version must be ``expected_version``."""
        self.put(
            table,
            item,
            condition="#v = :expected",
            values={":expected": expected_version},
            names={"#v": "version"},
            error=error,
        )

    def update(
        self,
        table: str,
        key: Item,
        expression: str,
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        error: Callable[[], DomainError] | None = None,
    ) -> None:
        self._add("Update", {"TableName": table, "Key": serialize(key),
                             "UpdateExpression": expression}, condition, values, names, error)

    def delete(
        self,
        table: str,
        key: Item,
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        error: Callable[[], DomainError] | None = None,
    ) -> None:
        self._add("Delete", {"TableName": table, "Key": serialize(key)}, condition, values,
                  None, error)

    def check(
        self,
        table: str,
        key: Item,
        condition: str,
        error: Callable[[], DomainError],
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        """A condition on an item the transaction does not write (e.g. the parent exists)."""
        self._add("ConditionCheck", {"TableName": table, "Key": serialize(key)}, condition,
                  values, names, error)

    def _add(
        self,
        kind: str,
        params: dict[str, Any],
        condition: str | None,
        values: dict[str, Any] | None,
        names: dict[str, str] | None,
        error: Callable[[], DomainError] | None,
    ) -> None:
        """One write of the transaction, with its condition and the error it means."""
        if condition:
            params["ConditionExpression"] = condition
        if values:
            params["ExpressionAttributeValues"] = serialize(values)
        if names:
            params["ExpressionAttributeNames"] = names
        self.ops.append(_Op(kind, params, error))

    def commit(self) -> None:
        if not self.ops:
            self.hooks = []  # nothing was written, so nothing to follow it
            return
        if len(self.ops) > 100:
            raise ValueError("a transaction holds at most 100 writes")
        hooks, self.hooks = self.hooks, []
        ddb = client("dynamodb")
        try:
            for attempt in range(CONFLICT_ATTEMPTS):
                try:
                    ddb.transact_write_items(
                        TransactItems=[{op.kind: op.params} for op in self.ops],
                    )
                    break
                except ddb.exceptions.TransactionCanceledException as exc:
                    if attempt + 1 < CONFLICT_ATTEMPTS and self._met_a_counter(exc):
                        time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
                        continue
                    raise self._domain_error(exc) from exc
        finally:
            self.ops = []
        for hook in hooks:
            try:
                hook()
            except Exception:
                log.warning("after-commit hook %r failed; the write stands", hook,
                            exc_info=True)

    # A write whose condition failed, or that lost a race with another transaction on the
    # same item (DynamoDB cancels with TransactionConflict; neither DynamoDB Local nor moto
    # does), broke the rule its condition guards: a taken number is retried, a stale
    # version refused, the same way in both cases.
    _LOST_RACE = ("ConditionalCheckFailed", "TransactionConflict")

    def _met_a_counter(self, exc: Exception) -> bool:
        """Whether the transaction was cancelled only because another one touched one of
        its unguarded writes at the same moment (a counter's ``ADD``, a report counter):
        then the same transaction again is right, as nothing it checks has failed."""
        reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
        codes = [(reason.get("Code") or "None", op.on_condition_failure)
                 for op, reason in zip(self.ops, reasons, strict=False)]
        conflicts = [guard for code, guard in codes if code == "TransactionConflict"]
        others = [code for code, _ in codes if code not in ("None", "TransactionConflict")]
        return bool(conflicts) and not others and all(guard is None for guard in conflicts)

    def _domain_error(self, exc: Exception) -> Exception:
        reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
        for code in self._LOST_RACE:
            for op, reason in zip(self.ops, reasons, strict=False):
                if reason.get("Code") == code and op.on_condition_failure:
                    return op.on_condition_failure()
        return exc
