"""Certificates' rules: the verification code (signed, typable, forgiving of how it is typed,
refusing any change), issuing and revoking, the status at a moment passed in, the PDF and
its text, logo types."""

from __future__ import annotations

import contextlib
import re
import zlib
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chalicelib.domain import certificates as rules
from chalicelib.domain.certificates import Certificate, CertificateDocument, CertificateHead
from chalicelib.domain.errors import BusinessRuleViolation

SECRET = "s" * 40
OTHER_SECRET = "t" * 40
SERIAL = rules.new_serial(0x12_3456_789A)


def pdf_strings(pdf: bytes) -> list[str]:
    """The text shown on the pages: every literal string drawn (``(...) Tj``), with the PDF
    escapes undone, in cp1252 (the standard fonts' encoding). Streams are read whether
    or not they are compressed."""
    chunks = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(stream))
    found = []
    for chunk in chunks:
        for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", chunk, re.S):
            text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), raw)
            text = re.sub(rb"\\(.)", rb"\1", text)
            found.append(text.decode("cp1252"))
    return found


def test_a_code_is_the_tenant_and_sixteen_base32_characters_in_groups() -> None:
    code = rules.code_for(SECRET, "bygg-demo", SERIAL)
    assert re.fullmatch(r"bygg-demo(-[0-9A-HJKMNP-TV-Z]{4}){4}", code)
    assert rules.read_code(SECRET, code) == ("bygg-demo", SERIAL)


@pytest.mark.parametrize("typed", [
    lambda c: c.lower(),
    lambda c: f"  {c}  ",
    lambda c: c[:10] + c[10:].replace("-", ""),
    lambda c: c[:10] + c[10:].replace("-", " "),
    lambda c: c.replace("0", "O").replace("1", "l"),
])
def test_a_code_reads_however_it_was_typed(typed: object) -> None:
    code = rules.code_for(SECRET, "bygg-demo", "01ABCDEF")
    assert rules.read_code(SECRET, typed(code)) == ("bygg-demo", "01ABCDEF")  # type: ignore[operator]


def _altered_codes() -> list[str]:
    code = rules.code_for(SECRET, "demo", SERIAL)
    body = code[5:]
    flipped = []
    for n, char in enumerate(body):
        if char == "-":
            continue
        other = "A" if char != "A" else "B"
        flipped.append("demo-" + body[:n] + other + body[n + 1:])
    return [*flipped, code.replace("demo", "other"), code[:-1], code + "A", "demo",
            "demo-AAAA-AAAA-AAAA-AAAA", "demo-UUUU-UUUU-UUUU-UUUU", "", "-" * 20,
            code.replace("-", "/")]


@pytest.mark.parametrize("altered", _altered_codes())
def test_every_altered_or_forged_code_is_unknown(altered: str) -> None:
    with pytest.raises(rules.UnknownCode):
        rules.read_code(SECRET, altered)


def test_a_code_signed_with_another_secret_or_for_another_tenant_is_unknown() -> None:
    with pytest.raises(rules.UnknownCode):
        rules.read_code(SECRET, rules.code_for(OTHER_SECRET, "demo", SERIAL))
    # The same serial signed for another tenant is another code.
    assert rules.code_for(SECRET, "demo", SERIAL)[5:] != rules.code_for(
        SECRET, "demx", SERIAL)[5:]


def test_a_short_secret_is_refused_rather_than_signing_forgeable_codes() -> None:
    with pytest.raises(RuntimeError):
        rules.code_for("short", "demo", SERIAL)


def test_serials_are_eight_base32_characters_of_forty_bits() -> None:
    assert rules.new_serial(0) == "00000000"
    assert rules.new_serial((1 << 40) - 1) == "ZZZZZZZZ"
    assert rules.new_serial(1 << 40) == "00000000"


def _certificate(number: int = 1, valid_until: str = "2027-06-01T00:00:00Z") -> Certificate:
    return Certificate(serial=SERIAL, number=number, subscription_id="S1", network_id="N1",
                       organization_id="O1", supplier_name="Bygg AB", supplier_id="123456",
                       network_name={"sv": "Byggnätverket", "en": "Construction"},
                       valid_from="2026-06-01T00:00:00Z", valid_until=valid_until,
                       issued_at="2026-06-01T00:00:00Z", issued_by="u1")


def test_status_at_a_moment_passed_in() -> None:
    cert = _certificate()
    before = datetime(2027, 5, 31, 23, 59, 59, tzinfo=UTC)
    at_end = datetime(2027, 6, 1, tzinfo=UTC)
    assert rules.status_of(cert, None, before) == "valid"
    assert rules.status_of(cert, None, at_end) == "expired"
    revoked = CertificateHead(subscription_id="S1", last_number=1, revoked_through=1)
    assert rules.status_of(cert, revoked, before) == "revoked"
    # Revoked outranks expired.
    assert rules.status_of(cert, revoked, at_end) == "revoked"
    # A certificate issued after the revocation (a new publication) is not revoked by it.
    assert rules.status_of(_certificate(number=2), revoked, before) == "valid"


