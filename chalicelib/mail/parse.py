"""Parse a raw inbound e-mail (as SES stores it in S3) into what the helpdesk needs.

Pure: bytes in, a frozen ``ParsedMail`` out; no AWS, no I/O, no clock. ``parse`` never
raises: mail is written by every client ever made and by spammers, so each part is read
on its own and whatever cannot be read is left empty rather than failing the message.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.header
import email.policy
import email.utils
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import TypeVar

from chalicelib.mail.authentication import Authentication, read_authentication
from chalicelib.mail.html_text import html_to_text, sanitize

T = TypeVar("T")

# ---------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    email: str  # lower-cased addr-spec, "" if unparseable
    name: str  # display name, decoded, "" if none


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded and sanitised, never empty
    content_type: str
    data: bytes
    inline: bool  # Content-Disposition inline, or referenced by cid: from the HTML
    content_id: str | None  # without <>

    @property
    def size(self) -> int:
        return len(self.data)


# Verdict values that mean "this check failed". NONE/absent never fails: small senders
# without DKIM or DMARC must still reach us. A virus scan that could not run
# (PROCESSING_FAILED) counts as failed: we cannot vouch for the attachments.
_FAILING: dict[str, frozenset[str]] = {
    "spam": frozenset({"FAIL"}),
    "virus": frozenset({"FAIL", "PROCESSING_FAILED"}),
    "spf": frozenset({"FAIL", "SOFTFAIL"}),
    "dkim": frozenset({"FAIL"}),
    "dmarc": frozenset({"FAIL"}),
}


@dataclass(frozen=True)
class Verdicts:
    """SES receipt verdicts, upper-case ("PASS", "FAIL", "GRAY", ...), "NONE" if absent."""

    spam: str = "NONE"
    virus: str = "NONE"
    spf: str = "NONE"
    dkim: str = "NONE"
    dmarc: str = "NONE"

    def failed(self) -> list[str]:
        """Names of the failed checks, in the order spam, virus, spf, dkim, dmarc."""
        return [name for name, bad in _FAILING.items() if getattr(self, name) in bad]


@dataclass(frozen=True)
class Bounce:
    recipients: list[str]  # failed (or, if none failed, delayed) final recipients
    permanent: bool  # 5.x.x / "failed"; False for delays and 4.x.x


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender: Address
    reply_to: Address | None
    to: list[Address]
    cc: list[Address]
    date: datetime | None
    text: str
    html: str | None
    attachments: list[Attachment]
    auto_submitted: str | None
    bounce: Bounce | None
    forwarded: bool
    thread_index: str | None
    thread_topic: str | None
    size: int
    headers: dict[str, str]
    verdicts: Verdicts = field(default_factory=Verdicts)
    defects: list[str] = field(default_factory=list)  # what could not be read, for logs
    # What SES found about who sent it (mail/authentication.py: is From proven?).
    authentication: Authentication = field(default_factory=Authentication)


# Raw headers worth keeping (e.g. to recognise the client in logs and support cases).
KEPT_HEADERS = (
    "x-mailer",
    "user-agent",
    "content-language",
    "x-ses-receipt",
    "return-path",
    "list-id",
    "x-loop",
    "feedback-id",
)

# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes. Never raises; unreadable parts come back empty."""
    if not isinstance(raw, bytes | bytearray):  # defensive: callers sometimes pass str
        raw = str(raw).encode("utf-8", "replace")
    defects: list[str] = []
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
    except Exception as exc:  # the stdlib parser is lenient, but not infallible
        defects.append(f"message: {type(exc).__name__}")
        msg = email.message.EmailMessage()
    headers = _Headers(msg, defects)
    body = _read_body(msg, defects)
    subject = headers.text("subject")
    bounce = _guard(defects, "bounce", None, lambda: _bounce(headers, body))
    return ParsedMail(
        message_id=_first(_ids(headers.raw("message-id"))),
        in_reply_to=_ids(headers.raw("in-reply-to")),
        references=_ids(headers.raw("references")),
        subject=subject,
        sender=_first(headers.addresses("from", first_only=True)) or Address("", ""),
        reply_to=_first(headers.addresses("reply-to", first_only=True)),
        to=headers.addresses("to"),
        cc=headers.addresses("cc"),
        date=_guard(defects, "date", None, lambda: _date(headers.raw("date"))),
        text=body.text,
        html=body.html,
        attachments=body.attachments,
        auto_submitted=_guard(defects, "auto", None, lambda: _auto(headers, msg, bounce)),
        bounce=bounce,
        forwarded=_forwarded(subject, body),
        thread_index=headers.text("thread-index") or None,
        thread_topic=headers.text("thread-topic") or None,
        size=len(raw),
        headers={name: headers.text(name) for name in KEPT_HEADERS if headers.raw(name)},
        verdicts=_guard(defects, "verdicts", Verdicts(), lambda: _verdicts(headers)),
        defects=defects,
        authentication=_guard(defects, "authentication", Authentication(), lambda:
                              read_authentication(headers.all_raw("authentication-results"))),
    )


