"""``GET /home`` (issue 23, item 4) through the app on moto: a customer's work in its
sections, an agent's queue numbers, and another tenant's or another customer's tickets
never counted."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.identity import cognito
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, OTHER_AGENT, OTHER_CUSTOMER = emails(OTHER_TENANT)
COLLEAGUE = f"colleague@{TENANT}.test"


def _ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status == status, answer.body
    return dict(answer.body)


@pytest.fixture(scope="module", autouse=True)
def around_the_clock(api: Api) -> None:
    """SLA targets measured around the clock, warned a day ahead: every new ticket is
    "near" its first-response target at once."""
    settings = _ok(api.call("GET", "/settings", as_user=ADMIN))
    body = {k: v for k, v in settings.items()
            if k not in ("tenant", "updated_at", "version", "email_address_status")}
    body["support_hours"] = {**body["support_hours"], "weekdays": [1, 2, 3, 4, 5, 6, 7],
                             "start": "00:00", "end": "23:59", "holiday_country": None}
    body["sla_warning_minutes"] = 24 * 60
    _ok(api.call("PUT", "/settings", body, as_user=ADMIN))
    me = _ok(api.call("GET", "/me", as_user=CUSTOMER))
    _ok(api.call("POST", "/users", {
        "email": COLLEAGUE, "name": "Colleague", "kind": "contact",
        "organization_id": me["organization_id"], "roles": ["contact"]}, as_user=ADMIN), 201)
    cognito.set_permanent_password(COLLEAGUE, PASSWORD)


def _ticket(api: Api, subject: str, who: str = CUSTOMER) -> dict[str, Any]:
    types = _ok(api.call("GET", "/ticket-types", as_user=who))["items"]
    plain = next(t for t in types if not t["required_fields"])
    return _ok(api.call("POST", "/tickets", {"subject": subject, "description": "Hello",
                                             "ticket_type_id": plain["id"]}, as_user=who), 201)


def _subjects(rows: list[dict[str, Any]]) -> list[str]:
    return [r["subject"] for r in rows]


def test_a_customer_lands_on_what_awaits_them(api: Api) -> None:
    agent = _ok(api.call("GET", "/me", as_user=AGENT))["id"]
    to_test = _ticket(api, "Test the new invoice layout")
    question = _ticket(api, "Which VAT number?")
    waiting = _ticket(api, "Printer offline")
    _ticket(api, "A colleague's question", who=COLLEAGUE)  # organisation visibility "own"
    _ticket(api, "Another tenant's", who=OTHER_CUSTOMER)
    _ok(api.call("PATCH", f"/tickets/{to_test['id']}", {"assignee_id": agent}, as_user=AGENT))
    _ok(api.call("POST", f"/tickets/{to_test['id']}/resolve", {"resolution": "Done"},
                 as_user=AGENT))
    _ok(api.call("PATCH", f"/tickets/{question['id']}", {"status": "waiting_on_customer"},
                 as_user=AGENT))

    home = _ok(api.call("GET", "/home", as_user=CUSTOMER))
    assert home["kind"] == "contact" and home["queue"] is None
    work = home["work"]
    assert _subjects(work["awaiting_approval"]) == ["Test the new invoice layout"]
    assert work["awaiting_approval"][0]["approval_due_at"]
    assert _subjects(work["awaiting_answer"]) == ["Which VAT number?"]
    assert waiting["subject"] in _subjects(work["other_open"])
    seen = _subjects(work["awaiting_approval"] + work["awaiting_answer"] + work["other_open"])
    assert "A colleague's question" not in seen and "Another tenant's" not in seen
    assert "hours" not in work["awaiting_approval"][0]  # a contact's view of a ticket
    assert work["capped"] is False

    _ok(api.call("POST", f"/tickets/{to_test['id']}/approve", as_user=CUSTOMER))
    after = _ok(api.call("GET", "/home", as_user=CUSTOMER))["work"]
    assert after["awaiting_approval"] == []


def test_an_agent_sees_the_queue_in_numbers(api: Api) -> None:
    agent = _ok(api.call("GET", "/me", as_user=AGENT))["id"]
    before = _ok(api.call("GET", "/home", as_user=AGENT))["queue"]
    other_before = _ok(api.call("GET", "/home", as_user=OTHER_AGENT))["queue"]
    mine = _ticket(api, "Mine, waiting for the customer", who=COLLEAGUE)
    _ticket(api, "Nobody's yet", who=COLLEAGUE)
    _ticket(api, "In the other tenant", who=OTHER_CUSTOMER)
    _ok(api.call("PATCH", f"/tickets/{mine['id']}",
                 {"assignee_id": agent, "status": "waiting_on_customer"}, as_user=AGENT))

    queue = _ok(api.call("GET", "/home", as_user=AGENT))["queue"]
    assert queue["mine"] == before["mine"] + 1
    assert queue["unassigned"] == before["unassigned"] + 1
    assert queue["waiting_on_customer"] == before["waiting_on_customer"] + 1
    # Every open ticket here is within a day of its first-response target (none is past).
    assert queue["near_sla"] == queue["mine"] + queue["unassigned"] - _resolved_mine(api)
    assert queue["past_sla"] == 0 and queue["capped"] is False
    other = _ok(api.call("GET", "/home", as_user=OTHER_AGENT))["queue"]
    assert other["unassigned"] == other_before["unassigned"] + 1
    assert other["mine"] == other_before["mine"] == 0


def _resolved_mine(api: Api) -> int:
    """Resolved tickets are still in the queue's "active" lists but owe no SLA target."""
    page = _ok(api.call("GET", "/tickets?assignee=me&status=resolved&limit=100",
                        as_user=AGENT))
    return len(page["items"])


def test_staff_without_tickets_view_get_no_queue_and_strangers_nothing(api: Api) -> None:
    me = _ok(api.call("GET", "/me", as_user=ADMIN))
    assert _ok(api.call("GET", "/home", as_user=ADMIN))["queue"] is not None
    assert me["kind"] == "staff"
    assert api.call("GET", "/home").status == 401