def test_a_certificate_exists_only_while_published_and_not_revoked_for_that_publication() -> (
        None):
    publication = rules.publication_of(2, "2026-06-01T00:00:00Z")
    for status in ("draft", "submitted", "returned"):
        with pytest.raises(BusinessRuleViolation, match="once the subscription is published"):
            rules.check_issuable(status, "2027-06-01T00:00:00Z", None, None)
    with pytest.raises(BusinessRuleViolation, match="expired on 2027-06-01"):
        rules.check_issuable("expired", "2027-06-01T00:00:00Z", None, publication)
    rules.check_issuable("published", "2027-06-01T00:00:00Z", None, publication)
    head = rules.revoked_head(CertificateHead(subscription_id="S1"), publication,
                              datetime(2026, 7, 1, tzinfo=UTC), "fraud")
    with pytest.raises(BusinessRuleViolation, match="revoked on 2026-07-01"):
        rules.check_issuable("published", "2027-06-01T00:00:00Z", head, publication)
    # A new publication (the next round, even within the same second) lifts it.
    rules.check_issuable("published", "2027-06-01T00:00:00Z", head,
                         rules.publication_of(3, "2026-06-01T00:00:00Z"))


def test_revoking_covers_every_certificate_so_far_and_stays_revoked() -> None:
    publication = rules.publication_of(1, "2026-06-01T00:00:00Z")
    head = CertificateHead(subscription_id="S1", last_number=3, serial=SERIAL,
                           publication=publication, valid_until="2027-06-01T00:00:00Z",
                           version=3)
    revoked = rules.revoked_head(head, publication, datetime(2026, 7, 1, tzinfo=UTC), "why")
    assert (revoked.revoked, revoked.revoked_through, revoked.serial, revoked.reason) == (
        True, 3, SERIAL, "why")
    with pytest.raises(BusinessRuleViolation, match="revoked already"):
        rules.revoked_head(revoked, publication, datetime(2026, 7, 2, tzinfo=UTC), "again")
    with pytest.raises(BusinessRuleViolation, match="never published"):
        rules.revoked_head(CertificateHead(subscription_id="S1"), None,
                           datetime(2026, 7, 2, tzinfo=UTC), "x")


def test_the_head_names_the_current_certificate_for_one_publication_and_expiry() -> None:
    head = CertificateHead(subscription_id="S1", last_number=1, serial=SERIAL,
                           publication="1@x", valid_until="2027-06-01T00:00:00Z")
    assert head.current("1@x", "2027-06-01T00:00:00Z")
    assert not head.current("1@x", "2028-06-01T00:00:00Z")  # renewed: the next certificate
    assert not head.current("3@y", "2027-06-01T00:00:00Z")  # published again


def _document(language: str = "sv", name: str = "Bygg & Betong (AB)") -> CertificateDocument:
    code = rules.code_for(SECRET, "demo", SERIAL)
    return CertificateDocument(language=language, supplier_name=name, supplier_id="654321",
                               network_name="Byggnätverket", valid_from="2026-06-01T10:00:00Z",
                               valid_until="2027-06-01T10:00:00Z", serial=SERIAL, code=code,
                               verify_url=f"https://portal.test/#/verify?code={code}")


def test_the_pdf_is_a_pdf_naming_the_supplier_its_id_the_network_validity_and_code() -> None:
    document = _document()
    pdf = rules.render_pdf(document)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    shown = pdf_strings(pdf)
    assert "Certifikat" in shown
    assert {"Bygg & Betong (AB)", "654321", "Byggnätverket", "2026-06-01 till 2027-06-01",
            document.verify_url} <= set(shown)
    assert any(document.code in s for s in shown)


@pytest.mark.parametrize(("language", "title", "label"), [
    ("sv", "Certifikat", "Leverantörs-id"), ("fi", "Sertifikaatti", "Toimittajatunnus"),
    ("en", "Certificate", "Supplier id")])
def test_the_pdf_speaks_the_users_language(language: str, title: str, label: str) -> None:
    shown = pdf_strings(rules.render_pdf(_document(language)))
    assert title in shown and label in shown


def test_letters_outside_the_pdf_fonts_lose_their_accent_not_the_document() -> None:
    assert rules.pdf_text("Åkesson Öy ä") == "Åkesson Öy ä"
    assert rules.pdf_text("Łódź Dvořák ☃") == "Lódz Dvorák ?"
    shown = pdf_strings(rules.render_pdf(_document(name="Łódź Dvořák Sp. z o.o.")))
    assert "Lódz Dvorák Sp. z o.o." in shown


def test_the_file_name_is_ascii_with_the_supplier_id_and_network() -> None:
    assert rules.filename(_document()) == "certificate-654321-byggnatverket.pdf"


def test_logo_types_svg_and_others_are_refused_and_bytes_must_match() -> None:
    assert rules.logo_type_problem("image/png") is None
    assert rules.logo_type_problem("image/jpeg") is None
    assert "SVG" in (rules.logo_type_problem("image/svg+xml") or "")
    assert "not accepted" in (rules.logo_type_problem("image/gif") or "")
    assert rules.looks_like("image/png", b"\x89PNG\r\n\x1a\n\0\0")
    assert not rules.looks_like("image/png", b"<html><script>")
    assert rules.looks_like("image/jpeg", b"\xff\xd8\xff\xe0")
    with pytest.raises(ValidationError):
        rules.LogoUpload(content_type="image/png", size=rules.LOGO_MAX_BYTES + 1)
    with pytest.raises(ValidationError):
        rules.LogoUpload(content_type="image/png", size=0)


def test_a_revocation_needs_a_reason() -> None:
    with pytest.raises(ValidationError):
        rules.CertificateRevoke(reason="   ")
    assert rules.CertificateRevoke(reason=" Fraud ").reason == "Fraud"
