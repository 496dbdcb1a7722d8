"""Certificates and logos (seed 000: "Företaget får också logotyper och certifikat som kan
användas i marknadsföringsmaterial"): the rules, pure (no I/O, no clock; the secret, the
moment and random bits are passed in).

A certificate says that a supplier organisation, under its six-digit supplier id, was
validated and published in a network from ``valid_from`` to ``valid_until``. It is issued
for one publication and one expiry of a subscription; a renewal or a new publication issues
the next one. Staff revoke a subscription's certificates (every one issued so far, and the
current publication's, even before its first download); only a new publication lifts that.

Its verification code is ``<tenant>-XXXX-XXXX-XXXX-XXXX``: the tenant as it is, then 16
Crockford base32 characters, the certificate's random 40-bit serial and the first 40 bits
of an HMAC-SHA256 with the server's secret over the tenant and the serial (``signing.py``,
scope ``certificate``). The serial, unique in the tenant, names the certificate's record,
which names its subscription: one GetItem finds it. Typing is forgiving (any case, spaces
or no hyphens, O for 0, I and L for 1); anything that does not check out is the same "no
such certificate", so a guesser learns nothing about which part was wrong.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib import signing
from chalicelib.domain.errors import BusinessRuleViolation
from chalicelib.domain.models import Command, Model, utc_iso

CODE_SCOPE = "certificate"
SERIAL_BITS = 40
MAC_BITS = 40
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"O": "0", "I": "1", "L": "1"}
_TENANT = r"[a-z0-9-]{2,40}"
# The tenant, then four groups of four (hyphens and spaces optional; any case).
_CODE = re.compile(rf"^(?P<tenant>{_TENANT}?)[- ]?(?P<body>(?:[0-9a-z][- ]?){{15}}[0-9a-z])$")

CertificateStatus = Literal["valid", "expired", "revoked"]


# --- the code -----------------------------------------------------------------------------


def _base32(value: int, chars: int) -> str:
    return "".join(_CROCKFORD[(value >> (5 * (chars - 1 - n))) & 31] for n in range(chars))


def new_serial(random_bits: int) -> str:
    """A serial from 40 random bits: 8 Crockford base32 characters."""
    return _base32(random_bits % (1 << SERIAL_BITS), SERIAL_BITS // 5)


def _mac(secret: str, tenant: str, serial: str) -> str:
    """The serial's 40-bit signature in the tenant, as 8 Crockford base32 characters."""
    digest = signing.unb64(signing.sign(secret, CODE_SCOPE, f"{tenant}\0{serial}".encode()))
    return _base32(int.from_bytes(digest[: MAC_BITS // 8], "big"), MAC_BITS // 5)


def code_for(secret: str, tenant: str, serial: str) -> str:
    """``<tenant>-XXXX-XXXX-XXXX-XXXX``: the serial, then its signature."""
    body = serial + _mac(secret, tenant, serial)
    return "-".join([tenant, *(body[n:n + 4] for n in range(0, 16, 4))])


class UnknownCode(ValueError):
    """Not a code we issued: malformed, altered, forged or signed with another secret."""


def read_code(secret: str, code: str) -> tuple[str, str]:
    """(tenant, serial) of a code ``code_for`` made; ``UnknownCode`` for anything else."""
    found = _CODE.fullmatch(code.strip().lower())
    if not found:
        raise UnknownCode
    body = "".join(_READ_AS.get(c, c) for c in found["body"].upper() if c not in "- ")
    if any(c not in _CROCKFORD for c in body):
        raise UnknownCode
    tenant, serial, mac = found["tenant"], body[:8], body[8:]
    # As bytes, constant time: a mismatch takes as long wherever it is.
    if not hmac.compare_digest(_mac(secret, tenant, serial).encode(), mac.encode()):
        raise UnknownCode
    return tenant, serial


# --- issuing and revoking -----------------------------------------------------------------


class CertificateRevoke(Command):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=1000)]


class Certificate(Model):
    """A certificate as issued (never changed; its revocation lives in ``CertificateHead``)."""

    serial: str
    number: int = Field(ge=1, description="its place among the subscription's certificates")
    subscription_id: str
    network_id: str
    organization_id: str
    supplier_name: str
    supplier_id: str
    network_name: dict[str, str | None]
    valid_from: str
    valid_until: str
    issued_at: str
    issued_by: str


class CertificateHead(Model):
    """A subscription's certificates: the last one issued, and how far they are revoked
    (every certificate whose ``number`` is at most ``revoked_through``, and no new one for
    the ``publication`` while ``revoked``)."""

    subscription_id: str
    last_number: int = 0
    serial: str | None = None
    publication: str | None = None
    valid_until: str | None = None
    revoked_through: int = 0
    revoked: bool = False
    revoked_at: str | None = None
    reason: str | None = None
    version: int = 0  # 0: not stored yet

    def current(self, publication: str, expires_at: str) -> bool:
        """Its last certificate is the one for this publication and this expiry."""
        return (self.serial is not None and self.publication == publication
                and self.valid_until == expires_at)


def publication_of(round_: int, published_at: str | None) -> str | None:
    """Which publication a subscription is in: its validation round names it (two
    publications within one second have the same ``published_at``, never the same round)."""
    return None if published_at is None else f"{round_}@{published_at}"


def check_issuable(status: str, expires_at: str, head: CertificateHead | None,
                   publication: str | None) -> None:
    """A certificate exists only while the subscription is published and not expired, and
    not after its certificates were revoked for this publication (422 with why)."""
    if status == "expired":
        raise BusinessRuleViolation(
            f"The subscription expired on {expires_at[:10]}: renew it for a new certificate.")
    if status != "published" or publication is None:
        raise BusinessRuleViolation(
            f"A certificate is issued once the subscription is published; it is {status}.")
    if head is not None and head.revoked and head.publication == publication:
        raise BusinessRuleViolation(
            f"The certificate was revoked on {(head.revoked_at or '')[:10]}; a new one is "
            "issued when the subscription is validated and published again.")


def revoked_head(head: CertificateHead, publication: str | None, now: datetime,
                 reason: str) -> CertificateHead:
    """Every certificate issued so far revoked, and none more for this publication."""
    if publication is None:
        raise BusinessRuleViolation("The subscription was never published: it has no "
                                    "certificate to revoke.")
    if head.revoked and head.publication == publication:
        raise BusinessRuleViolation("The certificate is revoked already.")
    return head.model_copy(update={
        "publication": publication, "revoked": True, "revoked_through": head.last_number,
        "revoked_at": utc_iso(now), "reason": reason,
        # The serial belongs to the publication it was issued for; another one has none.
        "serial": head.serial if head.publication == publication else None})


def status_of(certificate: Certificate, head: CertificateHead | None,
              now: datetime) -> CertificateStatus:
    """Revoked outranks expired: a revoked certificate never reads as merely expired."""
    if head is not None and certificate.number <= head.revoked_through:
        return "revoked"
    if certificate.valid_until <= utc_iso(now):
        return "expired"
    return "valid"


class Verification(Model):
    """What anyone holding a code learns, and nothing else."""

    status: CertificateStatus
    supplier_name: str
    supplier_id: str
    network_name: str
    valid_until: str


# --- the document -------------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "sv": {"title": "Certifikat", "intro": "Leverantören har validerats och publicerats i "
           "nätverket.", "supplier": "Leverantör", "supplier_id": "Leverantörs-id",
           "network": "Nätverk", "valid": "Giltigt", "to": "till", "code": "Kontrollkod",
           "verify": "Kontrollera certifikatet", "serial": "Serienummer",
           "subject": "Ditt certifikat för", "mail_intro": "Här är certifikatet du bad om.",
           "download": "Ladda ned det igen"},
    "fi": {"title": "Sertifikaatti", "intro": "Toimittaja on validoitu ja julkaistu "
           "verkostossa.", "supplier": "Toimittaja", "supplier_id": "Toimittajatunnus",
           "network": "Verkosto", "valid": "Voimassa", "to": "-", "code": "Tarkistuskoodi",
           "verify": "Tarkista sertifikaatti", "serial": "Sarjanumero",
           "subject": "Sertifikaattisi:", "mail_intro": "Tässä pyytämäsi sertifikaatti.",
           "download": "Lataa se uudelleen"},
    "en": {"title": "Certificate", "intro": "The supplier has been validated and published "
           "in the network.", "supplier": "Supplier", "supplier_id": "Supplier id",
           "network": "Network", "valid": "Valid", "to": "to", "code": "Verification code",
           "verify": "Verify this certificate", "serial": "Serial",
           "subject": "Your certificate for", "mail_intro": "Here is the certificate you "
           "asked for.", "download": "Download it again"},
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["sv"])


