"""The ``tickets`` table: ticket types, templates, tickets with their comments,
attachments and history, the number counter and the subject word index.

Access patterns (every one a GetItem or a Query; no Scan):
- a type / the types:           GetItem / Query  PK=T#<t>  SK=TYPE#<id> / begins_with TYPE#
- a template / the templates:   GetItem / Query  PK=T#<t>  SK=TPL#<id> / begins_with TPL#
- the next ticket number:       GetItem          PK=T#<t>  SK=COUNTER#TICKET
- a ticket by number:           GetItem          PK=T#<t>  SK=TNUM#<n>  -> ticket_id
- a ticket:                     GetItem          PK=T#<t>#TICKET#<id>  SK=TICKET
- its history / comments / attachments:
                                Query  PK=T#<t>#TICKET#<id>  SK begins_with EVENT#|COMMENT#|ATT#
- the public part of those (what contacts see):
                    Query  GSI1  GSI1PK=T#<t>#TICKET#<id>#PUBLIC  begins_with EVENT#|COMMENT#|ATT#
- ticket lists, newest activity first (every key sorts by ``<updated_at>#<change id>``),
  ``<g>`` being the status group ``active`` or ``closed``:
    the tenant's queue          GSI1  T#<t>#TICKETS#<g>
    an organisation's tickets   GSI2  T#<t>#TORG#<org>#<g>
    an assignee's (or ``none``) GSI3  T#<t>#TASSIGNEE#<user>#<g>
    a requester's               GSI4  T#<t>#TREQ#<user>#<g>
    a type's                    GSI5  T#<t>#TTYPE#<type>#<g>
    one status                  GSI6  T#<t>#TSTATUS#<status>
    cases from the firm (issue 19), each list an entry of its own under the ticket's PK:
      the firm's outbound queue   GSI2  T#<t>#TOUT#<g>              SK=OUTQUEUE
      a client's cases            GSI2  T#<t>#TORGOUT#<org>#<g>     SK=OUTORG
      a recipient's cases: the client's, filtered while reading to those whose
      ``recipient_user_ids`` hold the user
    (each entry holds the whole ticket, read through GSI2's full projection, and is
    rewritten with every version of it in the same transaction: ``put_ticket``)
  "Any status" merges the two groups' queries (two bounded Queries per page).
  ``list_tickets`` chooses the list of the most selective filter (assignee, requester,
  organisation, type; ``none`` as assignee is the least selective), else one status,
  else the queue; the other filters are applied while reading the same Query.
- tickets whose subject has a word (or a word's first 3-15 letters), newest first:
                                Query  PK=T#<t>#TWORD#<term>  (SK = ticket id, a ULID)
  (``search``; for a contact, filtered while reading to their organisation's entries)
- a ticket's timers (store/schedule.py, ``sync_timers``):  PK=T#<t>#TICKET#<id>  SK=TIMER#<kind>
- a one-click link used once:   conditional Put  PK=T#<t>#TICKET#<id>  SK=LINKUSED#<token id>
- satisfaction counters by month, per agent and per type:
                                Query  PK=T#<t>#SATISFACTION  SK between <from>#, <to>#~
  (SK = <yyyy-mm>#AGENT#<user or none> | <yyyy-mm>#TYPE#<type>, counters good/bad)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Conflict, DomainError, NotFound, PreconditionFailed
from chalicelib.domain.tickets import group_of
from chalicelib.store import schedule
from chalicelib.store.counters import NumberTaken
from chalicelib.store.dynamo import Item, Page, UnitOfWork, batch_get, get_item, query, query_all
from chalicelib.store.streams import Filter, Stream, equals_filter, merged
from chalicelib.store.tables import GSI1, scoped_pk, tenant_pk

TICKET_COUNTER = "TICKET"  # the counter COUNTER#TICKET (store/counters.py)
TICKET = "TICKET"

# Index -> the attribute pair it is keyed on.
LIST_INDEXES = {
    "GSI1": ("GSI1PK", "GSI1SK"),
    "GSI2": ("GSI2PK", "GSI2SK"),
    "GSI3": ("GSI3PK", "GSI3SK"),
    "GSI4": ("GSI4PK", "GSI4SK"),
    "GSI5": ("GSI5PK", "GSI5SK"),
    "GSI6": ("GSI6PK", "GSI6SK"),
}
_KEY_ATTRIBUTES = {"PK", "SK"} | {a for pair in LIST_INDEXES.values() for a in pair}


def strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES}


def stale() -> PreconditionFailed:
    return PreconditionFailed("The ticket was changed by someone else; reload and try again.")


def ticket_pk(tenant: str, ticket_id: str) -> str:
    return scoped_pk(tenant, "TICKET", ticket_id)


# The lists a filter can be read from, most selective first: ticket attribute -> the
# index and the partition-key word of its list (the queue and one status have their own).
LIST_DIMENSIONS = {
    "assignee_id": ("GSI3", "TASSIGNEE"),
    "requester_id": ("GSI4", "TREQ"),
    "organization_id": ("GSI2", "TORG"),
    "ticket_type_id": ("GSI5", "TTYPE"),
}
QUEUE_INDEX, QUEUE = "GSI1", "TICKETS"
# Cases from the firm: the outbound queue and a client's (see the top).
CASES_INDEX, OUTBOUND, CLIENT_CASES = "GSI2", "TOUT", "TORGOUT"
QUEUE_COPY, CLIENT_COPY = "OUTQUEUE", "OUTORG"
STATUS_INDEX, STATUS = "GSI6", "TSTATUS"
UNASSIGNED = "none"  # the assignee list of tickets without an assignee


def case_copies(tenant: str, ticket: Item, activity: str) -> list[Item]:
    """A case from the firm's list entries besides the ticket itself: one in the firm's
    outbound queue, one in its client's list (without the PK, which ``put_ticket`` adds).
    Two writes, whatever the number of recipients: a new case's transaction also holds
    its subject's index terms (up to 60) and the report counters (up to 14)."""
    if ticket.get("direction") != "outbound":
        return []
    group = group_of(ticket["status"])
    sort = f"{ticket['updated_at']}#{activity}"
    entries = [(QUEUE_COPY, scoped_pk(tenant, OUTBOUND, group)),
               (CLIENT_COPY, scoped_pk(tenant, CLIENT_CASES, ticket["organization_id"], group))]
    return [{**ticket, "SK": sk, f"{CASES_INDEX}PK": pk, f"{CASES_INDEX}SK": sort}
            for sk, pk in entries]


