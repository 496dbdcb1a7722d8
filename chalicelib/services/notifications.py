"""Notifying of what happened: one outbox record in, the notices it causes out.

For each record (``deliver``): load what it is about (a ticket, a contact order), ask the
rules (``domain/notifications.py``) who hears of it (the plan), render each notice in the
recipient's language (``notify/render.py``) and deliver it on the tenant's channels: the
in-app inbox, e-mail (unless the user muted that kind), SMS for the urgent kinds. Each
delivery is claimed with a conditional write first (``store/deliveries.py``), so a record
delivered twice sends nothing twice. ``jobs/notifications.py`` feeds it from the queue.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.directory import Notification, TenantSettings
from chalicelib.domain.errors import Conflict
from chalicelib.domain.notifications import (
    SUBSCRIPTION_REASONS,
    Notice,
    SubscriptionParties,
    TicketParties,
    contact_order_notices,
    may_receive,
    subscription_notices,
    ticket_notices,
    training_notices,
)
from chalicelib.domain.permissions import Permission, permissions_for
from chalicelib.domain.tickets import Ticket
from chalicelib.logs import bind_log_context
from chalicelib.mail import addresses
from chalicelib.mail.quotes import marker_line
from chalicelib.services import answer_links
from chalicelib.services.contact_orders import repo as orders
from chalicelib.services.directory import mail_addresses
from chalicelib.services.directory import repo as directory
from chalicelib.services.networks import repo as networks
from chalicelib.services.tickets import repo as tickets
from chalicelib.store import deliveries
from chalicelib.store.dynamo import Item, UnitOfWork

log = logging.getLogger("helpdesk.notifications")

# SMS costs money and interrupts: only what needs acting on soon goes by SMS.
SMS_KINDS = frozenset({"approval_reminder", "sla_breached", "booking_reminder",
                       "ticket_assigned", "contact_order_assigned"})
RATING_DAYS = 30


class PoisonMessage(ValueError):
    """A message that can never be handled; it fails until it lands in the DLQ."""


@dataclass
class Plan:
    """What one message asks for: who hears what, with what to fill the template."""

    tenant: str
    settings: TenantSettings
    event: dict[str, Any]
    users: dict[str, Item]
    notices: list[Notice]
    context: Callable[[Notice, Item], dict[str, Any]]
    # A ticket's notices thread by mail and take replies: its id and number.
    ticket: Ticket | None = None
    internal: bool = False
    report: Counter[str] = field(default_factory=Counter)


def deliver(message: dict[str, Any], now: datetime | None = None) -> Counter[str]:
    now = now or datetime.now(UTC)
    try:
        module, tenant = message["module"], message["tenant"]
        event, subject_id = message["event"], message["subject_id"]
    except (KeyError, TypeError) as exc:
        raise PoisonMessage(f"not an outbox record: missing {exc}") from None
    bind_log_context(tenant=tenant)
    if not isinstance(event, dict) or not {"id", "type", "at"} <= event.keys():
        raise PoisonMessage("not an outbox record: the event needs id, type and at")
    settings_item = directory().get_settings(tenant)
    if settings_item is None:
        return Counter(skipped=1)  # the tenant is gone
    settings = TenantSettings.model_validate(settings_item)
    plan = _plan(module, tenant, settings, subject_id, message, now)
    if plan is None:
        return Counter(skipped=1)
    for notice in plan.notices:
        _notify(plan, notice, now)
    return plan.report


def _plan(module: str, tenant: str, settings: TenantSettings, subject_id: str,
          message: dict[str, Any], now: datetime) -> Plan | None:
    """The plan of the module that wrote the record."""
    event = message["event"]
    if module == "tickets":
        return _ticket_plan(tenant, settings, subject_id, message, now)
    if module == "contact_orders":
        return _order_plan(tenant, settings, subject_id, event)
    if module == "networks":
        return _subscription_plan(tenant, settings, subject_id, event)
    if module == "trainings":
        return _training_plan(tenant, settings, subject_id, event)
    if module == "status":
        from chalicelib.services.status import incident_plan

        return incident_plan(tenant, settings, subject_id, event)
    if module == "reports":
        from chalicelib.services.report_summaries import summary_plan

        return summary_plan(tenant, settings, event)
    if module == "client_cases":
        from chalicelib.services.client_cases import invitation_plan

        return invitation_plan(tenant, settings, subject_id, event)  # type: ignore[no-any-return]
    raise PoisonMessage(f"unknown module {module!r}")


# --- tickets ----------------------------------------------------------------------------


def _queue_owners(tenant: str, settings: TenantSettings) -> tuple[str, ...]:
    """The tenant's named queue owners, or its active staff holding tickets.assign."""
    if settings.queue_owner_ids:
        return tuple(settings.queue_owner_ids)
    people = directory()
    roles = people.saved_roles(tenant)
    owners, start = [], None
    for _ in range(10):  # at most 1,000 users: a bound, not a scan of the table
        page = people.list_users(tenant, 100, start)
        owners += [u["id"] for u in page.items
                   if u.get("kind") == "staff" and u.get("active", True)
                   and Permission.TICKETS_ASSIGN in permissions_for(u.get("roles", []), roles)]
        if not page.last_key:
            break
        start = page.last_key
    return tuple(owners)


