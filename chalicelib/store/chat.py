"""The chat table (issue 18): sessions, their messages and the open WebSocket connections.

Access patterns (every one a GetItem, a Query of one partition, or a transaction):

- session ``PK=T#<t>#CHAT#<id>``, ``SK=SESSION``; ``GSI1PK=T#<t>#CHATS#<state>``,
  ``GSI1SK=<created_at>#<id>`` (the staff queue per state); while not ended it waits in
  the ``due`` index (``chat_abandon``) until 15 minutes after its last message; while an
  agent has it, ``GSI2PK=T#<t>#CHAT_AGENT#<user id>``, ``GSI2SK`` as GSI1's ("mine").
- message ``PK=T#<t>#CHAT#<id>``, ``SK=MSG#<message id>`` (a ULID: the partition reads in
  order, ``after=`` is a key range).
- the client's message id ``SK=CLIENT#<side>#<client id>`` -> the message it made: a
  resend after a dropped connection makes nothing new.
- a file of the session ``SK=FILE#<file id>`` (at most ``MAX_FILES``: one Query reads them
  all); the session counts them in ``file_count`` (the limit holds under races).
- a connection of the session ``SK=CONN#<connection id>``: whom a message is pushed to
  (one Query of the session's partition, however many chats are open elsewhere).
- a connection ``PK=CONN#<connection id>``, ``SK=CONN``: what the ``$message`` and
  ``$disconnect`` events (which carry only the connection id) need: the tenant, session,
  side and person of the verified grant, and the frame counter of the rate limit. The one
  partition key without the tenant, as API Gateway names connections across tenants; the
  tenant it holds is the grant's, never the client's.
- a staff member's open connection (a chat's, or the queue's presence socket)
  ``PK=T#<t>#CHAT#PRESENCE``, ``SK=<expires_at>#<connection id>``: who is online (the
  unexpired ones are a key range; the connection's record names its ``presence_sk``).

Connection items carry ``expires_at`` (TTL), as API Gateway does not always say when a
socket went away; readers ignore expired ones the TTL has not removed yet.
"""

from __future__ import annotations

from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.chat import CONNECTION_TTL_SECONDS, RATE_FRAMES, TIMER_ABANDON, Side
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item, Page, UnitOfWork, deserialize, get_item, query, serialize
from chalicelib.store.schedule import due_attributes
from chalicelib.store.tables import GSI1, GSI2, scoped_pk

SESSION = "SESSION"
MESSAGE = "MSG#"
CLIENT = "CLIENT#"
MEMBER = "CONN#"
FILE = "FILE#"
# After every ULID of the same length, before any other sort key of the partition.
MESSAGES_END = "MSG#~"


def table() -> str:
    return get_config().chat_table


def session_pk(tenant: str, session_id: str) -> str:
    return scoped_pk(tenant, "CHAT", session_id)


def queue_pk(tenant: str, state: str) -> str:
    return scoped_pk(tenant, "CHATS", state)


def agent_pk(tenant: str, user_id: str) -> str:
    return scoped_pk(tenant, "CHAT_AGENT", user_id)


def presence_pk(tenant: str) -> str:
    return scoped_pk(tenant, "CHAT", "PRESENCE")


def connection_pk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


# --- sessions -----------------------------------------------------------------------------


def session_item(tenant: str, session: dict[str, Any]) -> Item:
    pk = session_pk(tenant, session["id"])
    item: Item = {**session, "PK": pk, "SK": SESSION, "tenant": tenant,
                  "GSI1PK": queue_pk(tenant, session["state"]),
                  "GSI1SK": f"{session['created_at']}#{session['id']}"}
    if session["state"] != "ended" and session.get("agent_id"):
        item |= {"GSI2PK": agent_pk(tenant, session["agent_id"]), "GSI2SK": item["GSI1SK"]}
    if session["state"] != "ended":
        from chalicelib.domain.chat import abandon_at

        item |= due_attributes(TIMER_ABANDON, pk, abandon_at(session["last_message_at"]))
    return item


def get_session(tenant: str, session_id: str, consistent: bool = False) -> Item | None:
    return get_item(table(), session_pk(tenant, session_id), SESSION, consistent=consistent)


def put_session(uow: UnitOfWork, tenant: str, session: dict[str, Any],
                expected: int | None, error: type[DomainError] = Conflict) -> None:
    item = session_item(tenant, session)
    if expected is None:
        uow.create(table(), item, lambda: error("This chat exists already."))
    else:
        uow.replace(table(), item, expected,
                    lambda: error("The chat changed meanwhile; read it again."))


def assign_agent(uow: UnitOfWork, tenant: str, session: dict[str, Any], expected: int,
                 error: type[DomainError] = Conflict) -> None:
    """A join or a transfer: the session's state, agent and version only, so a message
    written meanwhile keeps its last-message and abandonment times (which a message moves
    without a new version)."""
    item = session_item(tenant, session)
    uow.update(table(), {"PK": item["PK"], "SK": SESSION},
               "SET #s = :state, agent_id = :agent, agent_name = :name, updated_at = :at, "
               "version = :version, GSI1PK = :queue, GSI2PK = :mine, GSI2SK = :order",
               condition="version = :expected",
               values={":state": session["state"], ":agent": session["agent_id"],
                       ":name": session.get("agent_name") or "", ":at": session["updated_at"],
                       ":version": session["version"], ":queue": item["GSI1PK"],
                       ":mine": item["GSI2PK"], ":order": item["GSI2SK"],
                       ":expected": expected},
               names={"#s": "state"},
               error=lambda: error("The chat changed meanwhile; read it again."))


