"""Mail to support, the way AWS delivers it: the raw message lands in the inbound bucket,
S3 tells the inbound queue, and the queue's handler (jobs/inbound.py) threads it.

Replies are written to the notifications the app really sent (``LocalOutbox``), quoting
whichever ids a mail client would: SES's Message-ID, ours in ``References``, or only the
reply address (Outlook's Thread-Index replies)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from typing import Any

import boto3
import pytest

from chalicelib.config import get_config
from chalicelib.mail import addresses
from chalicelib.services import inbound_mail
from chalicelib.services.directory import mail_addresses
from local.bootstrap import LocalResources
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests import fixtures as _fixtures_package  # noqa: F401  (tests/fixtures is a package)
from tests.fixtures import mail as fixtures
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, OTHER_CUSTOMER = f"admin@{OTHER_TENANT}.test", f"customer@{OTHER_TENANT}.test"
Deliver = Callable[[bytes, str], None]


@pytest.fixture(scope="module")
def domain(local_resources: LocalResources) -> str:
    return get_config().mail_domain


@pytest.fixture(scope="module")
def deliver(local_resources: LocalResources, runner: EventRunner) -> Deliver:
    """Stores the message as SES's receipt rule does (SES's Received header names the
    envelope recipient) and lets the pump hand S3's notice to the inbound handler."""
    s3 = boto3.client("s3", region_name=local_resources.region)

    def put(raw: bytes, recipient: str) -> None:
        key = f"inbound/{uuid.uuid4().hex}"
        received = (f"Received: from mail-ed1-f41.google.com by "
                    f"inbound-smtp.eu-west-1.amazonaws.com with SMTP id {key[8:]} for "
                    f"{recipient}; {formatdate()}\r\n").encode()
        s3.put_object(Bucket=local_resources.inbound_mail_bucket, Key=key, Body=received + raw)
        runner.drain()

    return put


# Real clients never fold a long Message-ID into encoded words; Python's default policy
# would (at 78 characters), so the test messages are written with SMTP's line limit.
SMTP = policy.SMTP.clone(max_line_length=998)


def raw_of(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=SMTP)


def message(sender: str, to: str, subject: str, text: str, *, in_reply_to: str | None = None,
            references: str | None = None, headers: dict[str, str] | None = None,
            html: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="mail.example.test")
    mail["X-SES-Spam-Verdict"] = "PASS"
    mail["X-SES-Virus-Verdict"] = "PASS"
    # What SES writes for mail its sender's domain really sent (authenticated for From).
    domain = sender.rstrip(">").rpartition("@")[2]
    mail["Authentication-Results"] = (f"amazonses.com; spf=pass smtp.mailfrom={domain}; "
                                      f"dkim=pass header.i=@{domain}; dmarc=pass "
                                      f"header.from={domain};")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    if html:
        mail.add_alternative(html, subtype="html")
    return mail


def reply_to(sent: dict[str, Any], sender: str, text: str, *, quote_ids: str = "all",
             to: str | None = None) -> EmailMessage:
    """A Gmail-style reply to a notification as its recipient received it."""
    h = sent["headers"]
    quoted = "\n".join(f"> {line}" for line in (sent["text"] or "").splitlines())
    body = (f"{text}\n\nOn {formatdate()}, Helpdesk <{get_config().mail_from}> wrote:\n"
            f"{quoted}\n")
    ids: dict[str, str | None] = {
        "all": (h["Message-ID"], f"{h['References']} {h['Message-ID']}"),
        "ses_only": (h["Message-ID"], h["Message-ID"]),
        "ours_only": (None, h["References"].split()[-1]),
        "none": (None, None),
    }[quote_ids]  # type: ignore[assignment]
    return message(sender, to or h["Reply-To"], f"Re: {sent['subject']}", body,
                   in_reply_to=ids[0], references=ids[1])  # type: ignore[index]


def notification(mail: LocalOutbox, number: str, to: str) -> dict[str, Any]:
    found = [m for m in mail.messages() if m["via"] == "ses" and f"[{number}]" in m["subject"]
             and to in m["to"]]
    assert found, f"no mail about {number} to {to}"
    return found[-1]


def comments(api: Api, ticket_id: str, who: str = AGENT) -> list[dict[str, Any]]:
    answer = api.call("GET", f"/tickets/{ticket_id}/comments?limit=100", as_user=who)
    assert answer.status == 200, answer.body
    return list(answer.body["items"])


def ticket(api: Api, ticket_id: str, who: str = AGENT) -> dict[str, Any]:
    answer = api.call("GET", f"/tickets/{ticket_id}", as_user=who)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def outcome(raw: EmailMessage, tenant: str = TENANT) -> dict[str, Any] | None:
    key = addresses.message_key(str(raw["Message-ID"]))
    return mail_addresses().get_message(tenant, key)


