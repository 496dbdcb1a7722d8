"""Chat use cases (issue 18): starting a chat, joining, transferring and ending it, its
messages from the socket and from HTTP, availability, the socket's connect and
disconnect, and the abandoned-chat sweep.

Who takes part (a ``Party``): a signed-in portal user (the session's customer), a visitor
holding the session's key, or staff with ``chat.answer``; anyone else, and any session
of another tenant, is a 404. Ending a chat saves its transcript as a ticket (channel
``chat``) in the same transaction as the session's end, or as a comment on a ticket staff
name; the ticket's ``created`` notice mails the transcript to the customer.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import chat as rules
from chalicelib.domain.directory import Organization, TenantSettings, name_key
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.models import Language, utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.services import chat_files
from chalicelib.services.context import Ctx
from chalicelib.store import chat as store
from chalicelib.store import chat_push
from chalicelib.store.dynamo import Item, UnitOfWork

log = logging.getLogger("helpdesk.chat")

UNVERIFIED_ORG = "unverified-senders"  # the one inbound mail's unknown senders go to
MAX_TRANSCRIPT_MESSAGES = 1000


class DuplicateMessage(Conflict):
    """The client id was used for a message already (a resend)."""


class ChatEnded(BusinessRuleViolation):
    """The chat has ended: nothing more is said in it."""


@dataclass(frozen=True)
class Party:
    """Who acts on a session: its customer (a user or the visitor) or staff."""

    tenant: str
    side: rules.Side
    user_id: str | None
    name: str
    principal: Principal | None = None


def _settings(tenant: str) -> TenantSettings:
    from chalicelib.services.directory import repo as directory

    item = directory().get_settings(tenant)
    if item is None:
        raise NotFound("No such tenant.")
    return TenantSettings.model_validate(item)


def _session(tenant: str, session_id: str, consistent: bool = True) -> rules.Session:
    item = store.get_session(tenant, session_id, consistent=consistent)
    if item is None:
        raise NotFound("No such chat.")
    return rules.Session.model_validate(item)


def _dump(session: rules.Session) -> dict[str, Any]:
    return session.model_dump(mode="json")


def _epoch(now: datetime) -> int:
    return int(now.timestamp())


# --- who --------------------------------------------------------------------------------


def party_of(principal: Principal) -> Party:
    side: rules.Side = "agent" if principal.is_staff else "customer"
    return Party(principal.tenant, side, principal.user_id,
                 str(principal.record.get("name") or principal.email), principal)


def visitor_party(key: str, session_id: str, now: datetime) -> Party:
    """A visitor's key opens their own session only; anything else is a 404."""
    found = rules.read_visitor_key(get_config().secret, key, now)
    if found is None or found.session_id != session_id:
        raise NotFound("No such chat.")
    return Party(found.tenant, "customer", None, found.name)


def _check_party(party: Party, session: rules.Session) -> None:
    """The session's customer, or staff who may answer chats; others get a 404."""
    if party.side == "agent":
        if party.principal is None or not party.principal.can(Permission.CHAT_ANSWER):
            raise Forbidden("Answering chats needs the permission chat.answer.")
        return
    customer = session.customer
    if party.principal is not None:  # a signed-in user: only their own chat
        if customer.kind != "user" or customer.user_id != party.user_id:
            raise NotFound("No such chat.")
    elif customer.kind != "visitor":
        raise NotFound("No such chat.")


def load_for(party: Party, session_id: str) -> rules.Session:
    session = _session(party.tenant, session_id)
    _check_party(party, session)
    return session


# --- availability -------------------------------------------------------------------------


def availability(tenant: str, now: datetime) -> rules.Availability:
    settings = _settings(tenant)
    online = bool(settings.chat.always_online_ids) or store.someone_online(tenant, _epoch(now))
    return rules.availability(settings.chat, settings.support_hours, online, now)


# --- starting -----------------------------------------------------------------------------


def _answer(session: rules.Session, party: Party, now: datetime,
            key: str | None = None) -> rules.SessionAnswer:
    cfg = get_config()
    grant = rules.Grant(party.tenant, session.id, party.side, party.user_id, party.name,
                        rules.grant_expiry(now))
    return rules.SessionAnswer(id=session.id, ws_url=cfg.chat_socket_url,
                               ws_token=rules.issue_grant(cfg.secret, grant),
                               state=session.state, key=key)


