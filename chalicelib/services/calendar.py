"""A user's bookings as an iCalendar feed (RFC 5545), at a secret, revocable address.

The address is ``/calendar/<tenant>.<secret>.ics``: calendar apps cannot send a bearer
token, so the secret is the credential. Only its SHA-256 is stored; a new token, or
revoking, makes the old address a 404 at once. The owner's rights are checked on every
read, so a user who is disabled or loses the contact-order rights gets nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission, permissions_for
from chalicelib.services import contact_orders
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.store.dynamo import UnitOfWork

FEED = re.compile(r"^(?P<tenant>[a-z0-9-]{2,40})\.(?P<secret>[A-Za-z0-9_-]{32,64})\.ics$")
PAST_DAYS = 90
CALENDAR_RIGHTS = frozenset({Permission.CONTACT_ORDERS_VIEW.value,
                             Permission.CONTACT_ORDERS_VIEW_ASSIGNED.value})


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_feed(ctx: Ctx) -> dict[str, Any]:
    """A new feed address for the caller; the previous one stops working."""
    if not CALENDAR_RIGHTS & ctx.principal.permissions:
        raise Forbidden("The calendar needs contact_orders.view or view_assigned.")
    secret = secrets.token_urlsafe(32)
    people = directory()
    uow = UnitOfWork()
    people.set_feed(uow, ctx.tenant, ctx.principal.user_id, _hash(secret),
                    people.current_feed(ctx.tenant, ctx.principal.user_id))
    uow.commit()
    token = f"{ctx.tenant}.{secret}"
    return {"feed_token": token, "path": f"/calendar/{token}.ics", "created_at": ctx.stamp}


def revoke_feed(ctx: Ctx) -> None:
    people = directory()
    previous = people.current_feed(ctx.tenant, ctx.principal.user_id)
    if previous is None:
        raise NotFound("You have no calendar feed.")
    uow = UnitOfWork()
    people.set_feed(uow, ctx.tenant, ctx.principal.user_id, None, previous)
    uow.commit()


def feed(name: str, now: datetime) -> bytes:
    """The ``.ics`` document of the feed named ``<tenant>.<secret>.ics``."""
    found = FEED.fullmatch(name)
    if not found:
        raise NotFound("No such calendar.")
    tenant = found["tenant"]
    people = directory()
    owner = people.feed_owner(tenant, _hash(found["secret"]))
    user = people.get_user(tenant, owner) if owner else None
    if user is None or not user.get("active", True):
        raise NotFound("No such calendar.")
    rights = permissions_for(user.get("roles", []), people.saved_roles(tenant))
    if not CALENDAR_RIGHTS & rights:
        raise NotFound("No such calendar.")
    bookings = contact_orders.bookings_for_feed(tenant, user["id"], rights,
                                                utc_iso(now - timedelta(days=PAST_DAYS)))
    return render(user.get("name", ""), bookings, now)


def render(owner: str, bookings: list[Any], now: datetime) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Helpdesk//Contact orders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Helpdesk: {owner}".strip())
    for booking in bookings:
        start = datetime.fromisoformat(booking.at)
        event = Event()
        event.add("uid", f"{booking.id}@helpdesk")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=booking.duration_minutes))
        event.add("summary", f"{booking.kind.title()}: {booking.customer_name} "
                             f"({booking.order_number})")
        event.add("description", "\n".join(x for x in (booking.subject, booking.note) if x))
        if booking.location:
            event.add("location", booking.location)
        cancelled = booking.done_reason in ("order_closed", "order_deleted")
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
