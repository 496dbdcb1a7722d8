"""The channels: e-mail through SES (text and HTML parts), SMS through SNS."""

from __future__ import annotations

import logging
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from chalicelib.config import get_config
from chalicelib.mail.addresses import message_key, ses_key
from chalicelib.store import sent_mail
from chalicelib.store.clients import client

log = logging.getLogger("helpdesk.notify")


def build_email(to: str, display_name: str, subject: str, text: str, html: str,
                thread_root: str | None = None, reply_to: str | None = None) -> EmailMessage:
    """A multipart/alternative message marked as automatic, so that auto-responders and
    our own inbound mail handling leave it alone.

    ``thread_root`` (``ticket-<id>@<domain>``, see ``mail/addresses.py``) threads every
    mail about one ticket; ``reply_to`` is the ticket's own reply address."""
    sender = get_config().mail_from
    domain = sender.rsplit("@", 1)[-1]
    message = EmailMessage()
    message["From"] = Address(display_name=display_name or "Helpdesk", addr_spec=sender)
    message["To"] = to
    if reply_to:
        message["Reply-To"] = Address(display_name=display_name or "Helpdesk",
                                      addr_spec=reply_to)
    message["Subject"] = subject
    own_id = make_msgid(domain=domain)
    message["Message-ID"] = own_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    if thread_root:
        # SES replaces our Message-ID with its own: References also carries ours, so a
        # reply quotes one id or the other, and both are recorded (services/notifications.py).
        message["In-Reply-To"] = f"<{thread_root}>"
        message["References"] = f"<{thread_root}> {own_id}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(message: EmailMessage) -> str:
    """Returns the id SES gives the message (it replaces our Message-ID with its own)."""
    answer = client("ses").send_raw_email(
        Source=get_config().mail_from, Destinations=[str(message["To"])],
        RawMessage={"Data": message.as_bytes()})
    return str(answer["MessageId"])


def send_recorded_email(tenant: str, message: EmailMessage, user_id: str | None) -> str:
    """Sends, recording both Message-IDs with the tenant and the recipient, so a bounce of
    this mail can be told from a forged one (``store/sent_mail.py``). Ours is recorded
    before sending, SES's (the one a bounce quotes) after."""
    now_epoch = int(time.time())
    recipient = str(message["To"])
    sent_mail.record(tenant, message_key(str(message["Message-ID"])), recipient, user_id,
                     now_epoch)
    ses_id = send_email(message)
    try:
        sent_mail.record(tenant, ses_key(ses_id), recipient, user_id, now_epoch)
    except Exception:
        log.exception("could not record SES id %s sent to %s", ses_id, recipient)
    return ses_id


def send_sms(phone: str, text: str) -> str:
    answer = client("sns").publish(
        PhoneNumber=phone, Message=text,
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                                   "StringValue": "Transactional"}})
    return str(answer["MessageId"])