def _customer(principal: Principal | None, tenant: str, name: str | None,
              email: str | None, language: Language | None,
              source_ip: str) -> rules.Customer:
    """Who chats: the signed-in portal user (name, address, organisation from their
    record), or a visitor, who must give name and e-mail (limited per client address)."""
    if principal is not None:
        return rules.Customer.model_validate({
            "kind": "user", "user_id": principal.user_id,
            "name": str(principal.record.get("name") or principal.email),
            "email": principal.email, "organization_id": principal.organization_id,
            "language": language or principal.language})
    errors = ErrorList()
    for field, value in (("name", name), ("email", email)):
        if value is None:
            errors.add(("body", field), "required without login")
    errors.raise_if_any()
    from chalicelib.services import rate_limits

    rate_limits.chat_start(tenant, source_ip)
    settings = _settings(tenant)
    return rules.Customer(kind="visitor", name=rules.clean_text(str(name)) or "?",
                          email=str(email), language=language or settings.default_language)


def _origin(tenant: str, customer: rules.Customer, now: datetime) -> tuple[Any, str | None]:
    """Whose ticket a chat becomes: a user's organisation with them as requester; a
    visitor's address as an unverified contact (never a portal user's tickets)."""
    from chalicelib.services.tickets import Origin

    if customer.kind == "user" and customer.organization_id:
        return Origin(customer.organization_id, customer.user_id, customer.name, "chat"), None
    _ensure_unverified_org(tenant, now)
    return Origin(UNVERIFIED_ORG, None, customer.name, "chat"), customer.email


def start(principal: Principal | None, body: rules.StartChat, source_ip: str,
          now: datetime) -> rules.SessionAnswer:
    """A chat from a signed-in portal user (tenant and name from the token) or a visitor
    (tenant, name, e-mail from the body); only while the tenant's chat is available."""
    if principal is not None and principal.is_staff:
        raise Forbidden("Staff answer chats; a chat is started by a customer.")
    if principal is None and body.tenant is None:
        raise InvalidInput("Name the tenant, or sign in.",
                           [FieldError(("body", "tenant"), "required without login")])
    tenant = principal.tenant if principal is not None else str(body.tenant)
    customer = _customer(principal, tenant, body.name, body.email, body.language, source_ip)
    state = availability(tenant, now)
    if not state.available:
        raise BusinessRuleViolation(f"Chat is not available now ({state.reason}); leave a "
                                    "message instead.")
    stamp = utc_iso(now)
    session = rules.Session(id=Ctx(_system(tenant), now).new_id(), state="waiting",
                            customer=customer, created_at=stamp, updated_at=stamp,
                            last_message_at=stamp)
    uow = UnitOfWork()
    store.put_session(uow, tenant, _dump(session), expected=None)
    uow.commit()
    _tell_staff(tenant, session, now)
    party = Party(tenant, "customer", customer.user_id, customer.name, principal)
    key = None if principal else rules.issue_visitor_key(
        get_config().secret, rules.VisitorKey(tenant, session.id, customer.name), now)
    return _answer(session, party, now, key)


def _tell_staff(tenant: str, session: rules.Session, now: datetime) -> None:
    """A new waiting chat, pushed to staff's presence sockets (the queue's live alert)."""
    data = rules.pushed("waiting", session=_dump(session))
    for connection in store.presence_connections(tenant, _epoch(now)):
        if not connection.get("session_id"):  # the queue's sockets, not a chat's
            _push(tenant, None, str(connection["connection_id"]), data)


def new_grant(party: Party, session_id: str, now: datetime) -> rules.SessionAnswer:
    """A fresh socket token for a reconnect (the one from the start is short-lived)."""
    session = load_for(party, session_id)
    if session.state == "ended":
        raise ChatEnded("This chat has ended.")
    if party.side == "agent" and session.agent_id != party.user_id:
        raise Conflict("Join the chat first.")
    return _answer(session, party, now)


