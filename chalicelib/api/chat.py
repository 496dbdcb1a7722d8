"""Chat (issue 18), the "Chat" part of the API contract: availability, starting a chat,
the staff queue, join/transfer/end, and the messages both sides read and send over HTTP
(the WebSocket's handlers are in ``api/chat_socket.py``).

Who calls the routes both sides use: a bearer token (a portal user, the chat's customer;
or staff with ``chat.answer``), or a visitor's session key as ``Authorization: Chat <key>``
(from ``POST /chat/sessions``; it opens that one session only). Those routes are declared
public to the pipeline and authenticate here; a session of another tenant, or one the
caller does not take part in, is a 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import ConfigDict, Field

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.api.schemas import DownloadLink, PageOf
from chalicelib.domain import chat as rules
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.ids import ID_PATTERN
from chalicelib.domain.models import Model
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.services import chat as svc

bp = Blueprint(__name__)

TAG = "chat"
TENANT = r"^[a-z0-9][a-z0-9-]{1,62}$"


def _principal(call: Call) -> Principal | None:
    """The bearer token's user, None without an Authorization header; a bad token or
    another scheme (but ``Chat``, read by ``_party``) is a 401."""
    value = call.headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    from chalicelib.identity.verifier import verifier
    from chalicelib.services.directory import load_principal

    return load_principal(verifier().verify(token.strip()))


def _party(call: Call) -> svc.Party:
    """The chat's customer (a bearer token, or a visitor's ``Chat`` key) or staff."""
    value = call.headers.get("authorization", "")
    scheme, _, key = value.partition(" ")
    if scheme.lower() == "chat" and key.strip():
        return svc.visitor_party(key.strip(), call.params["id"], datetime.now(UTC))
    principal = _principal(call)
    if principal is None:
        raise Unauthenticated("Sign in, or send the chat's key (Authorization: Chat <key>).")
    return svc.party_of(principal)


# --- public -------------------------------------------------------------------------------


class AvailabilityAnswer(Model):
    available: bool
    reason: str


@route(bp, "GET", "/chat/{tenant}/availability", guard=PUBLIC, tag=TAG,
       path_patterns={"tenant": TENANT}, response=AvailabilityAnswer, errors=(404,),
       summary="Public: whether someone answers a chat now (chat on, within support hours, "
               "staff online); reason open | disabled | outside_hours | no_one_online")
def read_availability(call: Call) -> dict[str, Any]:
    state = svc.availability(call.params["tenant"], datetime.now(UTC))
    return {"available": state.available, "reason": state.reason}


@route(bp, "POST", "/chat/sessions", guard=PUBLIC, tag=TAG, body=rules.StartChat,
       response=rules.SessionAnswer, status=201, errors=(401, 403, 404, 422, 429),
       summary="Start a chat: signed in (tenant and name from the token), or public with "
               "tenant, name and email (a visitor; the answer's key opens this chat's "
               "routes as Authorization: Chat <key>). ws_token opens the WebSocket "
               "(ws_url?token=) within 5 minutes")
def start_session(call: Call) -> Reply:
    answer = svc.start(_principal(call), call.body, call.source_ip, datetime.now(UTC))
    return Reply(answer, status=201)


class LeaveAnswer(Model):
    ticket_id: str


@route(bp, "POST", "/chat/{tenant}/messages", guard=PUBLIC, tag=TAG, body=rules.LeaveMessage,
       path_patterns={"tenant": TENANT}, response=LeaveAnswer, status=201,
       errors=(401, 404, 429),
       summary="Leave a message (outside availability): it becomes a ticket (channel chat); "
               "signed in as the tenant's portal user, or with name and email")
def leave_message(call: Call) -> Reply:
    ticket_id = svc.leave_message(_principal(call), call.params["tenant"], call.body,
                                  call.source_ip, datetime.now(UTC))
    return Reply({"ticket_id": ticket_id}, status=201)


# --- staff --------------------------------------------------------------------------------


class QueueQuery(ListQuery):
    model_config = ConfigDict(extra="forbid")

    state: rules.SessionState = "waiting"
    # Only the caller's own open chats (any state but ended).
    mine: bool = False


@route(bp, "GET", "/chat/sessions", guard=Permission.CHAT_ANSWER, tag=TAG, query=QueueQuery,
       response=PageOf(rules.Session),
       summary="Staff: the chat queue by ?state=waiting|active|ended (waiting and active "
               "oldest first, ended newest first); ?mine=true the caller's open chats")
def list_sessions(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "chat-sessions", call.query.state, call.query.mine)
    page = svc.list_sessions(call.ctx, call.query.state, call.query.mine, paging.limit,
                             paging.start)
    return paging.answer_page(page, rules.Session)


@route(bp, "POST", "/chat/presence", guard=Permission.CHAT_ANSWER, tag=TAG,
       response=rules.SessionAnswer, status=201,
       summary="Staff: a token for a presence WebSocket; while it is open the staff member "
               "counts as online and hears of new waiting chats ({type: waiting})")
def presence(call: Call) -> Reply:
    return Reply(svc.presence_grant(call.ctx), status=201)


class JoinAnswer(Model):
    session: rules.Session
    ws_url: str
    ws_token: str


@route(bp, "POST", "/chat/sessions/{id}/join", guard=Permission.CHAT_ANSWER, tag=TAG,
       response=JoinAnswer, errors=(409, 422),
       summary="Staff: take a waiting chat (a 409 when a colleague has it); the answer's "
               "ws_token opens its WebSocket")
def join(call: Call) -> dict[str, Any]:
    session, answer = svc.join(call.ctx, call.params["id"])
    return {"session": session.model_dump(mode="json"), "ws_url": answer.ws_url,
            "ws_token": answer.ws_token}


@route(bp, "POST", "/chat/sessions/{id}/transfer", guard=Permission.CHAT_ANSWER, tag=TAG,
       body=rules.Transfer, response=rules.Session, errors=(409, 422),
       summary="Staff: hand an answered chat to a colleague who answers chats (to_user_id)")
def transfer(call: Call) -> Reply:
    session = svc.transfer(call.ctx, call.params["id"], call.body)
    return Reply(session, version=session.version)


# --- both sides ---------------------------------------------------------------------------


@route(bp, "GET", "/chat/sessions/{id}", guard=PUBLIC, tag=TAG, response=rules.Session,
       errors=(401, 403, 404),
       summary="The chat (its customer, with a bearer token or the visitor's key, or staff)")
def get_session(call: Call) -> Reply:
    session = svc.get_session(_party(call), call.params["id"])
    return Reply(session, version=session.version)


class EndAnswer(Model):
    ticket_id: str | None
    session: rules.Session


@route(bp, "POST", "/chat/sessions/{id}/end", guard=PUBLIC, tag=TAG, body=rules.EndChat,
       body_optional=True, response=EndAnswer, errors=(401, 403, 404, 409, 422),
       summary="End the chat (either side; again: the same answer). The transcript becomes a "
               "ticket (channel chat) mailed to the customer, or, with ticket_id (staff), a "
               "comment on that ticket")
def end(call: Call) -> dict[str, Any]:
    session = svc.end(_party(call), call.params["id"], call.body, datetime.now(UTC))
    return {"ticket_id": session.ticket_id, "session": session.model_dump(mode="json")}


@route(bp, "POST", "/chat/sessions/{id}/token", guard=PUBLIC, tag=TAG,
       response=rules.SessionAnswer, status=201, errors=(401, 403, 404, 409, 422),
       summary="A new ws_token for the chat's WebSocket (to reconnect)")
def new_token(call: Call) -> Reply:
    return Reply(svc.new_grant(_party(call), call.params["id"], datetime.now(UTC)),
                 status=201)


class MessagesQuery(Model):
    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(default=None, pattern=ID_PATTERN)
    limit: int = Field(default=100, ge=1, le=100)


class MessagePage(Model):
    items: list[rules.Message]
    # The last message's id when more follow (ask again with ?after= it); null at the end.
    next_after: str | None


@route(bp, "GET", "/chat/sessions/{id}/messages", guard=PUBLIC, tag=TAG, query=MessagesQuery,
       response=MessagePage, errors=(401, 403, 404),
       summary="The chat's messages in order; ?after=<message id> only those after it (a "
               "reconnect fetches what it missed, no duplicates)")
def read_messages(call: Call) -> dict[str, Any]:
    messages, more = svc.history(_party(call), call.params["id"], call.query.after,
                                 call.query.limit)
    return {"items": [m.model_dump(mode="json") for m in messages], "next_after": more}


class SendAnswer(Model):
    message: rules.Message
    duplicate: bool


@route(bp, "POST", "/chat/sessions/{id}/messages", guard=PUBLIC, tag=TAG,
       body=rules.SendMessage, response=SendAnswer, status=201,
       errors=(401, 403, 404, 409, 422, 429),
       summary="Send a message as a socket frame would ({text, client_id, attachment_ids}: "
               "text may be empty when it carries files, at most 5, each this chat's and "
               "uploaded); a client_id sent before answers the first message (duplicate: "
               "true, status 200)")
def send_message(call: Call) -> Reply:
    message, new = svc.post_message(_party(call), call.params["id"], call.body,
                                    datetime.now(UTC))
    return Reply({"message": message.model_dump(mode="json"), "duplicate": not new},
                 status=201 if new else 200)


# --- files (both sides) -------------------------------------------------------------------


class ChatFileUpload(rules.ChatFile):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


FILE_PATHS = {"fid": ID_PATTERN}


@route(bp, "POST", "/chat/sessions/{id}/files", guard=PUBLIC, tag=TAG,
       body=rules.ChatFileCreate, response=ChatFileUpload, status=201,
       errors=(401, 403, 404, 409, 422),
       summary="Announce a file to send in the chat ({filename, content_type, size}; the "
               "tenant's types and sizes; at most 20 a chat): a presigned S3 POST. Either "
               "party, as for a message; then send a message with attachment_ids")
def create_file(call: Call) -> Reply:
    return Reply(svc.create_file(_party(call), call.params["id"], call.body,
                                 datetime.now(UTC)), status=201)


@route(bp, "GET", "/chat/sessions/{id}/files/{fid}/link", guard=PUBLIC, tag=TAG,
       response=DownloadLink, path_patterns=FILE_PATHS, errors=(401, 403, 404, 409),
       summary="A short-lived address of one of the chat's files (its parties, staff; the "
               "first one checks that the upload arrived whole)")
def file_link(call: Call) -> dict[str, Any]:
    return svc.file_link(_party(call), call.params["id"], call.params["fid"],
                         datetime.now(UTC))