def _ticket_plan(tenant: str, settings: TenantSettings, ticket_id: str,
                 message: dict[str, Any], now: datetime) -> Plan | None:
    event = message["event"]
    item = tickets().get_ticket(tenant, ticket_id)
    if item is None:
        return None
    ticket = Ticket.model_validate(item)
    needs_owners = event["type"] in ("sla_warning", "sla_breached", "rejected") \
        and not ticket.assignee_id
    owners = _queue_owners(tenant, settings) if needs_owners else ()
    case_owner = (ticket.assignee_id or ticket.created_by) \
        if ticket.direction == "outbound" else None
    ids = {ticket.requester_id, ticket.assignee_id, *ticket.watchers, *owners,
           event.get("actor"), (event.get("data") or {}).get("to"),
           *ticket.recipient_user_ids, case_owner}
    users = directory().get_users(
        tenant, sorted(i for i in ids if i and i != "system" and not i.startswith("email:")))
    requester_id = ticket.requester_id
    if requester_id is None and ticket.requester_email:
        requester_id = _mail_requester(tenant, settings, ticket, users)
        language = (event.get("data") or {}).get("language")
        if requester_id and language in settings.languages:  # a chat visitor's own
            users[requester_id]["language"] = language
    parties = TicketParties(
        requester_id=requester_id, assignee_id=ticket.assignee_id,
        watchers=tuple(ticket.watchers), queue_owners=owners,
        is_staff=lambda u: users.get(u, {}).get("kind") == "staff",
        recipients=tuple(ticket.recipient_user_ids), case_owner=case_owner)
    notices = ticket_notices(event, message.get("siblings", []), parties)
    comment = _comment(tenant, ticket_id, event)
    internal = bool(event.get("internal")) or bool(comment and comment.get("internal"))

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        return _ticket_context(settings, tenant, ticket, event, comment, notice, user, now)

    return Plan(tenant, settings, event, users, notices, context, ticket=ticket,
                internal=internal)


def _mail_requester(tenant: str, settings: TenantSettings, ticket: Ticket,
                    users: dict[str, Item]) -> str | None:
    """A ticket opened by mail from an unverified address: its requester is that address,
    told by e-mail only (no inbox, no one-click links: they answer by replying)."""
    address = str(ticket.requester_email)
    entry = mail_addresses().who_is(tenant, address)
    if entry is not None and entry.get("undeliverable"):
        return None
    pseudo = f"email:{address}"
    users[pseudo] = {"id": pseudo, "email": address, "name": ticket.requester_name or "",
                     "kind": "contact", "language": settings.default_language,
                     "active": True, "mail_only": True}
    return pseudo


def _comment(tenant: str, ticket_id: str, event: dict[str, Any]) -> Item | None:
    comment_id = (event.get("data") or {}).get("comment_id")
    if event["type"] != "commented" or not comment_id:
        return None
    return tickets().get_comment(tenant, ticket_id, comment_id)


def _when(settings: TenantSettings, stamp: str | None, language: str) -> str:
    from chalicelib.notify.render import format_time

    return format_time(stamp, language, settings.support_hours.timezone) if stamp else ""