def presence_grant(ctx: Ctx) -> rules.SessionAnswer:
    """A staff member's presence socket: online while it is open; told of waiting chats."""
    party = party_of(ctx.principal)
    cfg = get_config()
    grant = rules.Grant(ctx.tenant, None, "agent", party.user_id, party.name,
                        rules.grant_expiry(ctx.now))
    return rules.SessionAnswer(id="presence", ws_url=cfg.chat_socket_url,
                               ws_token=rules.issue_grant(cfg.secret, grant), state="active")


# --- the staff side -----------------------------------------------------------------------


def list_sessions(ctx: Ctx, state: rules.SessionState, mine: bool, limit: int,
                  start_key: dict[str, Any] | None) -> Any:
    """The queue by state, oldest first (ended: newest first); ``mine``: the caller's own
    open chats, whatever their state."""
    if mine:
        return store.list_agent_sessions(ctx.tenant, ctx.principal.user_id, limit, start_key)
    return store.list_sessions(ctx.tenant, state, limit, start_key,
                               newest_first=state == "ended")


def get_session(party: Party, session_id: str) -> rules.Session:
    return load_for(party, session_id)


def join(ctx: Ctx, session_id: str) -> tuple[rules.Session, rules.SessionAnswer]:
    party = party_of(ctx.principal)
    session = load_for(party, session_id)
    if session.state == "ended":
        raise ChatEnded("This chat has ended.")
    if session.agent_id == party.user_id:
        return session, _answer(session, party, ctx.now)  # joined already: a new token
    if session.state == "active":
        raise Conflict(f"{session.agent_name or 'A colleague'} has this chat; ask for a "
                       "transfer.")
    joined = _changed(session, ctx.now, state="active", agent_id=party.user_id,
                      agent_name=party.name)
    _assign(ctx.tenant, session, joined)
    _broadcast(ctx.tenant, session.id, rules.pushed(
        "joined", session_id=session.id, agent_name=party.name, agent_id=party.user_id),
        ctx.now)
    return joined, _answer(joined, party, ctx.now)


def transfer(ctx: Ctx, session_id: str, body: rules.Transfer) -> rules.Session:
    from chalicelib.domain.permissions import permissions_for
    from chalicelib.services.directory import repo as directory

    party = party_of(ctx.principal)
    session = load_for(party, session_id)
    if session.state != "active":
        raise BusinessRuleViolation("Only an answered chat is transferred.")
    people = directory()
    user = people.get_user(ctx.tenant, body.to_user_id)
    roles = people.saved_roles(ctx.tenant)
    if (user is None or user.get("kind") != "staff" or not user.get("active", True)
            or Permission.CHAT_ANSWER not in permissions_for(user.get("roles", []), roles)):
        raise InvalidInput("Transfer to a colleague who answers chats.",
                           [FieldError(("body", "to_user_id"), "no such staff user")])
    moved = _changed(session, ctx.now, agent_id=user["id"], agent_name=user.get("name"))
    _assign(ctx.tenant, session, moved)
    _broadcast(ctx.tenant, session.id, rules.pushed(
        "joined", session_id=session.id, agent_name=moved.agent_name, agent_id=user["id"],
        transferred_by=party.name), ctx.now)
    _close_agent(ctx.tenant, session.id, session.agent_id, ctx.now)
    return moved


def _close_agent(tenant: str, session_id: str, agent_id: str | None, now: datetime) -> None:
    """The previous agent's sockets of a transferred chat close (their grant named them as
    its agent; the session no longer does, so their frames would be refused anyway)."""
    for connection in store.session_connections(tenant, session_id, _epoch(now)):
        if connection.get("side") == "agent" and connection.get("user_id") == agent_id:
            try:
                chat_push.close(str(connection["connection_id"]))
            except Exception:  # best effort: the connection's frames are refused anyway
                log.warning("closing %s failed", connection["connection_id"], exc_info=True)


def _changed(session: rules.Session, now: datetime, **changes: Any) -> rules.Session:
    return session.model_copy(update={**changes, "updated_at": utc_iso(now),
                                      "version": session.version + 1})


def _assign(tenant: str, before: rules.Session, after: rules.Session) -> None:
    uow = UnitOfWork()
    store.assign_agent(uow, tenant, _dump(after), expected=before.version)
    uow.commit()


def _save(tenant: str, before: rules.Session, after: rules.Session,
          uow: UnitOfWork | None = None) -> None:
    work = uow or UnitOfWork()
    store.put_session(work, tenant, _dump(after), expected=before.version)
    if uow is None:
        work.commit()