def list_sessions(tenant: str, state: str, limit: int, start: dict[str, Any] | None,
                  newest_first: bool) -> Page:
    return query(table(), "GSI1PK = :pk", {":pk": queue_pk(tenant, state)}, index=GSI1,
                 limit=limit, start_key=start, newest_first=newest_first)


def list_agent_sessions(tenant: str, user_id: str, limit: int,
                        start: dict[str, Any] | None) -> Page:
    return query(table(), "GSI2PK = :pk", {":pk": agent_pk(tenant, user_id)}, index=GSI2,
                 limit=limit, start_key=start)


# --- messages -----------------------------------------------------------------------------


def add_message(uow: UnitOfWork, tenant: str, message: dict[str, Any],
                duplicate: type[DomainError]) -> None:
    """The message, and its client id's claim when it has one (a resend of the same client
    id fails the claim: ``duplicate``)."""
    pk = session_pk(tenant, message["session_id"])
    uow.put(table(), {**message, "PK": pk, "SK": MESSAGE + message["id"]})
    if message.get("client_id"):
        uow.create(table(), {"PK": pk, "SK": client_sk(message["side"], message["client_id"]),
                             "message_id": message["id"]},
                   lambda: duplicate("This message was sent already."))


def client_sk(side: str, client_id: str) -> str:
    return f"{CLIENT}{side}#{client_id}"


def touch_session(uow: UnitOfWork, tenant: str, session_id: str, at: str,
                  abandon_at: str, ended: type[DomainError]) -> None:
    """A new message: the session's last message time and abandonment move on; only while
    it is not ended (else ``ended``)."""
    pk = session_pk(tenant, session_id)
    uow.update(table(), {"PK": pk, "SK": SESSION},
               "SET last_message_at = :at, updated_at = :at, due_at = :due",
               condition="attribute_exists(PK) AND #s <> :ended",
               values={":at": at, ":due": abandon_at, ":ended": "ended"},
               names={"#s": "state"}, error=lambda: ended("This chat has ended."))


def message_by_client_id(tenant: str, session_id: str, side: str,
                         client_id: str) -> Item | None:
    pk = session_pk(tenant, session_id)
    claim = get_item(table(), pk, client_sk(side, client_id), consistent=True)
    if claim is None:
        return None
    return get_item(table(), pk, MESSAGE + str(claim["message_id"]), consistent=True)


def messages_after(tenant: str, session_id: str, after: str | None, limit: int) -> Page:
    """Messages in order, those after the message ``after`` only (exclusive)."""
    low = f"{MESSAGE}{after}!" if after else MESSAGE
    return query(table(), "PK = :pk AND SK BETWEEN :low AND :high",
                 {":pk": session_pk(tenant, session_id), ":low": low,
                  ":high": MESSAGES_END}, limit=limit)


# --- files ------------------------------------------------------------------------------


def add_file(uow: UnitOfWork, tenant: str, file: dict[str, Any], max_files: int,
             refused: type[DomainError]) -> None:
    """The file's record, and one more on the session's count: only while the chat has not
    ended and has fewer than ``max_files`` (else ``refused``)."""
    pk = session_pk(tenant, file["session_id"])
    uow.create(table(), {**file, "PK": pk, "SK": FILE + file["id"]},
               lambda: Conflict("The file exists already."))
    uow.update(table(), {"PK": pk, "SK": SESSION}, "ADD file_count :one",
               condition="attribute_exists(PK) AND #s <> :ended AND "
                         "(attribute_not_exists(file_count) OR file_count < :max)",
               values={":one": 1, ":ended": "ended", ":max": max_files},
               names={"#s": "state"},
               error=lambda: refused(f"A chat has at most {max_files} files, and an ended "
                                     "one takes none."))


def get_file(tenant: str, session_id: str, file_id: str) -> Item | None:
    return get_item(table(), session_pk(tenant, session_id), FILE + file_id)


def session_files(tenant: str, session_id: str, limit: int) -> list[Item]:
    page = query(table(), "PK = :pk AND begins_with(SK, :f)",
                 {":pk": session_pk(tenant, session_id), ":f": FILE}, limit=limit)
    return page.items


def mark_file_uploaded(uow: UnitOfWork, tenant: str, session_id: str, file_id: str) -> None:
    uow.update(table(), {"PK": session_pk(tenant, session_id), "SK": FILE + file_id},
               "SET #s = :s", condition="attribute_exists(PK)", values={":s": "uploaded"},
               names={"#s": "state"}, error=lambda: Conflict("The file is gone."))


# --- connections --------------------------------------------------------------------------