def ticket_index_keys(tenant: str, ticket: Item, activity: str) -> Item:
    """The list-index attributes of a ticket: each list it belongs to, sorted by activity.

    ``activity`` is the id (a ULID) of the change that wrote this version: it orders
    changes made within the same second, which ``updated_at`` alone cannot."""
    group = group_of(ticket["status"])
    sort = f"{ticket['updated_at']}#{activity}"
    keys: Item = {
        f"{QUEUE_INDEX}PK": scoped_pk(tenant, QUEUE, group),
        f"{STATUS_INDEX}PK": scoped_pk(tenant, STATUS, ticket["status"]),
    }
    for attribute, (index, word) in LIST_DIMENSIONS.items():
        value = ticket.get(attribute) or (UNASSIGNED if attribute == "assignee_id" else None)
        if value:  # a ticket from mail has no requester, so it is in no requester's list
            keys[f"{index}PK"] = scoped_pk(tenant, word, value, group)
    for index in keys.copy():
        keys[index[:-2] + "SK"] = sort
    return keys


@dataclass(frozen=True)
class TicketSelection:
    """Which tickets a list holds: each filter a value, or None for any. The caller has
    already held it to what its reader may see."""

    status: str | None = None  # a status, "active" (every status but closed), or None
    assignee_id: str | None = None  # a user id, or ``UNASSIGNED``
    requester_id: str | None = None
    organization_id: str | None = None
    ticket_type_id: str | None = None
    updated_after: str | None = None  # a time: only tickets changed after it
    direction: str | None = None  # "inbound", "outbound", or None for both
    recipient_user_id: str | None = None  # cases from the firm addressed to this user