# --- messages -----------------------------------------------------------------------------


def _may_speak(party: Party, session: rules.Session) -> None:
    """A message or a file: not in an ended chat; staff only in the chat they have."""
    if session.state == "ended":
        raise ChatEnded("This chat has ended.")
    if party.side == "agent" and session.agent_id != party.user_id:
        raise Conflict("Join the chat first.")


def send(party: Party, session_id: str, text: str, client_id: str | None,
         now: datetime, session: rules.Session | None = None,
         attachment_ids: list[str] | None = None) -> tuple[rules.Message, bool]:
    """A message into the chat; (the message, True) when it is new, (the first one,
    False) when the client id was used before (a resend after a dropped connection).
    One transaction: the message, its client id's claim, the session's last message, and
    its files' first confirmation (each must be this chat's, uploaded whole)."""
    current = session or load_for(party, session_id)
    _may_speak(party, current)
    clean = rules.clean_text(text)
    carried, unconfirmed = chat_files.for_message(party.tenant, session_id,
                                                  attachment_ids or [])
    if not clean and not carried:
        raise InvalidInput("The message is empty once markup is removed.",
                           [FieldError(("body", "text"), "no text left")])
    stamp = utc_iso(now)
    message = rules.Message(id=Ctx(_system(party.tenant), now).new_id(), session_id=session_id,
                            client_id=client_id, side=party.side, author_id=party.user_id,
                            author_name=party.name, text=clean, at=stamp, attachments=carried)
    uow = UnitOfWork()
    store.add_message(uow, party.tenant, message.model_dump(mode="json"), DuplicateMessage)
    chat_files.mark_uploaded(uow, party.tenant, session_id, unconfirmed)
    store.touch_session(uow, party.tenant, session_id, stamp, rules.abandon_at(stamp),
                        ChatEnded)
    try:
        uow.commit()
    except DuplicateMessage:
        assert client_id is not None
        first = store.message_by_client_id(party.tenant, session_id, party.side, client_id)
        if first is None:
            raise
        return rules.Message.model_validate(first), False
    _broadcast(party.tenant, session_id, rules.pushed(
        "message", message=message.model_dump(mode="json")), now)
    return message, True


def post_message(party: Party, session_id: str, body: rules.SendMessage,
                 now: datetime) -> tuple[rules.Message, bool]:
    """``send`` over HTTP, limited per session and side as the socket limits its frames."""
    from chalicelib.services import rate_limits

    session = load_for(party, session_id)
    rate_limits.chat_message(party.tenant, session_id, party.side)
    return send(party, session_id, body.text, body.client_id, now, session,
                list(body.attachment_ids))


# --- files --------------------------------------------------------------------------------


def create_file(party: Party, session_id: str, body: rules.ChatFileCreate,
                now: datetime) -> dict[str, Any]:
    """A file to upload into the chat: either party, as it may send a message."""
    session = load_for(party, session_id)
    _may_speak(party, session)
    return chat_files.announce(Ctx(_system(party.tenant), now), party.user_id, party.name,
                               party.side, session, body)


def file_link(party: Party, session_id: str, file_id: str, now: datetime) -> dict[str, Any]:
    """A short-lived address of one of the chat's files (its parties; staff)."""
    load_for(party, session_id)
    return chat_files.link(party.tenant, session_id, file_id, now)


def history(party: Party, session_id: str, after: str | None,
            limit: int) -> tuple[list[rules.Message], str | None]:
    """Messages after the one the client saw last (exclusive), in order."""
    load_for(party, session_id)
    page = store.messages_after(party.tenant, session_id, after, limit)
    messages = [rules.Message.model_validate(m) for m in page.items]
    more = messages[-1].id if page.last_key and messages else None
    return messages, more


def _broadcast(tenant: str, session_id: str, data: str, now: datetime,
               skip: str | None = None) -> None:
    """Pushes to every open connection of the session; a gone one is forgotten."""
    for connection in store.session_connections(tenant, session_id, _epoch(now)):
        connection_id = str(connection["connection_id"])
        if connection_id != skip:
            _push(tenant, session_id, connection_id, data)


