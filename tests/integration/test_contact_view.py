"""Issue 14, item 7: a contact reads their own ticket without support's staff-only fields,
in every answer that carries the ticket (single, list, create, approve, reject, comments,
history), even when those fields are set on the ticket."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.config import get_config
from chalicelib.identity import cognito
from chalicelib.store.clients import client
from chalicelib.store.dynamo import serialize
from chalicelib.store.tickets import TICKET, ticket_pk
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)

# Fields support sets on a ticket that a contact must never receive.
STAFF_ONLY = {
    "auto_approval_paused", "total_hours", "sla_alerts", "related_ticket_id", "assignee_id",
    "requester_email", "reminder_sent_at", "auto_close_at", "first_response_warn_at",
    "resolution_warn_at", "comment_count", "created_by", "first_response_at",
}


def _plant_staff_fields(ticket_id: str, watcher_ids: list[str]) -> None:
    """What support's work leaves on a ticket, written straight into the store (the worst
    case: every staff-only field set at once)."""
    values = {
        ":paused": {"at": "2026-11-22T09:30:00Z", "by": "staff-paul", "by_name": "Paul Pauser",
                    "reason": "Customer is difficult; wait for the account manager"},
        ":hours": 7.5, ":alerts": {"resolution": "breached"}, ":related": "01RELATEDTICKET",
        ":sender": "spoofer@evil.example", ":warn": "2026-11-22T10:00:00Z",
        ":watchers": watcher_ids,
    }
    client("dynamodb").update_item(
        TableName=get_config().tickets_table,
        Key=serialize({"PK": ticket_pk(TENANT, ticket_id), "SK": TICKET}),
        UpdateExpression=("SET auto_approval_paused = :paused, total_hours = :hours, "
                          "sla_alerts = :alerts, related_ticket_id = :related, "
                          "requester_email = :sender, first_response_warn_at = :warn, "
                          "resolution_warn_at = :warn, watchers = :watchers"),
        ExpressionAttributeValues=serialize(values),
    )


def _assert_contact_shape(ticket: dict[str, Any], viewer: str) -> None:
    leaked = STAFF_ONLY & set(ticket)
    assert not leaked, f"staff-only fields reached a contact: {sorted(leaked)}"
    assert set(ticket.get("watchers", [])) <= {viewer}
    assert "by" not in (ticket.get("approval") or {})


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, str]:
    me = {e: api.call("GET", "/me", as_user=e).body for e in (ADMIN, AGENT, CUSTOMER)}
    colleague = api.call("POST", "/users", {
        "email": f"watcher@{TENANT}.test", "name": "Wanda Watcher", "kind": "contact",
        "organization_id": me[CUSTOMER]["organization_id"], "roles": ["contact"]},
        as_user=ADMIN)
    assert colleague.status == 201, colleague.body
    cognito.set_permanent_password(f"watcher@{TENANT}.test", PASSWORD)
    return {"customer": me[CUSTOMER]["id"], "agent": me[AGENT]["id"],
            "colleague": colleague.body["id"]}


def _resolved_ticket(api: Api, ids: dict[str, str]) -> dict[str, Any]:
    created = api.call("POST", "/tickets", {"subject": f"Skrivaren {uuid.uuid4().hex[:6]}",
                                            "ticket_type_id": "question"}, as_user=CUSTOMER)
    assert created.status == 201, created.body
    path = f"/tickets/{created.body['id']}"
    assert api.call("PATCH", path, {"assignee_id": ids["agent"]}, as_user=AGENT).status == 200
    assert api.call("PATCH", path, {"status": "open", "reason": "Internal: VIP"},
                    as_user=AGENT).status == 200
    hours = api.call("POST", f"{path}/comments", {"body": "Tittar på det", "hours": 2},
                     as_user=AGENT)
    assert hours.status == 201 and hours.body["hours"] == 2
    resolved = api.call("POST", f"{path}/resolve", {"resolution": "Ny drivrutin", "hours": 1},
                        as_user=AGENT)
    assert resolved.status == 200, resolved.body
    paused = api.call("POST", f"{path}/pause-auto-approval",
                      {"reason": "Internal: waiting on the account manager"}, as_user=AGENT)
    assert paused.status == 200, paused.body
    _plant_staff_fields(created.body["id"], [ids["colleague"], ids["agent"]])
    staff_view = api.call("GET", path, as_user=AGENT).body
    # Staff still see every field (the attack below is not vacuous).
    assert staff_view["auto_approval_paused"]["reason"].startswith("Customer is difficult")
    assert staff_view["total_hours"] == 7.5 and staff_view["related_ticket_id"]
    assert staff_view["watchers"] == [ids["colleague"], ids["agent"]]
    return dict(staff_view)


def test_a_contact_reading_their_ticket_gets_no_staff_only_fields(api: Api,
                                                                  ids: dict[str, str]) -> None:
    ticket = _resolved_ticket(api, ids)
    path = f"/tickets/{ticket['id']}"
    single = api.call("GET", path, as_user=CUSTOMER)
    assert single.status == 200
    _assert_contact_shape(single.body, ids["customer"])
    assert single.body["watchers"] == []
    assert (single.body["number"], single.body["status"], single.body["resolution"]) == (
        ticket["number"], "resolved", "Ny drivrutin")
    assert single.headers["etag"] == f'"{ticket["version"]}"'

    listed = api.call("GET", "/tickets?status=resolved&limit=100", as_user=CUSTOMER)
    (row,) = [i for i in listed.body["items"] if i["id"] == ticket["id"]]
    _assert_contact_shape(row, ids["customer"])

    # The watching colleague sees themself among the watchers, nobody else.
    watched = api.call("GET", path, as_user=f"watcher@{TENANT}.test")
    assert watched.status == 200 and watched.body["watchers"] == [ids["colleague"]]

    comments = api.call("GET", f"{path}/comments", as_user=CUSTOMER).body["items"]
    assert comments and all("hours" not in c for c in comments)
    assert all(set(c.get("email") or {}) <= {"refused_attachments"} for c in comments)
    assert [c["hours"] for c in api.call("GET", f"{path}/comments",
                                         as_user=AGENT).body["items"] if c["hours"]] == [2, 1]

    events = api.call("GET", f"{path}/events?limit=100", as_user=CUSTOMER).body["items"]
    assert {e["type"] for e in events} >= {"created", "resolved", "assigned"}
    assert "auto_approval_paused" not in {e["type"] for e in events}
    staff_events = api.call("GET", f"{path}/events?limit=100", as_user=AGENT).body["items"]
    assert any(e["data"].get("hours") for e in staff_events)
    assert any(e["data"].get("reason") == "Internal: VIP" for e in staff_events)
    for event in events:
        assert "hours" not in event["data"] and "reason" not in event["data"], event


def test_a_contact_answering_gets_the_contact_shape(api: Api, ids: dict[str, str]) -> None:
    approved_ticket = _resolved_ticket(api, ids)
    approved = api.call("POST", f"/tickets/{approved_ticket['id']}/approve",
                        {"comment": "Fungerar"}, as_user=CUSTOMER,
                        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert approved.status == 200, approved.body
    assert approved.body["status"] == "closed"
    _assert_contact_shape(approved.body, ids["customer"])

    rejected_ticket = _resolved_ticket(api, ids)
    rejected = api.call("POST", f"/tickets/{rejected_ticket['id']}/reject",
                        {"reason": "Fungerar inte"}, as_user=CUSTOMER)
    assert rejected.status == 200, rejected.body
    assert rejected.body["approval"] == {"state": "rejected", "at": rejected.body["approval"]["at"],
                                         "reason": "Fungerar inte"}
    _assert_contact_shape(rejected.body, ids["customer"])

    comment = api.call("POST", f"/tickets/{rejected_ticket['id']}/comments",
                       {"body": "Fortfarande fel"}, as_user=CUSTOMER)
    assert comment.status == 201 and "hours" not in comment.body
    assert comment.body.get("email") is None


def test_a_contact_creating_a_ticket_gets_the_contact_shape(api: Api, ids: dict[str, str]) -> None:
    key = uuid.uuid4().hex
    body = {"subject": "Ny användare", "ticket_type_id": "question"}
    created = api.call("POST", "/tickets", body, as_user=CUSTOMER,
                       headers={"Idempotency-Key": key})
    assert created.status == 201
    _assert_contact_shape(created.body, ids["customer"])
    # The promised targets stay (they are the customer's to know), the alerts do not.
    assert created.body["first_response_due_at"] and created.body["resolution_due_at"]
    replay = api.call("POST", "/tickets", body, as_user=CUSTOMER,
                      headers={"Idempotency-Key": key})
    assert replay.body == created.body
    staff = api.call("POST", "/tickets", {**body, "organization_id": created.body[
        "organization_id"], "requester_id": ids["customer"]}, as_user=AGENT)
    assert staff.status == 201 and "total_hours" in staff.body and "created_by" in staff.body


def test_openapi_describes_both_shapes(api: Api) -> None:
    spec = api.call("GET", "/openapi.json").body
    answer = spec["paths"]["/tickets/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert answer == {"anyOf": [{"$ref": "#/components/schemas/TicketView"},
                                {"$ref": "#/components/schemas/ContactTicketView"}]}
    for name in ("ContactTicket", "ContactTicketView"):
        contact = spec["components"]["schemas"][name]
        assert contact["additionalProperties"] is False
        assert not STAFF_ONLY & set(contact["properties"])
    assert {"can_comment", "can_approve", "can_edit", "can_assign"} <= set(
        spec["components"]["schemas"]["ContactTicketView"]["properties"])
