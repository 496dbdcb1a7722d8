"""Issue 14, items 2 and 3, as an attacker tries them: forged bounces, claimed support
addresses, a Cc to another tenant. Each attack is performed and shown to do no harm; the
genuine case beside it still works."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import quote

import boto3
import pytest

from chalicelib.config import get_config
from chalicelib.mail import addresses, verification
from chalicelib.services import inbound_mail
from chalicelib.services.directory import mail_addresses
from local.bootstrap import LocalResources
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests import fixtures as _fixtures_package  # noqa: F401  (tests/fixtures is a package)
from tests.fixtures import mail as fixtures
from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants
from tests.integration.test_inbound_mail import message as _message
from tests.integration.test_inbound_mail import notification, raw_of

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, OTHER_AGENT, OTHER_CUSTOMER = emails(OTHER_TENANT)
Deliver = Callable[[bytes, str | None], None]


@pytest.fixture(scope="module")
def domain(local_resources: LocalResources) -> str:
    return get_config().mail_domain


@pytest.fixture(scope="module")
def deliver(local_resources: LocalResources, runner: EventRunner) -> Deliver:
    """As SES stores it: its Received header names the envelope recipient (or, for a
    message SES got for several recipients, none)."""
    s3 = boto3.client("s3", region_name=local_resources.region)

    def put(raw: bytes, recipient: str | None) -> None:
        key = f"inbound/{uuid.uuid4().hex}"
        clause = f" for {recipient}" if recipient else ""
        received = (f"Received: from mx.example.test by inbound-smtp.eu-west-1.amazonaws.com "
                    f"with SMTP id {key[8:]}{clause}; {formatdate()}\r\n").encode()
        s3.put_object(Bucket=local_resources.inbound_mail_bucket, Key=key, Body=received + raw)
        runner.drain()

    return put


def message(sender: str, to: str, subject: str, text: str, **extra: Any) -> Any:
    """A new mail whose text no other test sends (the same-text guard stays out of it)."""
    tag = uuid.uuid4().hex[:6]
    return _message(sender, to, f"{subject} {tag}", f"{text} ({tag})", **extra)


def recorded(mail: Any, tenant: str) -> dict[str, Any] | None:
    return mail_addresses().get_message(tenant, addresses.message_key(str(mail["Message-ID"])))


# --- item 2: bounces ----------------------------------------------------------------------



def _user(api: Api, admin: str, prefix: str) -> dict[str, Any]:
    orgs = api.call("GET", "/organizations?limit=100", as_user=admin).body["items"]
    org = next(o for o in orgs if o["id"] != inbound_mail.UNVERIFIED_ORG)
    address = f"{prefix}-{uuid.uuid4().hex[:6]}@example.test"
    user = api.call("POST", "/users", {"email": address, "name": prefix.title(),
                                       "kind": "contact", "organization_id": org["id"]},
                    as_user=admin)
    assert user.status == 201, user.body
    return {**user.body, "org": org["id"]}


def _mailed(api: Api, runner: EventRunner, mail: LocalOutbox, admin: str, agent: str,
            user: dict[str, Any]) -> dict[str, Any]:
    """A ticket for the user, and the notification the app mailed them about it."""
    created = api.call("POST", "/tickets", {
        "subject": f"Ärende {uuid.uuid4().hex[:6]}", "ticket_type_id": "question",
        "organization_id": user["org"], "requester_id": user["id"]}, as_user=agent)
    assert created.status == 201, created.body
    runner.tick(datetime.now(UTC))
    return notification(mail, created.body["number"], user["email"])


def dsn(failed: list[str], returned_id: str | None, reply_to: str | None = None, *,
        verdicts: bool = True, to: str | None = None) -> bytes:
    """A delivery status report as a receiving server sends it back to our sender."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.test"
    report["To"] = to or get_config().mail_from
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.example.test")
    report["Auto-Submitted"] = "auto-replied"
    if verdicts:
        report["X-SES-Spam-Verdict"] = "PASS"
        report["X-SES-Virus-Verdict"] = "PASS"
        report["Authentication-Results"] = "amazonses.com; spf=none; dkim=none; dmarc=none;"
    report.attach(MIMEText(f"Delivery to {', '.join(failed)} failed permanently."))
    report.attach(MIMEMessage(message_from_string("".join(
        f"Final-Recipient: rfc822; {a}\nAction: failed\nStatus: 5.1.1\n\n" for a in failed)),
        "delivery-status"))
    headers = f"From: Helpdesk <{get_config().mail_from}>\nTo: {failed[0]}\n"
    if reply_to:
        headers += f"Reply-To: {reply_to}\n"
    if returned_id:
        headers += f"Message-ID: {returned_id}\n"
    report.attach(MIMEMessage(message_from_string(headers + "Subject: x\n\nhi\n")))
    return report.as_bytes()