def _push(tenant: str, session_id: str | None, connection_id: str, data: str) -> None:
    try:
        delivered = chat_push.post(connection_id, data)
    except Exception:  # a push is best effort: the message is stored, history has it
        log.warning("push to %s failed", connection_id, exc_info=True)
        return
    if not delivered:
        _forget(connection_id, tenant, session_id)


def _forget(connection_id: str, tenant: str, session_id: str | None) -> None:
    """A connection API Gateway says is gone: its record, its place in the session and
    its presence go (as its ``$disconnect`` would have done)."""
    connection = store.get_connection(connection_id) or {
        "connection_id": connection_id, "tenant": tenant, "session_id": session_id}
    uow = UnitOfWork()
    store.remove_connection(uow, connection)
    uow.commit()


# --- ending -------------------------------------------------------------------------------


def end(party: Party, session_id: str, body: rules.EndChat | None,
        now: datetime) -> rules.Session:
    """Ends the chat (either side; again: the same answer). Its transcript becomes a
    ticket, or a comment on the ticket staff name in ``ticket_id``; a chat in which nothing
    was said ends without one."""
    session = load_for(party, session_id)
    if session.state == "ended":
        return session
    target = body.ticket_id if body else None
    if target and party.side != "agent":
        raise Forbidden("Only staff add a chat to an existing ticket.")
    return _finish(session, party.tenant, party.side, party.principal, target, now)


def _finish(session: rules.Session, tenant: str, side: rules.Side | str,
            principal: Principal | None, ticket_id: str | None,
            now: datetime) -> rules.Session:
    messages = _all_messages(tenant, session.id)
    stamp = utc_iso(now)
    ended = _changed(session, now, state="ended", ended_at=stamp, ended_by=side)
    text = rules.transcript(ended, messages)
    try:
        if not messages:  # nothing was said: nothing to keep (no empty ticket)
            _save(tenant, session, ended)
        elif ticket_id:
            ended = _into_ticket(session, ended, tenant, principal, ticket_id, messages, text,
                                 now)
        else:
            ended = _as_ticket(session, ended, tenant, principal, messages, text, now)
    except Conflict:
        current = _session(tenant, session.id)
        if current.state == "ended":
            return current  # ended meanwhile (the other side, the sweep): one ticket
        raise
    data = rules.pushed("ended", session_id=session.id, ended_by=side,
                        ticket_id=ended.ticket_id)
    for connection in store.session_connections(tenant, session.id, _epoch(now)):
        connection_id = str(connection["connection_id"])
        _push(tenant, session.id, connection_id, data)
        with contextlib.suppress(Exception):  # best effort: an ended chat takes no frames
            chat_push.close(connection_id)  # API Gateway then sends $disconnect
    return ended


def _all_messages(tenant: str, session_id: str) -> list[rules.Message]:
    found: list[rules.Message] = []
    after: str | None = None
    while len(found) < MAX_TRANSCRIPT_MESSAGES:
        page = store.messages_after(tenant, session_id, after, 100)
        found += [rules.Message.model_validate(m) for m in page.items]
        if not page.last_key or not page.items:
            break
        after = found[-1].id
    return found


def _as_ticket(before: rules.Session, ended: rules.Session, tenant: str,
               principal: Principal | None, messages: list[rules.Message], text: str,
               now: datetime) -> rules.Session:
    from chalicelib.domain.tickets import MAX_BODY
    from chalicelib.services.tickets import NewTicket, open_ticket

    customer = ended.customer
    ctx = Ctx(principal or _customer_principal(tenant, customer), now)
    origin, email = _origin(tenant, customer, now)
    ticket_type = _ticket_type(tenant)
    result: dict[str, rules.Session] = {}
    # The chat's files lie beside the ticket before it exists (as a mail's do).
    ticket_id = ctx.new_id()
    attachments = chat_files.to_ticket(tenant, ended.id, messages, ticket_id, customer.email)

    def end_session(uow: UnitOfWork, ticket: Any) -> None:
        result["session"] = ended.model_copy(update={"ticket_id": ticket.id})
        _save(tenant, before, result["session"], uow)
        chat_files.write_attachments(uow, ctx, ticket.id, attachments)

    open_ticket(ctx, NewTicket(
        origin=origin, ticket_type=ticket_type, subject=rules.subject(ended, messages),
        description=text[:MAX_BODY], requester_email=email, ticket_id=ticket_id,
        event_data={"via": "chat", "chat_id": ended.id, "language": customer.language}),
        extra=end_session)
    return result["session"]