def _guard(defects: list[str], what: str, default: T, read: Callable[[], T]) -> T:
    try:
        return read()
    except Exception as exc:
        defects.append(f"{what}: {type(exc).__name__}")
        return default


def _first(items: list[T]) -> T | None:
    return items[0] if items else None


# ---------------------------------------------------------------------------------------
# Charsets
# ---------------------------------------------------------------------------------------

# What mail says and what it means: ISO-8859-1 labels routinely carry Windows-1252
# bytes (the euro sign, smart quotes), exactly as browsers treat them.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",  # 8-bit bytes under an ASCII label are most often UTF-8
    "ascii": "utf-8",
    "ansi_x3.4-1968": "utf-8",
    "utf8": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "ks_c_5601-1987": "cp949",
}


def _text_codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = _CHARSET_ALIASES.get(charset.strip().strip('"').lower(), charset.strip().strip('"'))
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Refuse bytes-to-bytes codecs ("base64", "zlib"): they are not charsets.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; on a wrong or unknown label UTF-8, then cp1252.

    Never raises: UTF-8 with a few broken bytes stays UTF-8 (with U+FFFD), anything else
    undecodable is read in the declared charset (or cp1252) with replacement characters.
    """
    declared = _text_codec(charset)
    for codec in dict.fromkeys(c for c in (declared, "utf-8") if c):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    lenient = data.decode("utf-8", "replace")
    broken = lenient.count("\ufffd")
    valid = sum(1 for ch in lenient if ord(ch) > 127) - broken
    if valid and valid >= broken:
        return lenient
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode(declared or "cp1252", "replace")


def _unescape(value: str) -> str:
    """Header text from the bytes parser: raw 8-bit bytes arrive as surrogate escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")


# ---------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WS = re.compile(r"\s+")


def decode_header_text(value: str) -> str:
    """RFC 2047 encoded words decoded, folding undone, whitespace collapsed."""
    value = _unescape(_FOLD.sub("", value))
    if "=?" in value:
        try:
            chunks = email.header.decode_header(value)
            value = "".join(
                chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
                for chunk, charset in chunks
            )
        except Exception:  # malformed encoded word: keep the text as it came
            pass
    return _WS.sub(" ", value).strip()


class _Headers:
    """Header access on the raw values, so a malformed header never breaks the parse."""

    def __init__(self, msg: Message, defects: list[str]) -> None:
        self._values: dict[str, list[str]] = {}
        self._defects = defects
        try:
            items: Iterable[tuple[str, str]] = list(msg.raw_items())
        except Exception as exc:
            defects.append(f"headers: {type(exc).__name__}")
            items = []
        for name, value in items:
            self._values.setdefault(name.lower(), []).append(str(value))

    def raw(self, name: str) -> str:
        """The first (topmost) occurrence, unfolded, undecoded; "" if absent."""
        values = self._values.get(name, [])
        return _FOLD.sub("", values[0]).strip() if values else ""

    def all_raw(self, name: str) -> list[str]:
        return [_FOLD.sub("", value).strip() for value in self._values.get(name, [])]

    def text(self, name: str) -> str:
        return decode_header_text(self.raw(name))

    def addresses(self, name: str, first_only: bool = False) -> list[Address]:
        values = self.all_raw(name)[:1] if first_only else self.all_raw(name)
        if not values:
            return []
        try:
            pairs = email.utils.getaddresses([_unescape(v) for v in values])
        except Exception as exc:
            self._defects.append(f"{name}: {type(exc).__name__}")
            return []
        bare = first_only and not any("@" in value or ";" in value for value in values)
        if bare:  # a bare name, e.g. "From: Anna Berg"
            name = decode_header_text(" ".join(values)).strip('<>" ')
            return [Address("", name)] if name else []
        result = []
        for display, addr in pairs:
            if not display and not addr:
                continue
            addr = addr.strip().lower()
            result.append(Address(addr if "@" in addr else "", decode_header_text(display)))
        return result