def undeliverable(api: Api, admin: str, user: dict[str, Any]) -> bool:
    answer = api.call("GET", f"/users/{user['id']}", as_user=admin)
    assert answer.status == 200, answer.body
    return bool(answer.body["email_undeliverable"])


@pytest.fixture
def bounced(api: Api, runner: EventRunner, mail: LocalOutbox) -> dict[str, Any]:
    """A demo user who was mailed, and a bystander of the same tenant who was not."""
    gone = _user(api, ADMIN, "gone")
    sent = _mailed(api, runner, mail, ADMIN, AGENT, gone)
    return {"gone": gone, "sent": sent, "bystander": _user(api, ADMIN, "bystander")}


def test_a_genuine_bounce_marks_exactly_the_recipient_of_our_mail(
        api: Api, deliver: Deliver, bounced: dict[str, Any]) -> None:
    gone, sent, bystander = bounced["gone"], bounced["sent"], bounced["bystander"]
    # The report also lists the bystander as failed: the mail it returns was not theirs.
    raw = dsn([gone["email"], bystander["email"]], sent["headers"]["Message-ID"],
              sent["headers"]["Reply-To"])
    deliver(raw, get_config().mail_from)
    assert undeliverable(api, ADMIN, gone) is True
    assert undeliverable(api, ADMIN, bystander) is False
    assert recorded(message_from_string(raw.decode()), TENANT)["outcome"] == "bounce"


@pytest.mark.parametrize("forgery", [
    "no_verdicts", "never_sent_id", "no_id", "address_never_mailed", "to_the_support_address",
])
def test_a_forged_bounce_marks_nobody(api: Api, deliver: Deliver, bounced: dict[str, Any],
                                      domain: str, forgery: str) -> None:
    gone, sent, bystander = bounced["gone"], bounced["sent"], bounced["bystander"]
    ses_id, reply = sent["headers"]["Message-ID"], sent["headers"]["Reply-To"]
    envelope = get_config().mail_from
    raw = {
        "no_verdicts": lambda: dsn([gone["email"]], ses_id, reply, verdicts=False),
        "never_sent_id": lambda: dsn([gone["email"]], make_msgid(domain="eu-west-1.amazonses.com"),
                                     reply),
        "no_id": lambda: dsn([gone["email"]], None, reply),
        # Our genuine Message-ID, but naming someone we did not send it to.
        "address_never_mailed": lambda: dsn([bystander["email"]], ses_id, reply),
        "to_the_support_address": lambda: dsn([gone["email"]], ses_id, reply,
                                              to=f"{TENANT}@{domain}"),
    }[forgery]()
    if forgery == "to_the_support_address":
        envelope = f"{TENANT}@{domain}"
    deliver(raw, envelope)
    assert undeliverable(api, ADMIN, gone) is False
    assert undeliverable(api, ADMIN, bystander) is False
    record = recorded(message_from_string(raw.decode()), TENANT)
    assert record and record["outcome"] == "ignore"


