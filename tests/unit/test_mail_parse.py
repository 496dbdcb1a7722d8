"""parse(): the raw-mail corpus, charsets, headers, verdicts, automatic mail, robustness."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.mail.html_text import html_to_text, sanitize
from chalicelib.mail.parse import Verdicts, decode_bytes, parse, sanitize_filename
from chalicelib.mail.quotes import Reply, split_reply, strip_reply
from tests.fixtures import mail as fixtures

NAMES = fixtures.names()


def mail(headers: str, body: str = "Hej", *, ctype: str = "text/plain; charset=utf-8") -> bytes:
    head = headers.strip("\n")
    head += f"\nMIME-Version: 1.0\nContent-Type: {ctype}\n" if "Content-Type" not in head else "\n"
    return (head + "\n" + body).replace("\n", "\r\n").encode("utf-8", "surrogateescape")


# -- the corpus ---------------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert set(NAMES) == set(fixtures.expected())
    assert len(NAMES) >= 37


@pytest.mark.parametrize("name", NAMES)
def test_corpus_outcome(name: str) -> None:
    spec = fixtures.expected()[name]
    values = fixtures.values_for(name)
    raw = fixtures.load(name, **values)
    parsed = parse(raw)

    assert split_reply(parsed.text) == Reply(spec["comment"], spec["signature"])
    assert parsed.subject == spec["subject"]
    assert parsed.sender.email == values["FROM"].lower()
    assert parsed.message_id == values["MESSAGE_ID"]
    assert parsed.size == len(raw)
    assert [a.filename for a in parsed.attachments] == spec["attachments"]
    details = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size, "inline": a.inline}
        for a in parsed.attachments
    ]
    assert details == spec["attachment_details"]
    assert (parsed.auto_submitted is not None) == spec["auto"]
    assert parsed.auto_submitted == spec["auto_reason"]
    assert (parsed.bounce.recipients if parsed.bounce else []) == spec["bounce"]
    assert (parsed.bounce.permanent if parsed.bounce else None) == spec["bounce_permanent"]
    assert parsed.forwarded is spec["forwarded"]
    assert parsed.verdicts.failed() == spec["verdicts_failed"]
    assert parsed.defects == []
    assert parsed.date == datetime(2026, 11, 23, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert "\r" not in parsed.text
    assert all(line == line.rstrip() for line in parsed.text.split("\n"))


WITH_HTML = [
    name
    for name in NAMES
    if fixtures.expected()[name]["kind"] in ("reply", "new") and b"text/html" in fixtures.load(name)
]


@pytest.mark.parametrize("name", WITH_HTML)
def test_corpus_html_path_gives_the_same_comment(name: str) -> None:
    """The sanitised HTML, converted to text, strips to the same comment as the text part
    (so HTML-only replies of every client style are covered too)."""
    spec = fixtures.expected()[name]
    parsed = parse(fixtures.load(name))
    assert parsed.html is not None
    assert split_reply(html_to_text(parsed.html)) == Reply(spec["comment"], spec["signature"])
    assert "<script" not in parsed.html and "<style" not in parsed.html


@pytest.mark.parametrize("name", [n for n in NAMES if fixtures.expected()[n]["html_only"]])
def test_html_only_fixtures_have_no_text_part(name: str) -> None:
    raw = fixtures.load(name)
    assert b"text/plain" not in raw
    assert parse(raw).html is not None


@pytest.mark.parametrize("name", [n for n in NAMES if fixtures.expected()[n]["kind"] == "reply"])
def test_replies_thread(name: str) -> None:
    parsed = parse(
        fixtures.load(name, IN_REPLY_TO="n1.ab@h.example", REFERENCES="<n0@h> <n1.ab@h.example>")
    )
    if name == "outlook_thread_index_only_sv":
        assert parsed.in_reply_to == [] and parsed.references == []
        assert parsed.thread_topic == fixtures.expected()[name]["thread_topic"]
        assert parsed.thread_index == fixtures.expected()[name]["thread_index"]
    else:
        assert parsed.in_reply_to == ["n1.ab@h.example"]
        assert parsed.references == ["n0@h", "n1.ab@h.example"]


def test_load_encodes_non_ascii_header_values() -> None:
    raw = fixtures.load(
        "gmail_reply_sv", FROM_NAME="Åsa Öberg, Ekonomi", SUBJECT="[T-7] Lön för ÅÄÖ € ok"
    )
    assert raw.split(b"\r\n\r\n")[0].isascii()
    parsed = parse(raw)
    assert parsed.sender.name == "Åsa Öberg, Ekonomi"
    assert parsed.subject == "Re: [T-7] Lön för ÅÄÖ € ok"


def test_load_with_empty_in_reply_to_still_parses() -> None:
    parsed = parse(fixtures.load("gmail_reply_en", IN_REPLY_TO=""))
    assert parsed.in_reply_to == [] and parsed.references == []
    assert parsed.defects == []


def test_load_gives_unique_message_ids() -> None:
    first, second = (parse(fixtures.load("gmail_reply_fi")).message_id for _ in range(2))
    assert first != second and first is not None and first.endswith("@mail.gmail.com")


def test_outlook_desktop_details() -> None:
    parsed = parse(fixtures.load("outlook_desktop_reply_en"))
    assert [a.email for a in parsed.cc] == ["sarah.mills@whitfieldsons.co.uk"]
    assert parsed.to[0].name == "Customer Support"
    assert parsed.thread_topic == "[T-1003] Invoices are not sent to the e-invoice operator"
    assert parsed.headers["x-mailer"] == "Microsoft Outlook 16.0"


def test_spoofed_sender_reply_to_and_forged_results() -> None:
    parsed = parse(fixtures.load("spoofed_sender_en"))
    assert parsed.reply_to is not None
    assert parsed.reply_to.email == "emma.clarke.finance@outlook-mail.example"
    # The forged, lower "Authentication-Results: amazonses.com; spf=pass ..." is ignored.
    assert parsed.verdicts == Verdicts("PASS", "PASS", "FAIL", "FAIL", "FAIL")


def test_html_only_new_mail() -> None:
    parsed = parse(fixtures.load("html_only_new_fi"))
    assert parsed.html is not None
    assert 'src="cid:image001.png@01DB3D5A.6F0B2C30"' in parsed.html
    assert "alert" not in parsed.html and "alert" not in parsed.text
    assert "Palkat" not in parsed.text  # <title>
    assert parsed.attachments[0].content_id == "image001.png@01DB3D5A.6F0B2C30"
    assert parsed.attachments[0].data.startswith(b"\x89PNG")


def test_forwarded_message_attachment_is_the_whole_message() -> None:
    parsed = parse(fixtures.load("forward_rfc822_sv"))
    (eml,) = parsed.attachments
    inner = parse(eml.data)
    assert inner.subject == "Faktura 10234 saknas"
    assert inner.sender.email == "erik.nyberg@byggholm.se"
    assert "Vi har fortfarande inte fått faktura 10234" in inner.text


def test_bounce_keeps_the_original_notification() -> None:
    parsed = parse(fixtures.load("bounce_dsn_sv", IN_REPLY_TO="n9@h.example", RECIPIENT="x@y.se"))
    assert parsed.bounce is not None and parsed.bounce.recipients == ["x@y.se"]
    assert parse(parsed.attachments[0].data).message_id == "n9@h.example"
    assert parsed.forwarded is False


# -- charsets and encoded words -----------------------------------------------------------


def test_iso_8859_1_body() -> None:
    text = parse(fixtures.load("charset_iso8859_1_sv")).text
    assert "«Å» och «Ö»" in text and "Göran Ström" in text


def test_windows_1252_body() -> None:
    text = parse(fixtures.load("charset_windows1252_sv")).text
    assert "1 250 € har fått fel moms \u2013 den" in text
    assert "“vi betalar inte förrän den är rättad”" in text and "bråttom…" in text


def test_mislabelled_body_and_raw_8bit_subject() -> None:
    parsed = parse(fixtures.load("charset_mislabelled_fi"))
    assert "Matti Hämäläinen" in parsed.text and "\ufffd" not in parsed.text
    assert parsed.subject == "Palkkalaskelmat eivät tulostu"


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("iso-8859-1", "100 € \u2013 “ok”".encode("cp1252"), "100 € \u2013 “ok”"),
        ("us-ascii", "Hälsningar".encode(), "Hälsningar"),
        ("utf-8", "Hälsningar".encode("latin-1"), "Hälsningar"),
        ("x-no-such-charset", "Hälsningar".encode(), "Hälsningar"),
        ("base64", "Hälsningar".encode(), "Hälsningar"),  # a codec, but not a charset
        ("windows-1252", b"Hyv\xe4\x81 p\xe4iv\xe4\xe4", "Hyvä\ufffd päivää"),
        ("iso-8859-15", "Summa 5 €".encode("iso-8859-15"), "Summa 5 €"),
        ("utf-8", "Hälsn\udcffingar".encode("utf-8", "surrogateescape"), "Hälsn\ufffdingar"),
    ],
)
def test_charsets(charset: str, body: bytes, expected: str) -> None:
    raw = mail(
        "From: a@x.se\nSubject: s",
        body.decode("latin-1"),
        ctype=f"text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit",
    )
    raw = raw.decode("utf-8").encode("latin-1")
    assert parse(raw).text == expected


def test_decode_bytes_never_raises() -> None:
    assert decode_bytes(b"\xff\xfeH\x00", "utf-16") == "H"
    assert decode_bytes(b"\x81\x8d", "utf-8") == "\ufffd\ufffd"  # undefined in cp1252 too
    assert decode_bytes("Hä".encode(), "rot13") == "Hä"  # a text codec, but not a charset
    assert decode_bytes(b"abc", None) == "abc"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?iso-8859-1?Q?Fr=E5ga_om_faktura?=", "Fråga om faktura"),
        ("=?utf-8?B?RmFrdHVyYSDDpHIgZmVs?=", "Faktura är fel"),
        ("SV: =?utf-8?q?L=C3=B6n?=\n =?utf-8?q?_f=C3=B6r_december?=", "SV: Lön för december"),
        ("=?utf-8?q?broken", "=?utf-8?q?broken"),
        ("=?x-unknown?q?Hej_d=E5?=", "Hej då"),
        ("  many    spaces\n\tfolded  ", "many spaces folded"),
        ("Ärende raw 8-bit", "Ärende raw 8-bit"),
    ],
)
def test_subject_decoding(header: str, expected: str) -> None:
    assert parse(mail(f"From: a@x.se\nSubject: {header}")).subject == expected


@pytest.mark.parametrize(
    ("header", "email", "name"),
    [
        (
            "Anna Lindqvist <Anna.Lindqvist@KalleKula.se>",
            "anna.lindqvist@kallekula.se",
            "Anna Lindqvist",
        ),
        ('"Lindqvist, Anna" <a@x.se>', "a@x.se", "Lindqvist, Anna"),
        ("=?utf-8?q?=C3=85sa_=C3=96berg?= <asa@x.se>", "asa@x.se", "Åsa Öberg"),
        ("=?iso-8859-1?Q?J=F6rgen?= <j@x.se>", "j@x.se", "Jörgen"),
        ("a@x.se (Anna)", "a@x.se", "Anna"),
        ("plain@x.se", "plain@x.se", ""),
        ("Anna Lindqvist", "", "Anna Lindqvist"),
    ],
)
def test_addresses(header: str, email: str, name: str) -> None:
    sender = parse(mail(f"From: {header}\nSubject: s")).sender
    assert (sender.email, sender.name) == (email, name)


def test_missing_from_and_multiple_to() -> None:
    parsed = parse(mail("To: a@x.se, B <b@y.fi>\nCc: undisclosed-recipients:;\nSubject: s"))
    assert parsed.sender.email == "" and parsed.reply_to is None
    assert [a.email for a in parsed.to] == ["a@x.se", "b@y.fi"] and parsed.cc == []


def test_message_ids() -> None:
    parsed = parse(
        mail(
            "From: a@x.se\nMessage-ID: <AbC.1@Mail.Example>\nIn-Reply-To: <p1@h> (comment)\n"
            "References: <r1@h>\n <r2@h> <r1@h>\n\t<p1@h>"
        )
    )
    assert parsed.message_id == "AbC.1@Mail.Example"
    assert parsed.in_reply_to == ["p1@h"]
    assert parsed.references == ["r1@h", "r2@h", "p1@h"]
    bare = parse(mail("From: a@x.se\nMessage-ID: bare-id@host\nIn-Reply-To: other@host"))
    assert bare.message_id == "bare-id@host" and bare.in_reply_to == ["other@host"]
    assert parse(mail("From: a@x.se")).message_id is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 23 Nov 2026 10:15:00 +0100", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("Mon, 23 Nov 2026 10:15:00 -0000", datetime(2026, 11, 23, 10, 15, tzinfo=UTC)),
        ("23 Nov 2026 10:15 GMT", datetime(2026, 11, 23, 10, 15, tzinfo=UTC)),
        ("yesterday at noon", None),
        ("Mon, 99 Nov 2026 10:15:00 +0100", None),
    ],
)
def test_dates_are_aware(header: str, expected: datetime | None) -> None:
    assert parse(mail(f"From: a@x.se\nDate: {header}")).date == expected


# -- verdicts -----------------------------------------------------------------------------

SES = (
    "X-SES-Spam-Verdict: {spam}\nX-SES-Virus-Verdict: {virus}\n"
    "Authentication-Results: amazonses.com;\n spf={spf} (spfCheck: x) client-ip=1.2.3.4;\n"
    " dkim={dkim} header.i=@x.se;\n dmarc={dmarc} header.from=x.se;\nFrom: a@x.se\n"
)


@pytest.mark.parametrize(
    ("values", "failed"),
    [
        (("PASS", "PASS", "pass", "pass", "pass"), []),
        (("PASS", "PASS", "none", "none", "none"), []),  # small domain without SPF/DKIM
        (("GRAY", "GRAY", "neutral", "none", "none"), []),
        (("FAIL", "PASS", "pass", "pass", "pass"), ["spam"]),
        (("PASS", "FAIL", "pass", "pass", "pass"), ["virus"]),
        (("PASS", "PROCESSING_FAILED", "pass", "pass", "pass"), ["virus"]),
        (("PROCESSING_FAILED", "PASS", "pass", "pass", "pass"), []),
        (("PASS", "PASS", "softfail", "pass", "pass"), ["spf"]),
        (("PASS", "PASS", "fail", "fail", "fail"), ["spf", "dkim", "dmarc"]),
        (("FAIL", "FAIL", "fail", "fail", "fail"), ["spam", "virus", "spf", "dkim", "dmarc"]),
    ],
)
def test_verdicts(values: tuple[str, ...], failed: list[str]) -> None:
    spam, virus, spf, dkim, dmarc = values
    raw = mail(SES.format(spam=spam, virus=virus, spf=spf, dkim=dkim, dmarc=dmarc))
    verdicts = parse(raw).verdicts
    assert verdicts.failed() == failed
    assert (verdicts.spam, verdicts.spf) == (spam, spf.upper())


def test_no_ses_headers_is_not_failed() -> None:
    assert parse(mail("From: a@x.se")).verdicts == Verdicts()
    assert Verdicts().failed() == []


def test_received_spf_fallback_and_any_passing_dkim_signature() -> None:
    raw = mail(
        "Received-SPF: SoftFail (spfCheck: x) client-ip=1.2.3.4;\n"
        "Authentication-Results: amazonses.com;\n"
        " dkim=fail header.i=@old.se; dkim=pass header.i=@x.se\n"
        "From: a@x.se"
    )
    verdicts = parse(raw).verdicts
    assert (verdicts.spf, verdicts.dkim, verdicts.dmarc) == ("SOFTFAIL", "PASS", "NONE")


def test_only_amazonses_results_are_read() -> None:
    raw = mail("Authentication-Results: mx.evil.example; spf=fail; dkim=fail\nFrom: a@x.se")
    assert parse(raw).verdicts.failed() == []


def test_only_the_topmost_results_are_read() -> None:
    """SES prepends its header: one lower down, even under SES's name, came with the
    message. When the topmost is not SES's, none is read (issue 14)."""
    raw = mail("Authentication-Results: mx.other.example; spf=none\n"
               "Authentication-Results: amazonses.com; spf=fail; dkim=fail; dmarc=fail\n"
               "From: a@x.se")
    assert parse(raw).verdicts == Verdicts()
    assert not parse(raw).authentication.trusted


