"""The approval flow driven by the clock, one-click answers, and the notification
pipeline (outbox -> relay -> queue -> consumer -> SES / in-app / SNS) on moto.

The clock is the local stack's: ``EventRunner.tick(now)`` runs every schedule as of
``now`` and drains the queues, exactly what ``POST /_local/tick`` does.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import boto3

from app import app
from chalicelib.services import answer_links
from local.bootstrap import LocalResources
from local.events import EventRunner
from local.outbox import LocalOutbox
from scripts.redrive import redrive
from tests.integration.api_client import Api

ADMIN, AGENT, CUSTOMER = "admin@demo.test", "agent@demo.test", "customer@demo.test"
OTHER_CUSTOMER = "customer@other.test"
REGION = "eu-west-1"


def _now() -> datetime:
    return datetime.now(UTC)


def _me(api: Api, who: str) -> dict[str, Any]:
    return api.call("GET", "/me", as_user=who).body


def _ticket(api: Api, subject: str, who: str = CUSTOMER) -> dict[str, Any]:
    types = api.call("GET", "/ticket-types", as_user=who).body["items"]
    plain = next(t for t in types if not t["required_fields"])
    answer = api.call("POST", "/tickets", {"subject": subject, "description": "Hello",
                                           "ticket_type_id": plain["id"]}, as_user=who)
    assert answer.status == 201, answer.body
    return answer.body


def _resolved(api: Api, runner: EventRunner, subject: str) -> dict[str, Any]:
    ticket = _ticket(api, subject)
    assign = api.call("PATCH", f"/tickets/{ticket['id']}",
                      {"assignee_id": _me(api, AGENT)["id"]}, as_user=AGENT)
    assert assign.status == 200, assign.body
    answer = api.call("POST", f"/tickets/{ticket['id']}/resolve",
                      {"resolution": "Fixed the invoice layout."}, as_user=AGENT)
    assert answer.status == 200, answer.body
    return answer.body


def _events(api: Api, ticket_id: str) -> list[str]:
    answer = api.call("GET", f"/tickets/{ticket_id}/events?limit=100", as_user=AGENT)
    return [e["type"] for e in answer.body["items"]]


def _get(api: Api, ticket_id: str, who: str = AGENT) -> dict[str, Any]:
    return api.call("GET", f"/tickets/{ticket_id}", as_user=who).body


def _at(stamp: str, hours: float = 0) -> datetime:
    return datetime.fromisoformat(stamp) + timedelta(hours=hours)


def _mails(mail: LocalOutbox, number: str, to: str | None = None) -> list[dict[str, Any]]:
    return [m for m in mail.messages() if m["via"] == "ses" and f"[{number}]" in m["subject"]
            and (to is None or to in m["to"])]


def _token(messages: dict[str, Any] | list[dict[str, Any]], action: str) -> str:
    """The token of the newest ``action`` link in the message(s)."""
    text = "\n".join(m["text"] for m in (messages if isinstance(messages, list) else [messages]))
    for url in reversed(re.findall(r"https?://\S+", text)):
        fragment = urlparse(url).fragment  # /answer?token=...&action=...
        query = parse_qs(fragment.split("?", 1)[1]) if "?" in fragment else {}
        if query.get("action") == [action]:
            return unquote(query["token"][0])
    raise AssertionError(f"no {action} link in {text!r}")


# --- approval timing ------------------------------------------------------------------------


def test_reminder_then_auto_approval_each_once(api: Api, runner: EventRunner,
                                               mail: LocalOutbox) -> None:
    ticket = _resolved(api, runner, "Reminder then auto-approval")
    due = ticket["approval_due_at"]
    assert _at(due) - _at(ticket["resolved_at"]) == timedelta(hours=120)

    runner.tick(_at(due, -1))
    assert "reminder_sent" not in _events(api, ticket["id"])
    sent = _mails(mail, ticket["number"], CUSTOMER)
    assert len(sent) == 2  # the receipt of the new ticket, and the resolution
    resolution = [m for m in sent if "Testat OK" in m["text"]]
    assert len(resolution) == 1 and "Testat OK" in resolution[0]["html"]

    runner.tick(_at(due, 0.1))
    runner.tick(_at(due, 0.2))
    after = _get(api, ticket["id"])
    assert _events(api, ticket["id"]).count("reminder_sent") == 1
    assert after["status"] == "resolved"
    assert _at(after["auto_close_at"]) == _at(after["reminder_sent_at"], 24)
    assert len(_mails(mail, ticket["number"], CUSTOMER)) == 3  # + one reminder

    runner.tick(_at(after["auto_close_at"], -0.1))
    assert _get(api, ticket["id"])["status"] == "resolved"
    runner.tick(_at(after["auto_close_at"], 0.1))
    runner.tick(_at(after["auto_close_at"], 0.2))
    closed = _get(api, ticket["id"])
    assert closed["status"] == "closed" and closed["closed_reason"] == "auto_approved"
    assert closed["approval"]["state"] == "auto_approved"
    events = _events(api, ticket["id"])
    assert events.count("auto_approved") == 1 and events.count("reminder_sent") == 1


def test_an_approval_cancels_what_is_pending(api: Api, runner: EventRunner) -> None:
    ticket = _resolved(api, runner, "Approved in time")
    runner.tick(_at(ticket["approval_due_at"], 0.1))  # reminded
    answer = api.call("POST", f"/tickets/{ticket['id']}/approve", as_user=CUSTOMER)
    assert answer.status == 200, answer.body
    runner.tick(_at(ticket["approval_due_at"], 48))
    closed = _get(api, ticket["id"])
    assert closed["closed_reason"] == "approved"
    assert "auto_approved" not in _events(api, ticket["id"])


def test_never_auto_closed_after_a_rejection(api: Api, runner: EventRunner) -> None:
    ticket = _resolved(api, runner, "Rejected in time")
    runner.tick(_at(ticket["approval_due_at"], 0.1))
    answer = api.call("POST", f"/tickets/{ticket['id']}/reject",
                      {"reason": "Still wrong"}, as_user=CUSTOMER)
    assert answer.status == 200, answer.body
    runner.tick(_at(ticket["approval_due_at"], 200))
    assert _get(api, ticket["id"])["status"] == "open"
    assert "auto_approved" not in _events(api, ticket["id"])


def test_paused_auto_approval_waits_and_resumes(api: Api, runner: EventRunner) -> None:
    ticket = _resolved(api, runner, "Paused over the holidays")
    bad = api.call("POST", f"/tickets/{ticket['id']}/pause-auto-approval", {"reason": ""},
                   as_user=AGENT)
    assert bad.status == 400 and bad.body["errors"][0]["loc"] == ["body", "reason"]
    refused = api.call("POST", f"/tickets/{ticket['id']}/pause-auto-approval",
                       {"reason": "x"}, as_user=CUSTOMER)
    assert refused.status == 403
    paused = api.call("POST", f"/tickets/{ticket['id']}/pause-auto-approval",
                      {"reason": "Customer tests after the holidays"}, as_user=AGENT)
    assert paused.status == 200, paused.body
    assert paused.body["auto_approval_paused"]["reason"] == "Customer tests after the holidays"
    twice = api.call("POST", f"/tickets/{ticket['id']}/pause-auto-approval", {"reason": "x"},
                     as_user=AGENT)
    assert twice.status == 409
    runner.tick(_at(ticket["approval_due_at"], 200))
    held = _get(api, ticket["id"])
    assert held["status"] == "resolved" and held["reminder_sent_at"] is None
    assert "auto_approval_paused" in _events(api, ticket["id"])
    resumed = api.call("POST", f"/tickets/{ticket['id']}/resume-auto-approval", as_user=AGENT)
    assert resumed.status == 200, resumed.body
    # Resumed: the next sweep past the due time reminds.
    runner.tick(_at(ticket["approval_due_at"], 201))
    assert _get(api, ticket["id"])["reminder_sent_at"] is not None


def test_pause_needs_a_resolved_ticket(api: Api) -> None:
    ticket = _ticket(api, "Not resolved yet")
    answer = api.call("POST", f"/tickets/{ticket['id']}/pause-auto-approval",
                      {"reason": "why"}, as_user=AGENT)
    assert answer.status == 422


# --- one-click answers ----------------------------------------------------------------------


def test_tested_ok_link_approves_once(api: Api, runner: EventRunner, mail: LocalOutbox) -> None:
    ticket = _resolved(api, runner, "One click approval")
    runner.tick(_now())
    message = _mails(mail, ticket["number"], CUSTOMER)
    token = _token(message, "approve")
    first = api.call("POST", "/ticket-answers", {"token": token, "answer": "approve"})
    assert first.status == 200, first.body
    assert first.body["status"] == "closed"
    again = api.call("POST", "/ticket-answers", {"token": token, "answer": "approve"})
    assert again.status == 410
    closed = _get(api, ticket["id"])
    assert closed["approval"]["state"] == "approved"
    assert closed["approval"]["by"] == _me(api, CUSTOMER)["id"]


def test_not_ok_link_needs_a_reason_and_reopens(api: Api, runner: EventRunner,
                                                mail: LocalOutbox) -> None:
    ticket = _resolved(api, runner, "One click rejection")
    runner.tick(_now())
    token = _token(_mails(mail, ticket["number"], CUSTOMER), "reject")
    no_reason = api.call("POST", "/ticket-answers", {"token": token, "answer": "reject"})
    assert no_reason.status == 400
    assert no_reason.body["errors"][0]["loc"] == ["body", "reason"]
    answer = api.call("POST", "/ticket-answers",
                      {"token": token, "answer": "reject", "reason": "Totals still wrong"})
    assert answer.status == 200 and answer.body["status"] == "open"
    comments = api.call("GET", f"/tickets/{ticket['id']}/comments", as_user=AGENT).body
    assert comments["items"][-1]["body"] == "Totals still wrong"
    # The assignee hears of it.
    runner.tick(_now())
    assert any("Totals still wrong" in m["text"]
               for m in _mails(mail, ticket["number"], AGENT))


def test_altered_expired_and_foreign_tokens_are_refused(api: Api, runner: EventRunner,
                                                        mail: LocalOutbox) -> None:
    ticket = _resolved(api, runner, "Token checks")
    runner.tick(_now())
    token = _token(_mails(mail, ticket["number"], CUSTOMER), "approve")
    payload, signature = token.split(".")
    altered = api.call("POST", "/ticket-answers",
                       {"token": f"{payload}x.{signature}", "answer": "approve"})
    assert altered.status == 400 and altered.body["errors"][0]["loc"] == ["body", "token"]
    garbage = api.call("POST", "/ticket-answers", {"token": "not-a-token-at-all",
                                                   "answer": "approve"})
    assert garbage.status == 400
    customer_id = _me(api, CUSTOMER)["id"]
    expired = answer_links.issue("demo", ticket["id"], ticket["number"], customer_id,
                                 "answer", ticket["resolved_at"], _now() - timedelta(hours=1))
    assert api.call("POST", "/ticket-answers",
                    {"token": expired, "answer": "approve"}).status == 410
    admin_id = _me(api, ADMIN)["id"]  # signed, but for someone who is not the requester
    foreign = answer_links.issue("demo", ticket["id"], ticket["number"], admin_id, "answer",
                                 ticket["resolved_at"], _now() + timedelta(hours=1))
    assert api.call("POST", "/ticket-answers",
                    {"token": foreign, "answer": "approve"}).status == 403
    other_customer = _me(api, OTHER_CUSTOMER)["id"]
    cross_tenant = answer_links.issue("other", ticket["id"], ticket["number"], other_customer,
                                      "answer", ticket["resolved_at"], _now() + timedelta(hours=1))
    assert api.call("POST", "/ticket-answers",
                    {"token": cross_tenant, "answer": "approve"}).status == 410
    wrong_kind = api.call("POST", "/ticket-answers", {"token": token, "answer": "rate",
                                                      "rating": "good"})
    assert wrong_kind.status == 400
    assert _get(api, ticket["id"])["status"] == "resolved"  # none of that changed anything


def test_satisfaction_after_closing_is_reported(api: Api, runner: EventRunner,
                                                mail: LocalOutbox) -> None:
    ticket = _resolved(api, runner, "Rate us")
    assert api.call("POST", f"/tickets/{ticket['id']}/approve", as_user=CUSTOMER).status == 200
    runner.tick(_now())
    closing = [m for m in _mails(mail, ticket["number"], CUSTOMER) if "rating=good" in m["text"]]
    assert len(closing) == 1
    token = _token(closing[0], "rate")
    month = _now().strftime("%Y-%m")
    before = api.call("GET", f"/reports/satisfaction?from={month}", as_user=ADMIN).body
    answer = api.call("POST", "/ticket-answers", {"token": token, "answer": "rate",
                                                  "rating": "bad", "comment": "Slow"})
    assert answer.status == 200, answer.body
    assert api.call("POST", "/ticket-answers", {"token": token, "answer": "rate",
                                                "rating": "good"}).status == 410
    assert _get(api, ticket["id"])["satisfaction"]["rating"] == "bad"
    after = api.call("GET", f"/reports/satisfaction?from={month}", as_user=ADMIN).body
    agent_id = _me(api, AGENT)["id"]

    def bad(report: dict[str, Any]) -> int:
        return sum(r["bad"] for r in report["by_agent"] if r["id"] == agent_id)

    assert bad(after) == bad(before) + 1
    assert any(r["bad"] >= 1 for r in after["by_type"])
    assert api.call("GET", "/reports/satisfaction?from=2026-13",
                    as_user=ADMIN).status == 400
    assert api.call("GET", f"/reports/satisfaction?from={month}",
                    as_user=CUSTOMER).status == 403


# --- the pipeline -----------------------------------------------------------------------------


def _records(runner: EventRunner) -> list[dict[str, Any]]:
    """What the relay would send now, taken off the outbox without sending."""
    from chalicelib.config import get_config
    from chalicelib.store import outbox

    items = list(outbox.pending(get_config().tickets_table, "9999"))
    outbox.remove(get_config().tickets_table, items)
    return [json.loads(i["record"]) for i in items]


def test_a_redelivered_message_sends_one_email(api: Api, runner: EventRunner,
                                               mail: LocalOutbox) -> None:
    from chalicelib.jobs.notifications import handle_batch

    runner.tick(_now())
    ticket = _ticket(api, "Delivered twice")
    records = [r for r in _records(runner) if r["subject_id"] == ticket["id"]]
    assert [r["event"]["type"] for r in records] == ["created"]
    message = {"messageId": "m-1", "body": json.dumps(records[0])}
    assert handle_batch({"Records": [message]}) == {"batchItemFailures": []}
    assert handle_batch({"Records": [message]}) == {"batchItemFailures": []}
    assert len(_mails(mail, ticket["number"], CUSTOMER)) == 1
    inbox = api.call("GET", "/notifications", as_user=CUSTOMER).body["items"]
    assert sum(1 for n in inbox if ticket["number"] in n["title"]) == 1


def test_a_poison_message_goes_to_the_dlq_alone(api: Api, runner: EventRunner,
                                                mail: LocalOutbox,
                                                local_resources: LocalResources) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    runner.tick(_now())
    ticket = _ticket(api, "Beside a poison message")
    records = [r for r in _records(runner) if r["subject_id"] == ticket["id"]]
    sqs.send_message(QueueUrl=local_resources.notifications_queue_url, MessageBody="{not json")
    sqs.send_message(QueueUrl=local_resources.notifications_queue_url,
                     MessageBody=json.dumps(records[0]))
    runner.drain()
    assert len(_mails(mail, ticket["number"], CUSTOMER)) == 1
    depth = sqs.get_queue_attributes(QueueUrl=local_resources.notifications_dlq_url,
                                     AttributeNames=["ApproximateNumberOfMessages"])
    assert int(depth["Attributes"]["ApproximateNumberOfMessages"]) == 1
    health = api.call("GET", "/health").body
    assert health["components"]["notifications_dlq"]["depth"] == 1
    # make redrive moves it back; still poison, it ends in the DLQ again.
    assert redrive(sqs, "helpdesk-local-notifications", "helpdesk-local-notifications-dlq") == 1
    assert api.call("GET", "/health").body["components"]["notifications_dlq"]["depth"] == 0
    runner.drain()
    assert api.call("GET", "/health").body["components"]["notifications_dlq"]["depth"] == 1
    dead = sqs.receive_message(QueueUrl=local_resources.notifications_dlq_url)["Messages"][0]
    assert dead["Body"] == "{not json"
    sqs.delete_message(QueueUrl=local_resources.notifications_dlq_url,
                       ReceiptHandle=dead["ReceiptHandle"])


def test_internal_comments_never_reach_contacts(api: Api, runner: EventRunner,
                                                mail: LocalOutbox) -> None:
    ticket = _ticket(api, "Internal notes stay inside")
    agent_id = _me(api, AGENT)["id"]
    api.call("PATCH", f"/tickets/{ticket['id']}", {"assignee_id": agent_id}, as_user=ADMIN)
    runner.tick(_now())
    seen = len(_mails(mail, ticket["number"], CUSTOMER))
    note = api.call("POST", f"/tickets/{ticket['id']}/comments",
                    {"body": "Secret margin 40%", "internal": True}, as_user=ADMIN)
    assert note.status == 201
    runner.tick(_now())
    assert len(_mails(mail, ticket["number"], CUSTOMER)) == seen
    assert not any("Secret margin" in (m["text"] or "") for m in mail.messages()
                   if CUSTOMER in m["to"])
    assert any("Secret margin" in m["text"] for m in _mails(mail, ticket["number"], AGENT))
    inbox = api.call("GET", "/notifications?limit=100", as_user=CUSTOMER).body["items"]
    assert not any("Secret" in n["body"] for n in inbox)


def test_languages_and_muting(api: Api, runner: EventRunner, mail: LocalOutbox) -> None:
    ticket = _ticket(api, "Språk och tystnad")
    agent_id = _me(api, AGENT)["id"]
    api.call("PATCH", f"/tickets/{ticket['id']}", {"assignee_id": agent_id}, as_user=ADMIN)
    runner.tick(_now())
    # Each in their own language: the demo tenant's people read Swedish, the other's Finnish,
    # and a user who chose English gets English.
    receipt = _mails(mail, ticket["number"], CUSTOMER)
    assert [m["subject"].split(":")[0] for m in receipt] == [
        f"[{ticket['number']}] Vi har tagit emot ditt ärende"]
    finnish = _ticket(api, "Kieli", who=OTHER_CUSTOMER)
    runner.tick(_now())
    assert "Olemme vastaanottaneet tikettisi" in _mails(
        mail, finnish["number"], OTHER_CUSTOMER)[0]["subject"]
    customer_id = _me(api, CUSTOMER)["id"]
    assert api.call("PATCH", f"/users/{customer_id}", {"language": "en"},
                    as_user=ADMIN).status == 200
    api.call("POST", f"/tickets/{ticket['id']}/comments", {"body": "In English please"},
             as_user=AGENT)
    runner.tick(_now())
    assert "In English please" in _mails(mail, ticket["number"], CUSTOMER)[-1]["text"]
    assert "Hi" in _mails(mail, ticket["number"], CUSTOMER)[-1]["text"]
    assert api.call("PATCH", f"/users/{customer_id}", {"language": "sv"},
                    as_user=ADMIN).status == 200
    muted = api.call("PUT", "/me/notification-preferences",
                     {"muted_email": ["ticket_commented"]}, as_user=CUSTOMER)
    assert muted.status == 200, muted.body
    assert api.call("PUT", "/me/notification-preferences", {"muted_email": ["nonsense"]},
                    as_user=CUSTOMER).status == 400
    before = len(_mails(mail, ticket["number"], CUSTOMER))
    api.call("POST", f"/tickets/{ticket['id']}/comments", {"body": "We are on it"},
             as_user=AGENT)
    runner.tick(_now())
    assert len(_mails(mail, ticket["number"], CUSTOMER)) == before  # muted by e-mail
    inbox = api.call("GET", "/notifications?limit=100", as_user=CUSTOMER).body["items"]
    assert any(n["kind"] == "ticket_commented" and ticket["number"] in n["title"] for n in inbox)
    api.call("PUT", "/me/notification-preferences", {"muted_email": []}, as_user=CUSTOMER)


def test_the_sweep_reads_only_what_is_due(api: Api) -> None:
    """10,000 waiting timers, 10 of them due: the sweep reads 10."""
    from chalicelib.config import get_config
    from chalicelib.jobs import sweeps
    from chalicelib.store.clients import client
    from chalicelib.store.dynamo import serialize
    from chalicelib.store.schedule import due_attributes

    table, now = get_config().tickets_table, _now()
    later, earlier = (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), \
        (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = []
    for n in range(10_000):
        pk = f"T#bench#TICKET#t{n:05d}"
        items.append({"PK": pk, "SK": "TIMER#sla_resolution", "tenant": "bench",
                      "kind": "sla_resolution", "parent_id": f"t{n:05d}",
                      **due_attributes("sla_resolution", pk, earlier if n < 10 else later)})
    ddb = client("dynamodb")
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": serialize(i)}} for i in items[start:start + 25]]})
    # A run about to time out (the Lambda context says 1 s is left) stops after one item
    # and says there is more ...
    class AlmostOut:
        def get_remaining_time_in_millis(self) -> int:
            return 1000

    event = {"version": "0", "id": "e1", "detail-type": "Scheduled Event",
             "source": "aws.events", "account": "123456789012", "region": "eu-west-1",
             "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "resources": [], "detail": {}}
    cut_short = app.handler_map["ticket_timers"](event, AlmostOut())
    assert (cut_short["read"], cut_short["more"]) == (1, True)
    # ... and the next run goes on with the rest: it reads the 9 still due, not the table.
    report = sweeps.ticket_timers(now, lambda: 60.0)
    assert (report["read"], report["more"]) == (9, False)
    assert report["sla_resolution:gone"] == 9  # no such tickets: the timers are removed
    assert sweeps.ticket_timers(now, lambda: 60.0)["read"] == 0
