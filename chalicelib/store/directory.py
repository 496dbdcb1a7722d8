"""The ``directory`` table: settings, roles, users, organisations and their children,
the in-app inbox and the directory's audit trail.

Access patterns (every one a GetItem or a Query):
- settings of a tenant:           GetItem  PK=T#<t>            SK=SETTINGS
- saved roles of a tenant:        Query    PK=T#<t>            SK begins_with ROLE#
- a user / users of a tenant:     GetItem / Query PK=T#<t>     SK=USER#<id> / begins_with USER#
- several users by id:            BatchGetItem    PK=T#<t>     SK=USER#<id>
- an organisation:                GetItem  PK=T#<t>            SK=ORG#<id>
- organisations by name (+prefix): Query   GSI1 GSI1PK=T#<t>#ORGS  GSI1SK begins_with <name key>
- a customer number's owner:      GetItem  PK=T#<t>            SK=ORGNUM#<number>  (uniqueness)
- contacts/sites/service objects: Query    PK=T#<t>#ORG#<id>   SK begins_with CONTACT#|SITE#|SOBJ#
- one of those:                   GetItem  PK=T#<t>#ORG#<id>   SK=CONTACT#<id> ...
- several contacts by id:         BatchGetItem    PK=T#<t>#ORG#<id>   SK=CONTACT#<id>
- all sites / service objects by name (+prefix), seed 001's registers:
                                  Query    GSI1 GSI1PK=T#<t>#SITES|SOBJS
                                           GSI1SK begins_with <name key>
- several organisations by id:    BatchGetItem    PK=T#<t>     SK=ORG#<id>
- a user's inbox, newest first:   Query    PK=T#<t>#USER#<id>  SK begins_with NOTIF# (descending)
- a user's unread count:          GetItem  PK=T#<t>#USER#<id>  SK=INBOX
- the audit trail of a month:     Query    PK=T#<t>#AUDIT#<yyyy-mm>
- a user's saved filters:         Query    PK=T#<t>#USER#<id>  SK begins_with FILTER#
- a calendar feed token's owner:  GetItem  PK=T#<t>            SK=FEED#<sha256 of the token>
- a user's live feed token:       GetItem  PK=T#<t>#USER#<id>  SK=FEED
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.directory import name_key
from chalicelib.domain.errors import Conflict, NotFound, PreconditionFailed
from chalicelib.store.dynamo import (
    Item,
    Page,
    UnitOfWork,
    batch_get,
    get_item,
    query,
    query_all,
)
from chalicelib.store.tables import GSI1, scoped_pk, tenant_pk

SETTINGS = "SETTINGS"
INBOX = "INBOX"

CHILD_PREFIX = {"contact": "CONTACT#", "site": "SITE#", "service_object": "SOBJ#"}
# Sites and service objects are also listed across organisations, by name (seed 001's
# registers); contacts are not.
REGISTER = {"site": "SITES", "service_object": "SOBJS"}


def _strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in {"PK", "SK", "GSI1PK", "GSI1SK"}}


def _register_keys(tenant: str, kind: str, child: Item) -> Item:
    return {"GSI1PK": scoped_pk(tenant, REGISTER[kind]),
            "GSI1SK": f"{name_key(child['name'])}#{child['id']}"}


def stale(kind: str) -> PreconditionFailed:
    return PreconditionFailed(f"The {kind} was changed by someone else; reload and try again.")


class DirectoryRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- settings ---------------------------------------------------------------------
    def get_settings(self, tenant: str) -> Item | None:
        item = get_item(self.table, tenant_pk(tenant), SETTINGS)
        return _strip_keys(item) if item else None

    def put_settings(self, uow: UnitOfWork, tenant: str, data: Item, expected: int | None) -> None:
        item = {"PK": tenant_pk(tenant), "SK": SETTINGS, **data}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The tenant already exists."))
        else:
            uow.replace(self.table, item, expected, lambda: stale("settings"))

    # --- roles ------------------------------------------------------------------------
    def saved_roles(self, tenant: str) -> dict[str, frozenset[str]]:
        items = query_all(
            self.table,
            "PK = :pk AND begins_with(SK, :p)",
            {":pk": tenant_pk(tenant), ":p": "ROLE#"},
            cap=200,
        )
        return {i["name"]: frozenset(i.get("permissions", [])) for i in items}

    def put_role(self, uow: UnitOfWork, tenant: str, name: str, permissions: list[str]) -> None:
        uow.put(
            self.table,
            {"PK": tenant_pk(tenant), "SK": f"ROLE#{name}", "name": name,
             "permissions": permissions},
        )

    # --- users ------------------------------------------------------------------------
    def get_user(self, tenant: str, user_id: str) -> Item | None:
        item = get_item(self.table, tenant_pk(tenant), f"USER#{user_id}")
        return _strip_keys(item) if item else None

    def get_users(self, tenant: str, user_ids: list[str]) -> dict[str, Item]:
        """Several users in one BatchGetItem (at most 100)."""
        keys = [{"PK": tenant_pk(tenant), "SK": f"USER#{u}"} for u in dict.fromkeys(user_ids)]
        return {i["id"]: _strip_keys(i) for i in batch_get(self.table, keys)}

    def list_users(self, tenant: str, limit: int, start: dict[str, Any] | None) -> Page:
        page = query(
            self.table,
            "PK = :pk AND begins_with(SK, :p)",
            {":pk": tenant_pk(tenant), ":p": "USER#"},
            limit=limit,
            start_key=start,
        )
        return Page([_strip_keys(i) for i in page.items], page.last_key)

    def put_user(self, uow: UnitOfWork, user: Item, expected: int | None) -> None:
        item = {"PK": tenant_pk(user["tenant"]), "SK": f"USER#{user['id']}", **user}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The user already exists."))
        else:
            uow.replace(self.table, item, expected, lambda: stale("user"))

    def mark_undeliverable(self, uow: UnitOfWork, tenant: str, user_id: str) -> None:
        """A permanent bounce proved the user's address undeliverable: no more mail to it
        (``email_undeliverable``) until the address changes."""
        uow.update(self.table, {"PK": tenant_pk(tenant), "SK": f"USER#{user_id}"},
                   "SET email_undeliverable = :t", condition="attribute_exists(PK)",
                   values={":t": True})

    # --- organisations ----------------------------------------------------------------
    def get_organization(self, tenant: str, org_id: str) -> Item | None:
        item = get_item(self.table, tenant_pk(tenant), f"ORG#{org_id}")
        return _strip_keys(item) if item else None

    def list_organizations(
        self, tenant: str, name_prefix: str, limit: int, start: dict[str, Any] | None,
        include_inactive: bool = True,
    ) -> Page:
        """``include_inactive=False`` leaves deactivated clients out (a filter on the
        page: it may hold fewer than ``limit``, its cursor goes on where the Query ended)."""
        # DynamoDB refuses begins_with on an empty string: no prefix, no condition.
        condition = "GSI1PK = :pk"
        values: dict[str, Any] = {":pk": scoped_pk(tenant, "ORGS")}
        if name_prefix:
            condition += " AND begins_with(GSI1SK, :p)"
            values[":p"] = name_prefix
        if not include_inactive:
            values[":active"] = True
        page = query(
            self.table,
            condition,
            values,
            index=GSI1,
            limit=limit,
            start_key=start,
            filter_expression=None if include_inactive else
            "attribute_not_exists(active) OR active = :active",
        )
        return Page([_strip_keys(i) for i in page.items], page.last_key)

    def put_organization(
        self, uow: UnitOfWork, org: Item, name_key: str, expected: int | None
    ) -> None:
        tenant = org["tenant"]
        item = {
            "PK": tenant_pk(tenant),
            "SK": f"ORG#{org['id']}",
            "GSI1PK": scoped_pk(tenant, "ORGS"),
            "GSI1SK": f"{name_key}#{org['id']}",
            **org,
        }
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The organisation already exists."))
        else:
            uow.replace(self.table, item, expected, lambda: stale("organisation"))

    def claim_customer_number(self, uow: UnitOfWork, tenant: str, number: str, org_id: str) -> None:
        uow.put(
            self.table,
            {"PK": tenant_pk(tenant), "SK": f"ORGNUM#{number}", "organization_id": org_id},
            condition="attribute_not_exists(PK) OR organization_id = :org",
            values={":org": org_id},
            error=lambda: Conflict(
                f"The customer number {number} belongs to another organisation."
            ),
        )

    def release_customer_number(self, uow: UnitOfWork, tenant: str, number: str) -> None:
        uow.delete(self.table, {"PK": tenant_pk(tenant), "SK": f"ORGNUM#{number}"})

    def require_organization(self, uow: UnitOfWork, tenant: str, org_id: str) -> None:
        """The organisation must still exist when the transaction commits."""
        uow.check(
            self.table,
            {"PK": tenant_pk(tenant), "SK": f"ORG#{org_id}"},
            "attribute_exists(PK)",
            lambda: NotFound("No such organisation."),
        )

    # --- an organisation's contacts, sites and service objects ------------------------
    def get_child(self, tenant: str, org_id: str, kind: str, child_id: str) -> Item | None:
        item = get_item(
            self.table, scoped_pk(tenant, "ORG", org_id), f"{CHILD_PREFIX[kind]}{child_id}"
        )
        return _strip_keys(item) if item else None

    def get_contacts(self, tenant: str, org_id: str, contact_ids: list[str]) -> dict[str, Item]:
        """Up to 100 of an organisation's contacts by id, in one BatchGetItem (issue 19:
        a case's recipients); ids that are no contact of it are left out."""
        pk = scoped_pk(tenant, "ORG", org_id)
        keys = [{"PK": pk, "SK": f"CONTACT#{i}"} for i in dict.fromkeys(contact_ids)]
        return {i["id"]: _strip_keys(i) for i in batch_get(self.table, keys)}

    def list_children(
        self, tenant: str, org_id: str, kind: str, limit: int, start: dict[str, Any] | None
    ) -> Page:
        page = query(
            self.table,
            "PK = :pk AND begins_with(SK, :p)",
            {":pk": scoped_pk(tenant, "ORG", org_id), ":p": CHILD_PREFIX[kind]},
            limit=limit,
            start_key=start,
        )
        return Page([_strip_keys(i) for i in page.items], page.last_key)

    def put_child(
        self, uow: UnitOfWork, tenant: str, kind: str, child: Item, expected: int | None
    ) -> None:
        item = {
            "PK": scoped_pk(tenant, "ORG", child["organization_id"]),
            "SK": f"{CHILD_PREFIX[kind]}{child['id']}",
            **child,
        }
        if kind in REGISTER:
            item.update(_register_keys(tenant, kind, child))
        if expected is None:
            uow.create(self.table, item, lambda: Conflict(f"The {kind} already exists."))
        else:
            uow.replace(self.table, item, expected, lambda: stale(kind))

    def index_in_register(self, uow: UnitOfWork, tenant: str, kind: str, child: Item) -> None:
        """Sets the register's keys of a site or service object written before they existed."""
        keys = _register_keys(tenant, kind, child)
        uow.update(
            self.table,
            {"PK": scoped_pk(tenant, "ORG", child["organization_id"]),
             "SK": f"{CHILD_PREFIX[kind]}{child['id']}"},
            "SET GSI1PK = :pk, GSI1SK = :sk",
            condition="attribute_exists(PK)",
            values={":pk": keys["GSI1PK"], ":sk": keys["GSI1SK"]},
        )

    def list_register(
        self, tenant: str, kind: str, name_prefix: str, limit: int, start: dict[str, Any] | None
    ) -> Page:
        """Sites or service objects of every organisation, by name; ``name_prefix`` is a
        name key (``domain.directory.name_key``)."""
        condition, values = "GSI1PK = :pk", {":pk": scoped_pk(tenant, REGISTER[kind])}
        if name_prefix:
            condition += " AND begins_with(GSI1SK, :p)"
            values[":p"] = name_prefix
        page = query(self.table, condition, values, index=GSI1, limit=limit, start_key=start)
        return Page([_strip_keys(i) for i in page.items], page.last_key)

    def get_organizations(self, tenant: str, org_ids: list[str]) -> dict[str, Item]:
        """Up to 100 organisations by id, in one BatchGetItem; unknown ids are left out."""
        keys = [{"PK": tenant_pk(tenant), "SK": f"ORG#{i}"} for i in dict.fromkeys(org_ids)]
        return {i["id"]: _strip_keys(i) for i in batch_get(self.table, keys)}

    # --- the in-app inbox -------------------------------------------------------------
    def list_notifications(
        self, tenant: str, user_id: str, limit: int, start: dict[str, Any] | None
    ) -> Page:
        page = query(
            self.table,
            "PK = :pk AND begins_with(SK, :p)",
            {":pk": scoped_pk(tenant, "USER", user_id), ":p": "NOTIF#"},
            limit=limit,
            start_key=start,
            newest_first=True,
        )
        return Page([_strip_keys(i) for i in page.items], page.last_key)

    def get_notification(self, tenant: str, user_id: str, notification_id: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "USER", user_id), f"NOTIF#{notification_id}")
        return _strip_keys(item) if item else None

    def unread_count(self, tenant: str, user_id: str) -> int:
        item = get_item(self.table, scoped_pk(tenant, "USER", user_id), INBOX)
        return max(0, int(item.get("unread", 0))) if item else 0

    def add_notification(self, uow: UnitOfWork, tenant: str, user_id: str, note: Item) -> None:
        """The item and the unread counter move together; a redelivered one adds nothing."""
        pk = scoped_pk(tenant, "USER", user_id)
        uow.create(
            self.table,
            {"PK": pk, "SK": f"NOTIF#{note['id']}", **note},
            lambda: Conflict("The notification exists already."),
        )
        uow.update(
            self.table,
            {"PK": pk, "SK": INBOX},
            "ADD unread :one",
            values={":one": 1},
        )

    def mark_read(self, uow: UnitOfWork, tenant: str, user_id: str, note_id: str, at: str) -> None:
        pk = scoped_pk(tenant, "USER", user_id)
        uow.update(
            self.table,
            {"PK": pk, "SK": f"NOTIF#{note_id}"},
            "SET read_at = :at",
            condition="attribute_exists(PK) AND attribute_not_exists(read_at)",
            values={":at": at},
            error=lambda: Conflict("The notification is already read."),
        )
        uow.update(
            self.table,
            {"PK": pk, "SK": INBOX},
            "ADD unread :minus",
            values={":minus": -1},
        )

    # --- saved filters (per user) and calendar feed tokens -------------------------------
    def list_saved_filters(self, tenant: str, user_id: str) -> list[Item]:
        items = query_all(self.table, "PK = :pk AND begins_with(SK, :p)",
                          {":pk": scoped_pk(tenant, "USER", user_id), ":p": "FILTER#"}, cap=100)
        return [_strip_keys(i) for i in items]

    def put_saved_filter(self, uow: UnitOfWork, tenant: str, user_id: str, data: Item) -> None:
        uow.create(self.table, {"PK": scoped_pk(tenant, "USER", user_id),
                                "SK": f"FILTER#{data['id']}", **data},
                   lambda: Conflict("The filter exists already."))

    def delete_saved_filter(self, uow: UnitOfWork, tenant: str, user_id: str,
                            filter_id: str) -> None:
        uow.delete(self.table, {"PK": scoped_pk(tenant, "USER", user_id),
                                "SK": f"FILTER#{filter_id}"},
                   condition="attribute_exists(PK)", error=lambda: NotFound("No such filter."))

    def feed_owner(self, tenant: str, token_hash: str) -> str | None:
        item = get_item(self.table, tenant_pk(tenant), f"FEED#{token_hash}")
        return str(item["user_id"]) if item else None

    def current_feed(self, tenant: str, user_id: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "USER", user_id), "FEED")
        return str(item["token_hash"]) if item else None

    def set_feed(self, uow: UnitOfWork, tenant: str, user_id: str, token_hash: str | None,
                 previous: str | None) -> None:
        """One live feed token per user: a new one (or none) revokes the previous."""
        if previous:
            uow.delete(self.table, {"PK": tenant_pk(tenant), "SK": f"FEED#{previous}"})
        mine = {"PK": scoped_pk(tenant, "USER", user_id), "SK": "FEED"}
        if token_hash:
            uow.put(self.table, {"PK": tenant_pk(tenant), "SK": f"FEED#{token_hash}",
                                 "user_id": user_id})
            uow.put(self.table, {**mine, "token_hash": token_hash})
        else:
            uow.delete(self.table, mine)

    # --- audit trail ------------------------------------------------------------------
    def audit(self, uow: UnitOfWork, tenant: str, event: Item) -> None:
        """Directory changes leave an event in the same transaction; events never change."""
        month = event["at"][:7]
        uow.create(
            self.table,
            {"PK": scoped_pk(tenant, "AUDIT", month), "SK": event["id"], **event},
            lambda: Conflict("Duplicate audit event."),
        )
