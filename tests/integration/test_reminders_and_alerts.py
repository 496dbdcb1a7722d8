"""Booking reminders and assignment notices of contact orders, SLA alerts of tickets, and
SMS where the tenant enabled it: each driven by the local stack's clock (``tick``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.bootstrap import LocalResources
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(stamp: str, minutes: float = 0) -> datetime:
    return datetime.fromisoformat(stamp) + timedelta(minutes=minutes)


def _id(api: Api, who: str) -> str:
    return str(api.call("GET", "/me", as_user=who).body["id"])


def _inbox(api: Api, who: str) -> list[dict[str, Any]]:
    return list(api.call("GET", "/notifications?limit=100", as_user=who).body["items"])


def _mails(mail: LocalOutbox, marker: str, to: str) -> list[dict[str, Any]]:
    return [m for m in mail.messages()
            if m["via"] == "ses" and marker in m["subject"] and to in m["to"]]


@pytest.fixture(scope="module")
def order(api: Api) -> dict[str, Any]:
    customer = api.call("POST", "/organizations", {"name": f"Bygg {uuid.uuid4().hex[:6]}"},
                        as_user=ADMIN)
    assert customer.status == 201, customer.body
    answer = api.call("POST", "/contact-orders", {
        "subject": "Offert på ventilation", "customer": {"id": customer.body["id"]},
        "contact": {"name": "Nina", "email": "nina@example.test", "phone": "+46 8 1"}},
        as_user=ADMIN)
    assert answer.status == 201, answer.body
    return dict(answer.body)


# --- contact orders ----------------------------------------------------------------------


def test_a_booking_reminds_its_assignee_once_at_its_time(
        api: Api, runner: EventRunner, mail: LocalOutbox, order: dict[str, Any]) -> None:
    agent = _id(api, AGENT)
    at = _iso(_now() + timedelta(hours=2))
    booking = api.call("POST", f"/contact-orders/{order['id']}/bookings",
                       {"at": at, "kind": "meeting", "assignee_id": agent,
                        "note": "Ta med ritningarna"}, as_user=ADMIN)
    assert booking.status == 201, booking.body
    runner.tick(_at(at, -60))
    assert not [n for n in _inbox(api, AGENT) if n["kind"] == "booking_reminder"]
    report = runner.tick(_at(at, 1))
    assert report["schedules"]["booking_reminders"]["reminded"] == 1
    runner.tick(_at(at, 6))
    reminders = [n for n in _inbox(api, AGENT) if n["kind"] == "booking_reminder"
                 and order["number"] in n["title"] + n["body"]]
    assert len(reminders) == 1
    sent = [m for m in _mails(mail, order["number"], AGENT) if "Ta med ritningarna" in m["text"]]
    assert len(sent) == 1
    events = api.call("GET", f"/contact-orders/{order['id']}/events?limit=100",
                      as_user=ADMIN).body["items"]
    assert [e["type"] for e in events].count("booking_reminded") == 1
    done = api.call("GET", f"/contact-orders/{order['id']}/bookings", as_user=ADMIN).body
    assert next(b for b in done["items"] if b["id"] == booking.body["id"])["reminded_at"]


def test_a_booking_done_before_its_time_is_not_reminded(
        api: Api, runner: EventRunner, order: dict[str, Any]) -> None:
    at = _iso(_now() + timedelta(hours=3))
    booking = api.call("POST", f"/contact-orders/{order['id']}/bookings",
                       {"at": at, "kind": "call", "note": "Done early"}, as_user=AGENT)
    assert booking.status == 201, booking.body
    done = api.call("POST", f"/contact-orders/{order['id']}/bookings/{booking.body['id']}/done",
                    as_user=AGENT)
    assert done.status == 200, done.body
    runner.tick(_at(at, 5))
    assert not [n for n in _inbox(api, AGENT)
                if n["kind"] == "booking_reminder" and "Done early" in n.get("body", "")]
    events = api.call("GET", f"/contact-orders/{order['id']}/events?limit=100",
                      as_user=ADMIN).body["items"]
    reminded = [e for e in events if e["type"] == "booking_reminded"]
    assert all(e["data"]["booking_id"] != booking.body["id"] for e in reminded)


def test_assignment_tells_the_assignee_but_not_who_took_it_themselves(
        api: Api, runner: EventRunner, mail: LocalOutbox, order: dict[str, Any]) -> None:
    agent = _id(api, AGENT)
    answer = api.call("POST", f"/contact-orders/{order['id']}/assign", {"assignee_id": agent},
                      as_user=ADMIN)
    assert answer.status == 200, answer.body
    runner.tick(_now())
    notices = [n for n in _inbox(api, AGENT) if n["kind"] == "contact_order_assigned"
               and order["number"] in n["title"] + n["body"]]
    assert len(notices) == 1
    assert len(_mails(mail, order["number"], AGENT)) >= 1
    mine = api.call("POST", f"/contact-orders/{order['id']}/assign", {}, as_user=ADMIN)
    assert mine.status == 200, mine.body
    runner.tick(_now())
    assert not [n for n in _inbox(api, ADMIN) if n["kind"] == "contact_order_assigned"
                and order["number"] in n["title"] + n["body"]]


# --- SLA alerts -----------------------------------------------------------------------------


def _ticket(api: Api, subject: str) -> dict[str, Any]:
    types = api.call("GET", "/ticket-types", as_user=CUSTOMER).body["items"]
    plain = next(t for t in types if not t["required_fields"])
    answer = api.call("POST", "/tickets", {"subject": subject, "ticket_type_id": plain["id"],
                                           "priority": "urgent"}, as_user=CUSTOMER)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def test_sla_warning_then_breach_reach_the_queue_owners_once(
        api: Api, runner: EventRunner, mail: LocalOutbox) -> None:
    ticket = _ticket(api, "Production is down")
    full = api.call("GET", f"/tickets/{ticket['id']}", as_user=AGENT).body
    warn, due = full["first_response_warn_at"], full["first_response_due_at"]
    assert warn < due
    runner.tick(_at(warn, 1))
    runner.tick(_at(warn, 2))
    events = [e["type"] for e in api.call("GET", f"/tickets/{ticket['id']}/events?limit=100",
                                          as_user=AGENT).body["items"]]
    assert events.count("sla_warning") >= 1
    # Unassigned: the tenant's staff holding tickets.assign hear of it, each once.
    warnings = [n for n in _inbox(api, ADMIN)
                if n["kind"] == "sla_warning" and ticket["number"] in n["title"]]
    assert len(warnings) == events.count("sla_warning")
    runner.tick(_at(due, 1))
    events = [e["type"] for e in api.call("GET", f"/tickets/{ticket['id']}/events?limit=100",
                                          as_user=AGENT).body["items"]]
    assert "sla_breached" in events
    assert [n for n in _inbox(api, AGENT)
            if n["kind"] == "sla_breached" and ticket["number"] in n["title"]]
    # Internal events: the customer neither sees them nor hears of them.
    public = [e["type"] for e in api.call("GET", f"/tickets/{ticket['id']}/events?limit=100",
                                          as_user=CUSTOMER).body["items"]]
    assert "sla_warning" not in public and "sla_breached" not in public
    assert not [m for m in _mails(mail, ticket["number"], CUSTOMER) if "SLA" in m["subject"]]


def test_an_answer_in_time_ends_the_first_response_alert(api: Api, runner: EventRunner) -> None:
    ticket = _ticket(api, "Answered in time")
    full = api.call("GET", f"/tickets/{ticket['id']}", as_user=AGENT).body
    assert api.call("POST", f"/tickets/{ticket['id']}/comments", {"body": "Looking now"},
                    as_user=AGENT).status == 201
    runner.tick(_at(full["first_response_due_at"], 1))
    events = [e for e in api.call("GET", f"/tickets/{ticket['id']}/events?limit=100",
                                  as_user=AGENT).body["items"]
              if e["type"] in ("sla_warning", "sla_breached")]
    assert all(e["data"]["target"] == "resolution" for e in events)


# --- SMS ------------------------------------------------------------------------------------


def _settings(api: Api, **changes: Any) -> None:
    current = api.call("GET", "/settings", as_user=ADMIN)
    body = {k: v for k, v in current.body.items() if k not in {"tenant", "updated_at", "version"}}
    body |= changes
    answer = api.call("PUT", "/settings", body, as_user=ADMIN,
                      headers={"If-Match": current.headers["etag"]})
    assert answer.status == 200, answer.body


def test_sms_goes_out_only_where_the_tenant_enabled_it(
        api: Api, runner: EventRunner, local_resources: LocalResources) -> None:
    from moto.sns.models import sns_backends

    from local.outbox import ACCOUNT

    texts = sns_backends[ACCOUNT][local_resources.region].sms_messages
    customer = _id(api, CUSTOMER)
    assert api.call("PATCH", f"/users/{customer}", {"phone": "+46701234567"},
                    as_user=ADMIN).status == 200
    ticket = _ticket(api, "SMS please")
    runner.tick(_now())
    resolved = api.call("POST", f"/tickets/{ticket['id']}/resolve", {"resolution": "Done"},
                        as_user=AGENT).body
    runner.tick(_at(resolved["approval_due_at"], 1))  # reminded, SMS off
    assert not [m for _, m in texts.values() if ticket["number"] in m]
    try:
        _settings(api, notification_channels={"email": True, "in_app": True, "sms": True})
        second = _ticket(api, "SMS now")
        runner.tick(_now())
        resolved = api.call("POST", f"/tickets/{second['id']}/resolve", {"resolution": "Done"},
                            as_user=AGENT).body
        runner.tick(_at(resolved["approval_due_at"], 1))
        sms = [(phone, m) for phone, m in texts.values() if second["number"] in m]
        # Only the reminder is urgent enough for SMS; the receipt and resolution are not.
        assert len(sms) == 1 and sms[0][0] == "+46701234567" and len(sms[0][1]) <= 320
    finally:
        _settings(api, notification_channels={"email": True, "in_app": True, "sms": False})


def test_another_tenants_sweep_and_mail_stay_apart(api: Api, runner: EventRunner,
                                                  mail: LocalOutbox) -> None:
    ticket = _ticket(api, "Demo only")
    runner.tick(_now())
    other_people = set(emails(OTHER_TENANT))
    assert not [m for m in mail.messages() if f"[{ticket['number']}]" in m["subject"]
                and other_people & set(m["to"])]
    assert api.call("GET", f"/tickets/{ticket['id']}", as_user=OTHER_ADMIN).status == 404
