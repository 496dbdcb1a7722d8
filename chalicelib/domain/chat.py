"""Chat (issue 18, F9): sessions between a customer and support, their messages, the
signed grant that opens a WebSocket, the frames that travel on it, and availability.

Pure: the secret, the clock and the tenant's settings are arguments. A session is
``waiting`` (no agent yet), ``active`` (an agent joined) or ``ended``; ending it saves the
transcript as a ticket (``services/chat.py``). The customer is a signed-in portal user or
a visitor: a name and an e-mail address nobody verified, which is never taken as a
user's identity (a visitor's transcript goes to the tenant's unverified contacts).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.directory import ChatSettings, SupportHours
from chalicelib.domain.models import Command, Email, Language, Model, Record, utc_iso
from chalicelib.domain.tickets import ContentType, Filename
from chalicelib.signing import BadSignature, expired, seal, unseal

SessionState = Literal["waiting", "active", "ended"]
Side = Literal["customer", "agent"]
STATES: tuple[SessionState, ...] = ("waiting", "active", "ended")

# A message is a chat line, not a document: longer text belongs in a ticket.
MAX_TEXT = 2000
# A frame larger than this is refused before it is parsed (API Gateway's own limit is 128 KB).
MAX_FRAME_BYTES = 8 * 1024
# Frames per connection in a window: a person types far slower; a script is cut off.
RATE_FRAMES = 20
RATE_SECONDS = 10
# No message for this long: the chat ends by itself (the sweep, jobs/sweeps.py).
ABANDON_MINUTES = 15
# The grant in ``?token=`` opens a socket only this soon after it was issued.
GRANT_SECONDS = 300
# A visitor's key (``Authorization: Chat <key>``) reads and writes their one session.
VISITOR_KEY_HOURS = 24
# API Gateway closes a WebSocket after two hours; its record outlives that a little.
CONNECTION_TTL_SECONDS = 2 * 3600 + 600
# A staff member's presence connection counts as online this long after it was opened.
PRESENCE_SECONDS = CONNECTION_TTL_SECONDS

# A chat's files (issue 18, item 3): at most this many announced per chat, this many on
# one message; the tenant's attachment types and size apply (``services/files.py``).
MAX_FILES = 20
MAX_MESSAGE_FILES = 5

TIMER_ABANDON = "chat_abandon"
CLIENT_ID = r"^[A-Za-z0-9_-]{1,64}$"
ClientId = Annotated[str, StringConstraints(pattern=CLIENT_ID)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
# A message's text may be empty when it carries files.
MessageText = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
FileId = Annotated[str, StringConstraints(pattern=CLIENT_ID)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TenantName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]


class Customer(Model):
    kind: Literal["user", "visitor"]
    user_id: str | None = None
    name: str
    email: str
    organization_id: str | None = None
    language: Language


class Session(Record):
    id: str
    state: SessionState
    customer: Customer
    agent_id: str | None = None
    agent_name: str | None = None
    created_at: str
    updated_at: str
    last_message_at: str
    ended_at: str | None = None
    ended_by: Side | Literal["system"] | None = None
    ticket_id: str | None = None
    # Files announced in the chat (``store/chat.py`` counts them against MAX_FILES).
    file_count: int = 0
    version: int = 1


class MessageFile(Model):
    """A file a message carries, as both sides see it (``GET .../files/{id}/link``
    fetches it)."""

    id: str
    filename: str
    content_type: str
    size: int


class Message(Model):
    id: str
    session_id: str
    client_id: str | None = None
    side: Side | Literal["system"]
    author_id: str | None = None
    author_name: str
    text: str
    at: str
    attachments: list[MessageFile] = Field(default_factory=list)


class ChatFile(Model):
    """A file announced in a chat (``pending`` until a send or a link finds it uploaded
    whole). A visitor has no user id: ``uploaded_by`` is None and ``side`` says who."""

    id: str
    session_id: str
    side: Side
    filename: str
    content_type: str
    size: int
    state: Literal["pending", "uploaded"] = "pending"
    uploaded_by: str | None = None
    uploaded_by_name: str | None = None
    created_at: str


# --- commands -----------------------------------------------------------------------------


class StartChat(Command):
    """A visitor names the tenant and themselves; a signed-in user sends nothing (or only
    ``language``), their tenant and name come from the token."""

    tenant: TenantName | None = None
    name: Name | None = None
    email: Email | None = None
    language: Language | None = None


class SendMessage(Command):
    """Text, files (ids from ``POST .../files``, uploaded), or both."""

    text: MessageText = ""
    client_id: ClientId | None = None
    attachment_ids: list[FileId] = Field(default_factory=list, max_length=MAX_MESSAGE_FILES)


class ChatFileCreate(Command):
    """A file to upload into the chat (a presigned S3 POST is the answer)."""

    filename: Filename
    content_type: ContentType
    size: int = Field(ge=1, le=1024**3)


class Transfer(Command):
    to_user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class EndChat(Command):
    """Staff may add the transcript to an existing ticket instead of opening one."""

    ticket_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class LeaveMessage(Command):
    """Outside availability: a message that becomes a ticket."""

    name: Name | None = None
    email: Email | None = None
    text: Text
    language: Language | None = None


class SessionAnswer(Model):
    """``POST /chat/sessions`` (and a join or a new token): where and how to connect."""

    id: str
    ws_url: str
    ws_token: str
    state: SessionState
    # A visitor's own key for this session's HTTP routes (``Authorization: Chat <key>``).
    key: str | None = None


def clean_text(text: str) -> str:
    """A message as a comment is kept: markup removed, entities decoded, trimmed."""
    from chalicelib.domain.tickets import plain_text

    return plain_text(text)


# --- the socket grant ---------------------------------------------------------------------

GRANT_SCOPE = "chat-socket"
KEY_SCOPE = "chat-visitor"


@dataclass(frozen=True)
class Grant:
    """Who a connection is, as signed by ``POST /chat/sessions`` (or a join): the tenant,
    the session (None: a staff member's presence connection), the side, the person."""

    tenant: str
    session_id: str | None
    side: Side
    user_id: str | None
    name: str
    expires_at: int


def issue_grant(secret: str, grant: Grant) -> str:
    payload = {"t": grant.tenant, "s": grant.session_id, "d": grant.side, "u": grant.user_id,
               "n": grant.name, "x": grant.expires_at}
    return seal(secret, GRANT_SCOPE, json.dumps(payload, separators=(",", ":")).encode())


def read_grant(secret: str, token: str, now: datetime) -> Grant | None:
    """The grant, or None when the token is forged, altered, malformed or expired."""
    try:
        data = json.loads(unseal(secret, GRANT_SCOPE, token))
        grant = Grant(tenant=str(data["t"]), session_id=data["s"], side=data["d"],
                      user_id=data["u"], name=str(data["n"]), expires_at=int(data["x"]))
    except (BadSignature, ValueError, KeyError, TypeError):
        return None
    if grant.side not in ("customer", "agent") or expired(grant.expires_at, now):
        return None
    return grant


def grant_expiry(now: datetime) -> int:
    return int(now.timestamp()) + GRANT_SECONDS


@dataclass(frozen=True)
class VisitorKey:
    """What a visitor's key says: their tenant, session and name (so reading it needs
    no read of the session)."""

    tenant: str
    session_id: str
    name: str


def issue_visitor_key(secret: str, key: VisitorKey, now: datetime) -> str:
    expires = int((now + timedelta(hours=VISITOR_KEY_HOURS)).timestamp())
    payload = json.dumps({"t": key.tenant, "s": key.session_id, "n": key.name, "x": expires},
                         separators=(",", ":"))
    return seal(secret, KEY_SCOPE, payload.encode())


def read_visitor_key(secret: str, key: str, now: datetime) -> VisitorKey | None:
    """The key's tenant, session and name when it is genuine and unexpired; else None."""
    try:
        data = json.loads(unseal(secret, KEY_SCOPE, key))
        found = VisitorKey(str(data["t"]), str(data["s"]), str(data["n"]))
        expires = int(data["x"])
    except (BadSignature, ValueError, KeyError, TypeError):
        return None
    return None if expired(expires, now) else found


# --- frames -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """A parsed client frame: ``send`` (with text and an optional client id) or ``typing``;
    ``session_id``, when the client names one, must be its connection's own."""

    action: Literal["send", "typing"]
    text: str = ""
    client_id: str | None = None
    session_id: str | None = None
    attachment_ids: tuple[str, ...] = ()


class BadFrame(ValueError):
    """A frame that is not one of the protocol's; the message says what is wrong."""


def parse_frame(body: str) -> Frame:
    if len(body.encode()) > MAX_FRAME_BYTES:
        raise BadFrame(f"a frame is at most {MAX_FRAME_BYTES} bytes")
    try:
        data = json.loads(body)
    except ValueError:
        raise BadFrame("a frame is a JSON object") from None
    if not isinstance(data, dict):
        raise BadFrame("a frame is a JSON object")
    action, session_id = data.get("action"), data.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise BadFrame("session_id must be a string")
    if action == "typing":
        return Frame("typing", session_id=session_id)
    if action != "send":
        raise BadFrame("action must be send or typing")
    text, client_id = data.get("text", ""), data.get("client_id")
    attachment_ids = _frame_files(data.get("attachment_ids", []))
    if not isinstance(text, str) or not (text.strip() or attachment_ids):
        raise BadFrame("text must be a non-empty string (or attachment_ids given)")
    if len(text) > MAX_TEXT:
        raise BadFrame(f"text is at most {MAX_TEXT} characters")
    if client_id is not None and (not isinstance(client_id, str)
                                  or not re.fullmatch(CLIENT_ID, client_id)):
        raise BadFrame("client_id must be 1-64 letters, digits, - or _")
    return Frame("send", text=text, client_id=client_id, session_id=session_id,
                 attachment_ids=attachment_ids)


def _frame_files(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
            isinstance(v, str) and re.fullmatch(CLIENT_ID, v) for v in value):
        raise BadFrame("attachment_ids must be a list of file ids")
    if len(value) > MAX_MESSAGE_FILES:
        raise BadFrame(f"a message carries at most {MAX_MESSAGE_FILES} files")
    return tuple(value)


def pushed(kind: Literal["message", "typing", "joined", "ended", "error", "waiting"],
           **fields: Any) -> str:
    """A frame the server pushes: ``{"type": kind, ...}``."""
    return json.dumps({"type": kind, **fields}, separators=(",", ":"), ensure_ascii=False)


def window_start(now: datetime) -> int:
    """The rate window ``now`` falls in (epoch seconds)."""
    seconds = int(now.timestamp())
    return seconds - seconds % RATE_SECONDS


# --- availability -------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: Literal["open", "disabled", "outside_hours", "no_one_online"]


def availability(settings: ChatSettings, hours: SupportHours, someone_online: bool,
                 now: datetime) -> Availability:
    """Available when chat is on, support is open now and a staff member is online."""
    from chalicelib.domain.support_hours import calendar_for, is_open_now

    if not settings.enabled:
        return Availability(False, "disabled")
    if not is_open_now(calendar_for(hours), now):
        return Availability(False, "outside_hours")
    if not someone_online:
        return Availability(False, "no_one_online")
    return Availability(True, "open")


# --- the transcript -----------------------------------------------------------------------

_HEADINGS = {"sv": "Chatt", "fi": "Chat", "en": "Chat"}
_FILE_WORDS = {"sv": "Fil", "fi": "Tiedosto", "en": "File"}


def transcript(session: Session, messages: list[Message]) -> str:
    """The conversation as plain text, one line per message (the ticket's description)."""
    heading = _HEADINGS.get(session.customer.language, "Chat")
    file_word = _FILE_WORDS.get(session.customer.language, "File")
    lines = [f"{heading} {session.created_at} - {session.ended_at or session.updated_at}", ""]
    for message in messages:
        said = [message.text] if message.text else []
        # Each file by name: the ticket then holds it as an attachment of the same name.
        said += [f"[{file_word}: {f.filename}]" for f in message.attachments]
        lines.append(f"[{message.at}] {message.author_name}: {' '.join(said)}")
    return "\n".join(lines)


def message_files(messages: list[Message]) -> list[str]:
    """The ids of the files the messages carried, each once, in the order sent."""
    return list(dict.fromkeys(f.id for m in messages for f in m.attachments))


def subject(session: Session, messages: list[Message]) -> str:
    """The ticket's subject: the customer's first line, else who chatted."""
    first = next((m.text for m in messages if m.side == "customer" and m.text), "")
    line = first.splitlines()[0].strip() if first else ""
    base = line or session.customer.name
    return f"Chat: {base}"[:200]


def abandon_at(last_message_at: str) -> str:
    return utc_iso(datetime.fromisoformat(last_message_at) + timedelta(minutes=ABANDON_MINUTES))
