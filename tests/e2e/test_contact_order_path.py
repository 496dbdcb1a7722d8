"""A salesperson's contact-order path over real HTTP against the local stack: a new
customer from the order, a note with hours, a booking that reaches the to-do list and the
iCalendar feed, a sales order, close, and the list with closed orders last."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

AGENT, OTHER_ADMIN = "agent@demo.test", "admin@other.test"


def test_a_contact_order_from_first_call_to_sales_order(stack: Stack) -> None:
    agent = stack.login(AGENT)
    customer = f"Kund {uuid.uuid4().hex[:8]} AB"
    status, _, order = stack.request("POST", "/contact-orders", {
        "subject": "Potentiell kund: service av maskin",
        "customer": {"name": customer},
        "site": {"name": "Verkstaden", "address": {"street": "Storgatan 1",
                                                   "postal_code": "111 22", "city": "Stockholm"},
                 "location": {"lat": 59.33, "lon": 18.06}},
        "contact": {"name": "Nina Nilsson", "email": "nina@example.com", "phone": "+46 70 1234567"},
        "planned_date": "2026-12-01"}, token=agent)
    assert status == 201, order
    assert order["number"].startswith("KO-") and order["status"] == "Ny"
    assert order["site"]["map_url"].startswith("https://www.openstreetmap.org/")
    path = f"/contact-orders/{order['id']}"

    # The new customer is in the register, with the contact person as its contact.
    status, _, found = stack.request("GET", f"/organizations?q={quote(customer)}", token=agent)
    assert [o["name"] for o in found["items"]] == [customer]
    customer_id = found["items"][0]["id"]
    assert order["customer"]["id"] == customer_id

    status, _, note = stack.request("POST", f"{path}/notes",
                                    {"body": "Första samtalet.", "hours": 0.75}, token=agent)
    assert status == 201 and note["author_name"] and note["at"]
    status, _, assigned = stack.request("POST", f"{path}/assign", token=agent)
    assert status == 200 and assigned["assignee_id"]
    at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    status, _, booking = stack.request("POST", f"{path}/bookings", {
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "kind": "meeting", "note": "Demo på plats"},
        token=agent)
    assert status == 201, booking

    status, _, todo = stack.request("GET", "/todo?limit=100", token=agent)
    mine = [i for i in todo["items"] if i["contact_order_id"] == order["id"]]
    assert {i["kind"] for i in mine} == {"booking", "contact_order"}

    status, _, feed = stack.request("POST", "/calendar/feed", token=agent)
    assert status == 201
    status, headers, ics = stack.request("GET", feed["path"])
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(ics).walk("VEVENT")
    (event,) = [e for e in events if str(e["UID"]) == f"{booking['id']}@helpdesk"]
    assert event.decoded("DTSTART") == at
    assert customer in str(event["SUMMARY"]) and "Storgatan 1" in str(event["LOCATION"])
    assert stack.request("GET", feed["path"].replace("demo.", "other."))[0] == 404

    status, _, sales = stack.request("POST", f"{path}/sales-order", token=agent)
    assert status == 201 and sales["contact_order_id"] == order["id"]
    status, _, closed = stack.request("POST", f"{path}/close", token=agent)
    assert status == 200 and closed["closed"] and closed["sales_order_id"] == sales["id"]
    assert stack.request("POST", f"{path}/notes", {"body": "x"}, token=agent)[0] == 422

    status, _, listed = stack.request("GET", f"/organizations/{customer_id}/contact-orders",
                                      token=agent)
    assert listed["total_hours"] == 0.75 and [o["id"] for o in listed["items"]] == [order["id"]]
    status, _, history = stack.request("GET", f"{path}/events", token=agent)
    assert [e["type"] for e in history["items"]] == [
        "created", "noted", "assigned", "booked", "sales_order_created", "closed"]
    assert stack.request("GET", path, token=stack.login(OTHER_ADMIN))[0] == 404


def test_closed_orders_list_after_every_open_one(stack: Stack) -> None:
    agent = stack.login(AGENT)
    customer = f"Sortering {uuid.uuid4().hex[:8]}"
    ids = []
    for planned in ("2026-12-03", "2026-12-01", "2026-12-02"):
        status, _, order = stack.request("POST", "/contact-orders", {
            "subject": f"Order {planned}", "customer": {"name": customer} if not ids else
            {"id": ids[0][1]}, "contact": {"name": "Kim"}, "planned_date": planned},
            token=agent)
        assert status == 201, order
        ids.append((order["id"], order["customer"]["id"]))
    first_planned = ids[1][0]
    assert stack.request("POST", f"/contact-orders/{first_planned}/close", token=agent)[0] == 200
    status, _, listed = stack.request(
        "GET", f"/contact-orders?customer_id={ids[0][1]}", token=agent)
    assert [o["id"] for o in listed["items"]] == [ids[2][0], ids[0][0], first_planned]
    status, _, by_number = stack.request(
        "GET", f"/contact-orders?customer_id={ids[0][1]}&sort=number", token=agent)
    assert [o["id"] for o in by_number["items"]] == [ids[0][0], ids[2][0], first_planned]


@pytest.mark.usefixtures("inboxes_read_afterwards")
def test_a_booking_reminds_its_assignee_through_the_local_clock(stack: Stack) -> None:
    """``POST /_local/tick`` as of the booking's time: the reminder reaches the assignee's
    inbox and mail once, however often the clock ticks."""
    admin, agent = stack.login("admin@demo.test"), stack.login(AGENT)
    status, _, me = stack.request("GET", "/me", token=agent)
    status, _, order = stack.request("POST", "/contact-orders", {
        "subject": "Uppföljning av offert", "customer": {"name": f"Påminn {uuid.uuid4().hex[:6]}"},
        "contact": {"name": "Kim"}}, token=admin)
    assert status == 201, order
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    status, _, booking = stack.request("POST", f"/contact-orders/{order['id']}/bookings", {
        "at": stamp, "kind": "call", "assignee_id": me["id"], "note": "Ring om offerten"},
        token=admin)
    assert status == 201, booking
    for minutes in (1, 6):
        status, _, ticked = stack.request("POST", "/_local/tick", {
            "now": (at + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        assert status == 200, ticked
    status, _, inbox = stack.request("GET", "/notifications?limit=100", token=agent)
    reminders = [n for n in inbox["items"] if n["kind"] == "booking_reminder"
                 and order["number"] in n["title"] + n["body"]]
    assert len(reminders) == 1
    status, _, outbox = stack.request("GET", "/_local/outbox")
    mails = [m for m in outbox["items"] if f"[{order['number']}]" in m["subject"]
             and "agent@demo.test" in m["to"] and "Ring om offerten" in (m["text"] or "")]
    assert len(mails) == 1 and mails[0]["html"]