def test_a_bounce_naming_another_tenants_message_id_marks_nobody(
        api: Api, deliver: Deliver, runner: EventRunner, mail: LocalOutbox,
        bounced: dict[str, Any]) -> None:
    victim = _user(api, OTHER_ADMIN, "victim")
    theirs = _mailed(api, runner, mail, OTHER_ADMIN, OTHER_AGENT, victim)
    # Routed to demo through demo's reply address, naming the other tenant's sent mail.
    raw = dsn([victim["email"]], theirs["headers"]["Message-ID"],
              bounced["sent"]["headers"]["Reply-To"])
    deliver(raw, get_config().mail_from)
    assert undeliverable(api, OTHER_ADMIN, victim) is False
    assert recorded(message_from_string(raw.decode()), OTHER_TENANT) is None
    # The same through demo's reply address as the envelope recipient.
    raw = dsn([victim["email"]], theirs["headers"]["Message-ID"],
              to=bounced["sent"]["headers"]["Reply-To"])
    deliver(raw, bounced["sent"]["headers"]["Reply-To"])
    assert undeliverable(api, OTHER_ADMIN, victim) is False


@pytest.mark.parametrize("name", ["bounce_dsn_sv", "bounce_plain_fi"])
def test_real_bounces_mark_their_recipient_when_they_name_our_mail(
        api: Api, deliver: Deliver, bounced: dict[str, Any], name: str) -> None:
    """The corpus's Postfix DSN (original attached) and Exchange-style prose (original's
    headers quoted in Finnish text), sent back to the notification's reply address."""
    gone, sent, bystander = bounced["gone"], bounced["sent"], bounced["bystander"]
    reply = parseaddr(sent["headers"]["Reply-To"])[1]
    raw = fixtures.load(name, TO=reply, RECIPIENT=gone["email"],
                        IN_REPLY_TO=sent["headers"]["Message-ID"].strip("<>"))
    deliver(raw, reply)
    assert undeliverable(api, ADMIN, gone) is True
    assert undeliverable(api, ADMIN, bystander) is False


def _mark(api: Api, deliver: Deliver, bounced: dict[str, Any]) -> dict[str, Any]:
    gone, sent = bounced["gone"], bounced["sent"]
    deliver(dsn([gone["email"]], sent["headers"]["Message-ID"], sent["headers"]["Reply-To"]),
            get_config().mail_from)
    assert undeliverable(api, ADMIN, gone) is True
    return dict(gone)


def _set_password(email: str) -> None:
    from chalicelib.identity import cognito
    from tests.integration.api_client import PASSWORD

    cognito.set_permanent_password(email, PASSWORD)


def test_the_user_clears_their_own_mark(api: Api, deliver: Deliver,
                                        bounced: dict[str, Any]) -> None:
    gone = _mark(api, deliver, bounced)
    _set_password(gone["email"])
    me = api.call("GET", "/me", as_user=gone["email"])
    assert me.body["email_undeliverable"] is True
    refused = api.call("PATCH", "/me", {"email_undeliverable": True}, as_user=gone["email"])
    assert refused.status == 400
    assert refused.body["errors"][0]["loc"] == ["body", "email_undeliverable"]
    sneaky = api.call("PATCH", "/me", {"roles": ["admin"]}, as_user=gone["email"])
    assert sneaky.status == 400 and sneaky.body["errors"][0]["loc"] == ["body", "roles"]
    cleared = api.call("PATCH", "/me", {"email_undeliverable": False, "language": "en"},
                       as_user=gone["email"])
    assert cleared.status == 200, cleared.body
    assert cleared.body["email_undeliverable"] is False and cleared.body["language"] == "en"
    assert undeliverable(api, ADMIN, gone) is False
    entry = mail_addresses().who_is(TENANT, gone["email"])
    assert entry is not None and not entry.get("undeliverable")


def test_staff_clear_a_mark_and_nobody_else_can(api: Api, deliver: Deliver,
                                                bounced: dict[str, Any]) -> None:
    gone = _mark(api, deliver, bounced)
    path = f"/users/{gone['id']}"
    # A contact has no users permission; another tenant's admin does not see the user.
    assert api.call("PATCH", path, {"email_undeliverable": False},
                    as_user=CUSTOMER).status == 403
    assert api.call("PATCH", path, {"email_undeliverable": False},
                    as_user=OTHER_ADMIN).status == 404
    assert undeliverable(api, ADMIN, gone) is True
    cleared = api.call("PATCH", path, {"email_undeliverable": False}, as_user=ADMIN)
    assert cleared.status == 200, cleared.body
    assert cleared.body["email_undeliverable"] is False
    assert api.call("PATCH", path, {"email_undeliverable": None},
                    as_user=ADMIN).status == 400