def _groups(status: str | None) -> list[str]:
    if status is None:
        return ["active", "closed"]
    if status == "active":
        return ["active"]
    return [group_of(status)]


# Tickets made before cases from the firm existed carry no direction: they are inbound.
# DynamoDB refuses a filter on an attribute its index does not project, and only GSI1 and
# GSI2 project ``direction`` (all of the item): the lists a contact reads are GSI2's, by
# organisation, and GSI4's, by requester, which holds no case from the firm at all.
FULL_INDEXES = frozenset({"GSI1", "GSI2"})
_INBOUND = Filter("(attribute_not_exists(#dir) OR #dir = :inbound)", {":inbound": "inbound"},
                  {"#dir": "direction"})


def _both(first: Filter, second: Filter) -> Filter:
    if first.expression is None:
        return second
    return Filter(f"{first.expression} AND {second.expression}",
                  {**(first.values or {}), **(second.values or {})},
                  {**(first.names or {}), **(second.names or {})})


def _case_lists(tenant: str, selection: TicketSelection,
                groups: list[str]) -> tuple[str | None, list[tuple[str, str]]]:
    """The list of cases from the firm a selection reads (a client's, the outbound queue)
    and the filter it stands for; none for other selections."""
    if selection.direction != "outbound" and not selection.recipient_user_id:
        return None, []
    if selection.organization_id:
        return "organization_id", [(CASES_INDEX, scoped_pk(
            tenant, CLIENT_CASES, selection.organization_id, g)) for g in groups]
    return None, [(CASES_INDEX, scoped_pk(tenant, OUTBOUND, g)) for g in groups]


def list_streams(tenant: str, selection: TicketSelection) -> list[Stream]:
    """The list of the most selective filter, one stream per status group; the other
    filters are applied while reading it. Cases from the firm are read from their own
    lists (``_case_lists``)."""
    wanted: dict[str, str | None] = {a: getattr(selection, a) for a in LIST_DIMENSIONS}
    order = list(LIST_DIMENSIONS)
    if wanted["assignee_id"] == UNASSIGNED:  # every unassigned ticket: the least selective
        order.append(order.pop(0))
    chosen = next((a for a in order if wanted[a]), None)
    exact_status = selection.status if selection.status not in (None, "active") else None
    groups = _groups(selection.status)
    case_filter, case_lists = _case_lists(tenant, selection, groups)
    if case_lists:
        chosen = case_filter
        lists = case_lists
    elif chosen is None and exact_status:
        lists = [(STATUS_INDEX, scoped_pk(tenant, STATUS, exact_status))]
        exact_status = None
    elif chosen is None:
        lists = [(QUEUE_INDEX, scoped_pk(tenant, QUEUE, g)) for g in groups]
    else:
        index, word = LIST_DIMENSIONS[chosen]
        value = wanted[chosen]
        assert value is not None
        lists = [(index, scoped_pk(tenant, word, value, g)) for g in groups]
    residual = equals_filter({
        attribute: None if attribute == "assignee_id" and value == UNASSIGNED else value
        for attribute, value in {**wanted, "status": exact_status}.items()
        if value and attribute != chosen})
    # Every list key sorts by updated_at first; '~' sorts after every id character.
    after = (("{sk} > :after", {":after": f"{selection.updated_after}#~"})
             if selection.updated_after else None)
    if selection.recipient_user_id:  # the client's cases addressed to this user
        residual = _both(residual, Filter("contains(#rcpt, :rcpt)",
                                          {":rcpt": selection.recipient_user_id},
                                          {"#rcpt": "recipient_user_ids"}))
    return [Stream(index, *LIST_INDEXES[index], pk, after,
                   _both(residual, _INBOUND) if selection.direction == "inbound"
                   and index in FULL_INDEXES else residual) for index, pk in lists]


class TicketsRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- types and templates ----------------------------------------------------------
    def get_type(self, tenant: str, type_id: str) -> Item | None:
        return self._get_catalog_entry(tenant, "TYPE", type_id)

    def list_types(self, tenant: str) -> list[Item]:
        return self._list_catalog(tenant, "TYPE", cap=200)

    def put_type(self, uow: UnitOfWork, tenant: str, data: Item, expected: int | None) -> None:
        self._put_catalog_entry(uow, tenant, "TYPE", data, expected, "ticket type")

    def get_template(self, tenant: str, template_id: str) -> Item | None:
        return self._get_catalog_entry(tenant, "TPL", template_id)

    def list_templates(self, tenant: str) -> list[Item]:
        return self._list_catalog(tenant, "TPL", cap=500)

    def put_template(self, uow: UnitOfWork, tenant: str, data: Item, expected: int | None) -> None:
        self._put_catalog_entry(uow, tenant, "TPL", data, expected, "template")

    def _get_catalog_entry(self, tenant: str, kind: str, entry_id: str) -> Item | None:
        item = get_item(self.table, tenant_pk(tenant), f"{kind}#{entry_id}")
        return strip_keys(item) if item else None

    def _list_catalog(self, tenant: str, kind: str, cap: int) -> list[Item]:
        items = query_all(self.table, "PK = :pk AND begins_with(SK, :p)",
                          {":pk": tenant_pk(tenant), ":p": f"{kind}#"}, cap=cap)
        return [strip_keys(i) for i in items]

    def _put_catalog_entry(self, uow: UnitOfWork, tenant: str, kind: str, data: Item,
                           expected: int | None, what: str) -> None:
        item = {"PK": tenant_pk(tenant), "SK": f"{kind}#{data['id']}", **data}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict(f"The {what} exists already."))
        else:
            uow.replace(self.table, item, expected,
                        lambda: PreconditionFailed(f"The {what} was changed meanwhile."))

    # --- numbering (the counter itself: store/counters.py) ----------------------------
    def record_number(self, uow: UnitOfWork, tenant: str, number: int, ticket_id: str) -> None:
        """Which ticket holds a number: for search by number, and a second guard against
        two tickets with one number."""
        uow.create(self.table, {"PK": tenant_pk(tenant), "SK": f"TNUM#{number}",
                                "ticket_id": ticket_id}, NumberTaken)

    def ticket_id_by_number(self, tenant: str, number: int) -> str | None:
        item = get_item(self.table, tenant_pk(tenant), f"TNUM#{number}")
        return str(item["ticket_id"]) if item else None

    # --- tickets ----------------------------------------------------------------------
    def get_ticket(self, tenant: str, ticket_id: str, consistent: bool = False) -> Item | None:
        item = get_item(self.table, ticket_pk(tenant, ticket_id), TICKET, consistent=consistent)
        return strip_keys(item) if item else None

    def get_tickets(self, tenant: str, ticket_ids: list[str]) -> dict[str, Item]:
        keys = [{"PK": ticket_pk(tenant, i), "SK": TICKET} for i in ticket_ids]
        return {i["id"]: strip_keys(i) for i in batch_get(self.table, keys)}

    def put_ticket(self, uow: UnitOfWork, tenant: str, ticket: Item, expected: int | None,
                   activity: str) -> None:
        item = {"PK": ticket_pk(tenant, ticket["id"]), "SK": TICKET,
                **ticket, **ticket_index_keys(tenant, ticket, activity)}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The ticket exists already."))
        else:
            uow.replace(self.table, item, expected, stale)
        # The copies follow the ticket's write, which holds the version condition.
        for copy in case_copies(tenant, ticket, activity):
            uow.put(self.table, {"PK": item["PK"], **copy})

    def index_subject(self, uow: UnitOfWork, tenant: str, ticket: Item,
                      terms: Iterable[str]) -> None:
        for term in terms:
            uow.put(self.table, {
                "PK": scoped_pk(tenant, "TWORD", term), "SK": ticket["id"],
                "organization_id": ticket["organization_id"],
                "requester_id": ticket.get("requester_id") or "-",
            })

    def list_tickets(self, tenant: str, selection: TicketSelection, limit: int,
                     positions: dict[str, str]) -> tuple[list[Item], dict[str, str] | None]:
        """Newest activity first: at most one Query per status group a page reads (see
        ``streams.merged``); ``positions`` is where the previous page stopped."""
        items, following = merged(self.table, list_streams(tenant, selection), limit, positions,
                                  newest_first=True)
        return [strip_keys(i) for i in items], following

    def search(self, tenant: str, term: str, limit: int, positions: dict[str, str],
               organization_id: str | None) -> tuple[list[str], dict[str, str] | None]:
        """Ids of tickets whose subject holds ``term``, newest ticket first (one Query);
        with ``organization_id``, only that organisation's."""
        residual = (equals_filter({"organization_id": organization_id})
                    if organization_id is not None else Filter())
        start = json.loads(positions["0"]) if positions.get("0") else None
        page = query(self.table, "PK = :pk", {":pk": scoped_pk(tenant, "TWORD", term),
                                              **(residual.values or {})},
                     limit=limit, start_key=start, newest_first=True, names=residual.names,
                     filter_expression=residual.expression)
        following = {"0": json.dumps(page.last_key)} if page.last_key else None
        return [str(i["SK"]) for i in page.items], following

    # --- what belongs to a ticket ------------------------------------------------------
    def add_event(self, uow: UnitOfWork, tenant: str, ticket_id: str, event: Item) -> None:
        """History is append-only: an event is created once and never written again."""
        self._add_child(uow, tenant, ticket_id, "EVENT", event)

    def add_comment(self, uow: UnitOfWork, tenant: str, ticket_id: str, comment: Item) -> None:
        self._add_child(uow, tenant, ticket_id, "COMMENT", comment)

    def _add_child(self, uow: UnitOfWork, tenant: str, ticket_id: str, kind: str,
                   data: Item) -> None:
        pk = ticket_pk(tenant, ticket_id)
        item = {"PK": pk, "SK": f"{kind}#{data['id']}", **data}
        if not data.get("internal"):
            item |= {"GSI1PK": f"{pk}#PUBLIC", "GSI1SK": f"{kind}#{data['id']}"}
        uow.create(self.table, item, lambda: Conflict(f"The {kind.lower()} exists already."))

    def list_events(self, tenant: str, ticket_id: str, public_only: bool, limit: int,
                    start: dict[str, Any] | None) -> Page:
        return self._list_children(tenant, ticket_id, "EVENT", public_only, limit, start)

    def list_comments(self, tenant: str, ticket_id: str, public_only: bool, limit: int,
                      start: dict[str, Any] | None) -> Page:
        return self._list_children(tenant, ticket_id, "COMMENT", public_only, limit, start)

    def list_attachments(self, tenant: str, ticket_id: str, public_only: bool, limit: int,
                         start: dict[str, Any] | None) -> Page:
        return self._list_children(tenant, ticket_id, "ATT", public_only, limit, start)

    def _list_children(self, tenant: str, ticket_id: str, kind: str, public_only: bool,
                       limit: int, start: dict[str, Any] | None) -> Page:
        pk = ticket_pk(tenant, ticket_id)
        if public_only:
            page = query(self.table, "GSI1PK = :pk AND begins_with(GSI1SK, :p)",
                         {":pk": f"{pk}#PUBLIC", ":p": f"{kind}#"}, index=GSI1, limit=limit,
                         start_key=start)
        else:
            page = query(self.table, "PK = :pk AND begins_with(SK, :p)",
                         {":pk": pk, ":p": f"{kind}#"}, limit=limit, start_key=start)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def get_comment(self, tenant: str, ticket_id: str, comment_id: str) -> Item | None:
        item = get_item(self.table, ticket_pk(tenant, ticket_id), f"COMMENT#{comment_id}")
        return strip_keys(item) if item else None

    def get_attachment(self, tenant: str, ticket_id: str, attachment_id: str) -> Item | None:
        item = get_item(self.table, ticket_pk(tenant, ticket_id), f"ATT#{attachment_id}")
        return strip_keys(item) if item else None

    def get_attachments(self, tenant: str, ticket_id: str, ids: list[str]) -> list[Item]:
        pk = ticket_pk(tenant, ticket_id)
        return [strip_keys(i) for i in batch_get(
            self.table, [{"PK": pk, "SK": f"ATT#{a}"} for a in ids])]

    def put_attachment(self, uow: UnitOfWork, tenant: str, attachment: Item,
                       expected_state: str | None) -> None:
        item = {"PK": ticket_pk(tenant, attachment["ticket_id"]),
                "SK": f"ATT#{attachment['id']}", **attachment}
        if not attachment.get("internal"):
            item |= {"GSI1PK": f"{item['PK']}#PUBLIC", "GSI1SK": f"ATT#{attachment['id']}"}
        if expected_state is None:
            uow.create(self.table, item, lambda: Conflict("The attachment exists already."))
        else:
            uow.put(self.table, item, condition="#s = :s", values={":s": expected_state},
                    names={"#s": "state"},
                    error=lambda: Conflict("The attachment changed meanwhile."))

    # --- lifecycle ------------------------------------------------------------------------
    def sync_timers(self, uow: UnitOfWork, tenant: str, ticket_id: str,
                    before: dict[str, str], after: dict[str, str]) -> None:
        """The ticket's timers (``store/schedule.py``) from ``before`` to ``after``."""
        schedule.sync_timers(uow, self.table, tenant, TICKET, ticket_id, before, after)

    def check_version(self, uow: UnitOfWork, tenant: str, ticket_id: str, version: int,
                      error: Callable[[], DomainError]) -> None:
        uow.check(self.table, {"PK": ticket_pk(tenant, ticket_id), "SK": TICKET}, "#v = :v",
                  error, values={":v": version}, names={"#v": "version"})

    def use_link(self, uow: UnitOfWork, tenant: str, ticket_id: str, token_id: str, at: str,
                 error: Callable[[], DomainError]) -> None:
        """A one-click link's single use, in the answer's own transaction."""
        uow.create(self.table, {"PK": ticket_pk(tenant, ticket_id), "SK": f"LINKUSED#{token_id}",
                                "at": at}, error)

    def count_rating(self, uow: UnitOfWork, tenant: str, month: str, assignee_id: str | None,
                     ticket_type_id: str, rating: str) -> None:
        for dimension in (f"AGENT#{assignee_id or 'none'}", f"TYPE#{ticket_type_id}"):
            uow.update(self.table, {"PK": scoped_pk(tenant, "SATISFACTION"),
                                    "SK": f"{month}#{dimension}"},
                       "ADD #r :one", names={"#r": rating}, values={":one": 1})

    def ratings(self, tenant: str, from_month: str, to_month: str) -> list[Item]:
        """The monthly counters: ``month``, ``dimension`` (AGENT | TYPE), ``key``, counts."""
        rows = query_all(self.table, "PK = :pk AND SK BETWEEN :a AND :b",
                         {":pk": scoped_pk(tenant, "SATISFACTION"), ":a": f"{from_month}#",
                          ":b": f"{to_month}#~"}, cap=5000)
        parsed = []
        for row in rows:
            month, dimension, key = row["SK"].split("#", 2)
            parsed.append({"month": month, "dimension": dimension, "key": key,
                           "good": int(row.get("good", 0)), "bad": int(row.get("bad", 0))})
        return parsed


def require(item: Item | None, what: str) -> Item:
    if item is None:
        raise NotFound(f"No such {what}.")
    return item