# -- automatic mail, bounces, forwards -----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated", "auto-submitted: auto-generated"),
        ("Auto-Submitted: auto-replied; owner-email=a@x.se", "auto-submitted: auto-replied"),
        ("Auto-Submitted: no", None),
        ("X-Autoreply: yes", "x-autoreply"),
        ("X-Autorespond: Out of office", "x-autorespond"),
        ("Precedence: junk", "precedence: junk"),
        ("Precedence: list", "precedence: list"),
        ("Precedence: auto_reply", "precedence: auto_reply"),
        ("Precedence: first-class", None),
        ("X-Auto-Response-Suppress: OOF, AutoReply", "x-auto-response-suppress"),
        ("X-Auto-Response-Suppress: DR, RN, NRN", None),
        ("X-Autogenerated: Reply", "x-autogenerated: reply"),
        ("List-Id: <support.kallekula.se>", None),  # a customer's group alias is a person
        ("Return-Path: <>", "null return-path"),
        ("Subject: Automatiskt svar: Ärende", "subject: automatic reply"),
        ("Subject: Automaattinen vastaus: Lasku", "subject: automatic reply"),
        ("Subject: Re: Automatic reply: thanks", None),
    ],
)
def test_automatic_mail(headers: str, reason: str | None) -> None:
    assert parse(mail(f"From: a@x.se\n{headers}")).auto_submitted == reason