_ID = re.compile(r"<([^<>\s]+)>")


MAX_IDS = 100  # of a References chain only the newest matter (threading reads 30)


def _ids(value: str) -> list[str]:
    """Message ids without <>, in order, duplicates dropped; bare ids accepted too. A huge
    header costs linear time and keeps its newest ``MAX_IDS``."""
    found = _ID.findall(value)
    if not found:
        found = [token for token in value.split() if "@" in token and "<" not in token]
    return list(dict.fromkeys(found))[-MAX_IDS:]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # "-0000": UTC


# ---------------------------------------------------------------------------------------
# Body and attachments
# ---------------------------------------------------------------------------------------


@dataclass
class _Body:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    delivery_status: list[Message] = field(default_factory=list)  # DSN per-recipient blocks
    report_type: str = ""
    text: str = ""
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    forwarded_attachment: bool = False


@dataclass
class _Part:
    filename: str
    content_type: str
    data: bytes
    disposition: str
    content_id: str | None
    in_report: bool


_BODY_TYPES = ("text/plain", "text/html")
_MAX_DEPTH = 30  # nesting beyond this is an attack, not a mail


def _read_body(msg: Message, defects: list[str]) -> _Body:
    body = _Body()
    try:
        _collect(msg, body, defects, depth=0, in_report=False)
    except RecursionError:
        defects.append("body: too deep")
    except Exception as exc:
        defects.append(f"body: {type(exc).__name__}")
    text = "\n\n".join(t for t in body.texts if t.strip())
    html_sources = [h for h in body.htmls if h.strip()]
    if html_sources:
        joined = "\n".join(html_sources)
        body.html = _guard(defects, "html", None, lambda: sanitize(joined))
        if not text:
            text = _guard(defects, "html-text", "", lambda: html_to_text(joined))
    body.text = _clean_text(text)
    referenced = {cid.lower() for h in html_sources for cid in _CID_REF.findall(h)}
    body.attachments = _attachments(body.parts, referenced)
    return body


def _collect(part: Message, body: _Body, defects: list[str], depth: int, in_report: bool) -> None:
    if depth > _MAX_DEPTH:
        defects.append("body: too deep")
        return
    ctype = _content_type(part)
    if ctype == "message/delivery-status":  # parsed as header blocks, not as a multipart
        body.delivery_status.extend(_status_blocks(part))
        return
    if ctype in ("message/rfc822", "message/global"):  # kept whole, never descended into
        body.forwarded_attachment |= not in_report
        body.parts.append(_make_part(part, ctype, _message_bytes(part), _filename(part), in_report))
        return
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if ctype == "multipart/alternative":
            subparts = [child for child in children if isinstance(child, Message)]
            _collect_alternative(subparts, body, defects, depth, in_report)
            return
        if ctype == "multipart/report":
            body.report_type = str(part.get_param("report-type") or "").lower()
            in_report = True
        for child in children:
            if isinstance(child, Message):
                _collect(child, body, defects, depth + 1, in_report)
        return
    _collect_leaf(part, ctype, body, defects, in_report)


