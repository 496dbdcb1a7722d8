"""The e-mail part of ``make bench``: the DynamoDB, S3 and SQS calls each inbound message
makes, and how fast the inbound consumer threads replies.

1. Calls per inbound message, with 1,000 and then 100,000 tickets in the ``demo`` tenant
   (the tenant of the ticket part, bench/tickets.py's ``on_ticket_tenant``: its tickets,
   made by the app's own ``Ticket`` models and ``TicketsRepository``, on DynamoDB Local;
   what the parts before this one added at the first size stays). At each size the seed's
   customer opens a few tickets through the API, and one message of each kind is put into
   the inbound bucket and handed to ``services.inbound_mail.receive_object`` (what
   ``jobs.inbound.handle_batch`` calls for each object S3 announces): a reply to a ticket's
   reply address; a reply to the support address threaded only by ``In-Reply-To``
   quoting the Message-ID SES gave a notification (recorded with
   ``MailRepository.record_sent``, as the notifications consumer records what it sends);
   ``[T-n]`` in the subject; a reply with one PDF attached; new mail from the customer (a
   new ticket); the first reply's object again (SQS delivers at least once); a reply with
   failed SPF, DKIM and DMARC verdicts (quarantine). Each outcome is checked, and the
   calls are counted on the app's clients with botocore's events (``bench.tickets.counting``
   per operation: DynamoDB calls, items read and written; S3 and SQS by operation, SQS
   being the outbox's send after a commit; SES must not be called). The bench fails when
   a message's counts differ between the two sizes, when a Scan appears, or when an
   outcome is not the one expected.

2. Throughput in process on DynamoDB Local and moto, with the small tenant: the customer's
   replies to the reply addresses of tickets they opened through the API (``PER_TICKET``
   each, under the hourly allowance of 10 per sender and ticket), each a Gmail-like
   multipart/alternative reply quoting the notification under an attribution line. Each
   raw message goes into the inbound bucket, and ``handle_batch`` gets SQS records whose
   bodies are S3's ``ObjectCreated:Put`` notifications, ``BATCH`` at a time (the inbound
   queue's ``batch_size``). Wall clock around ``handle_batch`` only, and the share of it
   inside the DynamoDB, S3 and SQS calls (bench/lifecycle.py's ``time_in_calls``). Then
   ``mail.parse.parse`` and ``mail.quotes.strip_reply`` alone on the same raw messages.

``python -m bench.mail`` runs this part alone (filling its own tenant) and prints the
figures as JSON (``python -m bench mail`` also rewrites its section of docs/performance.md).
``BENCH_TICKET_SIZES=1000,5000`` and ``BENCH_MAIL_MESSAGES=50`` for a quick try; the
figures in docs are for the defaults.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid
from typing import Any
from urllib.parse import quote_plus

from bench.lifecycle import time_in_calls
from bench.tickets import (
    SIZES,
    TENANT,
    Api,
    Load,
    counting,
    engine_storage,
    on_ticket_tenant,
    tickets_in_tenant,
)

MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "300"))
PER_TICKET = 5  # replies per ticket in the throughput run; the allowance is 10 an hour
BATCH = 5  # records per handle_batch: the inbound queue's batch_size (jobs/handlers.py)
PARSE_RUNS = 5  # passes of parse + strip_reply over the messages; the median is reported
ATTACHMENT_BYTES = 48 * 1024
FORBIDDEN = ("ses",)  # no message may send mail while it is handled
# Real clients never fold a long Message-ID into encoded words; Python's default policy
# would (at 78 characters), so the messages are written with SMTP's line limit.
SMTP = policy.SMTP.clone(max_line_length=998)

CASES = [  # (label, the action expected)
    ("reply to the ticket's reply address", "comment"),
    ("reply to the support address, threaded by In-Reply-To (SES's Message-ID)", "comment"),
    ("`[T-n]` in the subject, to the support address", "comment"),
    ("reply to the reply address with one PDF attached", "comment"),
    ("new mail from a known contact", "new_ticket"),
    ("the first reply's object again", "duplicate"),
    ("reply with failed SPF, DKIM and DMARC verdicts", "quarantine"),
]


# --- messages as mail clients write them --------------------------------------------------


def _message(sender: str, to: str, subject: str, text: str, *, html: str | None = None,
             in_reply_to: str | None = None, references: str | None = None,
             verdict: str = "pass") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Carl Customer <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="mail.gmail.example")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    mail["X-SES-Spam-Verdict"] = "PASS"
    mail["X-SES-Virus-Verdict"] = "PASS"
    mail["Authentication-Results"] = (
        f"amazonses.com; spf={verdict} smtp.mailfrom=demo.test; dkim={verdict}"
        f" header.i=@demo.test; dmarc={verdict} header.from=demo.test;")
    mail.set_content(text)
    if html:
        mail.add_alternative(html, subtype="html")
    return mail


def _stored(mail: EmailMessage, recipient: str) -> bytes:
    """The object SES's receipt rule stores: its ``Received`` header names the envelope
    recipient, then the message as the client sent it."""
    received = (f"Received: from mail-ed1-f41.google.com by"
                f" inbound-smtp.eu-west-1.amazonaws.com with SMTP id {uuid.uuid4().hex} for"
                f" {recipient}; {formatdate()}\r\n")
    return received.encode() + mail.as_bytes(policy=SMTP)


def _quoted_notification(number: str, subject: str) -> list[str]:
    """The notification a reply quotes: its marker line first, as the app sends it."""
    from chalicelib.mail.quotes import marker_line

    return [marker_line("sv"), "",
            f"Aino Agent har svarat på ditt ärende [{number}] {subject}:", "",
            "Hej Carl! Kan du skicka fakturanumret och en skärmdump av listan?",
            "Vi tittar på det så fort vi har dem.", "",
            "Öppna ärendet: https://helpdesk.localhost/#/tickets", "",
            "Du får det här meddelandet för att du följer ärendet."]


def _reply(sender: str, to: str, number: str, subject: str, own: str, *,
           in_reply_to: str | None = None, references: str | None = None,
           subject_line: str | None = None, verdict: str = "pass") -> EmailMessage:
    """A Gmail-like reply: the person's words, an attribution and the quote; plain text
    and HTML."""
    when = format_datetime(datetime.now(UTC))
    quoted = _quoted_notification(number, subject)
    attribution = f"Den {when} skrev Helpdesk <noreply@helpdesk.localhost>:"
    text = "\n".join([own, "", "Hälsningar,", "Carl", "", attribution,
                      *(f"> {line}".rstrip() for line in quoted)]) + "\n"
    html = ("<div dir=\"ltr\">" + own.replace("\n", "<br>") + "<br><br>Hälsningar,<br>Carl"
            "</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">"
            + attribution + "<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px"
            " 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">"
            + "".join(f"<p>{line}</p>" for line in quoted if line) + "</blockquote></div>")
    return _message(sender, to, subject_line or f"Re: [{number}] {subject}", text, html=html,
                    in_reply_to=in_reply_to, references=references, verdict=verdict)


def _ses_id() -> str:
    return f"0102{uuid.uuid4().hex[:12]}-{uuid.uuid4()}-000000"


# --- counting the other services -----------------------------------------------------------


def other_clients() -> list[Any]:
    """The app's clients of S3, SQS (the plain one and the outbox's quick one) and SES."""
    from chalicelib.store.clients import client, quick_client

    return [client("s3"), client("sqs"), quick_client("sqs"), *(client(n) for n in FORBIDDEN)]


@contextmanager
def counting_calls(clients: list[Any]) -> Iterator[Counter[str]]:
    """Calls of the clients meanwhile, as ``<service> <operation>``."""
    seen: Counter[str] = Counter()
    registered = []
    for aws in clients:
        service = aws.meta.service_model.service_id.hyphenize()

        def asked(model: Any, _name: str = service, **_: Any) -> None:
            seen[f"{_name} {model.name}"] += 1

        aws.meta.events.register(f"provide-client-params.{service}", asked)
        registered.append((aws, f"provide-client-params.{service}", asked))
    try:
        yield seen
    finally:
        for aws, event, handler in registered:
            aws.meta.events.unregister(event, handler)


# --- 1. calls per message -----------------------------------------------------------------


def _open_tickets(api: Api, customer: str, count: int, label: str) -> list[dict[str, Any]]:
    return [api.call("POST", "/tickets", customer, {
        "subject": f"Fakturan syns inte ({label} {n})", "ticket_type_id": "question",
        "description": "Faktura 10234 syns inte i listan."}) for n in range(count)]


def _put(raw: bytes) -> str:
    from chalicelib.config import get_config
    from chalicelib.store.clients import client

    key = f"inbound/{uuid.uuid4().hex}"
    client("s3").put_object(Bucket=get_config().inbound_mail_bucket, Key=key, Body=raw)
    return key


def _case_messages(w: Any, size: int) -> list[tuple[str, str, bytes, str | None]]:
    """(label, expected action, the stored object, the ticket it must land on) for each of
    ``CASES``, on tickets the customer opens now through the API."""
    from chalicelib.config import get_config
    from chalicelib.domain.models import utc_iso
    from chalicelib.mail.addresses import message_key, reply_address, ses_key
    from chalicelib.services.directory import mail_addresses

    config = get_config()
    domain, support = config.mail_domain, f"{TENANT}@{config.mail_domain}"
    me = w.customer
    by_reply, by_ses, by_subject, with_file = _open_tickets(w.api, me, 4, f"{size:,}")

    def address(ticket: dict[str, Any]) -> str:
        return reply_address(config.secret, TENANT, ticket["number"], domain, me)

    def reply(ticket: dict[str, Any], own: str, **kw: Any) -> EmailMessage:
        return _reply(me, kw.pop("to", address(ticket)), ticket["number"],
                      ticket["subject"], own, **kw)

    # What the notifications consumer records for a notification it sent about by_ses.
    ours, ses = make_msgid(domain=domain), _ses_id()
    for key in (message_key(ours), ses_key(ses)):
        mail_addresses().record_sent(TENANT, key, by_ses["id"], utc_iso(datetime.now(UTC)))
    tag = uuid.uuid4().hex[:8]  # each text is new (the same text a moment ago is a copy)
    first = reply(by_reply, f"Tack! Fakturanummer 10234, kundnummer 5567. ({tag})")
    threaded = reply(by_ses, f"Det gäller faktura 10234. ({tag})", to=support,
                     subject_line=f"Re: {by_ses['subject']}",
                     in_reply_to=f"<{ses}@eu-west-1.amazonses.com>")
    numbered = _message(me, support, f"Angående [{by_subject['number']}]",
                        f"Här är skärmdumpen jag lovade. ({tag})")
    attached = reply(with_file, f"Fakturan bifogad. ({tag})")
    attached.add_attachment(b"%PDF-1.4\n" + os.urandom(ATTACHMENT_BYTES), maintype="application",
                            subtype="pdf", filename="faktura-10234.pdf")
    # A contact of the customer who has not written this hour (the seed's customer has, at
    # the second size, and the hourly counter it would read would differ).
    newcomer = f"kollega-{tag}@demo.test"
    w.api.call("POST", "/users", w.admin, {"email": newcomer, "name": "Kollega",
                                          "kind": "contact", "organization_id": w.acme})
    new = _message(newcomer, support, "Kan inte logga in",  # the same subject words each size
                   f"Hej,\n\nJag kommer inte in i portalen sedan i morse. ({tag})\n\n-- \nCarl")
    spoofed = reply(by_reply, f"Betala till nytt konto 1234. ({tag})", verdict="fail")
    first_raw = _stored(first, address(by_reply))
    objects = [(first_raw, by_reply["id"]), (_stored(threaded, support), by_ses["id"]),
               (_stored(numbered, support), by_subject["id"]),
               (_stored(attached, address(with_file)), with_file["id"]),
               (_stored(new, support), None), (first_raw, None),
               (_stored(spoofed, address(by_reply)), by_reply["id"])]
    return [(label, action, raw, ticket)
            for (label, action), (raw, ticket) in zip(CASES, objects, strict=True)]


def measure_messages(w: Any, size: int) -> list[dict[str, Any]]:
    from chalicelib.config import get_config
    from chalicelib.services.inbound_mail import receive_object
    from chalicelib.store.clients import client

    bucket = get_config().inbound_mail_bucket
    ddb_events = client("dynamodb").meta.events
    others = other_clients()
    rows, first_key = [], ""
    for label, action, raw, ticket_id in _case_messages(w, size):
        # The duplicate is the first reply's own object handed over again.
        key = first_key if action == "duplicate" else _put(raw)
        first_key = first_key or key
        started = time.perf_counter()
        with counting(ddb_events, per_op=True) as tally, counting_calls(others) as calls:
            outcomes = receive_object(bucket, key)
        seconds = round(time.perf_counter() - started, 2)
        got = [(o.action, o.ticket_id if ticket_id else None) for o in outcomes]
        row = tally.row()
        rows.append({"message": label, "expected": action, "outcomes": [o.action for o in
                                                                         outcomes],
                     "as_expected": got == [(action, ticket_id)],
                     "calls": row["calls"], "read": sum(row["items"].values()),
                     "items": row["items"], "written": row["written"],
                     "other_calls": dict(sorted(calls.items())), "bytes": len(raw),
                     "seconds": seconds})
    return rows


# --- 2. throughput ------------------------------------------------------------------------


def _s3_event(bucket: str, key: str, raw: bytes) -> dict[str, Any]:
    """An SQS record as the inbound queue hands it to the Lambda: its body is S3's
    notification of the stored object (keys URL-encoded, as S3 sends them)."""
    from chalicelib.config import get_config

    region = get_config().region
    notice = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:ses"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "inbound-mail",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3EXAMPLE"},
                          "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key), "size": len(raw),
                          "eTag": hashlib.md5(raw).hexdigest(),  # S3's ETag of a single-part put
                          "sequencer": f"{time.time_ns():X}"}}}]}
    body = json.dumps(notice)
    return {"messageId": str(uuid.uuid4()), "receiptHandle": uuid.uuid4().hex, "body": body,
            "attributes": {"ApproximateReceiveCount": "1",
                           "SentTimestamp": str(int(time.time() * 1000))},
            "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs", "awsRegion": region,
            "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:inbound-mail"}


def throughput(w: Any) -> dict[str, Any]:
    from chalicelib.config import get_config
    from chalicelib.jobs.inbound import handle_batch
    from chalicelib.mail.addresses import message_key, reply_address
    from chalicelib.mail.parse import parse
    from chalicelib.mail.quotes import strip_reply
    from chalicelib.services.directory import mail_addresses
    from chalicelib.services.tickets import repo
    from chalicelib.store.clients import client, quick_client

    config = get_config()
    count = max(1, MESSAGES // PER_TICKET)
    started = time.perf_counter()
    targets = _open_tickets(w.api, w.customer, count, "throughput")
    messages: list[tuple[bytes, str, str]] = []  # raw, Message-ID, ticket id
    for n in range(count * PER_TICKET):
        ticket = targets[n % count]
        to = reply_address(config.secret, TENANT, ticket["number"], config.mail_domain,
                           w.customer)
        mail = _reply(w.customer, to, ticket["number"], ticket["subject"],
                      f"Svar {n}: fakturan {10000 + n} syns nu i listan, tack för hjälpen."
                      f"\nKundnummer {5000 + n}.")
        messages.append((_stored(mail, to), str(mail["Message-ID"]), ticket["id"]))
    bucket = config.inbound_mail_bucket
    records = [_s3_event(bucket, _put(raw), raw) for raw, _, _ in messages]
    setup = round(time.perf_counter() - started, 1)

    seconds, failures, batches = 0.0, [], Counter[int]()
    aws = {"dynamodb": client("dynamodb"), "s3": client("s3"),
           "sqs": [client("sqs"), quick_client("sqs")]}
    with counting(client("dynamodb").meta.events, per_op=True) as tally, counting_calls(
            other_clients()) as calls, time_in_calls(aws) as in_calls:
        for at in range(0, len(records), BATCH):
            event = {"Records": records[at:at + BATCH]}
            began = time.perf_counter()
            answer = handle_batch(event)
            seconds += time.perf_counter() - began
            failures += answer["batchItemFailures"]
            batches[len(event["Records"])] += 1

    outcomes = Counter(
        (record or {}).get("outcome") if (record or {}).get("ticket_id") == ticket_id
        else "elsewhere"
        for _, message_id, ticket_id in messages
        for record in [mail_addresses().get_message(TENANT, message_key(message_id))])
    commented = Counter(int((repo().get_ticket(TENANT, t["id"]) or {}).get("comment_count", 0))
                        for t in targets)

    # The parser and the quote stripper alone, on the same stored objects.
    passes = []
    for _ in range(PARSE_RUNS):
        began = time.perf_counter()
        for raw, _, _ in messages:
            strip_reply(parse(raw).text)
        passes.append(time.perf_counter() - began)
    parse_seconds = statistics.median(passes)

    n = len(messages)
    outside = seconds - sum(in_calls.values())
    failed = [x for x, bad in (
        (f"{len(failures)} messages failed", bool(failures)),
        (f"outcomes {dict(outcomes)} for {n} replies", outcomes != Counter({"comment": n})),
        (f"comments per ticket {dict(commented)}, not {PER_TICKET}",
         commented != Counter({PER_TICKET: count})),
        (f"other calls {dict(calls)}", any(k.split()[0] in FORBIDDEN for k in calls)),
    ) if bad]
    return {
        "messages": n, "tickets": count, "per_ticket": PER_TICKET,
        "bytes_median": int(statistics.median(len(raw) for raw, _, _ in messages)),
        "batches": dict(batches), "failures": len(failures), "setup_seconds": setup,
        "seconds": round(seconds, 2), "messages_per_second": round(n / seconds, 1),
        "seconds_in_calls": {k: round(v, 2) for k, v in sorted(in_calls.items())},
        "seconds_outside_calls": round(outside, 2),
        "own_ms_per_message": round(1000 * outside / n, 1),
        "calls": tally.row(), "other_calls": dict(sorted(calls.items())),
        "calls_per_message": {op: round(c / n, 2) for op, c in sorted(tally.calls.items())},
        "other_calls_per_message": {op: round(c / n, 2) for op, c in sorted(calls.items())},
        "parse_runs": PARSE_RUNS, "parse_seconds": round(parse_seconds, 3),
        "parse_messages_per_second": round(n / parse_seconds, 1),
        "parse_ms_per_message": round(1000 * parse_seconds / n, 2),
        "outcomes": dict(outcomes), "failed": failed,
    }


# --- the run --------------------------------------------------------------------------------


def _comparable(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["outcomes"], row["calls"], row["read"], row["written"], row["other_calls"])


class Messages:
    """This part in the shared tenant: each kind of message at every size, and the
    throughput at the first."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {"sizes": {}, "tickets": {}}

    def at(self, w: Any, size: int) -> None:
        self.figures["tickets"][size] = tickets_in_tenant()
        self.figures["sizes"][size] = measure_messages(w, size)
        if size == SIZES[0]:
            self.figures["throughput"] = throughput(w)
            self.figures["throughput"]["tickets_in_tenant"] = tickets_in_tenant()

    def result(self, loads: dict[int, Load]) -> dict[str, Any]:
        result = {**self.figures, "fill": {s: load.row() for s, load in loads.items()},
                  "storage": engine_storage()}
        rows = [result["sizes"][s] for s in SIZES]
        result["differing"] = [a["message"] for a, b in zip(rows[0], rows[-1], strict=True)
                               if _comparable(a) != _comparable(b)]
        result["failed"] = [
            *(f"{r['message']} ({size:,} tickets): {r['outcomes']}, expected {r['expected']}"
              for size in SIZES for r in result["sizes"][size] if not r["as_expected"]),
            *(f"Scan: {r['message']}" for size in SIZES for r in result["sizes"][size]
              if any(op.startswith("Scan") for op in r["calls"])),
            *(f"{r['message']}: {r['other_calls']}" for size in SIZES
              for r in result["sizes"][size]
              if any(k.split()[0] in FORBIDDEN for k in r["other_calls"])),
            *(f"different at {SIZES[0]:,} and {SIZES[-1]:,} tickets: {m}"
              for m in result["differing"]),
            *(["Scan in the throughput run"] if any(
                op.startswith("Scan") for op in result["throughput"]["calls"]["calls"])
              else []),
            *result["throughput"]["failed"],
        ]
        return result


def run() -> dict[str, Any]:
    """This part alone: fill to 1,000 tickets, count each kind of message, measure the
    throughput; fill to 100,000, count each kind again."""
    part = Messages()
    return part.result(on_ticket_tenant([part]))


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=1, default=str))
    if figures["failed"]:
        raise SystemExit("FAILED: " + "; ".join(figures["failed"]))