def test_read_receipt_is_automatic() -> None:
    raw = mail(
        "From: a@x.se\nSubject: Läst: Ärende",
        "--b\nContent-Type: text/plain\n\nLäst\n--b\nContent-Type: message/disposition-notification"
        "\n\nFinal-Recipient: rfc822; a@x.se\n"
        "Disposition: manual-action/MDN-sent-manually; displayed"
        "\n--b--\n",
        ctype='multipart/report; report-type=disposition-notification; boundary="b"',
    )
    parsed = parse(raw)
    assert parsed.auto_submitted == "disposition-notification report" and parsed.bounce is None


def test_delayed_dsn_is_not_permanent() -> None:
    raw = mail(
        "From: MAILER-DAEMON@x.se\nSubject: Delayed Mail (still being retried)",
        "--b\nContent-Type: text/plain\n\nDelayed.\n--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; x.se\n\nFinal-Recipient: rfc822; Slow@Y.se\nAction: delayed\n"
        "Status: 4.4.1\n--b--\n",
        ctype='multipart/report; report-type=delivery-status; boundary="b"',
    )
    bounce = parse(raw).bounce
    assert bounce is not None and bounce.recipients == ["slow@y.se"] and not bounce.permanent


@pytest.mark.parametrize(
    ("sender", "subject", "body", "recipients"),
    [
        (
            "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "Delivery Status Notification (Failure)",
            "Your message wasn't delivered to gone@x.se because the address couldn't be found.",
            ["gone@x.se"],
        ),
        (
            "postmaster@contoso.se",
            "Olevererbart: [T-1001] Faktura",
            "Det gick inte att leverera till följande mottagare:\n\nperson@contoso.se\n"
            "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound'",
            ["person@contoso.se"],
        ),
        (
            "MAILER-DAEMON@mx.yritys.fi",
            "Toimitus epäonnistui",
            "Viestiä ei voitu toimittaa osoitteeseen <poissa@yritys.fi>.\n"
            "Message-ID: <n1@h.example>",
            ["poissa@yritys.fi"],
        ),
    ],
)
def test_non_standard_bounces(sender: str, subject: str, body: str, recipients: list[str]) -> None:
    parsed = parse(mail(f"From: {sender}\nTo: support@h.example\nSubject: {subject}", body))
    assert parsed.bounce is not None
    assert parsed.bounce.recipients == recipients and parsed.bounce.permanent
    assert parsed.auto_submitted == "delivery-status report"


