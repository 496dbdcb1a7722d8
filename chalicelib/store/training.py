"""Training sessions and their signups, on the ``networks`` table (keys of their own).

Access patterns (every one a GetItem, a Query or a conditional write; no Scan):
- a session:                         GetItem  PK=T#<t>#TRAINING#<id>  SK=TRAINING
- its signups:                       Query    PK=T#<t>#TRAINING#<id>  SK begins_with SIGNUP#
- one user's signup:                 GetItem  PK=T#<t>#TRAINING#<id>  SK=SIGNUP#<user>
- an audience's sessions by time:    GSI1     T#<t>#TRAININGS#<audience>  <starts_at>#<id>
- every session by time (staff):     GSI2     T#<t>#TRAININGS             <starts_at>#<id>
  (and whether the tenant has any: the same Query, one item)
- a user's signups by time:          GSI1     T#<t>#USERTRAININGS#<user>  <starts_at>#<id>
- signups due for their reminder:    the sparse ``due`` index, ``due_shard`` =
  ``training_reminder#<n>`` (store/schedule.py), ``due_at`` = a day before the start;
  a signup carries the attributes until its reminder is sent or dropped.

Seats: the session item holds ``seats`` and ``seats_taken``. A signup is one transaction
of the signup's ``Put`` (it must be new) and an ``Update`` adding one to ``seats_taken``
on the condition that a seat is left, the session is scheduled and still starts when the
signup was timed; a cancellation deletes the signup and takes one off. Staff changes
write the session with an ``Update`` of the fields they change (on its ``version``), so
they never write a stale ``seats_taken``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict, NotFound, PreconditionFailed
from chalicelib.store import outbox
from chalicelib.store.dynamo import Item, Page, UnitOfWork, get_item, query
from chalicelib.store.schedule import due_attributes
from chalicelib.store.tables import GSI1, GSI2, scoped_pk

TRAINING = "TRAINING"
SIGNUP = "SIGNUP#"
REMINDER = "training_reminder"
# A filtered list reads at most this many Query pages to fill one page of the answer.
MAX_QUERIES_PER_PAGE = 4
# Written by staff through ``update_training``; ``seats_taken`` is the signups' alone.
EDITABLE = ("topic", "description", "language", "starts_at", "ends_at", "duration_minutes",
            "seats", "network_id", "join_url", "status", "cancelled_at", "updated_at")
_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "due_shard", "due_at",
         "tenant"}


def _strip(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


def training_pk(tenant: str, training_id: str) -> str:
    return scoped_pk(tenant, "TRAINING", training_id)


def _when(training: Item) -> str:
    return f"{training['starts_at']}#{training['id']}"


def stale_training() -> PreconditionFailed:
    return PreconditionFailed("The session was changed by someone else; reload it.")


class SeatNotTaken(Conflict):
    """The seat's conditional write failed: the session is full, cancelled or was moved
    (or the write lost a race); the service reads the session again to say which."""

    def __init__(self) -> None:
        super().__init__("The seat was not taken.")


class AlreadySignedUp(Conflict):
    def __init__(self) -> None:
        super().__init__("You are signed up already.")


class TrainingRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- sessions -----------------------------------------------------------------------
    def get_training(self, tenant: str, training_id: str,
                     consistent: bool = False) -> Item | None:
        item = get_item(self.table, training_pk(tenant, training_id), TRAINING,
                        consistent=consistent)
        return _strip(item) if item else None

    def create_training(self, uow: UnitOfWork, tenant: str, training: Item) -> None:
        uow.create(self.table, {
            "PK": training_pk(tenant, training["id"]), "SK": TRAINING, **training,
            "GSI1PK": scoped_pk(tenant, "TRAININGS", training["audience"]),
            "GSI1SK": _when(training), "GSI2PK": scoped_pk(tenant, "TRAININGS"),
            "GSI2SK": _when(training)}, lambda: Conflict("The session exists already."))

    def update_training(self, uow: UnitOfWork, tenant: str, training: Item,
                        expected: int) -> None:
        """The staff-written fields, the index keys and the next version, on the version
        read; ``seats`` may not go below the seats taken meanwhile."""
        names = {f"#{n}": name for n, name in enumerate(EDITABLE)}
        values: dict[str, Any] = {f":{n}": training[name] for n, name in enumerate(EDITABLE)
                                  if training.get(name) is not None}
        sets = [f"#{n} = :{n}" for n, name in enumerate(EDITABLE) if f":{n}" in values]
        removes = [f"#{n}" for n, name in enumerate(EDITABLE) if f":{n}" not in values]
        sets += ["GSI1SK = :when", "GSI2SK = :when", "#v = :next"]
        names["#v"] = "version"
        values |= {":when": _when(training), ":next": training["version"],
                   ":expected": expected}
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes)
                                                 if removes else "")
        uow.update(self.table, {"PK": training_pk(tenant, training["id"]), "SK": TRAINING},
                   expression, condition="#v = :expected AND seats_taken <= :seats",
                   values=values | {":seats": training["seats"]}, names=names,
                   error=stale_training)

    def sessions(self, tenant: str, audience: str | None, after: str, limit: int,
                 start_key: dict[str, Any] | None, language: str | None,
                 kind: str | None) -> Page:
        """Sessions starting from ``after`` in time order: an audience's (GSI1) or every
        one (GSI2, staff). The filters are applied by DynamoDB to what each Query reads,
        so a page is filled with up to ``MAX_QUERIES_PER_PAGE`` Queries."""
        index, pk = (GSI1, scoped_pk(tenant, "TRAININGS", audience)) if audience else (
            GSI2, scoped_pk(tenant, "TRAININGS"))
        key = f"{index}PK = :pk AND {index}SK >= :after"
        if start_key:
            # A cursor goes on from its own position, even when that has started since
            # (DynamoDB refuses a start key outside the key condition).
            after = min(after, str(start_key[f"{index}SK"]))
        filters, names = [], {}
        values: dict[str, Any] = {":pk": pk, ":after": after}
        for name, value in (("language", language), ("kind", kind)):
            if value is not None:
                filters.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = value
        found: list[Item] = []
        last = start_key
        for _ in range(MAX_QUERIES_PER_PAGE):
            page = query(self.table, key, values, index=index, limit=limit - len(found),
                         start_key=last, names=names or None,
                         filter_expression=" AND ".join(filters) or None)
            found += page.items
            last = page.last_key
            if not last or len(found) >= limit:
                break
        return Page([_strip(i) for i in found], last)

    def has_sessions(self, tenant: str) -> bool:
        page = query(self.table, "GSI2PK = :pk", {":pk": scoped_pk(tenant, "TRAININGS")},
                     index=GSI2, limit=1)
        return bool(page.items)

    # --- signups ------------------------------------------------------------------------
    def get_signup(self, tenant: str, training_id: str, user_id: str,
                   consistent: bool = False) -> Item | None:
        item = get_item(self.table, training_pk(tenant, training_id), SIGNUP + user_id,
                        consistent=consistent)
        return _strip(item) if item else None

    def sign_up(self, uow: UnitOfWork, tenant: str, training: Item, signup: Item,
                reminder_at: str | None, now: str) -> None:
        """The signup and its seat, or neither (see the module's docstring)."""
        pk = training_pk(tenant, training["id"])
        item = {"PK": pk, "SK": SIGNUP + signup["user_id"], "tenant": tenant, **signup,
                "starts_at": training["starts_at"],
                "GSI1PK": scoped_pk(tenant, "USERTRAININGS", signup["user_id"]),
                "GSI1SK": _when(training)}
        if reminder_at:
            item |= due_attributes(REMINDER, pk + item["SK"], reminder_at)
        uow.put(self.table, item, condition="attribute_not_exists(PK)", error=AlreadySignedUp)
        uow.update(self.table, {"PK": pk, "SK": TRAINING},
                   "SET seats_taken = seats_taken + :one",
                   condition="#s = :scheduled AND seats_taken < seats AND starts_at = :starts "
                             "AND starts_at > :now",
                   values={":one": 1, ":scheduled": "scheduled",
                           ":starts": training["starts_at"], ":now": now},
                   names={"#s": "status"}, error=SeatNotTaken)

    def cancel_signup(self, uow: UnitOfWork, tenant: str, training_id: str,
                      user_id: str) -> None:
        pk = training_pk(tenant, training_id)
        uow.delete(self.table, {"PK": pk, "SK": SIGNUP + user_id},
                   condition="attribute_exists(PK)",
                   error=lambda: NotFound("You are not signed up for this session."))
        uow.update(self.table, {"PK": pk, "SK": TRAINING},
                   "SET seats_taken = seats_taken - :one", condition="seats_taken >= :one",
                   values={":one": 1}, error=lambda: Conflict("The seat count was off."))

    def signups(self, tenant: str, training_id: str, limit: int,
                start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                     {":pk": training_pk(tenant, training_id), ":sk": SIGNUP}, limit=limit,
                     start_key=start_key)
        return Page([_strip(i) for i in page.items], page.last_key)

    def signed_up_users(self, tenant: str, training_id: str, cap: int) -> list[str]:
        """Who signed up, at most ``cap`` (a session's seats bound it): a Query page per
        100 signups."""
        users: list[str] = []
        start: dict[str, Any] | None = None
        while len(users) < cap:
            page = self.signups(tenant, training_id, 100, start)
            users += [str(i["user_id"]) for i in page.items]
            if not page.last_key:
                break
            start = page.last_key
        return users[:cap]

    def user_signups(self, tenant: str, user_id: str, after: str, limit: int = 100) -> list[Item]:
        """The user's signups to sessions from ``after`` on (one Query: a user signs up
        for a handful)."""
        page = query(self.table, "GSI1PK = :pk AND GSI1SK >= :after",
                     {":pk": scoped_pk(tenant, "USERTRAININGS", user_id), ":after": after},
                     index=GSI1, limit=limit)
        return [_strip(i) for i in page.items]

    def retime_signup(self, uow: UnitOfWork, tenant: str, training: Item, user_id: str,
                      reminder_at: str | None) -> None:
        """A moved session: the signup's time, and its reminder due anew (or not at all
        when the new day-before has passed)."""
        pk = training_pk(tenant, training["id"])
        values: dict[str, Any] = {":starts": training["starts_at"], ":when": _when(training)}
        expression = "SET starts_at = :starts, GSI1SK = :when"
        if reminder_at:
            values |= {":due": reminder_at,
                       ":shard": due_attributes(REMINDER, pk + SIGNUP + user_id,
                                                reminder_at)["due_shard"]}
            expression += ", due_shard = :shard, due_at = :due REMOVE reminded_at"
        else:
            expression += " REMOVE due_shard, due_at"
        uow.update(self.table, {"PK": pk, "SK": SIGNUP + user_id}, expression,
                   condition="attribute_exists(PK)", values=values,
                   error=lambda: Conflict("The signup was cancelled meanwhile."))

    # --- reminders ----------------------------------------------------------------------
    def end_reminder(self, uow: UnitOfWork, signup: Item, reminded_at: str | None) -> None:
        """Out of the ``due`` index, once: a second sweep's write fails its condition
        (``due_at`` as read, so a signup re-timed meanwhile is left for its new time)."""
        key = {"PK": signup["PK"], "SK": signup["SK"]}
        expression = "REMOVE due_shard, due_at"
        values: dict[str, Any] = {":due": signup["due_at"]}
        if reminded_at:
            expression = "SET reminded_at = :at " + expression
            values[":at"] = reminded_at
        uow.update(self.table, key, expression,
                   condition="attribute_exists(due_shard) AND due_at = :due", values=values,
                   error=lambda: Conflict("The reminder was handled already."))

    def postpone_reminder(self, uow: UnitOfWork, signup: Item, due_at: str) -> None:
        uow.update(self.table, {"PK": signup["PK"], "SK": signup["SK"]}, "SET due_at = :new",
                   condition="due_at = :due", values={":new": due_at, ":due": signup["due_at"]},
                   error=lambda: Conflict("The reminder was handled already."))

    def publish(self, uow: UnitOfWork, tenant: str, record: dict[str, Any]) -> None:
        outbox.add(uow, self.table, tenant, record)