def _ticket_context(settings: TenantSettings, tenant: str, ticket: Ticket,
                    event: dict[str, Any],
                    comment: Item | None, notice: Notice, user: Item,
                    now: datetime) -> dict[str, Any]:
    language = _language(settings, user)
    data = event.get("data") or {}
    context: dict[str, Any] = {
        "ticket": {"number": ticket.number, "subject": ticket.subject,
                   "status": ticket.status, "priority": ticket.priority},
        "link": _portal(f"/#/tickets/{ticket.id}"),
        "description": ticket.description,
        "status_from": data.get("from", ""), "status_to": data.get("to", ticket.status),
        "resolution": ticket.resolution or "", "reason": data.get("reason", ""),
        "closed_reason": ticket.closed_reason or "approved",
        "target": data.get("target", "resolution"),
        "due_at": _when(settings, data.get("due_at"), language),
        "approval_due": _when(settings, ticket.approval_due_at, language),
        "auto_close_at": _when(settings, ticket.auto_close_at, language),
        "approve_link": None, "reject_link": None,
        "rating_good_link": None, "rating_bad_link": None,
        "case": _case_context(ticket, data, language),
    }
    if comment:
        context["comment"] = {"body": comment.get("body", ""),
                              "author_name": comment.get("author_name") or "",
                              "internal": bool(comment.get("internal"))}
    if user.get("mail_only"):
        pass  # no portal account to answer with: a reply by mail does it
    elif notice.links == "approval" and ticket.status == "resolved" and ticket.resolved_at:
        context |= _approval_links(settings, tenant, ticket, user["id"], now)
    elif notice.links == "rating" and ticket.status == "closed" and ticket.closed_at:
        token = answer_links.issue(tenant, ticket.id, ticket.number, user["id"], "rate",
                                   ticket.closed_at, now + timedelta(days=RATING_DAYS))
        context["rating_good_link"] = answer_links.link(token, "rate", rating="good")
        context["rating_bad_link"] = answer_links.link(token, "rate", rating="bad")
    return context


def _case_context(ticket: Ticket, data: dict[str, Any], language: str) -> dict[str, Any]:
    """A case from the firm's facts for its messages (issue 19): due date, period, days
    left at a reminder, who marked it done."""
    from datetime import date as day

    from chalicelib.domain.outbound import format_due_date

    due = format_due_date(day.fromisoformat(ticket.due_date), language) \
        if ticket.due_date else ""
    return {"due_date": due, "period": ticket.period or "", "days": data.get("days"),
            "done_by_name": ticket.done_by_name or ""}


def _approval_links(settings: TenantSettings, tenant: str, ticket: Ticket, user_id: str,
                    now: datetime) -> dict[str, Any]:
    """"Tested OK" and "Not OK", valid until the ticket would be auto-approved."""
    if ticket.auto_close_at:
        until = _parse(ticket.auto_close_at)
    else:
        due = _parse(ticket.approval_due_at) if ticket.approval_due_at else now
        until = due + timedelta(hours=settings.auto_close_hours)
    assert ticket.resolved_at is not None
    token = answer_links.issue(tenant, ticket.id, ticket.number, user_id, "answer",
                               ticket.resolved_at, until)
    return {"approve_link": answer_links.link(token, "approve"),
            "reject_link": answer_links.link(token, "reject")}


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


# --- contact orders ---------------------------------------------------------------------


def _order_plan(tenant: str, settings: TenantSettings, order_id: str,
                event: dict[str, Any]) -> Plan | None:
    order = orders().get_order(tenant, order_id)
    if order is None or order.get("deleted_at"):
        return None
    notices = contact_order_notices(event)
    data = event.get("data") or {}
    booking = orders().get_child(tenant, order_id, "BOOKING", data["booking_id"]) \
        if data.get("booking_id") else None
    users = directory().get_users(tenant, sorted({x.user_id for x in notices}))

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        language = _language(settings, user)
        customer = order.get("customer") or {}
        context: dict[str, Any] = {
            "order": {"number": order["number"], "subject": order["subject"],
                      "customer_name": customer.get("name"),
                      "planned_date": order.get("planned_date")},
            "link": _portal(f"/#/contact-orders/{order_id}"),
        }
        if booking:
            context["booking"] = {"at": _when(settings, booking["at"], language),
                                  "kind": booking.get("kind", "meeting"),
                                  "note": booking.get("note") or None}
        return context

    return Plan(tenant, settings, event, users, notices, context)


# --- networks: a supplier's subscription --------------------------------------------------