def test_person_writing_about_undeliverable_mail_is_no_bounce() -> None:
    parsed = parse(mail("From: anna@x.se\nSubject: Undeliverable invoices", "Invoices bounce."))
    assert parsed.bounce is None and parsed.auto_submitted is None


@pytest.mark.parametrize(
    ("subject", "forwarded"),
    [
        ("Fwd: Faktura", True),
        ("FW: Faktura", True),
        ("VB: Faktura", True),  # sv Outlook
        ("Vb: Faktura", True),
        ("VL: Lasku", True),  # fi Outlook "välitä"
        ("WG: Rechnung", True),
        ("VS: Lasku", False),  # fi Outlook *reply* ("vastaus")
        ("SV: VB: Faktura", False),  # a reply to a forward
        ("Re: Faktura", False),
        ("Fwd faktura utan kolon", False),
    ],
)
def test_forward_by_subject(subject: str, forwarded: bool) -> None:
    assert parse(mail(f"From: a@x.se\nSubject: {subject}")).forwarded is forwarded


@pytest.mark.parametrize(
    ("body", "forwarded"),
    [
        ("\n---------- Forwarded message ---------\nFrom: A <a@x.se>\n\nHej", True),
        ("---------- Välitetty viesti ---------\nLähettäjä: A", True),
        ("-----Original Message-----\nFrom: A\nSent: x", True),
        ("Begin forwarded message:\n\nFrom: A", True),
        ("________________________________\nFrån: A <a@x.se>\nSkickat: x", True),
        ("Se nedan.\n\n---------- Forwarded message ---------\nFrom: A", False),
    ],
)
def test_forward_by_body_top(body: str, forwarded: bool) -> None:
    assert parse(mail("From: a@x.se\nSubject: Faktura", body)).forwarded is forwarded