@pytest.fixture
def opened(api: Api, runner: EventRunner) -> Callable[..., dict[str, Any]]:
    """A new ticket of the demo customer, with its notifications sent."""
    def open_one(subject: str = "Fakturan syns inte", who: str = CUSTOMER) -> dict[str, Any]:
        answer = api.call("POST", "/tickets", {
            "subject": f"{subject} {uuid.uuid4().hex[:6]}", "ticket_type_id": "question",
            "description": "Faktura 10234 syns inte i listan."}, as_user=who)
        assert answer.status == 201, answer.body
        runner.tick(datetime.now(UTC))  # the relay sends the outbox; the pump delivers it
        return dict(answer.body)

    return open_one


# --- outgoing mail ------------------------------------------------------------------------


def test_a_notification_threads_and_takes_replies(
        api: Api, mail: LocalOutbox, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    h = sent["headers"]
    root = f"<{addresses.thread_root(created['id'], domain)}>"
    assert h["In-Reply-To"] == root
    assert h["References"].split()[0] == root and len(h["References"].split()) == 2
    assert h["Message-ID"].endswith(".amazonses.com>")  # what SES makes of ours
    reply_address = h["Reply-To"].split("<")[-1].rstrip(">")
    assert addresses.read_reply_address(get_config().secret, reply_address, domain) == (
        TENANT, created["number"])
    # The reply address is the recipient's own (it vouches for them, for nobody else).
    assert addresses.reply_address_is_for(get_config().secret, reply_address, domain, CUSTOMER)
    assert not addresses.reply_address_is_for(get_config().secret, reply_address, domain, AGENT)
    assert h["Auto-Submitted"] == "auto-generated"
    assert f"[{created['number']}]" in sent["subject"]
    assert sent["text"].splitlines()[0] == "##- Skriv ditt svar ovanför den här raden -##"
    assert "Skriv ditt svar ovanför den här raden" in sent["html"]


# --- replies ------------------------------------------------------------------------------


@pytest.mark.parametrize("quote_ids", ["all", "ses_only", "ours_only", "none"])
def test_a_reply_lands_on_its_ticket_as_the_text_above_the_quote(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        quote_ids: str) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = reply_to(sent, CUSTOMER, "Tack! Fakturanummer 10234, kundnummer 5567.",
                     quote_ids=quote_ids)
    deliver(raw_of(reply), str(reply["To"]))
    thread = comments(api, created["id"])
    assert [c["body"] for c in thread] == ["Tack! Fakturanummer 10234, kundnummer 5567."]
    assert thread[0]["via"] == "email" and thread[0]["author_kind"] == "contact"
    assert thread[0]["email"]["message_id"] == str(reply["Message-ID"]).strip("<>")


def test_the_ses_id_alone_threads_a_reply_sent_to_the_plain_support_address(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    """A client that drops Reply-To and quotes only SES's Message-ID still threads."""
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = message(CUSTOMER, f"{TENANT}@{domain}", "Re: something else", "Det gäller 10234.",
                    in_reply_to=sent["headers"]["Message-ID"],
                    references=sent["headers"]["Message-ID"])
    deliver(raw_of(reply), f"{TENANT}@{domain}")
    assert [c["body"] for c in comments(api, created["id"])] == ["Det gäller 10234."]
    assert outcome(reply)["outcome"] == "comment"  # type: ignore[index]


def test_the_same_message_twice_and_a_cc_copy_post_once(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = reply_to(sent, CUSTOMER, "Det fungerar nu.")
    deliver(raw_of(reply), str(reply["To"]))
    deliver(raw_of(reply), str(reply["To"]))  # redelivered
    deliver(raw_of(reply), f"{TENANT}@{domain}")  # the Cc copy to the support address
    copy = reply_to(sent, CUSTOMER, "Det fungerar nu.")  # same text, a new Message-ID
    deliver(raw_of(copy), str(copy["To"]))
    assert [c["body"] for c in comments(api, created["id"])] == ["Det fungerar nu."]
    assert outcome(copy)["outcome"] == "duplicate"  # type: ignore[index]


def test_a_stranger_with_the_reply_address_opens_a_new_linked_ticket(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    forged = reply_to(sent, "mallory@example.test", "Skicka pengarna hit.")
    deliver(raw_of(forged), str(forged["To"]))
    assert comments(api, created["id"]) == []
    record = outcome(forged)
    assert record and record["outcome"] == "new_ticket" and record["ticket_id"] != created["id"]
    new = ticket(api, record["ticket_id"])
    assert new["related_ticket_id"] == created["id"]
    assert new["requester_email"] == "mallory@example.test" and new["requester_id"] is None
    assert new["organization_id"] == inbound_mail.UNVERIFIED_ORG


@contextmanager
def tenant_settings(api: Api, **changes: Any) -> Iterator[None]:
    """The demo tenant's settings changed for one test, then put back."""
    def put(update: Callable[[dict[str, Any]], None]) -> None:
        current = api.call("GET", "/settings", as_user=ADMIN).body
        body = {k: v for k, v in current.items() if k not in ("tenant", "updated_at", "version")}
        update(body)
        answer = api.call("PUT", "/settings", body, as_user=ADMIN,
                          headers={"If-Match": str(current["version"])})
        assert answer.status == 200, answer.body

    before = api.call("GET", "/settings", as_user=ADMIN).body
    put(lambda body: body.update({k: ({**body[k], **v} if isinstance(v, dict) else v)
                                  for k, v in changes.items()}))
    try:
        yield
    finally:
        put(lambda body: body.update({k: before[k] for k in changes}))


def test_a_stranger_quoting_the_number_is_quarantined_where_the_tenant_says_so(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    with tenant_settings(api, email={"strangers": "quarantine"}):
        created = opened()
        stranger = message("eve@example.test", f"{TENANT}@{domain}",
                           f"Re: [{created['number']}] fakturan", "Jag tar över detta ärende.")
        deliver(raw_of(stranger), f"{TENANT}@{domain}")
        assert comments(api, created["id"]) == []
        held = api.call("GET", "/mail/quarantine", as_user=AGENT).body["items"]
        assert held[0]["sender"] == "eve@example.test"
        assert held[0]["ticket_number"] == created["number"]
        assert "does not take part" in held[0]["reason"]


def test_the_number_in_the_subject_threads_a_participant(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    mail_ = message(CUSTOMER, f"{TENANT}@{domain}", f"Angående [{created['number']}]",
                    "Här är skärmdumpen jag lovade.")
    deliver(raw_of(mail_), f"{TENANT}@{domain}")
    assert [c["body"] for c in comments(api, created["id"])] == ["Här är skärmdumpen jag lovade."]


def test_a_staff_reply_by_mail_is_a_public_answer(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    created = opened()
    answer = message(AGENT, f"{TENANT}@{domain}", f"Re: [{created['number']}]",
                     "Hej! Fakturan är nu omskickad.")
    deliver(raw_of(answer), f"{TENANT}@{domain}")
    thread = comments(api, created["id"], CUSTOMER)
    assert [(c["body"], c["author_kind"]) for c in thread] == [
        ("Hej! Fakturan är nu omskickad.", "staff")]
    assert ticket(api, created["id"])["first_response_at"]


# --- new tickets --------------------------------------------------------------------------


def test_new_mail_from_a_known_contact_opens_a_ticket(
        api: Api, deliver: Deliver, domain: str) -> None:
    new = message(CUSTOMER, f"{TENANT}@{domain}", "Kan inte logga in",
                  "Hej,\n\nJag kommer inte in i portalen sedan i morse.\n\n-- \nCarl")
    deliver(raw_of(new), f"{TENANT}@{domain}")
    record = outcome(new)
    assert record and record["outcome"] == "new_ticket"
    created = ticket(api, record["ticket_id"], CUSTOMER)
    assert created["subject"] == "Kan inte logga in"
    assert created["description"] == "Hej,\n\nJag kommer inte in i portalen sedan i morse."
    assert created["channel"] == "email" and created["requester_id"]


def test_unknown_senders_follow_the_tenant_rule(
        api: Api, deliver: Deliver, domain: str) -> None:
    first = message("newcustomer@example.test", f"{TENANT}@{domain}", "Offertförfrågan",
                    "Vi vill ha en offert.")
    deliver(raw_of(first), f"{TENANT}@{domain}")
    record = outcome(first)
    assert record and record["outcome"] == "new_ticket"
    created = ticket(api, record["ticket_id"])
    assert created["requester_email"] == "newcustomer@example.test"
    # The same unverified sender can reply to their own ticket.
    follow = message("newcustomer@example.test", f"{TENANT}@{domain}",
                     f"Re: [{created['number']}] Offertförfrågan", "Gärna före fredag.")
    deliver(raw_of(follow), f"{TENANT}@{domain}")
    assert [c["body"] for c in comments(api, created["id"])] == ["Gärna före fredag."]


def test_mail_to_another_tenants_address_never_reaches_this_tenant(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    created = opened()
    # The other tenant's customer writes to the other tenant, naming our ticket's number.
    mail_ = message(OTHER_CUSTOMER, f"{OTHER_TENANT}@{domain}", f"Re: [{created['number']}]",
                    "Toisen asiakkaan viesti.")
    deliver(raw_of(mail_), f"{OTHER_TENANT}@{domain}")
    assert comments(api, created["id"]) == []
    record = outcome(mail_, OTHER_TENANT)
    assert record and record["outcome"] == "new_ticket"
    assert api.call("GET", f"/tickets/{record['ticket_id']}", as_user=AGENT).status == 404
    assert outcome(mail_, TENANT) is None


# --- closed tickets -----------------------------------------------------------------------


def _close(api: Api, ticket_id: str) -> None:
    resolved = api.call("POST", f"/tickets/{ticket_id}/resolve", {"resolution": "Klart."},
                        as_user=AGENT)
    assert resolved.status == 200, resolved.body
    approved = api.call("POST", f"/tickets/{ticket_id}/approve", {}, as_user=CUSTOMER)
    assert approved.status == 200, approved.body


def test_a_reply_inside_the_reopen_window_reopens(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    _close(api, created["id"])
    reply = message(CUSTOMER, f"{TENANT}@{domain}", f"Re: [{created['number']}]",
                    "Felet är tillbaka.")
    deliver(raw_of(reply), f"{TENANT}@{domain}")
    after = ticket(api, created["id"])
    assert after["status"] == "open" and after["closed_at"] is None
    assert comments(api, created["id"])[-1]["body"] == "Felet är tillbaka."


def test_a_reply_after_the_reopen_window_opens_a_follow_up(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    _close(api, created["id"])
    late = message(CUSTOMER, f"{TENANT}@{domain}", f"Re: [{created['number']}]",
                   "Samma fel igen, en månad senare.")
    raw = raw_of(late)
    later = datetime.now(UTC) + timedelta(days=15)
    outcomes = inbound_mail.receive(
        f"Received: by inbound-smtp for {TENANT}@{domain}; {formatdate()}\r\n".encode() + raw,
        now=later)
    assert [o.action for o in outcomes] == ["new_ticket"]
    follow_up = ticket(api, str(outcomes[0].ticket_id))
    assert follow_up["related_ticket_id"] == created["id"]
    assert ticket(api, created["id"])["status"] == "closed"


# --- safety -------------------------------------------------------------------------------


def test_auto_replies_and_loops_post_nothing(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    away = reply_to(sent, CUSTOMER, "Jag är på semester till 1 december.")
    away["Auto-Submitted"] = "auto-replied"
    deliver(raw_of(away), str(away["To"]))
    assert comments(api, created["id"]) == []
    assert outcome(away)["outcome"] == "ignore"  # type: ignore[index]
    # A runaway client: distinct messages, one per second. The allowance (10 an hour)
    # takes ten; the rest are held back.
    for n in range(12):
        loop = reply_to(sent, CUSTOMER, f"Automatiskt svar nummer {n}")
        deliver(raw_of(loop), str(loop["To"]))
    assert len(comments(api, created["id"])) == 10
    assert outcome(loop)["outcome"] == "loop"  # type: ignore[index]


def test_failed_verdicts_are_quarantined(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    spoofed = reply_to(sent, CUSTOMER, "Betala till nytt konto 1234.")
    del spoofed["Authentication-Results"]
    spoofed["Authentication-Results"] = (f"amazonses.com; spf=fail smtp.mailfrom={TENANT}.test; "
                                         f"dkim=fail; dmarc=fail header.from={TENANT}.test;")
    deliver(raw_of(spoofed), str(spoofed["To"]))
    assert comments(api, created["id"]) == []
    held = api.call("GET", "/mail/quarantine", as_user=AGENT).body["items"]
    assert held[0]["sender"] == CUSTOMER and set(held[0]["verdicts_failed"]) >= {"spf", "dkim"}
    assert api.call("GET", "/mail/quarantine", as_user=CUSTOMER).status == 403
    other = api.call("GET", "/mail/quarantine", as_user=OTHER_ADMIN).body["items"]
    assert all(i["sender"] != CUSTOMER or "Betala" not in i["preview"] for i in other)


def test_the_original_mail_is_kept_for_staff(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = reply_to(sent, CUSTOMER, "Se nedan.")
    deliver(raw_of(reply), str(reply["To"]))
    comment = comments(api, created["id"])[0]
    source = api.call("GET", f"/tickets/{created['id']}/comments/{comment['id']}/source",
                      as_user=AGENT)
    assert source.status == 302
    import requests

    original = message_from_bytes(requests.get(source.headers["location"], timeout=5).content,
                                  policy=policy.default)
    assert original["Message-ID"] == reply["Message-ID"]
    assert "wrote:" in original.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert api.call("GET", f"/tickets/{created['id']}/comments/{comment['id']}/source",
                    as_user=CUSTOMER).status == 403


def test_a_message_that_cannot_be_read_fails_alone(
        api: Api, local_resources: LocalResources, opened: Callable[..., dict[str, Any]],
        domain: str) -> None:
    """One bad record goes back to the queue (and after five receives to the DLQ, which
    `make redrive` empties); its batch neighbour is handled."""
    import json

    from chalicelib.jobs.inbound import handle_batch

    created = opened()
    good = message(CUSTOMER, f"{TENANT}@{domain}", f"Re: [{created['number']}]", "Bra, tack.")
    key = f"inbound/{uuid.uuid4().hex}"
    boto3.client("s3", region_name=local_resources.region).put_object(
        Bucket=local_resources.inbound_mail_bucket, Key=key,
        Body=f"Received: by x for {TENANT}@{domain}; {formatdate()}\r\n".encode() + raw_of(good))

    def record(message_id: str, object_key: str) -> dict[str, Any]:
        body = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
            "bucket": {"name": local_resources.inbound_mail_bucket},
            "object": {"key": object_key}}}]}
        return {"messageId": message_id, "body": json.dumps(body)}

    answer = handle_batch({"Records": [record("gone", "inbound/never-stored"),
                                       record("good", key)]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "gone"}]}
    assert [c["body"] for c in comments(api, created["id"])] == ["Bra, tack."]
    # S3's test event (sent when the notification is set up) names no object.
    assert handle_batch({"Records": [{"messageId": "t", "body": json.dumps(
        {"Service": "Amazon S3", "Event": "s3:TestEvent"})}]}) == {"batchItemFailures": []}


# --- who a mail is from (issue 14) --------------------------------------------------------
# SPF and DKIM pass for the attacker's own domain; that domain has no DMARC record.
FORGED_RESULTS = ("amazonses.com; spf=pass smtp.mailfrom=evil.example; "
                  "dkim=pass header.i=@evil.example; dmarc=none")


def unproven(mail_: EmailMessage, results: str = FORGED_RESULTS) -> EmailMessage:
    """The mail with SES's verdicts for a From address its sender does not own."""
    del mail_["Authentication-Results"]
    mail_["Authentication-Results"] = results
    return mail_


def sent_count(mail: LocalOutbox, runner: EventRunner) -> int:
    runner.tick(datetime.now(UTC))  # whatever the mail caused is sent now
    return len(mail.messages())


def quarantine(api: Api, who: str = AGENT) -> list[dict[str, Any]]:
    answer = api.call("GET", "/mail/quarantine?limit=100", as_user=who)
    assert answer.status == 200, answer.body
    return list(answer.body["items"])


def test_the_issues_forged_staff_answer_is_quarantined_and_posts_nothing(
        api: Api, mail: LocalOutbox, runner: EventRunner, deliver: Deliver,
        opened: Callable[..., dict[str, Any]], domain: str) -> None:
    """The attack of issue 14: From an agent's address, naming the ticket in the subject,
    with SPF and DKIM passing for evil.example and no DMARC. It was posted as the agent's
    public answer and mailed to the requester by the helpdesk itself."""
    created = opened()
    before = sent_count(mail, runner)
    forged = unproven(message(AGENT, f"{TENANT}@{domain}", f"Re: [{created['number']}] Fakturan",
                              "Betala fakturan till vårt nya konto 1234-5678 i dag."))
    deliver(raw_of(forged), f"{TENANT}@{domain}")
    assert comments(api, created["id"], CUSTOMER) == []
    assert comments(api, created["id"]) == []
    after = ticket(api, created["id"])
    assert after["status"] == created["status"] and after["first_response_at"] is None
    assert sent_count(mail, runner) == before  # nobody was mailed
    assert outcome(forged)["outcome"] == "quarantine"  # type: ignore[index]
    (held,) = [q for q in quarantine(api) if q["message_id"] == str(forged["Message-ID"])
               .strip("<>")]
    assert held["reason"] == "unauthenticated mail from a staff address"
    assert held["sender"] == AGENT and held["ticket_number"] == created["number"]
    # Quarantined is not held: it cannot be confirmed into a comment.
    refused = api.call("POST", f"/mail/quarantine/{held['id']}/confirm", as_user=ADMIN)
    assert refused.status == 422, refused.body
    assert comments(api, created["id"]) == []


def test_a_forged_staff_answer_through_the_agents_own_reply_address_is_quarantined(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    address = addresses.reply_address(get_config().secret, TENANT, created["number"], domain,
                                      AGENT)
    forged = unproven(message(AGENT, address, f"Re: [{created['number']}]", "Stängt."))
    deliver(raw_of(forged), address)
    assert comments(api, created["id"]) == []
    assert outcome(forged)["outcome"] == "quarantine"  # type: ignore[index]


def test_a_forged_contact_reply_by_subject_is_held_until_staff_confirm_it(
        api: Api, mail: LocalOutbox, runner: EventRunner, deliver: Deliver,
        opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    before = sent_count(mail, runner)
    forged = unproven(message(CUSTOMER, f"{TENANT}@{domain}", f"Re: [{created['number']}]",
                              "Ni kan stänga ärendet, allt fungerar."))
    deliver(raw_of(forged), f"{TENANT}@{domain}")
    # Held: no comment, no status change, nobody mailed.
    assert comments(api, created["id"]) == []
    assert ticket(api, created["id"])["status"] == created["status"]
    assert sent_count(mail, runner) == before
    assert outcome(forged)["outcome"] == "held"  # type: ignore[index]
    (held,) = [q for q in quarantine(api) if q["ticket_id"] == created["id"]]
    assert (held["kind"], held["state"], held["sender"]) == ("held_comment", "held", CUSTOMER)
    assert "unauthenticated reply" in held["reason"]
    assert "allt fungerar" in held["preview"]
    path = f"/mail/quarantine/{held['id']}"
    # Contacts do not decide, and another tenant does not see the entry.
    assert api.call("POST", f"{path}/confirm", as_user=CUSTOMER).status == 403
    assert api.call("POST", f"{path}/confirm", as_user=OTHER_ADMIN).status == 404
    assert api.call("POST", f"{path}/discard", as_user=OTHER_ADMIN).status == 404
    assert comments(api, created["id"]) == []
    # Staff confirm: the comment is the contact's, with its history.
    confirmed = api.call("POST", f"{path}/confirm", as_user=AGENT)
    assert confirmed.status == 200, confirmed.body
    assert confirmed.body["state"] == "confirmed" and confirmed.body["comment_id"]
    (comment,) = comments(api, created["id"])
    assert comment["id"] == confirmed.body["comment_id"]
    assert (comment["body"], comment["author_kind"], comment["via"]) == (
        "Ni kan stänga ärendet, allt fungerar.", "contact", "email")
    assert comment["author_id"] == created["requester_id"]
    events = api.call("GET", f"/tickets/{created['id']}/events?limit=100", as_user=AGENT).body
    kinds = {e["type"]: e for e in events["items"]}
    assert kinds["held_mail_confirmed"]["data"]["comment_id"] == comment["id"]
    assert kinds["commented"]["data"]["comment_id"] == comment["id"]
    # Confirming again answers the same and posts nothing more; discarding is too late.
    again = api.call("POST", f"{path}/confirm", as_user=AGENT)
    assert again.status == 200 and again.body["comment_id"] == comment["id"]
    assert len(comments(api, created["id"])) == 1
    assert api.call("POST", f"{path}/discard", as_user=AGENT).status == 409
    assert all(q["id"] != held["id"] for q in quarantine(api))
    assert outcome(forged)["outcome"] == "comment"  # type: ignore[index]


def test_a_discarded_held_comment_is_gone_for_good(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str) -> None:
    created = opened()
    forged = unproven(message(CUSTOMER, f"{TENANT}@{domain}", f"Re: [{created['number']}]",
                              "Skicka lösenordet till mig."))
    deliver(raw_of(forged), f"{TENANT}@{domain}")
    (held,) = [q for q in quarantine(api) if q["ticket_id"] == created["id"]]
    path = f"/mail/quarantine/{held['id']}"
    discarded = api.call("POST", f"{path}/discard", as_user=AGENT)
    assert discarded.status == 200 and discarded.body["state"] == "discarded"
    again = api.call("POST", f"{path}/discard", as_user=AGENT)
    assert again.status == 200 and again.body["state"] == "discarded"
    assert api.call("POST", f"{path}/confirm", as_user=AGENT).status == 409
    assert comments(api, created["id"]) == []
    assert all(q["id"] != held["id"] for q in quarantine(api))
    assert api.call("POST", "/mail/quarantine/01JDX3Q4Z5Y6W7V8T9S0R1P2N3/discard",
                    as_user=AGENT).status == 404
    bad = api.call("POST", f"/mail/quarantine/{'x' * 2000}/confirm", as_user=AGENT)
    assert bad.status == 400 and "id" in str(bad.body)


def test_a_contact_answering_through_their_own_reply_address_is_accepted_unproven(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    """Their domain proves nothing (no DMARC, SPF for another domain), but only who got
    our mail to them holds this address."""
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = unproven(reply_to(sent, CUSTOMER, "Tack, nu syns fakturan."))
    deliver(raw_of(reply), str(reply["To"]))
    assert [c["body"] for c in comments(api, created["id"])] == ["Tack, nu syns fakturan."]


@pytest.mark.parametrize("whose", ["another recipient's", "the shared (older)"])
def test_a_reply_address_not_sent_to_the_sender_does_not_vouch_for_them(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str,
        whose: str) -> None:
    created = opened()
    secret = get_config().secret
    address = (addresses.reply_address(secret, TENANT, created["number"], domain, AGENT)
               if whose.startswith("another") else
               addresses.legacy_reply_address(secret, TENANT, created["number"], domain))
    forged = unproven(message(CUSTOMER, address, f"Re: {created['subject']}",
                              "Ändra leveransadressen till Storgatan 1."))
    deliver(raw_of(forged), address)
    assert comments(api, created["id"]) == []
    record = outcome(forged)
    assert record and (record["outcome"], record["ticket_id"]) == ("held", created["id"])
    # Authenticated, the same sender through the same address is who they say.
    proven = message(CUSTOMER, address, f"Re: {created['subject']}", "Storgatan 1, tack.")
    deliver(raw_of(proven), address)
    assert [c["body"] for c in comments(api, created["id"])] == ["Storgatan 1, tack."]


def test_unproven_senders_share_one_allowance_of_new_tickets_per_tenant(
        api: Api, domain: str) -> None:
    """Anyone can write a new From for every mail: a forged sender gets no allowance of
    its own. Authenticated senders keep theirs."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=500 + uuid.uuid4().int % 1000)  # an hour of its own for this test's counts

    def receive(sender: str, proven: bool) -> str:
        new = message(sender, f"{TENANT}@{domain}", "Offert", f"Offert till {sender}.")
        if not proven:
            unproven(new)
        raw = f"Received: by inbound-smtp for {TENANT}@{domain}; {formatdate()}\r\n".encode()
        (result,) = inbound_mail.receive(raw + raw_of(new), now=hour)
        return result.action

    with tenant_settings(api, email={"max_unauthenticated_tickets_per_hour": 2}):
        actions = [receive(f"n{n}-{uuid.uuid4().hex[:6]}@example.test", False)
                   for n in range(3)]
        assert actions == ["new_ticket", "new_ticket", "loop"]
        assert receive(f"proven-{uuid.uuid4().hex[:6]}@example.test", True) == "new_ticket"


# --- attachments, forwards, size, bounces -------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_attachments_become_ticket_attachments(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    reply = reply_to(sent, CUSTOMER, "Skärmdump och faktura bifogade.")
    reply.add_attachment(PNG, maintype="image", subtype="png", filename="skärmdump.png")
    reply.add_attachment(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n", maintype="application",
                         subtype="pdf", filename="Faktura 10234.pdf")
    reply.add_attachment(b"MZ\x90\x00", maintype="application",
                         subtype="x-msdownload", filename="verktyg.exe")
    deliver(raw_of(reply), str(reply["To"]))
    (comment,) = comments(api, created["id"], CUSTOMER)
    assert comment["body"] == "Skärmdump och faktura bifogade."
    assert comment["email"]["refused_attachments"] == ["verktyg.exe"]
    files = api.call("GET", f"/tickets/{created['id']}/attachments", as_user=CUSTOMER).body
    by_name = {a["filename"]: a for a in files["items"]}
    assert set(by_name) == {"skärmdump.png", "Faktura 10234.pdf"}
    assert set(comment["attachment_ids"]) == {a["id"] for a in files["items"]}
    assert by_name["skärmdump.png"]["size"] == len(PNG)
    path = f"/tickets/{created['id']}/attachments/{by_name['skärmdump.png']['id']}"
    assert api.call("GET", path, as_user=CUSTOMER).status == 302
    link = api.call("GET", f"{path}/link", as_user=CUSTOMER)
    assert link.status == 200
    import requests

    assert requests.get(link.body["url"], timeout=5).content == PNG
    assert api.call("GET", f"{path}/link", as_user=OTHER_ADMIN).status == 404


def test_a_forward_from_a_participant_starts_a_ticket_with_the_forward_attached(
        api: Api, deliver: Deliver, domain: str) -> None:
    forward = message(CUSTOMER, f"{TENANT}@{domain}", "Fwd: Leverantören svarar inte",
                      "Se nedan, kan ni hjälpa till?\n\n"
                      "---------- Forwarded message ---------\n"
                      "From: Leverantör <info@supplier.example>\n"
                      "Date: Mon, 23 Nov 2026 at 09:12\n"
                      "Subject: Leverantören svarar inte\n"
                      f"To: <customer@{TENANT}.test>\n\n"
                      "Vi återkommer om beställning 4411.\n")
    deliver(raw_of(forward), f"{TENANT}@{domain}")
    record = outcome(forward)
    assert record and record["outcome"] == "new_ticket"
    created = ticket(api, record["ticket_id"], CUSTOMER)
    assert created["subject"] == "Leverantören svarar inte"
    assert "beställning 4411" in created["description"]
    files = api.call("GET", f"/tickets/{created['id']}/attachments", as_user=CUSTOMER).body
    assert [(f["filename"], f["content_type"]) for f in files["items"]] == [
        ("forwarded-message.eml", "message/rfc822")]


def test_an_oversized_mail_is_refused_with_a_polite_notice(
        api: Api, mail: LocalOutbox, deliver: Deliver, opened: Callable[..., dict[str, Any]],
        ) -> None:
    created = opened()
    sent = notification(mail, created["number"], CUSTOMER)
    with tenant_settings(api, attachment_max_bytes=1024):
        big = reply_to(sent, CUSTOMER, "Här är loggfilen.")
        big.add_attachment(b"x" * 4096, maintype="application", subtype="zip",
                           filename="logg.zip")
        deliver(raw_of(big), str(big["To"]))
    assert comments(api, created["id"]) == []
    assert outcome(big)["outcome"] == "refused"  # type: ignore[index]
    notices = [m for m in mail.messages() if m["via"] == "ses" and CUSTOMER in m["to"]
               and "kunde inte tas emot" in m["subject"]]
    assert notices and sent["subject"] in notices[-1]["subject"]
    assert notices[-1]["headers"]["Auto-Submitted"] == "auto-generated"


def test_a_bounce_marks_the_address_undeliverable_and_posts_nothing(
        api: Api, mail: LocalOutbox, deliver: Deliver, runner: EventRunner, domain: str) -> None:
    address = f"gone-{uuid.uuid4().hex[:6]}@example.test"
    orgs = api.call("GET", "/organizations?limit=100", as_user=ADMIN).body["items"]
    org = next(o for o in orgs if o["id"] != inbound_mail.UNVERIFIED_ORG)
    user = api.call("POST", "/users", {"email": address, "name": "Gone", "kind": "contact",
                                       "organization_id": org["id"]}, as_user=ADMIN)
    assert user.status == 201, user.body
    created = api.call("POST", "/tickets", {
        "subject": "Ärende för en adress som studsar", "ticket_type_id": "question",
        "organization_id": org["id"], "requester_id": user.body["id"]}, as_user=AGENT)
    assert created.status == 201, created.body
    runner.tick(datetime.now(UTC))
    sent = notification(mail, created.body["number"], address)
    # A delivery status report, as a receiving server sends it back to our sender address.
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn["From"] = "MAILER-DAEMON@mx.example.test"
    dsn["To"] = get_config().mail_from
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Message-ID"] = make_msgid(domain="mx.example.test")
    dsn["Auto-Submitted"] = "auto-replied"
    dsn["X-SES-Spam-Verdict"] = "PASS"
    dsn["X-SES-Virus-Verdict"] = "PASS"
    dsn.attach(MIMEText(f"Delivery to {address} failed permanently: no such user."))
    dsn.attach(MIMEMessage(message_from_string(
        f"Final-Recipient: rfc822; {address}\nAction: failed\nStatus: 5.1.1\n"),
        "delivery-status"))
    dsn.attach(MIMEMessage(message_from_string(
        f"From: Helpdesk <{get_config().mail_from}>\nTo: {address}\n"
        f"Reply-To: {sent['headers']['Reply-To']}\nSubject: {sent['subject']}\n"
        f"Message-ID: {sent['headers']['Message-ID']}\n\nhi\n")))
    deliver(dsn.as_bytes(), get_config().mail_from)
    assert api.call("GET", f"/users/{user.body['id']}", as_user=ADMIN).body[
        "email_undeliverable"] is True
    assert comments(api, created.body["id"]) == []


# --- the corpus (tests/fixtures/mail): every client style through the whole path ----------

CORPUS = fixtures.expected()


def _corpus(kind: str) -> list[str]:
    return sorted(name for name, case in CORPUS.items() if case["kind"] == kind)


def _fill(name: str, **values: str) -> bytes:
    """The fixture as the demo customer's mail (a bounce keeps its mail server sender)."""
    if CORPUS[name]["kind"] == "bounce":
        return fixtures.load(name, **values)
    return fixtures.load(name, FROM=CUSTOMER, FROM_NAME="Carl Customer", **values)


@pytest.mark.parametrize("name", _corpus("reply"))
def test_each_client_style_posts_exactly_what_was_written(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str,
        name: str) -> None:
    created = opened()
    reply_address = addresses.reply_address(get_config().secret, TENANT, created["number"],
                                            domain, CUSTOMER)
    raw = _fill(name, TO=reply_address, SUBJECT=f"[{created['number']}] {created['subject']}",
                IN_REPLY_TO=addresses.thread_root(created["id"], domain))
    deliver(raw, reply_address)
    case = CORPUS[name]
    thread = comments(api, created["id"])
    assert [c["body"] for c in thread] == [case["comment"]], name
    # The sender's sign-off is kept beside the words (the portal folds it away).
    assert [c["email"]["signature"] for c in thread] == [case["signature"]], name
    files = api.call("GET", f"/tickets/{created['id']}/attachments", as_user=AGENT).body
    assert sorted(f["filename"] for f in files["items"]) == sorted(case["attachments"])


@pytest.mark.parametrize("name", [*_corpus("new"), *_corpus("forward")])
def test_new_mail_in_each_style_opens_a_ticket_with_its_text(
        api: Api, deliver: Deliver, domain: str, name: str) -> None:
    address = f"{TENANT}@{domain}"
    raw = _fill(name, TO=address, IN_REPLY_TO="", SUBJECT="")
    deliver(raw, address)
    record = mail_addresses().get_message(
        TENANT, addresses.message_key(str(message_from_bytes(raw)["Message-ID"])))
    assert record and record["outcome"] == "new_ticket", record
    case = CORPUS[name]
    created = ticket(api, record["ticket_id"], CUSTOMER)
    # A forward is kept whole, its sender's sign-off too; else the sign-off is set apart.
    whole = "\n\n".join(x for x in (case["comment"], case["signature"]) if x)
    assert created["description"] == (whole if case["forwarded"] else case["comment"]), name
    assert created["channel"] == "email"
    files = api.call("GET", f"/tickets/{created['id']}/attachments", as_user=CUSTOMER).body
    wanted = case["attachments"] or (["forwarded-message.eml"] if case["forwarded"] else [])
    assert sorted(f["filename"] for f in files["items"]) == sorted(wanted)


@pytest.mark.parametrize("name", [*_corpus("auto"), *_corpus("bounce"), *_corpus("verdict")])
def test_automatic_bounced_and_failed_mail_posts_nothing(
        api: Api, deliver: Deliver, opened: Callable[..., dict[str, Any]], domain: str,
        name: str) -> None:
    created = opened()
    reply_address = addresses.reply_address(get_config().secret, TENANT, created["number"],
                                            domain, CUSTOMER)
    raw = _fill(name, TO=reply_address, SUBJECT=f"[{created['number']}] {created['subject']}")
    before = api.call("GET", "/tickets?limit=100", as_user=AGENT).body["items"]
    deliver(raw, reply_address)
    assert comments(api, created["id"]) == []
    after = api.call("GET", "/tickets?limit=100", as_user=AGENT).body["items"]
    assert [t["id"] for t in after] == [t["id"] for t in before]  # no new ticket either
    record = mail_addresses().get_message(
        TENANT, addresses.message_key(str(message_from_bytes(raw)["Message-ID"])))
    # The corpus bounces name no mail we sent: ignored (tests/integration/test_mail_security
    # has them naming ours).
    expected = {"auto": "ignore", "bounce": "ignore", "verdict": "quarantine"}
    assert record and record["outcome"] == expected[CORPUS[name]["kind"]]