def add_connection(uow: UnitOfWork, connection_id: str, tenant: str, session_id: str | None,
                   side: Side, user_id: str | None, name: str, now: int) -> None:
    expires = now + CONNECTION_TTL_SECONDS
    presence = presence_sk(expires, connection_id) if side == "agent" else None
    record = {"PK": connection_pk(connection_id), "SK": "CONN", "connection_id": connection_id,
              "tenant": tenant, "session_id": session_id, "side": side, "user_id": user_id,
              "name": name, "opened_at": now, "expires_at": expires, "window": 0, "frames": 0,
              "presence_sk": presence}
    uow.put(table(), record)
    if session_id is not None:
        uow.put(table(), {"PK": session_pk(tenant, session_id), "SK": MEMBER + connection_id,
                          "connection_id": connection_id, "side": side, "user_id": user_id,
                          "expires_at": expires})
    if presence is not None:  # staff with a chat or the queue open count as online
        uow.put(table(), {"PK": presence_pk(tenant), "SK": presence,
                          "connection_id": connection_id, "session_id": session_id,
                          "user_id": user_id, "expires_at": expires})


def remove_connection(uow: UnitOfWork, connection: Item) -> None:
    connection_id = str(connection["connection_id"])
    uow.delete(table(), {"PK": connection_pk(connection_id), "SK": "CONN"})
    tenant, session_id = str(connection["tenant"]), connection.get("session_id")
    if session_id:
        uow.delete(table(), {"PK": session_pk(tenant, str(session_id)),
                             "SK": MEMBER + connection_id})
    if connection.get("presence_sk"):
        uow.delete(table(), {"PK": presence_pk(tenant), "SK": str(connection["presence_sk"])})


def get_connection(connection_id: str) -> Item | None:
    return get_item(table(), connection_pk(connection_id), "CONN")


def count_frame(connection_id: str, window: int,
                retried: bool = False) -> tuple[Item | None, bool]:
    """Counts a frame of the connection in the rate window ``window`` and returns the
    connection with whether the frame is within the limit. One UpdateItem per frame (on a
    window's first frame two, and a GetItem where DynamoDB does not return the item whose
    condition failed); (None, False) when the connection is unknown."""
    ddb = client("dynamodb")
    key = serialize({"PK": connection_pk(connection_id), "SK": "CONN"})
    try:
        answer = ddb.update_item(
            TableName=table(), Key=key, UpdateExpression="ADD frames :one",
            ConditionExpression="attribute_exists(PK) AND #w = :w AND frames < :max",
            ExpressionAttributeNames={"#w": "window"},
            ExpressionAttributeValues=serialize({":one": 1, ":w": window, ":max": RATE_FRAMES}),
            ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return deserialize(answer["Attributes"]), True
    except ddb.exceptions.ConditionalCheckFailedException as exc:
        # DynamoDB returns the item that failed; DynamoDB Local may not: read it then.
        old = exc.response.get("Item")
        found = deserialize(old) if old else get_item(table(), connection_pk(connection_id),
                                                       "CONN", consistent=True)
        if found is None:
            return None, False
        current = found
    if current.get("window") == window:
        return current, False  # over the limit in this window
    try:
        answer = ddb.update_item(
            TableName=table(), Key=key, UpdateExpression="SET #w = :w, frames = :one",
            ConditionExpression="attribute_exists(PK) AND #w <> :w",
            ExpressionAttributeNames={"#w": "window"},
            ExpressionAttributeValues=serialize({":one": 1, ":w": window}),
            ReturnValues="ALL_NEW")
        return deserialize(answer["Attributes"]), True
    except ddb.exceptions.ConditionalCheckFailedException:
        # Another frame opened this window first (or the connection went): count again.
        return (None, False) if retried else count_frame(connection_id, window, retried=True)


def session_connections(tenant: str, session_id: str, now: int) -> list[Item]:
    """The open connections of a session (both sides; at most a page: a chat has few)."""
    page = query(table(), "PK = :pk AND begins_with(SK, :c)",
                 {":pk": session_pk(tenant, session_id), ":c": MEMBER}, limit=100)
    return [c for c in page.items if int(c.get("expires_at", 0)) > now]


def presence_sk(expires_at: int, connection_id: str) -> str:
    """A staff connection's presence sorts by its expiry: what has not expired is a key
    range, so a reader never reads expired ones the TTL has not removed yet."""
    return f"{expires_at:012d}#{connection_id}"


def presence_connections(tenant: str, now: int) -> list[Item]:
    """Staff's open connections (one page: a bound, not a scan); those without a
    ``session_id`` are the queue's presence sockets."""
    page = query(table(), "PK = :pk AND SK > :now",
                 {":pk": presence_pk(tenant), ":now": f"{now:012d}#"}, limit=100)
    return page.items


def someone_online(tenant: str, now: int) -> bool:
    """Whether any staff connection is open: one item read at most, however many."""
    page = query(table(), "PK = :pk AND SK > :now",
                 {":pk": presence_pk(tenant), ":now": f"{now:012d}#"}, limit=1)
    return bool(page.items)