# -- HTML ---------------------------------------------------------------------------------


def test_html_to_text_structure() -> None:
    html = (
        "<p>Hej <b>Anna</b>,</p><p>Se <a href='https://x.se/a'>länken</a> och "
        "<a href='mailto:s@x.se'>s@x.se</a>.</p><ol><li>ett</li><li>två<ul><li>a</li></ul></li>"
        "</ol><blockquote><p>citat</p><blockquote>djupare</blockquote></blockquote>"
        "<pre>  kod\n  rad</pre><hr><div>slut&nbsp;&nbsp;</div>"
    )
    assert html_to_text(html) == (
        "Hej Anna,\n\nSe länken (https://x.se/a) och s@x.se.\n\n1. ett\n2. två\n  - a\n\n"
        "> citat\n>\n>> djupare\n\n  kod\n  rad\n\n" + "_" * 32 + "\nslut"
    )


def test_sanitize_drops_active_content() -> None:
    html = (
        '<p onclick="x()" style="color:red" class="MsoNormal evil">a<script>b</script>'
        '<img src="javascript:alert(1)"><img src="cid:i@x"><a href="data:text/html,x">l</a></p>'
    )
    assert sanitize(html) == (
        '<p class="MsoNormal">a<img><img src="cid:i@x"><a rel="noopener noreferrer">l</a></p>'
    )


