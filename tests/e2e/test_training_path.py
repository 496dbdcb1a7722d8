"""The demo training on the whole local stack: the supplier finds the seeded webinar "Logga
in, fyll i, skicka" with free seats, signs up, gets the invitation, and cancels again; the
buyer sees the buyer webinar and not the supplier's."""

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

TOPIC = "Logga in, fyll i, skicka"


def test_the_supplier_signs_up_for_the_demo_webinar_and_gets_the_invitation(
        stack: Stack) -> None:
    from icalendar import Calendar

    supplier = stack.login("supplier@demo.test")
    status, _, listed = stack.request("GET", "/trainings", token=supplier)
    assert status == 200, listed
    webinar = next(s for s in listed["items"] if s["topic"]["sv"] == TOPIC)
    assert webinar["audience"] == "supplier" and webinar["seats_left"] > 0
    status, _, signup = stack.request("POST", f"/trainings/{webinar['id']}/signups",
                                      token=supplier)
    assert status == 201, signup
    status, headers, ics = stack.request("GET", signup["invitation_path"], token=supplier)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == TOPIC
    status, _, _ = stack.request("DELETE", f"/trainings/{webinar['id']}/signups/me",
                                 token=supplier)
    assert status == 204


def test_the_buyer_sees_the_buyer_webinar_only(stack: Stack) -> None:
    buyer = stack.login("buyer@demo.test")
    status, _, listed = stack.request("GET", "/trainings", token=buyer)
    assert status == 200, listed
    assert {s["audience"] for s in listed["items"]} == {"buyer"}
    assert all(s["topic"]["sv"] != TOPIC for s in listed["items"])
