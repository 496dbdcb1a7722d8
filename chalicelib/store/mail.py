"""What the e-mail channel keeps: message ids, the quarantine, duplicate and loop guards,
the address book and the routes of tenants' own support addresses.

Access patterns (every one a GetItem, BatchGetItem, Query or conditional write):
- message id -> ticket (ours, SES's, received):  BatchGetItem tickets PK=T#<t>#MSG#<key> SK=MSG
- a message id seen before (processed once):     conditional put of that same item
- the quarantine, newest first:                  Query tickets PK=T#<t>#MAILQ (descending)
- one quarantined or held mail, or what staff decided of it (confirmed, discarded):
                                                 GetItem PK=T#<t>#MAILQ SK=Q#<id>, then
                                                 SK=D#<id> (kept 30 days, TTL)
- same body from the same sender lately:         conditional put idempotency
                                                 PK=T#<t>#MAILBODY#<sha256> (TTL 1 day)
- messages per sender, ticket and hour:          conditional update idempotency
                                                 PK=T#<t>#MAILRATE#<ticket>#<sha256>#<hour>
- who an address is:                             GetItem directory PK=T#<t> SK=EMAIL#<address>
- which tenant a support address belongs to:     GetItem directory PK=MAILROUTE#<address>

The routes are the one item whose key does not start with a tenant: mail arrives before
anyone knows the tenant, and the address is what says it. A route is written only when
the tenant proves the address is theirs (the code mailed to it came back), in the same
transaction as the settings that mark it verified, and only if no other tenant holds a
verified route for it. A route without ``verified_at`` (claimed before proof was asked)
routes nothing and yields to the first tenant that proves the address.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.domain.errors import Conflict, DomainError, FieldError
from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item, UnitOfWork, batch_get, get_item, query, serialize
from chalicelib.store.tables import idempotency_table, scoped_pk, tenant_pk

BODY_KEEP_SECONDS = 24 * 3600
RATE_KEEP_SECONDS = 2 * 3600
MAX_THREAD_IDS = 30  # the newest References a reply carries; enough to find its ticket


class SeenBefore(Conflict):
    """This Message-ID was processed already (a redelivery, a second copy)."""


class SameBodyLately(Conflict):
    """The same text from the same sender to the same ticket a moment ago (a CC copy)."""


class TooManyMessages(Conflict):
    """The sender's hourly allowance for this ticket is used up (a mail loop)."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def message_pk(tenant: str, key: str) -> str:
    return scoped_pk(tenant, "MSG", key)