# --- item 3: claimed support addresses ----------------------------------------------------


def _settings(api: Api, admin: str) -> dict[str, Any]:
    answer = api.call("GET", "/settings", as_user=admin)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def claim(api: Api, admin: str, *add: str) -> dict[str, Any]:
    current = _settings(api, admin)
    body = {k: v for k, v in current.items() if k not in ("tenant", "updated_at", "version")}
    body["email"] = {**body["email"], "addresses": [*body["email"]["addresses"], *add]}
    answer = api.call("PUT", "/settings", body, as_user=admin,
                      headers={"If-Match": str(current["version"])})
    assert answer.status == 200, answer.body
    return dict(answer.body)


def code_mailed(mail: LocalOutbox, address: str) -> str:
    found = [m for m in mail.messages() if m["via"] == "ses" and address in m["to"]]
    assert found, f"no code mailed to {address}"
    match = re.search(r"\b[0-9a-z]{1,13}-[a-z2-7]{26}\b", found[-1]["text"])
    assert match, found[-1]["text"]
    return match.group(0)


def verify(api: Api, admin: str, address: str, code: str) -> Any:
    return api.call("POST", f"/settings/email-addresses/{quote(address)}/verify",
                    {"code": code}, as_user=admin)


@contextmanager
def unclaimed(api: Api, *tenants_admins: str) -> Iterator[None]:
    """Whatever a test claims is given up afterwards (routes released with it)."""
    before = {admin: _settings(api, admin)["email"]["addresses"] for admin in tenants_admins}
    try:
        yield
    finally:
        for admin, addresses_before in before.items():
            current = _settings(api, admin)
            body = {k: v for k, v in current.items()
                    if k not in ("tenant", "updated_at", "version")}
            body["email"] = {**body["email"], "addresses": addresses_before}
            api.call("PUT", "/settings", body, as_user=admin)


def test_a_claim_is_pending_until_the_mailed_code_comes_back(
        api: Api, mail: LocalOutbox, deliver: Deliver) -> None:
    address = f"support-{uuid.uuid4().hex[:6]}@kund-a.example"
    with unclaimed(api, ADMIN):
        assert claim(api, ADMIN, address)["email_address_status"][address] == "pending"
        new = message(CUSTOMER, address, "Hej", "Ett ärende.")
        deliver(raw_of(new), address)
        assert recorded(new, TENANT) is None  # a pending claim routes nothing
        settings = verify(api, ADMIN, address, code_mailed(mail, address))
        assert settings.status == 200, settings.body
        assert _settings(api, ADMIN)["email_address_status"][address] == "verified"
        again = message(CUSTOMER, address, "Hej igen", "Ett ärende till.")
        deliver(raw_of(again), address)
        assert recorded(again, TENANT)["outcome"] == "new_ticket"  # type: ignore[index]


def test_another_tenant_claiming_a_verified_address_receives_nothing_and_blocks_nothing(
        api: Api, mail: LocalOutbox, deliver: Deliver) -> None:
    address = f"support-{uuid.uuid4().hex[:6]}@kund-a.example"
    with unclaimed(api, ADMIN, OTHER_ADMIN):
        # The attacker claims first: that blocks nobody.
        assert claim(api, OTHER_ADMIN, address)["email_address_status"][address] == "pending"
        claim(api, ADMIN, address)
        assert verify(api, ADMIN, address, code_mailed(mail, address)).status == 200
        # Even holding a code genuinely made for its own claim, the attacker cannot take
        # a verified address.
        theirs = verification.issue_code(get_config().secret, OTHER_TENANT, address,
                                         int(datetime.now(UTC).timestamp()))
        stolen = verify(api, OTHER_ADMIN, address, theirs)
        assert stolen.status == 409
        assert stolen.body["errors"][0]["loc"] == ["path", "address"]
        new = message(CUSTOMER, address, "Fakturan", "Hej!")
        deliver(raw_of(new), address)
        assert recorded(new, TENANT)["outcome"] == "new_ticket"  # type: ignore[index]
        assert recorded(new, OTHER_TENANT) is None
        assert _settings(api, OTHER_ADMIN)["email_address_status"][address] == "pending"


