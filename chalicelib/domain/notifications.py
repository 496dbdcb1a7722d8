"""Who hears of what: the pure rules from a history event to the notices it causes.

Services publish their history events through the outbox (``store/outbox.py``); the
consumer (``services/notifications.py``, fed by ``jobs/notifications.py``) loads the
ticket or order and asks these rules
whom to tell and with which message. The rules:

- requester and watchers hear of public comments and status changes;
- the assignee hears of assignment and of the customer's replies (a comment, "Not OK");
- internal comments reach staff only, never a contact;
- nobody is told of what they did themselves, except the requester's receipt of a new
  ticket and the satisfaction question after their own approval;
- SLA alerts go to the assignee, or to the tenant's queue owners when there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Links = Literal["approval", "rating"]

# Every kind a user can mute by e-mail; the templates are chalicelib/notify/templates.
KINDS: tuple[str, ...] = (
    "ticket_created", "ticket_assigned", "ticket_commented", "ticket_status_changed",
    "ticket_resolved", "approval_reminder", "ticket_rejected", "ticket_closed",
    "sla_warning", "sla_breached", "contact_order_assigned", "booking_reminder",
    "subscription_update", "followed_supplier",
    "training_reminder", "training_update", "incident_update", "chat_transcript",
    "weekly_summary",
)
NotificationKind = Literal[
    "ticket_created", "ticket_assigned", "ticket_commented", "ticket_status_changed",
    "ticket_resolved", "approval_reminder", "ticket_rejected", "ticket_closed",
    "sla_warning", "sla_breached", "contact_order_assigned", "booking_reminder",
    "subscription_update", "followed_supplier",
    "training_reminder", "training_update", "incident_update", "chat_transcript",
    "weekly_summary",
]

# History events that may notify someone; the rest stay in the history only.
TICKET_EVENTS = frozenset({
    "created", "assigned", "commented", "status_changed", "resolved", "reminder_sent",
    "approved", "auto_approved", "rejected", "sla_warning", "sla_breached",
})
CONTACT_ORDER_EVENTS = frozenset({"created", "assigned", "booking_reminded"})
# A subscription's events told to its supplier's users (and its account manager where it
# says so); the reason names the sentence the message opens with.
SUBSCRIPTION_REASONS: dict[str, str] = {
    "subscribed": "welcome", "returned": "returned", "published": "published",
    "edit_approved": "edit_approved", "edit_refused": "edit_refused",
    "audit_scheduled": "audit_scheduled", "audit_failed": "audit_failed",
    "audit_passed": "audit_passed", "renewal_reminder": "renewal_reminder",
    "expired": "expired", "certification_expiring": "certification_expiring",
    "review_due": "review_due", "edit_requested": "edit_requested",
    "questions_added": "questions_added", "certificate_revoked": "certificate_revoked",
}
# What the account manager hears of too (the seed: "kontakta din kontoansvarige").
_ACCOUNT_MANAGER_HEARS = frozenset({"edit_requested", "renewal_reminder", "expired",
                                    "certification_expiring", "review_due"})
# What a buyer following the supplier hears of (issue 16: publication, expiry, a failed
# audit, a returned validation).
FOLLOWER_EVENTS = frozenset({"published", "expired", "audit_failed", "returned"})
SUBSCRIPTION_EVENTS = frozenset(SUBSCRIPTION_REASONS)

# A status change made by these events is told by them, not twice.
_TOLD_BY = frozenset({"created", "commented", "resolved", "approved", "auto_approved",
                      "rejected"})


@dataclass(frozen=True)
class Notice:
    kind: NotificationKind
    user_id: str
    links: Links | None = None


@dataclass(frozen=True)
class TicketParties:
    """The people around a ticket, and which of them are staff (``is_staff``)."""

    requester_id: str | None
    assignee_id: str | None
    watchers: tuple[str, ...]
    queue_owners: tuple[str, ...]
    is_staff: Callable[[str], bool]


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    """One notice per user and event: the first (most specific) wins."""
    seen: set[str] = set()
    kept = []
    for notice in notices:
        if notice.user_id not in seen:
            seen.add(notice.user_id)
            kept.append(notice)
    return kept


def _to(kind: NotificationKind, users: Iterable[str | None], actor: str | None,
        links: Links | None = None) -> list[Notice]:
    return [Notice(kind, u, links) for u in users if u and u != actor]


def _responsible(parties: TicketParties) -> tuple[str, ...]:
    return (parties.assignee_id,) if parties.assignee_id else parties.queue_owners


Rule = Callable[[dict[str, Any], str | None, set[str], TicketParties], list[Notice]]


def _created(data: dict[str, Any], actor: str | None, others: set[str],
             p: TicketParties) -> list[Notice]:
    # A chat's ticket is its transcript: the customer gets that instead of a receipt.
    kind: NotificationKind = "chat_transcript" if data.get("via") == "chat" else \
        "ticket_created"
    return [Notice(kind, p.requester_id)] if p.requester_id else []


def _assigned(data: dict[str, Any], actor: str | None, others: set[str],
              p: TicketParties) -> list[Notice]:
    return _to("ticket_assigned", [data.get("to")], actor)


def _commented(data: dict[str, Any], actor: str | None, others: set[str],
               p: TicketParties) -> list[Notice]:
    if others & {"resolved", "rejected", "approved"}:
        return []  # the resolution or the answer tells of it
    if data.get("internal"):
        staff = [u for u in (p.assignee_id, *p.watchers) if u and p.is_staff(u)]
        return _to("ticket_commented", staff, actor)
    from_customer = actor is not None and not p.is_staff(actor)
    assignee = (p.assignee_id,) if from_customer else ()
    return _to("ticket_commented", (*assignee, p.requester_id, *p.watchers), actor)


def _status_changed(data: dict[str, Any], actor: str | None, others: set[str],
                    p: TicketParties) -> list[Notice]:
    if others & _TOLD_BY:
        return []
    if data.get("to") == "closed":
        return [*_to("ticket_closed", [p.requester_id], actor, "rating"),
                *_to("ticket_closed", p.watchers, actor)]
    return _to("ticket_status_changed", (p.requester_id, *p.watchers), actor)


def _resolved(data: dict[str, Any], actor: str | None, others: set[str],
              p: TicketParties) -> list[Notice]:
    return [*_to("ticket_resolved", [p.requester_id], actor, "approval"),
            *_to("ticket_resolved", p.watchers, actor)]


def _reminder(data: dict[str, Any], actor: str | None, others: set[str],
              p: TicketParties) -> list[Notice]:
    return _to("approval_reminder", [p.requester_id], None, "approval")


def _closed(data: dict[str, Any], actor: str | None, others: set[str],
            p: TicketParties) -> list[Notice]:
    # The satisfaction question goes to the requester even after their own approval.
    requester = [Notice("ticket_closed", p.requester_id, "rating")] if p.requester_id else []
    return [*requester, *_to("ticket_closed", [p.assignee_id], actor)]


def _rejected(data: dict[str, Any], actor: str | None, others: set[str],
              p: TicketParties) -> list[Notice]:
    return _to("ticket_rejected", _responsible(p), actor)


def _sla(kind: NotificationKind) -> Rule:
    def rule(data: dict[str, Any], actor: str | None, others: set[str],
             p: TicketParties) -> list[Notice]:
        return _to(kind, _responsible(p), None)

    return rule


_TICKET_RULES: dict[str, Rule] = {
    "created": _created, "assigned": _assigned, "commented": _commented,
    "status_changed": _status_changed, "resolved": _resolved, "reminder_sent": _reminder,
    "approved": _closed, "auto_approved": _closed, "rejected": _rejected,
    "sla_warning": _sla("sla_warning"), "sla_breached": _sla("sla_breached"),
}


def ticket_notices(event: dict[str, Any], siblings: Iterable[str],
                   parties: TicketParties) -> list[Notice]:
    """The notices one ticket history event causes. ``siblings`` are the types of the
    events of the same change (a resolve also writes ``status_changed``)."""
    rule = _TICKET_RULES.get(event["type"])
    if rule is None:
        return []
    others = set(siblings) - {event["type"]}
    return _unique(rule(event.get("data") or {}, event.get("actor"), others, parties))


def contact_order_notices(event: dict[str, Any]) -> list[Notice]:
    """Contact orders tell the assignee of an assignment and of a booking's time."""
    kind, data, actor = event["type"], event.get("data") or {}, event.get("actor")
    if kind == "created" or kind == "assigned":
        to = data.get("to") if kind == "assigned" else data.get("assignee_id")
        return _to("contact_order_assigned", [to], actor)
    if kind == "booking_reminded":
        return _to("booking_reminder", [data.get("assignee_id")], None)
    return []