def _into_ticket(before: rules.Session, ended: rules.Session, tenant: str,
                 principal: Principal | None, ticket_id: str, messages: list[rules.Message],
                 text: str, now: datetime) -> rules.Session:
    """Staff add the transcript to a ticket they name, as a public comment (the requester
    hears of it as of any answer); then the session ends naming that ticket, its files
    becoming the ticket's attachments in the same transaction."""
    from chalicelib.domain.tickets import MAX_BODY, CommentCreate
    from chalicelib.services.tickets import add_comment

    assert principal is not None
    ctx = Ctx(principal, now)
    add_comment(ctx, ticket_id, CommentCreate(body=text[:MAX_BODY]))
    attachments = chat_files.to_ticket(tenant, ended.id, messages, ticket_id,
                                       ended.customer.email)
    done = ended.model_copy(update={"ticket_id": ticket_id})
    uow = UnitOfWork()
    _save(tenant, before, done, uow)
    chat_files.write_attachments(uow, ctx, ticket_id, attachments)
    uow.commit()
    return done


def _ticket_type(tenant: str) -> Any:
    from chalicelib.domain.tickets import TicketType
    from chalicelib.services.tickets import repo as tickets

    active = [t for t in (TicketType.model_validate(i) for i in tickets().list_types(tenant))
              if t.active]
    standard = [t for t in active if t.kind == "standard"]
    chosen = standard or active
    if not chosen:
        raise BusinessRuleViolation("The tenant has no active ticket type for chats.")
    return chosen[0]


def _customer_principal(tenant: str, customer: rules.Customer) -> Principal:
    """Who opens the ticket when the customer ends the chat: the user, or the visitor as
    an address without rights (as inbound mail's unverified senders)."""
    if customer.kind == "user" and customer.user_id:
        return Principal(tenant=tenant, user_id=customer.user_id, email=customer.email,
                         roles=(), permissions=frozenset(), kind="contact",
                         organization_id=customer.organization_id,
                         language=customer.language, record={"name": customer.name})
    return Principal(tenant=tenant, user_id=f"email:{customer.email}", email=customer.email,
                     roles=(), permissions=frozenset(), kind="contact",
                     organization_id=UNVERIFIED_ORG, language=customer.language,
                     record={"name": customer.name})


def _system(tenant: str) -> Principal:
    from chalicelib.services.directory import system_principal

    return system_principal(tenant)


def _ensure_unverified_org(tenant: str, now: datetime) -> None:
    """The tenant's "unverified senders" organisation, which a visitor's ticket belongs
    to (inbound mail makes the same one for unknown senders)."""
    from chalicelib.services.directory import repo as directory

    people = directory()
    if people.get_organization(tenant, UNVERIFIED_ORG) is not None:
        return
    stamp = utc_iso(now)
    org = Organization(id=UNVERIFIED_ORG, tenant=tenant, name="Unverified senders",
                       kind="private_person", created_at=stamp, updated_at=stamp)
    uow = UnitOfWork()
    people.put_organization(uow, org.model_dump(mode="json"), name_key(org.name), None)
    with contextlib.suppress(Conflict):  # made meanwhile by a mail or another chat
        uow.commit()


def leave_message(principal: Principal | None, tenant: str, body: rules.LeaveMessage,
                  source_ip: str, now: datetime) -> str:
    """Outside availability: the message becomes a ticket at once (channel chat)."""
    from chalicelib.services.tickets import NewTicket, open_ticket

    own = principal is not None and principal.tenant == tenant and not principal.is_staff
    customer = _customer(principal if own else None, tenant, body.name, body.email,
                         body.language, source_ip)
    text = rules.clean_text(body.text)
    if not text:
        raise InvalidInput("The message is empty once markup is removed.",
                           [FieldError(("body", "text"), "no text left")])
    ctx = Ctx(_customer_principal(tenant, customer), now)
    origin, email = _origin(tenant, customer, now)
    first_line = text.splitlines()[0].strip()
    ticket = open_ticket(ctx, NewTicket(
        origin=origin, ticket_type=_ticket_type(tenant),
        subject=f"Chat message: {first_line}"[:200], description=text, requester_email=email,
        event_data={"via": "chat_message", "language": customer.language}))
    return ticket.id