class CertificateDocument(Model):
    """What the PDF shows, in one language."""

    language: str
    supplier_name: str
    supplier_id: str
    network_name: str
    valid_from: str
    valid_until: str
    serial: str
    code: str
    verify_url: str


def filename(document: CertificateDocument) -> str:
    """``certificate-<supplier id>-<network>.pdf``, ASCII only (a header and a file name)."""
    ascii_name = "".join(c for c in unicodedata.normalize("NFKD", pdf_text(document.network_name))
                         if c.isascii())
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return f"certificate-{document.supplier_id}-{words[:40] or 'network'}.pdf"


# Letters whose plain form Unicode does not give by decomposition.
_PLAIN = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "ħ": "h", "Ħ": "H"}


def pdf_text(text: str) -> str:
    """The text in the PDF standard fonts' encoding (cp1252, which holds Swedish and
    Finnish): a letter outside it loses its accent, anything else becomes ?."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char in _PLAIN:
            kept.append(_PLAIN[char])
            continue
        try:
            char.encode("cp1252")
            kept.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char)
                           if not unicodedata.combining(c))
            kept.append(base if base and base.isascii() else "?")
    return "".join(kept)


def render_pdf(document: CertificateDocument) -> bytes:
    """One A4 page. reportlab is imported here, not at module level: only a download pays
    its import (about 45 ms, docs/decisions.md), never a cold start. The page stream is
    left uncompressed (a few kB) so the text can be read back as it is."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    words = labels(document.language)
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=0, invariant=1)
    pdf.setTitle(pdf_text(f"{words['title']} {document.supplier_id}"))
    pdf.setAuthor("Helpdesk")
    width, height = A4
    left = 72.0
    pdf.setLineWidth(2)
    pdf.rect(40, 40, width - 80, height - 80)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawString(left, height - 130, pdf_text(words["title"]))
    pdf.setFont("Helvetica", 12)
    pdf.drawString(left, height - 160, pdf_text(words["intro"]))
    rows = [(words["supplier"], document.supplier_name),
            (words["supplier_id"], document.supplier_id),
            (words["network"], document.network_name),
            (words["valid"], f"{document.valid_from[:10]} {words['to']} "
                             f"{document.valid_until[:10]}"),
            (words["serial"], document.serial)]
    y = height - 220
    for label, value in rows:
        pdf.setFont("Helvetica", 11)
        pdf.drawString(left, y, pdf_text(label))
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(left + 130, y, pdf_text(value)[:70])
        y -= 34
    y -= 30
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawString(left, y, pdf_text(words["verify"]))
    pdf.setFont("Helvetica", 10)
    pdf.drawString(left, y - 20, pdf_text(document.verify_url)[:100])
    pdf.linkURL(document.verify_url, (left, y - 24, width - left, y - 10))
    pdf.setFont("Courier-Bold", 14)
    pdf.drawString(left, y - 46, f"{pdf_text(words['code'])}: {document.code}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# --- logos --------------------------------------------------------------------------------

LOGO_MAX_BYTES = 1024 * 1024
# SVG is refused, not sanitised: an SVG is a document that can carry scripts, event
# attributes, external references and CSS, and a sanitiser that misses one of them serves
# script from our bucket (docs/decisions.md). PNG and JPEG cover a logo.
LOGO_TYPES = {"image/png": ".png", "image/jpeg": ".jpg"}
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class LogoUpload(Command):
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                                   min_length=3, max_length=100)]
    size: int = Field(ge=1, le=LOGO_MAX_BYTES)


def logo_type_problem(content_type: str) -> str | None:
    if content_type == "image/svg+xml":
        return "SVG logos are refused (an SVG can carry scripts): send PNG or JPEG"
    if content_type not in LOGO_TYPES:
        return f"{content_type} is not accepted: send PNG or JPEG"
    return None


def looks_like(content_type: str, start: bytes) -> bool:
    """The bytes begin as the declared type's do (a PNG that is really HTML is refused)."""
    return start.startswith(_MAGIC[content_type])


class Logo(Model):
    network_id: str
    content_type: str
    size: int
    state: Literal["pending", "uploaded"] = "pending"
    uploaded_by: str
    created_at: str