@dataclass(frozen=True)
class SubscriptionParties:
    """The people around a supplier's subscription."""

    supplier_users: tuple[str, ...]  # the supplier organisation's portal users
    account_manager_id: str | None
    followers: tuple[str, ...]  # buyers following the supplier


def subscription_notices(event: dict[str, Any], parties: SubscriptionParties) -> list[Notice]:
    """A subscription's event: its supplier's users hear of every step (an edit request is
    the supplier's own: only the account manager hears of it); the account manager of the
    reminders, the expiry and edit requests; followers of publication, expiry, a failed
    audit and a returned validation."""
    kind, actor = event["type"], event.get("actor")
    if kind not in SUBSCRIPTION_REASONS:
        return []
    # The welcome (with the supplier id) reaches whoever subscribed too.
    suppliers = [] if kind == "edit_requested" else _to(
        "subscription_update", parties.supplier_users, None if kind == "subscribed" else actor)
    manager = _to("subscription_update", [parties.account_manager_id], actor) \
        if kind in _ACCOUNT_MANAGER_HEARS else []
    followers = _to("followed_supplier", parties.followers, actor) \
        if kind in FOLLOWER_EVENTS else []
    return _unique([*suppliers, *manager, *followers])


def training_notices(event: dict[str, Any], signed_up: Iterable[str]) -> list[Notice]:
    """A training signup's reminder goes to who signed up, the day before; a session moved
    or cancelled is told to everyone signed up for it."""
    data = event.get("data") or {}
    if event["type"] == "training_reminded" and data.get("user_id"):
        return [Notice("training_reminder", data["user_id"])]
    if event["type"] in ("training_moved", "training_cancelled"):
        return _unique(_to("training_update", signed_up, None))
    return []


def may_receive(kind: str, internal: bool, user_is_staff: bool) -> bool:
    """The last guard before sending: nothing internal ever reaches a contact."""
    return user_is_staff or not internal