def test_two_pending_claims_the_first_verified_wins(
        api: Api, mail: LocalOutbox, deliver: Deliver) -> None:
    address = f"support-{uuid.uuid4().hex[:6]}@shared.example"
    with unclaimed(api, ADMIN, OTHER_ADMIN):
        claim(api, ADMIN, address)
        demo_code = code_mailed(mail, address)
        claim(api, OTHER_ADMIN, address)
        other_code = code_mailed(mail, address)
        assert verify(api, OTHER_ADMIN, address, other_code).status == 200
        assert verify(api, ADMIN, address, demo_code).status == 409
        new = message(OTHER_CUSTOMER, address, "Lasku", "Hei!")
        deliver(raw_of(new), address)
        assert recorded(new, OTHER_TENANT)["outcome"] == "new_ticket"  # type: ignore[index]
        assert recorded(new, TENANT) is None


@pytest.mark.parametrize("bad", ["wrong", "expired", "other_tenants", "other_address"])
def test_a_bad_code_is_refused_naming_the_field(
        api: Api, mail: LocalOutbox, bad: str) -> None:
    address = f"support-{uuid.uuid4().hex[:6]}@kund-a.example"
    secret, now = get_config().secret, int(datetime.now(UTC).timestamp())
    with unclaimed(api, ADMIN, OTHER_ADMIN):
        claim(api, ADMIN, address)
        code = {
            "wrong": "1a2b3c-" + "a" * 26,
            "expired": verification.issue_code(
                secret, TENANT, address,
                int((datetime.now(UTC) - timedelta(days=4)).timestamp())),
            "other_tenants": verification.issue_code(secret, OTHER_TENANT, address, now),
            "other_address": verification.issue_code(secret, TENANT, "x@kund-a.example", now),
        }[bad]
        answer = verify(api, ADMIN, address, code)
        assert answer.status == 400, answer.body
        assert answer.body["errors"][0]["loc"] == ["body", "code"]
        assert _settings(api, ADMIN)["email_address_status"][address] == "pending"


def test_verify_checks_the_path_and_the_claim(api: Api, mail: LocalOutbox) -> None:
    bad = api.call("POST", "/settings/email-addresses/not-an-address/verify",
                   {"code": "x"}, as_user=ADMIN)
    assert bad.status == 400 and bad.body["errors"][0]["loc"] == ["path", "address"]
    unknown = verify(api, ADMIN, "nobody@kund-a.example", "x")
    assert unknown.status == 404
    assert verify(api, AGENT, "nobody@kund-a.example", "x").status == 403
    empty = verify(api, ADMIN, "nobody@kund-a.example", "")
    assert empty.status == 400 and empty.body["errors"][0]["loc"] == ["body", "code"]
    address = f"support-{uuid.uuid4().hex[:6]}@kund-a.example"
    with unclaimed(api, ADMIN):
        claim(api, ADMIN, address)
        first = code_mailed(mail, address)
        resent = api.call("POST", f"/settings/email-addresses/{quote(address)}/send-code",
                          as_user=ADMIN)
        assert resent.status == 202, resent.body
        assert verify(api, ADMIN, address, first).status == 200  # the first still works
        again = api.call("POST", f"/settings/email-addresses/{quote(address)}/send-code",
                         as_user=ADMIN)
        assert again.status == 422