def _organization_users(tenant: str, organization_id: str) -> list[str]:
    """The portal users of an organisation: its contacts that are users (at most 100)."""
    page = directory().list_children(tenant, organization_id, "contact", 100, None)
    return [str(c["user_id"]) for c in page.items if c.get("user_id")]


def _subscription_plan(tenant: str, settings: TenantSettings, subscription_id: str,
                       event: dict[str, Any]) -> Plan | None:
    store = networks()
    subscription = store.get_subscription(tenant, subscription_id)
    if subscription is None:
        return None
    network = store.get_network(tenant, subscription["network_id"]) or {}
    manager = store.account_manager(tenant, subscription["organization_id"])
    parties = SubscriptionParties(
        supplier_users=tuple(_organization_users(tenant, subscription["organization_id"])),
        account_manager_id=manager,
        followers=tuple(store.followers(tenant, subscription["supplier_id"])))
    notices = subscription_notices(event, parties)
    users = directory().get_users(tenant, sorted({n.user_id for n in notices}))
    data = event.get("data") or {}
    titles = {q["id"]: q["title"] for section in
              (network.get("questionnaire") or {}).get("sections", [])
              for q in section.get("questions", [])}

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        from chalicelib.domain.networks import in_language

        language = _language(settings, user)
        network_name = in_language(network.get("name") or {}, language)
        organization = subscription.get("organization_name") or ""
        if notice.kind == "followed_supplier":
            return {"supplier": {"supplier_id": subscription["supplier_id"],
                                 "name": organization, "network_name": network_name},
                    "reason": event["type"],
                    "link": _portal(f"/#/suppliers/{subscription['supplier_id']}")}
        issues = [{"question": in_language(titles.get(q) or {"en": q}, language),
                   "texts": texts} for q, texts in (data.get("issues") or {}).items()]
        return {
            "subscription": {"supplier_id": subscription["supplier_id"],
                             "organization_name": organization, "network_name": network_name,
                             "expires_at": _when(settings, subscription["expires_at"],
                                                 language)},
            "reason": SUBSCRIPTION_REASONS[event["type"]],
            "details": {"issues": issues, "days": data.get("days"),
                        "certification": data.get("certification"),
                        "valid_until": data.get("valid_until"),
                        "note": data.get("note") or data.get("reason"),
                        "findings": data.get("findings") or [],
                        "sections": data.get("sections") or [],
                        "scheduled_on": data.get("scheduled_on")},
            "link": _portal(f"/#/subscriptions/{subscription_id}"),
        }

    return Plan(tenant, settings, event, users, notices, context)


# --- training -----------------------------------------------------------------------


def _training_plan(tenant: str, settings: TenantSettings, training_id: str,
                   event: dict[str, Any]) -> Plan | None:
    from chalicelib.domain.training import MAX_SEATS, Training, topic_in
    from chalicelib.services.training import REMINDED
    from chalicelib.services.training import repo as trainings

    item = trainings().get_training(tenant, training_id)
    if item is None or (item.get("status") == "cancelled" and event["type"] == REMINDED):
        return None
    training = Training.model_validate(item)
    signed_up = [] if event["type"] == REMINDED else trainings().signed_up_users(
        tenant, training_id, MAX_SEATS)
    notices = training_notices(event, signed_up)
    wanted = sorted({x.user_id for x in notices})
    users: dict[str, Item] = {}
    for start in range(0, len(wanted), 100):  # BatchGetItem reads 100 at most
        users |= directory().get_users(tenant, wanted[start:start + 100])
    data = event.get("data") or {}

    def context(notice: Notice, user: Item) -> dict[str, Any]:
        language = _language(settings, user)
        return {"training": {"topic": topic_in(training, language), "kind": training.kind,
                             "at": _when(settings, training.starts_at, language),
                             "was_at": _when(settings, data.get("from"), language),
                             "duration_minutes": training.duration_minutes,
                             "join_url": training.join_url},
                "reason": "cancelled" if event["type"] == "training_cancelled" else "moved",
                "link": _portal(f"/#/trainings/{training_id}")}

    return Plan(tenant, settings, event, users, notices, context)


# --- delivering -------------------------------------------------------------------------


def _language(settings: TenantSettings, user: Item) -> str:
    language = user.get("language") or settings.default_language
    return str(language if language in settings.languages else settings.default_language)


def _portal(path: str) -> str:
    return get_config().portal_url.rstrip("/") + path