class MailRepository:
    def __init__(self, tickets_table: str, directory_table: str) -> None:
        self.tickets_table = tickets_table
        self.directory_table = directory_table

    # --- message ids --------------------------------------------------------------------
    def tickets_of_messages(self, tenant: str, keys: list[str]) -> dict[str, str]:
        """key -> ticket id for the keys we know (one BatchGetItem, at most 30 keys)."""
        wanted = list(dict.fromkeys(keys))[-MAX_THREAD_IDS:]
        if not wanted:
            return {}
        found = batch_get(self.tickets_table,
                          [{"PK": message_pk(tenant, k), "SK": "MSG"} for k in wanted])
        return {i["key"]: i["ticket_id"] for i in found if i.get("ticket_id")}

    def get_message(self, tenant: str, key: str) -> Item | None:
        return get_item(self.tickets_table, message_pk(tenant, key), "MSG")

    def record_received(self, uow: UnitOfWork, tenant: str, key: str, data: Item) -> None:
        """Claims an inbound Message-ID: the transaction fails if it was seen before."""
        uow.put(self.tickets_table, {"PK": message_pk(tenant, key), "SK": "MSG", "key": key,
                                     "direction": "in", **data},
                condition="attribute_not_exists(PK)",
                error=lambda: SeenBefore("This message was received before."))

    def record_sent(self, tenant: str, key: str, ticket_id: str, at: str) -> None:
        """One PutItem, outside any transaction: a sent mail's id is a fact of its own."""
        client("dynamodb").put_item(TableName=self.tickets_table, Item=serialize({
            "PK": message_pk(tenant, key), "SK": "MSG", "key": key, "direction": "out",
            "ticket_id": ticket_id, "at": at}))

    # --- quarantine ---------------------------------------------------------------------
    def quarantine(self, uow: UnitOfWork, tenant: str, entry: Item) -> None:
        uow.put(self.tickets_table, {"PK": scoped_pk(tenant, "MAILQ"),
                                     "SK": f"Q#{entry['id']}", **entry})

    def list_quarantine(self, tenant: str, limit: int,
                        start: dict[str, Any] | None) -> tuple[list[Item], dict[str, Any] | None]:
        page = query(self.tickets_table, "PK = :pk AND begins_with(SK, :q)",
                     {":pk": scoped_pk(tenant, "MAILQ"), ":q": "Q#"}, limit=limit,
                     start_key=start, newest_first=True)
        return [{k: v for k, v in i.items() if k not in ("PK", "SK")} for i in page.items], \
            page.last_key

    def get_quarantined(self, tenant: str, entry_id: str) -> Item | None:
        """A quarantine entry, or what became of it (``state`` confirmed/discarded)."""
        pk = scoped_pk(tenant, "MAILQ")
        item = get_item(self.tickets_table, pk, f"Q#{entry_id}", consistent=True) or \
            get_item(self.tickets_table, pk, f"D#{entry_id}", consistent=True)
        return {k: v for k, v in item.items() if k not in ("PK", "SK")} if item else None

    def settle_quarantined(self, uow: UnitOfWork, tenant: str, entry: Item,
                           expires_at: int) -> None:
        """Takes an entry out of the quarantine list and keeps what was decided of it
        (``entry`` with its new ``state``) a while, so a repeated call answers the same."""
        pk = scoped_pk(tenant, "MAILQ")
        changed = lambda: Conflict("The held mail was decided meanwhile; ask again.")  # noqa: E731
        uow.delete(self.tickets_table, {"PK": pk, "SK": f"Q#{entry['id']}"},
                   condition="attribute_exists(PK)", error=changed)
        uow.put(self.tickets_table, {**entry, "PK": pk, "SK": f"D#{entry['id']}",
                                     "expires_at": expires_at},
                condition="attribute_not_exists(PK)", error=changed)

    def mark_received(self, uow: UnitOfWork, tenant: str, key: str, outcome: str,
                      ticket_id: str | None) -> None:
        """What became of a message recorded before (a held comment staff confirmed)."""
        uow.update(self.tickets_table, {"PK": message_pk(tenant, key), "SK": "MSG"},
                   "SET outcome = :o, ticket_id = :t", condition="attribute_exists(PK)",
                   values={":o": outcome, ":t": ticket_id})

    # --- duplicate and loop guards ------------------------------------------------------
    def check_guards(self, tenant: str, fingerprint: str, now_epoch: int, window_seconds: int,
                     ticket_id: str, sender: str, hour: str, limit: int) -> None:
        """The guards below, read before any file is stored: a CC copy or a loop costs two
        reads and no writes. The transaction's conditions stay the authority."""
        body = get_item(idempotency_table(), scoped_pk(tenant, "MAILBODY", _sha(fingerprint)))
        if body is not None and int(body["at"]) >= now_epoch - window_seconds:
            raise SameBodyLately("The same message arrived a moment ago.")
        rate = get_item(idempotency_table(), self._rate_pk(tenant, ticket_id, sender, hour))
        if rate is not None and int(rate.get("n", 0)) >= limit:
            raise TooManyMessages("Too many messages to this ticket this hour.")

    @staticmethod
    def _rate_pk(tenant: str, ticket_id: str, sender: str, hour: str) -> str:
        return scoped_pk(tenant, "MAILRATE", ticket_id, _sha(sender), hour)

    def guard_same_body(self, uow: UnitOfWork, tenant: str, fingerprint: str, now_epoch: int,
                        window_seconds: int) -> None:
        uow.put(idempotency_table(),
                {"PK": scoped_pk(tenant, "MAILBODY", _sha(fingerprint)), "at": now_epoch,
                 "expires_at": now_epoch + BODY_KEEP_SECONDS},
                condition="attribute_not_exists(PK) OR #at < :cutoff",
                values={":cutoff": now_epoch - window_seconds}, names={"#at": "at"},
                error=lambda: SameBodyLately("The same message arrived a moment ago."))

    def count_message(self, uow: UnitOfWork, tenant: str, ticket_id: str, sender: str,
                      hour: str, limit: int, now_epoch: int) -> None:
        key = {"PK": self._rate_pk(tenant, ticket_id, sender, hour)}
        uow.update(idempotency_table(), key, "ADD n :one SET expires_at = :exp",
                   condition="attribute_not_exists(n) OR n < :limit",
                   values={":one": 1, ":limit": limit, ":exp": now_epoch + RATE_KEEP_SECONDS},
                   error=lambda: TooManyMessages("Too many messages to this ticket this hour."))

    # --- the address book ---------------------------------------------------------------
    def who_is(self, tenant: str, address: str) -> Item | None:
        return get_item(self.directory_table, tenant_pk(tenant), f"EMAIL#{address.lower()}")

    def put_address(self, uow: UnitOfWork, tenant: str, address: str, data: Item,
                    error: type[DomainError] | None = None) -> None:
        """Records who an address is; with ``error``, only if nobody has it yet."""
        item = {"PK": tenant_pk(tenant), "SK": f"EMAIL#{address.lower()}",
                "email": address.lower(), **data}
        if error is None:
            uow.put(self.directory_table, item)
        else:
            uow.put(self.directory_table, item, condition="attribute_not_exists(PK)",
                    error=lambda: error("The address is taken."))

    def mark_undeliverable(self, uow: UnitOfWork, tenant: str, address: str, entry: Item,
                           undeliverable: bool = True) -> None:
        """``entry`` (what ``who_is`` read of ``address``), marked undeliverable (a bounce),
        or with the mark cleared (``undeliverable=False``: the user asks for mail again)."""
        data = {k: v for k, v in entry.items() if k not in ("PK", "SK", "email", "undeliverable")}
        self.put_address(uow, tenant, address,
                         {**data, "undeliverable": True} if undeliverable else data)

    # --- routes of tenants' own support addresses ---------------------------------------
    def route(self, address: str) -> str | None:
        """The tenant that proved ``address`` is theirs, or None."""
        item = get_item(self.directory_table, f"MAILROUTE#{address.lower()}", "ROUTE")
        return str(item["tenant"]) if item and item.get("verified_at") else None

    def claim_route(self, uow: UnitOfWork, tenant: str, address: str, verified_at: str) -> None:
        """A proven address routes to ``tenant``; another tenant's verified route stays."""
        uow.put(self.directory_table, {"PK": f"MAILROUTE#{address.lower()}", "SK": "ROUTE",
                                       "tenant": tenant, "verified_at": verified_at},
                condition="attribute_not_exists(PK) OR tenant = :t "
                          "OR attribute_not_exists(verified_at)", values={":t": tenant},
                error=lambda: Conflict(f"{address} is another tenant's support address.",
                                       [FieldError(("path", "address"),
                                                   "verified by another tenant")]))

    def release_route(self, uow: UnitOfWork, tenant: str, address: str) -> None:
        uow.delete(self.directory_table, {"PK": f"MAILROUTE#{address.lower()}", "SK": "ROUTE"},
                   condition="tenant = :t", values={":t": tenant})