def test_addresses_of_our_mail_domain_cannot_be_claimed(api: Api, domain: str) -> None:
    current = _settings(api, ADMIN)
    body = {k: v for k, v in current.items() if k not in ("tenant", "updated_at", "version")}
    body["email"] = {**body["email"],
                     "addresses": [*body["email"]["addresses"], f"{OTHER_TENANT}@{domain}"]}
    answer = api.call("PUT", "/settings", body, as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert answer.body["errors"][0]["loc"][:3] == ["body", "email", "addresses"]


def test_a_mail_is_handled_only_for_its_envelope_recipients_tenant(
        api: Api, deliver: Deliver, domain: str) -> None:
    # Envelope: demo's address. Cc: the other tenant's own address, and demo's customer
    # wrote it: the other tenant must not see it.
    new = message(CUSTOMER, f"{TENANT}@{domain}", "Fakturan", "Hej!",
                  headers={"Cc": f"{OTHER_TENANT}@{domain}"})
    deliver(raw_of(new), f"{TENANT}@{domain}")
    assert recorded(new, TENANT)["outcome"] == "new_ticket"  # type: ignore[index]
    assert recorded(new, OTHER_TENANT) is None
    # The envelope names nobody (several recipients): To/Cc decide, one tenant only.
    both = message(CUSTOMER, f"{TENANT}@{domain}", "Fakturan 2", "Hej igen!",
                   headers={"Cc": f"{OTHER_TENANT}@{domain}"})
    deliver(raw_of(both), None)
    assert recorded(both, TENANT)["outcome"] == "new_ticket"  # type: ignore[index]
    assert recorded(both, OTHER_TENANT) is None


def test_without_an_envelope_only_verified_addresses_count(
        api: Api, mail: LocalOutbox, deliver: Deliver) -> None:
    pending = f"support-{uuid.uuid4().hex[:6]}@kund-b.example"
    with unclaimed(api, OTHER_ADMIN):
        claim(api, OTHER_ADMIN, pending)
        new = message(OTHER_CUSTOMER, pending, "Lasku", "Hei!")
        deliver(raw_of(new), None)
        assert recorded(new, OTHER_TENANT) is None
        assert verify(api, OTHER_ADMIN, pending, code_mailed(mail, pending)).status == 200
        again = message(OTHER_CUSTOMER, pending, "Lasku 2", "Hei taas!")
        deliver(raw_of(again), None)
        assert recorded(again, OTHER_TENANT)["outcome"] == "new_ticket"  # type: ignore[index]


def test_the_demo_seed_has_a_verified_support_address(api: Api) -> None:
    settings = _settings(api, ADMIN)
    assert settings["email_address_status"][f"support@{TENANT}.test"] == "verified"
    assert mail_addresses().route(f"support@{TENANT}.test") == TENANT


def forwarded_code_mail(mail: LocalOutbox, address: str) -> bytes:
    """The code mail as the address's own server forwards it: headers kept."""
    sent = [m for m in mail.messages() if m["via"] == "ses" and address in m["to"]][-1]
    forward = _message("x@x.test", address, sent["subject"], sent["text"])
    for name in ("From", "Subject", "Message-ID"):
        del forward[name]
        forward[name] = sent["headers"][name]
    forward["Auto-Submitted"] = sent["headers"]["Auto-Submitted"]
    forward["X-Helpdesk-Address-Verification"] = sent["headers"][
        "X-Helpdesk-Address-Verification"]
    return raw_of(forward)


def test_the_code_mail_forwarded_to_the_tenant_proves_the_address_for_that_tenant_only(
        api: Api, mail: LocalOutbox, deliver: Deliver, domain: str) -> None:
    address = f"support-{uuid.uuid4().hex[:6]}@kund-a.example"
    with unclaimed(api, ADMIN, OTHER_ADMIN):
        # The attacker claims the address; its owner forwards everything to demo.
        claim(api, OTHER_ADMIN, address)
        deliver(forwarded_code_mail(mail, address), f"{TENANT}@{domain}")
        assert _settings(api, OTHER_ADMIN)["email_address_status"][address] == "pending"
        assert mail_addresses().route(address) is None
        # demo claims it: its own code mail comes back through the forward.
        claim(api, ADMIN, address)
        demo_code_mail = forwarded_code_mail(mail, address)
        # Sent to the attacker's address instead, it proves nothing for the attacker.
        deliver(demo_code_mail, f"{OTHER_TENANT}@{domain}")
        assert _settings(api, OTHER_ADMIN)["email_address_status"][address] == "pending"
        assert _settings(api, ADMIN)["email_address_status"][address] == "pending"
        deliver(demo_code_mail, f"{TENANT}@{domain}")
        assert _settings(api, ADMIN)["email_address_status"][address] == "verified"
        assert mail_addresses().route(address) == TENANT
