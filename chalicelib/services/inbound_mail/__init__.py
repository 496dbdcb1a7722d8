"""Mail to support becomes a ticket, or a comment on the ticket it answers.

SES stores each received message in the inbound bucket; S3 tells the inbound queue, and
``jobs/inbound.py`` hands each stored object to ``receive_object`` (``receive``). From
there:

1. ``routing``: which tenant (exactly one, by the envelope recipient), which ticket (the
   reply address, a Message-ID we sent or received, ``[T-1001]`` in the subject) and who
   wrote (the tenant's address book). The address counts only when the mail is
   authenticated for it (``mail/authentication``) or came through the reply address we
   sent to it; otherwise a participant's reply is held for staff and staff mail is
   quarantined. These are the facts ``mail/decide.py``'s pure rule decides on.
2. ``actions``: doing what was decided (a new ticket, a comment, a hold, the quarantine,
   a refusal, a bounce, or only a record). Every outcome claims the Message-ID in its own
   transaction, so a message seen twice is processed once.
3. ``held``: staff confirm or discard a held comment (``confirm_held``/``discard_held``).
"""

from chalicelib.services.inbound_mail.actions import (
    MAX_ATTACHMENTS,
    SAME_BODY_SECONDS,
    UNAUTHENTICATED,
    UNVERIFIED_ORG,
    Outcome,
    mail_text,
)
from chalicelib.services.inbound_mail.held import (
    SETTLED_KEEP_SECONDS,
    confirm_held,
    discard_held,
)
from chalicelib.services.inbound_mail.receive import receive, receive_object
from chalicelib.services.inbound_mail.routing import (
    MAX_RECIPIENTS,
    RECEIVED_MAX_CHARS,
    envelope_recipients,
    inbound_domain,
    repo,
)

__all__ = [
    "MAX_ATTACHMENTS", "MAX_RECIPIENTS", "RECEIVED_MAX_CHARS", "SAME_BODY_SECONDS",
    "SETTLED_KEEP_SECONDS", "UNAUTHENTICATED", "UNVERIFIED_ORG", "Outcome", "confirm_held",
    "discard_held", "envelope_recipients", "inbound_domain", "mail_text", "receive",
    "receive_object", "repo",
]