# -- attachments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\Faktura 10234.pdf", "Faktura 10234.pdf"),
        ('a<b>:"|?*.pdf', "a_b_.pdf"),
        ("  .hidden.  ", "hidden"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
        ("..", ""),
    ],
)
def test_sanitize_filename(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_attachment_names_are_decoded_or_invented() -> None:
    body = (
        "--b\nContent-Type: text/plain\n\nSe bilagor\n"
        '--b\nContent-Type: application/pdf; name="=?UTF-8?Q?L=C3=B6nespec_nov.pdf?="\n'
        "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
        "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment\n\nxyz\n"
        "--b\nContent-Type: image/jpeg\nContent-Disposition: inline\n"
        "Content-Transfer-Encoding: base64"
        "\n\n/9j/4AAQ\n"
        "--b\nContent-Type: message/rfc822\n\nFrom: b@y.se\nSubject: inre\n\nInre text\n"
        "--b\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n"
        "--b--\n"
    )
    parsed = parse(mail("From: a@x.se", body, ctype='multipart/mixed; boundary="b"'))
    assert [(a.filename, a.content_type, a.inline) for a in parsed.attachments] == [
        ("Lönespec nov.pdf", "application/pdf", False),
        ("attachment-1.bin", "application/octet-stream", False),
        ("image-1.jpg", "image/jpeg", True),
        ("forwarded-message.eml", "message/rfc822", False),
        ("attachment-2.ics", "text/calendar", False),
    ]
    assert parsed.attachments[0].data == b"%PDF-1.4\n"
    assert parsed.text == "Se bilagor" and parsed.forwarded


def test_apple_style_text_around_attachment_is_joined() -> None:
    body = (
        "--b\nContent-Type: text/plain\n\nFörsta delen\n--b\nContent-Type: image/png\n"
        "Content-Disposition: inline; filename=a.png\n\nPNG\n--b\nContent-Type: text/plain\n\n"
        "Andra delen\n--b--\n"
    )
    parsed = parse(mail("From: a@x.se", body, ctype='multipart/mixed; boundary="b"'))
    assert parsed.text == "Första delen\n\nAndra delen"
    assert [a.filename for a in parsed.attachments] == ["a.png"]


# -- robustness ---------------------------------------------------------------------------

GARBAGE = [
    b"",
    b"\x00\xff" * 100,
    b"not a mail at all",
    b"From: \r\nSubject: =?utf-8?B?!!!?=\r\n\r\n",
    b"Content-Type: multipart/mixed\r\n\r\nno boundary given\r\n--x\r\nhello",
    b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n',
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"SGVq$$$IGRhA",
    b'Content-Type: text/plain; charset=""\r\nContent-Transfer-Encoding: quoted-printable\r\n'
    b"\r\n=ZZ=",
    b"Content-Type: text/html; charset=bogus\r\n\r\n<div><blockquote><p>unclosed",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: ;\r\n--b--",
    b"From: a@x.se\r\nDate: Mon, 32 Foo 99999 99:99:99 +9999\r\nMessage-ID: <<<>>>\r\n\r\nx",
    b'From: "unterminated <a@x.se>\r\nTo: ,,,;;;@@@\r\nReply-To: <>\r\n\r\n',
    b"Subject: \xff\xfe\xfd\r\nFrom: \xc3\x28 <a@x.se>\r\n\r\n\xc3\x28",
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_garbage_never_raises(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.size == len(raw)
    assert isinstance(parsed.text, str) and isinstance(strip_reply(parsed.text), str)


def test_truncated_base64_is_read_as_far_as_it_goes() -> None:
    raw = mail(
        "From: a@x.se",
        "SGVqIGTDpSwgdGFjayBmw7ZyIGhqw6RscGVu\nISBNdmggQW",  # 2 characters missing
        ctype="text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
    )
    parsed = parse(raw)
    assert parsed.text == "Hej då, tack för hjälpen! Mvh A"
    assert parsed.defects == ["payload: base64 truncated"]


def test_deep_nesting_is_cut_off() -> None:
    body = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(60)
    )
    body += "--b60\nContent-Type: text/plain\n\ndeep\n"
    parsed = parse(mail("From: a@x.se", body, ctype='multipart/mixed; boundary="b0"'))
    assert isinstance(parsed.text, str)


@pytest.mark.parametrize("name", NAMES)
def test_truncated_and_mangled_fixtures_never_raise(name: str) -> None:
    raw = fixtures.load(name)
    rng = random.Random(name)
    for cut in sorted(rng.sample(range(len(raw)), 12)):
        parse(raw[:cut])
    for _ in range(12):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        parse(bytes(data))


def test_random_bytes_never_raise() -> None:
    rng = random.Random(5)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        parse(raw)
        parse(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + raw)
