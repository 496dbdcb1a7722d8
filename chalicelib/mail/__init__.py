"""The e-mail channel's pure layer: parse raw inbound mail, strip quoted replies."""

from chalicelib.mail.parse import (
    Address,
    Attachment,
    Bounce,
    ParsedMail,
    Verdicts,
    parse,
)
from chalicelib.mail.quotes import REPLY_MARKERS, marker_line, strip_reply

__all__ = [
    "REPLY_MARKERS",
    "Address",
    "Attachment",
    "Bounce",
    "ParsedMail",
    "Verdicts",
    "marker_line",
    "parse",
    "strip_reply",
]
