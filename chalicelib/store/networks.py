"""The ``networks`` table: networks, subscriptions with their answers, history and edit
requests, and the claims that keep supplier ids unique.

Access patterns (every one a GetItem or a Query; no Scan):
- a network:                          GetItem  PK=T#<t>#NET#<id>  SK=NETWORK
- every network by name:              GSI1     T#<t>#NETWORKS     <name key>#<id>
  (a tenant runs tens of networks: the search reads this one partition, at most 200 items)
- a subscription:                     GetItem  PK=T#<t>#SUB#<id>  SK=SUB
- its answers (draft) / as published: GetItem  PK=T#<t>#SUB#<id>  SK=ANSWERS | PUBLISHED
- its history / edit requests:        Query    PK=T#<t>#SUB#<id>  SK begins_with EVENT# | EDIT#
- a file of its answers:              GetItem  PK=T#<t>#SUB#<id>  SK=FILE#<file id>
- an organisation's subscriptions:    GSI1     T#<t>#ORGSUBS#<org>  <created>#<id>
- subscriptions by status, oldest first (the validation queue is ``submitted``):
                                      GSI2     T#<t>#SUBSTATUS#<status>  <since>#<id>
- open edit requests, oldest first:   GSI2     T#<t>#EDITS#open    <requested>#<id>
- an audit (``PATCH /audits/{id}`` names only its id):
                                      GetItem  PK=T#<t>#AUDIT#<id>  SK=AUDIT
- a subscription's audits by date:    GSI1     T#<t>#SUBAUDITS#<subscription>  <date>#<id>
- published suppliers of a network (the buyers' search), by name; by code; by region:
                                      Query    PK=T#<t>#NETSUP#<network>  SK=<name key>#<sub>
                                      Query    PK=T#<t>#NETCODE#<network>#<code>  (same SK)
                                      Query    PK=T#<t>#NETREG#<network>#<region>  (same SK)
  (a name prefix is a range of the name key; expired ones filtered on read)
- the suppliers a user follows:       Query    PK=T#<t>#FOLLOWS#<user>  SK=<supplier id>
- a supplier's followers:             Query    PK=T#<t>#FOLLOWERS#<supplier id>  SK=<user>
- an organisation's account manager:  GetItem  PK=T#<t>#ORGAM#<org>  SK=ACCOUNT_MANAGER
- the tenant's local teams (public):  GetItem  PK=T#<t>#LOCALTEAMS  SK=LOCALTEAMS
- one subscription per organisation and network:
                                      GetItem  PK=T#<t>#ORGNET#<org>#<network>  SK=SUB
- an organisation's supplier id:      GetItem  PK=T#<t>#ORGSUPPLIER#<org>  SK=SUPPLIER
- a supplier id's claim (never deleted, so an id is never reused):
                                      GetItem  PK=T#<t>#SUPPLIERID#<nnnnnn>  SK=CLAIM
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict, PreconditionFailed
from chalicelib.domain.networks import TIMER_NEW_QUESTIONS
from chalicelib.store.dynamo import (
    Item,
    Page,
    UnitOfWork,
    batch_get,
    batch_write,
    get_item,
    query,
)
from chalicelib.store.schedule import due_attributes
from chalicelib.store.tables import GSI1, GSI2, scoped_pk

NETWORK = "NETWORK"
SUB = "SUB"
ANSWERS = "ANSWERS"
PUBLISHED = "PUBLISHED"
LAST_CHARACTER = "\U0010ffff"  # sorts after every character a name may hold
_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "due_shard", "due_at"}


def strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


def network_pk(tenant: str, network_id: str) -> str:
    return scoped_pk(tenant, "NET", network_id)


def subscription_pk(tenant: str, subscription_id: str) -> str:
    return scoped_pk(tenant, "SUB", subscription_id)


def stale_network() -> PreconditionFailed:
    return PreconditionFailed("The network was changed by someone else; reload it.")


def stale_subscription() -> PreconditionFailed:
    return PreconditionFailed("The subscription was changed by someone else; reload it.")


def stale_audit() -> PreconditionFailed:
    return PreconditionFailed("The audit was changed by someone else; reload it.")


def stale_answers() -> PreconditionFailed:
    return PreconditionFailed("The answers were changed by someone else; reload them.")


class NetworksRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- networks ---------------------------------------------------------------------
    def get_network(self, tenant: str, network_id: str) -> Item | None:
        item = get_item(self.table, network_pk(tenant, network_id), NETWORK)
        return strip_keys(item) if item else None

    def put_network(self, uow: UnitOfWork, tenant: str, network: Item, name_key: str,
                    expected: int | None) -> None:
        item = {"PK": network_pk(tenant, network["id"]), "SK": NETWORK, **network,
                "GSI1PK": scoped_pk(tenant, "NETWORKS"), "GSI1SK": f"{name_key}#{network['id']}"}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The network exists already."))
        else:
            uow.replace(self.table, item, expected, stale_network)

    def list_networks(self, tenant: str, limit: int = 200) -> list[Item]:
        page = query(self.table, "GSI1PK = :pk", {":pk": scoped_pk(tenant, "NETWORKS")},
                     index=GSI1, limit=limit)
        return [strip_keys(i) for i in page.items]

    # --- subscriptions ----------------------------------------------------------------
    def get_subscription(self, tenant: str, subscription_id: str,
                         consistent: bool = False) -> Item | None:
        item = get_item(self.table, subscription_pk(tenant, subscription_id), SUB,
                        consistent=consistent)
        return strip_keys(item) if item else None

    def put_subscription(self, uow: UnitOfWork, tenant: str, subscription: Item,
                         expected: int | None) -> None:
        since = subscription.get("submitted_at") or subscription["created_at"]
        item = {"PK": subscription_pk(tenant, subscription["id"]), "SK": SUB, **subscription,
                "GSI1PK": scoped_pk(tenant, "ORGSUBS", subscription["organization_id"]),
                "GSI1SK": f"{subscription['created_at']}#{subscription['id']}",
                "GSI2PK": scoped_pk(tenant, "SUBSTATUS", subscription["status"]),
                "GSI2SK": f"{since}#{subscription['id']}"}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The subscription exists already."))
        else:
            uow.replace(self.table, item, expected, stale_subscription)

    def organization_subscriptions(self, tenant: str, organization_id: str, limit: int,
                                   start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "GSI1PK = :pk",
                     {":pk": scoped_pk(tenant, "ORGSUBS", organization_id)}, index=GSI1,
                     limit=limit, start_key=start_key, newest_first=True)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def subscriptions_by_status(self, tenant: str, status: str, limit: int,
                                start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "GSI2PK = :pk",
                     {":pk": scoped_pk(tenant, "SUBSTATUS", status)}, index=GSI2, limit=limit,
                     start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def claim_organization_network(self, uow: UnitOfWork, tenant: str, organization_id: str,
                                   network_id: str, subscription_id: str) -> None:
        uow.create(self.table, {"PK": scoped_pk(tenant, "ORGNET", organization_id, network_id),
                                "SK": SUB, "subscription_id": subscription_id},
                   lambda: Conflict("This organisation already subscribes to this network; "
                                    "renew that subscription instead."))

    def organization_network(self, tenant: str, organization_id: str,
                             network_id: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "ORGNET", organization_id, network_id),
                        SUB)
        return str(item["subscription_id"]) if item else None

    # --- supplier ids -----------------------------------------------------------------
    def organization_supplier_id(self, tenant: str, organization_id: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "ORGSUPPLIER", organization_id),
                        "SUPPLIER", consistent=True)
        return str(item["supplier_id"]) if item else None

    def claim_supplier_id(self, uow: UnitOfWork, tenant: str, organization_id: str,
                          supplier_id: str, now: str) -> None:
        """Both writes must be new: the id is nobody's, and the organisation has none yet
        (another subscription of the same organisation racing this one loses and reads the
        id the winner claimed)."""
        uow.create(self.table, {"PK": scoped_pk(tenant, "SUPPLIERID", supplier_id),
                                "SK": "CLAIM", "organization_id": organization_id,
                                "claimed_at": now}, SupplierIdTakenError)
        uow.create(self.table, {"PK": scoped_pk(tenant, "ORGSUPPLIER", organization_id),
                                "SK": "SUPPLIER", "supplier_id": supplier_id,
                                "claimed_at": now}, SupplierIdTakenError)

    # --- answers ----------------------------------------------------------------------
    def get_answers(self, tenant: str, subscription_id: str, which: str = ANSWERS,
                    consistent: bool = False) -> Item | None:
        item = get_item(self.table, subscription_pk(tenant, subscription_id), which,
                        consistent=consistent)
        return strip_keys(item) if item else None

    def put_answers(self, uow: UnitOfWork, tenant: str, subscription_id: str, answers: Item,
                    expected: int | None, which: str = ANSWERS) -> None:
        item = {"PK": subscription_pk(tenant, subscription_id), "SK": which, **answers}
        if expected is None:
            uow.create(self.table, item, stale_answers)
        else:
            uow.replace(self.table, item, expected, stale_answers)

    # --- audits -----------------------------------------------------------------------
    def get_audit(self, tenant: str, audit_id: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "AUDIT", audit_id), "AUDIT")
        return strip_keys(item) if item else None

    def put_audit(self, uow: UnitOfWork, tenant: str, audit: Item,
                  expected: int | None) -> None:
        item = {"PK": scoped_pk(tenant, "AUDIT", audit["id"]), "SK": "AUDIT", **audit,
                "GSI1PK": scoped_pk(tenant, "SUBAUDITS", audit["subscription_id"]),
                "GSI1SK": f"{audit['scheduled_on']}#{audit['id']}"}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The audit exists already."))
        else:
            uow.replace(self.table, item, expected, stale_audit)

    def audits(self, tenant: str, subscription_id: str, limit: int = 100) -> list[Item]:
        page = query(self.table, "GSI1PK = :pk",
                     {":pk": scoped_pk(tenant, "SUBAUDITS", subscription_id)}, index=GSI1,
                     limit=limit, newest_first=True)
        return [strip_keys(i) for i in page.items]

    # --- the published suppliers (the buyers' search) -----------------------------------
    def listing_keys(self, tenant: str, listing: Item) -> list[Item]:
        """Every key the listing is written under: the network's list, each region, each
        code."""
        network, sort = listing["network_id"], listing["sort_key"]
        return [{"PK": scoped_pk(tenant, "NETSUP", network), "SK": sort},
                *({"PK": scoped_pk(tenant, "NETREG", network, region), "SK": sort}
                  for region in listing["regions"]),
                *({"PK": scoped_pk(tenant, "NETCODE", network, code), "SK": sort}
                  for code in listing["product_codes"])]

    def put_listing(self, uow: UnitOfWork, tenant: str, listing: Item,
                    in_transaction: int) -> list[Item]:
        """The listing under its keys: the first ``in_transaction`` in ``uow``, the rest
        returned to be written after the commit (``put_listing_rest``): a transaction holds
        100 writes, a supplier may register more codes than that."""
        items = [{**key, **listing} for key in self.listing_keys(tenant, listing)]
        for item in items[:in_transaction]:
            uow.put(self.table, item)
        return items[in_transaction:]

    def put_listing_rest(self, items: list[Item]) -> None:
        batch_write(self.table, [{"PutRequest": {"Item": item}} for item in items])

    def delete_listing(self, tenant: str, listing: Item) -> None:
        batch_write(self.table, [{"DeleteRequest": {"Key": key}}
                                 for key in self.listing_keys(tenant, listing)])

    def search_listings(self, tenant: str, network_id: str, *, code: str | None,
                        region: str | None, name_prefix: str, now: str, limit: int,
                        start_key: dict[str, Any] | None) -> Page:
        """One Query of one partition: the code's, else the region's, else the network's;
        a region with a code is a filter on the code's partition."""
        if code is not None:
            pk = scoped_pk(tenant, "NETCODE", network_id, code)
        elif region is not None:
            pk = scoped_pk(tenant, "NETREG", network_id, region)
        else:
            pk = scoped_pk(tenant, "NETSUP", network_id)
        condition, values = "PK = :pk", {":pk": pk, ":now": now}
        if name_prefix:
            # A range rather than begins_with: the same items, and DynamoDB Local (SQLite)
            # seeks a range where it scans the partition for a prefix (measured: 9 times
            # slower at 100,000 suppliers).
            condition += " AND SK BETWEEN :low AND :high"
            values |= {":low": name_prefix, ":high": name_prefix + LAST_CHARACTER}
        filters = "expires_at > :now"
        names = None
        if code is not None and region is not None:
            filters += " AND contains(#regions, :region)"
            values[":region"] = region
            names = {"#regions": "regions"}
        page = query(self.table, condition, values, limit=limit, start_key=start_key,
                     filter_expression=filters, names=names)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    # --- following ----------------------------------------------------------------------
    def follow(self, uow: UnitOfWork, tenant: str, user_id: str, supplier: Item,
               now: str) -> None:
        uow.put(self.table, {"PK": scoped_pk(tenant, "FOLLOWS", user_id),
                             "SK": supplier["supplier_id"], **supplier, "followed_at": now})
        uow.put(self.table, {"PK": scoped_pk(tenant, "FOLLOWERS", supplier["supplier_id"]),
                             "SK": user_id, "user_id": user_id, "followed_at": now})

    def unfollow(self, uow: UnitOfWork, tenant: str, user_id: str, supplier_id: str) -> None:
        uow.delete(self.table, {"PK": scoped_pk(tenant, "FOLLOWS", user_id), "SK": supplier_id})
        uow.delete(self.table, {"PK": scoped_pk(tenant, "FOLLOWERS", supplier_id),
                                "SK": user_id})

    def followed(self, tenant: str, user_id: str, limit: int,
                 start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "PK = :pk", {":pk": scoped_pk(tenant, "FOLLOWS", user_id)},
                     limit=limit, start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def follows_of(self, tenant: str, user_id: str, supplier_ids: list[str]) -> set[str]:
        """Which of ``supplier_ids`` (at most 100) the user follows: one BatchGetItem."""
        keys = [{"PK": scoped_pk(tenant, "FOLLOWS", user_id), "SK": s}
                for s in dict.fromkeys(supplier_ids)]
        return {str(i["SK"]) for i in batch_get(self.table, keys)}

    def followers(self, tenant: str, supplier_id: str, limit: int = 500) -> list[str]:
        page = query(self.table, "PK = :pk",
                     {":pk": scoped_pk(tenant, "FOLLOWERS", supplier_id)}, limit=limit)
        return [str(i["user_id"]) for i in page.items]

    def supplier_org(self, tenant: str, supplier_id: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "SUPPLIERID", supplier_id), "CLAIM")
        return str(item["organization_id"]) if item else None

    # --- a network's fan-out of its new questions ---------------------------------------
    def put_new_questions_timer(self, uow: UnitOfWork, tenant: str, network_id: str,
                                version: int, cursor: dict[str, Any] | None,
                                due_at: str) -> None:
        """Due now: tell the network's published suppliers of questionnaire ``version``,
        going on from ``cursor`` (the page of the search list it got to)."""
        pk = network_pk(tenant, network_id)
        uow.put(self.table, {"PK": pk, "SK": f"TIMER#{TIMER_NEW_QUESTIONS}", "tenant": tenant,
                             "kind": TIMER_NEW_QUESTIONS, "parent_id": network_id,
                             "version": version, "cursor": cursor,
                             **due_attributes(TIMER_NEW_QUESTIONS, pk, due_at)})

    def delete_new_questions_timer(self, uow: UnitOfWork, tenant: str, network_id: str) -> None:
        uow.delete(self.table, {"PK": network_pk(tenant, network_id),
                                "SK": f"TIMER#{TIMER_NEW_QUESTIONS}"})

    def published_page(self, tenant: str, network_id: str, limit: int,
                       start_key: dict[str, Any] | None) -> Page:
        """A page of the network's published suppliers (its search list), by name."""
        page = query(self.table, "PK = :pk", {":pk": scoped_pk(tenant, "NETSUP", network_id)},
                     limit=limit, start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    # --- account managers and local teams ----------------------------------------------
    def account_manager(self, tenant: str, organization_id: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "ORGAM", organization_id),
                        "ACCOUNT_MANAGER")
        return str(item["user_id"]) if item else None

    def set_account_manager(self, uow: UnitOfWork, tenant: str, organization_id: str,
                            user_id: str, now: str) -> None:
        uow.put(self.table, {"PK": scoped_pk(tenant, "ORGAM", organization_id),
                             "SK": "ACCOUNT_MANAGER", "organization_id": organization_id,
                             "user_id": user_id, "assigned_at": now})

    def local_teams(self, tenant: str) -> Item | None:
        item = get_item(self.table, scoped_pk(tenant, "LOCALTEAMS"), "LOCALTEAMS")
        return strip_keys(item) if item else None

    def put_local_teams(self, uow: UnitOfWork, tenant: str, teams: Item,
                        expected: int | None) -> None:
        item = {"PK": scoped_pk(tenant, "LOCALTEAMS"), "SK": "LOCALTEAMS", **teams}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The local teams were just saved."))
        else:
            uow.replace(self.table, item, expected, lambda: PreconditionFailed(
                "The local teams were changed by someone else; reload them."))

    # --- children: history and edit requests ------------------------------------------
    def add_event(self, uow: UnitOfWork, tenant: str, subscription_id: str,
                  event: Item) -> None:
        uow.put(self.table, {"PK": subscription_pk(tenant, subscription_id),
                             "SK": f"EVENT#{event['at']}#{event['id']}", **event})

    def history(self, tenant: str, subscription_id: str, limit: int,
                start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                     {":pk": subscription_pk(tenant, subscription_id), ":sk": "EVENT#"},
                     limit=limit, start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def put_edit_request(self, uow: UnitOfWork, tenant: str, request: Item,
                         expected_status: str | None) -> None:
        item = {"PK": subscription_pk(tenant, request["subscription_id"]),
                "SK": f"EDIT#{request['id']}", **request}
        if request["status"] == "open":
            item |= {"GSI2PK": scoped_pk(tenant, "EDITS", "open"),
                     "GSI2SK": f"{request['requested_at']}#{request['id']}"}
        if expected_status is None:
            uow.create(self.table, item, lambda: Conflict("The edit request exists already."))
        else:
            uow.put(self.table, item, condition="#s = :s", values={":s": expected_status},
                    names={"#s": "status"},
                    error=lambda: Conflict("The edit request was decided already."))

    def put_file(self, uow: UnitOfWork, tenant: str, subscription_id: str,
                 file: Item) -> None:
        uow.create(self.table, {"PK": subscription_pk(tenant, subscription_id),
                                "SK": f"FILE#{file['id']}", **file},
                   lambda: Conflict("The file exists already."))

    def get_file(self, tenant: str, subscription_id: str, file_id: str) -> Item | None:
        item = get_item(self.table, subscription_pk(tenant, subscription_id), f"FILE#{file_id}")
        return strip_keys(item) if item else None

    def mark_file_uploaded(self, uow: UnitOfWork, tenant: str, subscription_id: str,
                           file_id: str) -> None:
        uow.update(self.table, {"PK": subscription_pk(tenant, subscription_id),
                                "SK": f"FILE#{file_id}"}, "SET #s = :s",
                   names={"#s": "state"}, values={":s": "uploaded"})

    def get_edit_request(self, tenant: str, subscription_id: str,
                         request_id: str) -> Item | None:
        item = get_item(self.table, subscription_pk(tenant, subscription_id),
                        f"EDIT#{request_id}")
        return strip_keys(item) if item else None

    def edit_requests(self, tenant: str, subscription_id: str, limit: int = 50) -> list[Item]:
        page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                     {":pk": subscription_pk(tenant, subscription_id), ":sk": "EDIT#"},
                     limit=limit, newest_first=True)
        return [strip_keys(i) for i in page.items]

    def open_edit_requests(self, tenant: str, limit: int,
                           start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "GSI2PK = :pk", {":pk": scoped_pk(tenant, "EDITS", "open")},
                     index=GSI2, limit=limit, start_key=start_key)
        return Page([strip_keys(i) for i in page.items], page.last_key)


class SupplierIdTakenError(Conflict):
    """Another organisation claimed the random supplier id first (draw another), or this
    organisation got its id from a concurrent subscription (read it)."""

    def __init__(self) -> None:
        super().__init__("The supplier id was taken.")