def _notify(plan: Plan, notice: Notice, now: datetime) -> None:
    from chalicelib.notify.render import render

    user = plan.users.get(notice.user_id)
    if user is None or not user.get("active", True):
        plan.report["skipped"] += 1
        return
    if not may_receive(notice.kind, plan.internal, user.get("kind") == "staff"):
        plan.report["withheld_internal"] += 1
        return
    language = _language(plan.settings, user)
    context = {"recipient_name": user.get("name", ""), "tenant_name": plan.settings.name,
               "actor_name": plan.event.get("actor_name"),
               "preferences_link": _portal("/#/preferences"), **plan.context(notice, user)}
    if plan.ticket is not None:
        context["reply_marker"] = marker_line(language)
    message = render(notice.kind, language, context)
    channels = plan.settings.notification_channels
    base = f"{plan.event['id']}:{notice.user_id}"
    if channels.in_app and not user.get("mail_only"):
        _in_app(plan, notice, message, context["link"])
    if channels.email and user.get("email") and not user.get("email_undeliverable"):
        if notice.kind in user.get("muted_email", []):
            plan.report["email_muted"] += 1
        else:
            _once(plan, f"{base}:email", now, "email", lambda: _email(plan, user, message))
    if channels.sms and user.get("phone") and notice.kind in SMS_KINDS:
        _once(plan, f"{base}:sms", now, "sms", lambda: _sms(user, message))


def _once(plan: Plan, delivery_id: str, now: datetime, channel: str,
          send: Callable[[], str]) -> None:
    if not deliveries.claim(plan.tenant, delivery_id, int(now.timestamp())):
        plan.report[f"{channel}_duplicate"] += 1
        return
    try:
        provider_id = send()
    except Exception:
        deliveries.release(plan.tenant, delivery_id)  # the retry sends it
        raise
    deliveries.sent(plan.tenant, delivery_id, provider_id)
    plan.report[channel] += 1


def _email(plan: Plan, user: Item, message: Any) -> str:
    """Sends, then records both the Message-ID we gave the mail and the one SES gave it
    as this ticket's, so a reply quoting either finds the ticket (services/inbound_mail)."""
    from chalicelib.notify.senders import build_email, send_recorded_email

    # The recipient a bounce of this mail may mark undeliverable (a user, or None for the
    # address of an unverified sender).
    user_id = None if str(user["id"]).startswith("email:") else str(user["id"])
    ticket = plan.ticket
    if ticket is None:
        return send_recorded_email(plan.tenant, build_email(
            user["email"], plan.settings.name or "Helpdesk", message.subject, message.text,
            message.html), user_id)
    config = get_config()
    domain = config.mail_domain
    email = build_email(
        user["email"], plan.settings.name or "Helpdesk", message.subject, message.text,
        message.html, thread_root=addresses.thread_root(ticket.id, domain),
        # Per recipient: only who got this mail can answer through it as themself.
        reply_to=addresses.reply_address(config.secret, plan.tenant, ticket.number, domain,
                                          user["email"]))
    # Our id before sending: a failure to record after the send would make the retry send
    # the mail again. SES's id exists only after; a reply quoting only it (rare: clients
    # keep References) falls back to the reply address and the number in the subject.
    sent = mail_addresses()
    at = plan.event["at"]
    sent.record_sent(plan.tenant, addresses.message_key(str(email["Message-ID"])), ticket.id, at)
    ses_id = send_recorded_email(plan.tenant, email, user_id)
    try:
        sent.record_sent(plan.tenant, addresses.ses_key(ses_id), ticket.id, at)
    except Exception:
        log.exception("could not record SES id %s of ticket %s", ses_id, ticket.id)
    return ses_id


def _sms(user: Item, message: Any) -> str:
    from chalicelib.notify.senders import send_sms

    return send_sms(user["phone"], message.sms)


def _in_app(plan: Plan, notice: Notice, message: Any, link: str) -> None:
    note = Notification(id=plan.event["id"], kind=notice.kind, title=message.title,
                        body=message.body, link=link, created_at=plan.event["at"])
    uow = UnitOfWork()
    directory().add_notification(uow, plan.tenant, notice.user_id, note.model_dump(mode="json"))
    try:
        uow.commit()
    except Conflict:
        plan.report["in_app_duplicate"] += 1
        return
    plan.report["in_app"] += 1