# --- the socket ---------------------------------------------------------------------------


class Refused(Exception):
    """``$connect`` refused: API Gateway answers the upgrade with this status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def connect(connection_id: str, token: str | None, now: datetime) -> None:
    """``$connect``: the grant in ``?token=`` names tenant, session and side. A session of
    another tenant, an ended one, or one the person does not take part in is refused."""
    grant = rules.read_grant(get_config().secret, token or "", now)
    if grant is None:
        raise Refused(401, "a valid, unexpired chat token is required")
    if grant.session_id is not None:
        item = store.get_session(grant.tenant, grant.session_id)
        if item is None:
            raise Refused(403, "no such chat")
        session = rules.Session.model_validate(item)
        if session.state == "ended":
            raise Refused(403, "the chat has ended")
        if grant.side == "agent" and session.agent_id != grant.user_id:
            raise Refused(403, "join the chat first")
        if grant.side == "customer" and session.customer.user_id != grant.user_id:
            raise Refused(403, "not this chat's customer")
    uow = UnitOfWork()
    store.add_connection(uow, connection_id, grant.tenant, grant.session_id, grant.side,
                         grant.user_id, grant.name, _epoch(now))
    uow.commit()


def disconnect(connection_id: str) -> None:
    connection = store.get_connection(connection_id)
    if connection is None:
        return
    uow = UnitOfWork()
    store.remove_connection(uow, connection)
    uow.commit()


def on_frame(connection_id: str, body: str, now: datetime) -> None:
    """A frame from the client: counted against the connection's rate limit (over it:
    told why, then closed), parsed, checked against the connection's own session, and
    done. What goes wrong is answered on the socket as an ``error`` frame."""
    connection, within = store.count_frame(connection_id, rules.window_start(now))
    if connection is None:
        chat_push.close(connection_id)  # unknown (expired): the client reconnects
        return
    tenant, session_id = str(connection["tenant"]), connection.get("session_id")
    if not within:
        _push(tenant, session_id, connection_id, rules.pushed(
            "error", code="rate_limited",
            detail=f"More than {rules.RATE_FRAMES} frames in {rules.RATE_SECONDS} seconds; "
                   "the connection is closed."))
        chat_push.close(connection_id)
        return
    try:
        frame = rules.parse_frame(body)
    except rules.BadFrame as exc:
        _push(tenant, session_id, connection_id,
              rules.pushed("error", code="bad_frame", detail=str(exc)))
        return
    if session_id is None or (frame.session_id is not None and frame.session_id != session_id):
        _push(tenant, session_id, connection_id, rules.pushed(
            "error", code="refused", detail="This connection is for another chat."))
        return
    party = Party(tenant, connection["side"], connection.get("user_id"),
                  str(connection.get("name") or ""))
    if frame.action == "typing":
        _broadcast(tenant, str(session_id), rules.pushed(
            "typing", session_id=session_id, side=party.side, name=party.name), now,
            skip=connection_id)
        return
    try:
        session = _session(tenant, str(session_id), consistent=False)
        message, new = send(party, str(session_id), frame.text, frame.client_id, now, session,
                            list(frame.attachment_ids))
    except (ChatEnded, Conflict, InvalidInput, NotFound) as exc:
        _push(tenant, session_id, connection_id,
              rules.pushed("error", code="refused", detail=str(exc)))
        return
    if not new:  # a resend: the sender hears of its first one again, nobody else
        _push(tenant, session_id, connection_id,
              rules.pushed("message", message=message.model_dump(mode="json")))


# --- the sweep ----------------------------------------------------------------------------


def run_abandon(item: Item, now: datetime) -> str:
    """A chat without a message for 15 minutes ends by itself into a ticket."""
    tenant = str(item["tenant"])
    session = rules.Session.model_validate(item)
    if session.state == "ended":
        return "done"
    due = datetime.fromisoformat(rules.abandon_at(session.last_message_at))
    if due > now:
        return "not_due"  # a message came after the index was read
    try:
        _finish(session, tenant, "system", None, None, now)
    except Conflict:
        return "raced"
    return "ended"
