"""The customer's ticket path over real HTTP on the shared local stack, as a client does it:
create, attach a file straight to S3, talk with an agent, resolution and approval, then
find the ticket again. Every ticket here has a subject word of its own, so the test does
not depend on what other e2e tests put on the shared stack."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

CUSTOMER = "customer@demo.test"
AGENT = "agent@demo.test"


def _unique_word() -> str:
    # Letters and digits only (one search word), at most 15 characters (the indexed prefix).
    return "path" + uuid.uuid4().hex[:10]


def _all(stack: Stack, path: str, token: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        query = f"{'&' if '?' in path else '?'}limit=100"
        if cursor:
            query += f"&cursor={quote(cursor, safe='')}"
        status, _, page = stack.request("GET", path + query, token=token)
        assert status == 200, (path, page)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items
    raise AssertionError(f"{path} did not end after 100 pages")


def _ids(stack: Stack, path: str, token: str) -> set[str]:
    return {i["id"] for i in _all(stack, path, token)}


def _upload(answer: dict[str, Any], filename: str, content: bytes,
            content_type: str) -> requests.Response:
    """The presigned S3 POST exactly as a browser form sends it: the fields, then the file."""
    return requests.post(answer["upload_url"], data=answer["upload_fields"],
                         files={"file": (filename, content, content_type)}, timeout=30)


def _create(stack: Stack, token: str, subject: str, **headers: str) -> tuple[int, Any]:
    status, _, body = stack.request("POST", "/tickets", {
        "subject": subject,
        "description": "The invoice printer prints blank pages since this morning.",
        "ticket_type_id": "technical_fault",
    }, token=token, headers=headers)
    return status, body


def test_customer_ticket_path(stack: Stack) -> None:
    word = _unique_word()
    subject = f"Printer {word} prints blank pages"

    # --- 1. log in, read the ticket types, open a ticket -----------------------------
    customer = stack.login(CUSTOMER)
    agent = stack.login(AGENT)
    status, _, me = stack.request("GET", "/me", token=customer)
    assert status == 200 and me["kind"] == "contact", me

    status, _, types = stack.request("GET", "/ticket-types", token=customer)
    assert status == 200, types
    assert "technical_fault" in {tt["id"] for tt in types["items"]}, types

    status, ticket = _create(stack, customer, subject)
    assert status == 201, ticket
    assert ticket["number"].startswith("T-") and ticket["number"][2:].isdigit(), ticket
    assert int(ticket["number"][2:]) >= 1001, ticket
    assert ticket["status"] == "new" and ticket["subject"] == subject
    assert ticket["ticket_type_id"] == "technical_fault"
    assert ticket["requester_id"] == me["id"]
    tid, number = ticket["id"], ticket["number"]

    status, _, read = stack.request("GET", f"/tickets/{tid}", token=customer)
    assert status == 200 and read["id"] == tid and read["number"] == number

    # --- 2. attach a file: announce it, upload it to S3, download it ------------------
    content = f"Printer log for {word}\n".encode() + bytes(range(256)) * 4
    status, _, announced = stack.request("POST", f"/tickets/{tid}/attachments", {
        "filename": "printer-log.txt", "content_type": "text/plain", "size": len(content),
    }, token=customer)
    assert status == 201, announced
    assert announced["upload_url"] and isinstance(announced["upload_fields"], dict), announced
    assert announced["size"] == len(content) and announced["state"] == "pending"
    aid = announced["id"]

    uploaded = _upload(announced, "printer-log.txt", content, "text/plain")
    assert 200 <= uploaded.status_code < 300, (uploaded.status_code, uploaded.text)

    answer = requests.get(f"{stack.url}/tickets/{tid}/attachments/{aid}",
                          headers={"Authorization": f"Bearer {customer}"},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, (answer.status_code, answer.text)
    location = answer.headers["Location"]
    assert location and answer.json()["url"] == location, answer.text
    downloaded = requests.get(location, timeout=30)
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.content == content

    listed = {a["id"]: a for a in _all(stack, f"/tickets/{tid}/attachments", customer)}
    assert listed[aid]["state"] == "uploaded", listed

    # --- 3. the conversation: public for the customer, internal for staff only -------
    status, _, asked = stack.request("POST", f"/tickets/{tid}/comments",
                                     {"body": f"It started after the update ({word})."},
                                     token=customer)
    assert status == 201 and asked["internal"] is False, asked
    assert asked["author_kind"] == "contact"
    status, _, internal = stack.request("POST", f"/tickets/{tid}/comments", {
        "body": "Internal: probably the driver from last night's rollout.", "internal": True,
    }, token=agent)
    assert status == 201 and internal["internal"] is True, internal
    status, _, answered = stack.request("POST", f"/tickets/{tid}/comments",
                                        {"body": "We are rolling the driver back now."},
                                        token=agent)
    assert status == 201 and answered["internal"] is False, answered

    seen = _all(stack, f"/tickets/{tid}/comments", customer)
    seen_ids = [c["id"] for c in seen]
    assert asked["id"] in seen_ids and answered["id"] in seen_ids, seen
    assert internal["id"] not in seen_ids, seen
    assert not any(c["internal"] for c in seen), seen
    assert seen_ids.index(asked["id"]) < seen_ids.index(answered["id"]), "oldest first"
    staff_sees = _ids(stack, f"/tickets/{tid}/comments", agent)
    assert {asked["id"], internal["id"], answered["id"]} <= staff_sees

    customer_events = _all(stack, f"/tickets/{tid}/events", customer)
    assert not any(e["internal"] for e in customer_events), customer_events
    assert not any(e["data"].get("comment_id") == internal["id"] for e in customer_events)
    staff_events = _all(stack, f"/tickets/{tid}/events", agent)
    assert any(e["data"].get("comment_id") == internal["id"] for e in staff_events), \
        "the staff history does show the internal comment"

    # --- 4. the agent resolves, the customer approves ---------------------------------
    status, _, resolved = stack.request("POST", f"/tickets/{tid}/resolve",
                                        {"resolution": "Driver rolled back; test a print."},
                                        token=agent)
    assert status == 200, resolved
    assert resolved["status"] == "resolved" and resolved["approval_due_at"], resolved
    assert resolved["resolution"]

    status, _, closed = stack.request("POST", f"/tickets/{tid}/approve", token=customer)
    assert status == 200, closed
    assert closed["status"] == "closed" and closed["closed_reason"] == "approved", closed
    assert closed["closed_at"]

    status, _, read = stack.request("GET", f"/tickets/{tid}", token=customer)
    assert status == 200 and read["status"] == "closed" and read["closed_reason"] == "approved"

    history = [e["type"] for e in _all(stack, f"/tickets/{tid}/events", customer)]
    for kind in ("created", "commented", "resolved", "approved"):
        assert kind in history, (kind, history)
    assert history.index("created") < history.index("commented") \
        < history.index("resolved") < history.index("approved"), history

    # --- 5. finding it again ------------------------------------------------------------
    assert tid in _ids(stack, "/tickets?status=closed", customer)
    assert tid not in _ids(stack, "/tickets?status=active", customer)
    by_number = _all(stack, f"/tickets?q={number}", customer)
    assert [t["id"] for t in by_number] == [tid], by_number
    by_word = _all(stack, f"/tickets?q={word}", customer)
    assert [t["id"] for t in by_word] == [tid], by_word


def _announce_pdf(stack: Stack, token: str, ticket_id: str, size: int) -> dict[str, Any]:
    status, _, announced = stack.request(
        "POST", f"/tickets/{ticket_id}/attachments",
        {"filename": "scan.pdf", "content_type": "application/pdf", "size": size}, token=token)
    assert status == 201, announced
    return dict(announced)


def test_presigned_post_pins_the_declared_size_and_type(stack: Stack) -> None:
    """The signed policy allows exactly the declared size and type, and the bucket refuses
    any other (the local stack's S3 checks POST policies as S3 does: local/moto_fidelity)."""
    customer = stack.login(CUSTOMER)
    status, ticket = _create(stack, customer, f"Scanner {_unique_word()} jams")
    assert status == 201, ticket
    declared = 1000
    announced = _announce_pdf(stack, customer, ticket["id"], declared)
    policy = json.loads(base64.b64decode(announced["upload_fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", declared, declared] in conditions, policy
    assert {"Content-Type": "application/pdf"} in conditions, policy
    assert announced["upload_fields"]["Content-Type"] == "application/pdf"
    for actual in (declared + 1, declared - 1):
        announced = _announce_pdf(stack, customer, ticket["id"], declared)
        refused = _upload(announced, "scan.pdf", b"%" * actual, "application/pdf")
        assert refused.status_code == 400, (actual, refused.status_code, refused.text)
        assert "EntityToo" in refused.text
        status, _, problem = stack.request(
            "GET", f"/tickets/{ticket['id']}/attachments/{announced['id']}", token=customer)
        assert status == 409, (actual, status, problem)
    announced = _announce_pdf(stack, customer, ticket["id"], declared)
    fields = {**announced["upload_fields"], "Content-Type": "text/html"}
    forged = requests.post(announced["upload_url"], data=fields,
                           files={"file": ("x.html", b"<" * declared, "text/html")}, timeout=10)
    assert forged.status_code == 403, forged.text


def test_idempotent_create_returns_the_same_ticket(stack: Stack) -> None:
    customer = stack.login(CUSTOMER)
    word = _unique_word()
    key = str(uuid.uuid4())
    answers = [_create(stack, customer, f"Badge reader {word} is offline",
                       **{"Idempotency-Key": key}) for _ in range(3)]
    assert [status for status, _ in answers] == [201, 201, 201], answers
    assert len({body["id"] for _, body in answers}) == 1, answers
    assert len({body["number"] for _, body in answers}) == 1, answers
    found = _all(stack, f"/tickets?q={word}", customer)
    assert [t["id"] for t in found] == [answers[0][1]["id"]], found