def _collect_leaf(
    part: Message, ctype: str, body: _Body, defects: list[str], in_report: bool
) -> None:
    if ctype.startswith("multipart/"):  # a multipart without a usable boundary
        body.texts.append(decode_bytes(_payload(part, defects), _charset(part)))
        return
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part)
    if ctype in _BODY_TYPES and disposition != "attachment" and not filename:
        content = decode_bytes(_payload(part, defects), _charset(part))
        if ctype == "text/plain":
            flowed, delsp = _flowed(part)
            body.texts.append(_unflow(content, delsp) if flowed else content)
        else:
            body.htmls.append(content)
        return
    body.parts.append(_make_part(part, ctype, _payload(part, defects), filename, in_report))


def _collect_alternative(
    children: list[Message], body: _Body, defects: list[str], depth: int, in_report: bool
) -> None:
    """Plain text from the first alternative that has it, HTML from the last; keep the
    attachments (inline images of a multipart/related) of every alternative."""
    found: list[_Body] = []
    for child in children:
        if isinstance(child, Message):
            sub = _Body()
            _collect(child, sub, defects, depth + 1, in_report)
            found.append(sub)
    texts = next((sub.texts for sub in found if sub.texts), [])
    htmls = next((sub.htmls for sub in reversed(found) if sub.htmls), [])
    body.texts.extend(texts)
    body.htmls.extend(htmls)
    for sub in found:
        body.parts.extend(sub.parts)
        body.delivery_status.extend(sub.delivery_status)
        body.forwarded_attachment |= sub.forwarded_attachment


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _charset(part: Message) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 form
        value = value[2]
    return str(value) if value else None


def _payload(part: Message, defects: list[str]) -> bytes:
    """The decoded payload; bad base64 decoded as far as possible (the stdlib gives up)."""
    cte = str(part.get("content-transfer-encoding", "") or "").strip().lower()
    try:
        if cte == "base64":
            raw = part.get_payload(decode=False)  # base64 text is ASCII
            return _b64(raw.encode("ascii", "replace"), defects) if isinstance(raw, str) else b""
        # 7bit/8bit/binary/quoted-printable: the stdlib hands back the original bytes
        # (get_payload(decode=False) would already decode 8-bit text in the declared charset).
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"payload: {type(exc).__name__}")
        return b""
    return data if isinstance(data, bytes) else b""


_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def _b64(source: bytes, defects: list[str]) -> bytes:
    """Lenient base64: stray characters skipped, a truncated tail decoded as far as it goes."""
    data, padding, _ = source.partition(b"=")
    cleaned = _NOT_BASE64.sub(b"", data)
    if len(cleaned) % 4:
        if not padding:
            defects.append("payload: base64 truncated")
        if len(cleaned) % 4 == 1:  # a lone sixth of a byte carries nothing
            cleaned = cleaned[:-1]
        cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        defects.append("payload: base64")
        return b""


def _flowed(part: Message) -> tuple[bool, bool]:
    try:
        flowed = str(part.get_param("format") or "").lower() == "flowed"
        return flowed, str(part.get_param("delsp") or "").lower() == "yes"
    except Exception:
        return False, False


def _unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: join soft-broken lines, undo space-stuffing."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = -1
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing (and the space after ">")
        if pending is not None and depth != pending_depth:
            out.append(_quoted(pending_depth, pending))
            pending = None
        soft = content.endswith(" ") and content != "-- "
        pending = (pending or "") + (content[:-1] if soft and delsp else content)
        pending_depth = depth
        if not soft:
            out.append(_quoted(depth, pending))
            pending = None
    if pending is not None:
        out.append(_quoted(pending_depth, pending))
    return "\n".join(out)


def _quoted(depth: int, text: str) -> str:
    return (">" * depth + " " + text if text else ">" * depth) if depth else text


_TRAILING_WS = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200b]")


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_WS.sub("", _CONTROL.sub("", text))
    return text.strip("\n")


def _message_bytes(part: Message) -> bytes:
    """A message/rfc822 part kept whole, as the bytes of an .eml file."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        try:
            return inner.as_bytes(policy=email.policy.compat32)
        except Exception:
            try:
                return inner.as_bytes()
            except Exception:
                return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


_CID_REF = re.compile(r"""cid:([^"'\s<>)]+)""", re.IGNORECASE)


def _make_part(part: Message, ctype: str, data: bytes, filename: str, in_report: bool) -> _Part:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:
        disposition = ""
    cid = decode_header_text(str(part.get("content-id", "") or "")).strip().strip("<>").strip()
    return _Part(filename, ctype, data, disposition, cid or None, in_report)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/xml": ".xml",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/bmp": ".bmp",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/calendar": ".ics",
    "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml",
    "message/global": ".eml",
}


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return decode_header_text(str(name)) if name else ""


def sanitize_filename(name: str) -> str:
    """No path parts, no control or reserved characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _WS.sub(" ", _UNSAFE.sub("_", name)).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 200 - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:200]
    return name


def _attachments(parts: list[_Part], referenced: set[str]) -> list[Attachment]:
    result: list[Attachment] = []
    invented: dict[str, int] = {}
    for part in parts:
        name = sanitize_filename(part.filename)
        if part.content_type in ("message/rfc822", "message/global"):
            if not name:
                count = invented["forwarded"] = invented.get("forwarded", 0) + 1
                name = "forwarded-message.eml" if count == 1 else f"forwarded-message-{count}.eml"
            elif not name.lower().endswith(".eml"):
                name += ".eml"
        if not name:
            prefix = "image" if part.content_type.startswith("image/") else "attachment"
            count = invented[prefix] = invented.get(prefix, 0) + 1
            name = f"{prefix}-{count}{_EXTENSIONS.get(part.content_type, '.bin')}"
        cid = part.content_id
        inline = part.disposition == "inline" or bool(cid and cid.lower() in referenced)
        result.append(Attachment(name, part.content_type, part.data, inline, cid))
    return result


# ---------------------------------------------------------------------------------------
# Automatic mail, bounces, forwards, verdicts
# ---------------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)? response|autoreply|out of office|automatiskt svar"
    r"|frånvaromeddelande|automaattinen vastaus|poissaoloilmoitus|automatische antwort)\b",
    re.IGNORECASE,
)
_SUPPRESS_AUTO = re.compile(r"\b(?:all|oof|autoreply)\b", re.IGNORECASE)


def _auto(headers: _Headers, msg: Message, bounce: Bounce | None) -> str | None:
    """Why this mail was sent by a machine, or None for a person's mail.

    Deliberately not flagged: List-Id alone (a customer's shared mailbox or Google Group
    relays real requests) and ``Auto-Submitted: no`` (RFC 3834: written by a person).
    """
    if bounce is not None:
        return "delivery-status report"
    reason = _auto_headers(headers)
    if reason:
        return reason
    if _content_type(msg) == "multipart/report":  # e.g. read receipts
        kind = str(msg.get_param("report-type") or "").lower()
        return f"{kind or 'delivery-status'} report"
    if headers.raw("return-path").replace(" ", "") == "<>":
        return "null return-path"
    if _AUTO_SUBJECT.match(headers.text("subject")):
        return "subject: automatic reply"
    return None


def _auto_headers(headers: _Headers) -> str | None:
    auto = headers.raw("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        value = headers.raw(name).lower()
        if value and value not in ("no", "false", "0"):
            return name
    precedence = headers.raw("precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    suppress = headers.raw("x-auto-response-suppress")
    if suppress and _SUPPRESS_AUTO.search(suppress):
        return "x-auto-response-suppress"
    if headers.raw("x-autogenerated").lower() == "reply":  # older Exchange
        return "x-autogenerated: reply"
    return None


_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undelivered mail returned to sender|delivery status notification|undeliverable"
    r"|mail delivery failed|returned mail|failure notice|delivery failure"
    r"|olevererbart|det gick inte att leverera|kunde inte levereras|onnistumaton toimitus"
    r"|toimitus epäonnistui|ei voitu toimittaa|unzustellbar|non remis",
    re.IGNORECASE,
)
_DELAY_WORDS = re.compile(
    r"\(delay\)|delayed|will retry|will be retried|försenad|fördröjd|viivästy", re.IGNORECASE
)
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ID_LINE = re.compile(
    r"^\s*(?:message-id|in-reply-to|references|return-path|received|dkim-signature|x-[\w-]+)"
    r"\s*:",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    if isinstance(payload, str):  # unparsed: read it as header blocks ourselves
        text = payload.replace("\r\n", "\n")
        return [email.message_from_string(chunk) for chunk in text.split("\n\n") if chunk.strip()]
    return []


def _bounce(headers: _Headers, body: _Body) -> Bounce | None:
    if body.delivery_status:
        return _dsn_bounce(body.delivery_status)
    sender = _first(headers.addresses("from"))
    from_daemon = bool(sender and _BOUNCE_SENDER.match(sender.email))
    subject = headers.text("subject")
    if not (_BOUNCE_SUBJECT.search(subject) and (from_daemon or body.report_type)):
        return None
    own = {a.email for a in headers.addresses("from") + headers.addresses("to")}
    # Addresses in the report's prose, not in the quoted headers' ids and routing lines.
    prose = "\n".join(line for line in body.text.split("\n") if not _ID_LINE.match(line))
    found: list[str] = []
    for address in _EMAIL.findall(prose):
        address = address.lower()
        if address not in own and not _BOUNCE_SENDER.match(address) and address not in found:
            found.append(address)
    statuses = _STATUS.findall(body.text)
    delayed = bool(_DELAY_WORDS.search(subject + "\n" + body.text))
    permanent = "5" in statuses if statuses else not delayed
    return Bounce(found, permanent)


def _dsn_bounce(blocks: list[Message]) -> Bounce:
    failed: list[str] = []
    delayed: list[str] = []
    permanent = False
    for block in blocks:
        recipient = str(block.get("final-recipient") or block.get("original-recipient") or "")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        action = str(block.get("action") or "").strip().lower()
        status = str(block.get("status") or "").strip()
        if action == "failed" or (not action and status.startswith("5")):
            failed.append(address)
            permanent |= status.startswith("5") or not status
        elif action == "delayed":
            delayed.append(address)
    return Bounce(failed or delayed, permanent and bool(failed))


_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|vb|vl|wg|tr|rv|doorst)\s*:", re.IGNORECASE)
_FORWARD_TOP = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|vidarebefordrat meddelande|välitetty viesti"
    r"|original message|ursprungligt meddelande|alkuperäinen viesti|weitergeleitete nachricht"
    r")\s*-{2,}|begin forwarded message:|vidarebefordrat brev:|välitetty viesti alkaa:"
    r"|_{10,}$|\*?(?:from|från|lähettäjä)\*?:\s)",
    re.IGNORECASE | re.MULTILINE,
)


def _forwarded(subject: str, body: _Body) -> bool:
    """A forward: by subject prefix (sv VB, fi VL, de WG; fi "VS" is a *reply*), by a
    forward header as the first line of the body, or by an attached message."""
    if _FORWARD_SUBJECT.match(subject) or body.forwarded_attachment:
        return True
    return bool(_FORWARD_TOP.match(body.text.lstrip("\n")))


_AUTHSERV = "amazonses.com"
_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([A-Za-z_]+)", re.IGNORECASE)


def _verdicts(headers: _Headers) -> Verdicts:
    """SES prepends its own headers, so only the topmost of each is trusted: a sender can
    put "Authentication-Results: amazonses.com; spf=pass" in a forged message, below
    SES's (and if SES wrote none, the topmost is the sender's and counts for nothing)."""
    results: dict[str, list[str]] = {}
    for value in headers.all_raw("authentication-results")[:1]:
        if value.split(";", 1)[0].strip().lower() == _AUTHSERV:
            for name, result in _RESULT.findall(value):
                results.setdefault(name.lower(), []).append(result.upper())
    spf = _first(results.get("spf", [])) or headers.raw("received-spf").split(" ", 1)[0].upper()
    dkim_all = results.get("dkim", [])
    dkim = "PASS" if "PASS" in dkim_all else _first(dkim_all)  # any valid signature passes
    return Verdicts(
        spam=headers.raw("x-ses-spam-verdict").upper() or "NONE",
        virus=headers.raw("x-ses-virus-verdict").upper() or "NONE",
        spf=spf or "NONE",
        dkim=dkim or "NONE",
        dmarc=_first(results.get("dmarc", [])) or "NONE",
    )
