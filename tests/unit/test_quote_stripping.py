"""strip_reply: quoted history, signatures and footers of sv/fi/en mail clients."""

from __future__ import annotations

import pytest

from chalicelib.mail.parse import parse
from chalicelib.mail.quotes import REPLY_MARKERS, Reply, marker_line, split_reply, strip_reply
from tests.fixtures import mail as fixtures

OWN = "Tack, nu fungerar fakturan.\nFaktura 10234 är skickad."
QUOTE = "> ##- Skriv ditt svar ovanför den här raden -##\n>\n> Hej Anna,\n> Vi har rättat exporten."
UNQUOTED_NOTE = "Hej Anna,\n\nVi har rättat exporten.\n\nMed vänliga hälsningar\nKundtjänst"


# -- the corpus: exact comment text -------------------------------------------------------


@pytest.mark.parametrize("name", fixtures.names())
def test_corpus_comment_is_exact(name: str) -> None:
    spec = fixtures.expected()[name]
    reply = split_reply(parse(fixtures.load(name)).text)
    assert (reply.text, reply.signature) == (spec["comment"], spec["signature"])


# -- marker -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "fi", "en"])
def test_marker_line_carries_the_language_text(language: str) -> None:
    line = marker_line(language)
    assert line == f"##- {REPLY_MARKERS[language]} -##"
    assert strip_reply(f"Okej.\n\n{line}\n\nHej, ...") == "Okej."


def test_marker_line_falls_back_to_english() -> None:
    assert marker_line("de") == marker_line("en")


@pytest.mark.parametrize(
    "history",
    [
        "##- Write your reply above this line -##\nHi Emma",  # unquoted
        "> ##- Write your reply above this line -##\n> Hi Emma",  # quoted
        ">> ##- Kirjoita vastauksesi tämän rivin yläpuolelle -##",  # quoted twice
        "> ##- Skriv ditt svar ovanför den här\n> raden -##\n> Hej",  # reflowed
        "Skriv ditt svar ovanför den\nhär raden\n\nHej Anna",  # reflowed, decoration lost
        "Kirjoita vastauksesi tämän rivin yläpuolelle\nHei",  # decoration lost
    ],
)
def test_marker_cuts_history(history: str) -> None:
    assert strip_reply(f"Kiitos, lasku näkyy nyt oikein.\n\n{history}") == (
        "Kiitos, lasku näkyy nyt oikein."
    )


# -- attributions (Gmail, Apple Mail, Thunderbird, ...) -----------------------------------

ATTRIBUTIONS = {
    "gmail en": "On Mon, 23 Nov 2026 at 10:15, Anna <a@x.se> wrote:",
    "gmail en wrapped": "On Mon, 23 Nov 2026 at 10:15, Anna Andersson <\nanna.a@x.se> wrote:",
    "gmail en wrapped before wrote": "On Mon, 23 Nov 2026 at 10:15, Anna Berg <a@x.se>\nwrote:",
    "gmail sv": "Den mån 23 nov. 2026 kl 10:15 skrev Anna <a@x.se>:",
    "gmail sv no weekday": "Den 22 nov. 2026 kl. 10:15 skrev Anna <a@x.se>:",
    "gmail fi": "ma 23.11.2026 klo 10.15 Anna (<a@x.se>) kirjoitti:",
    "gmail fi name first": "Anna kirjoitti 23.11.2026 kello 10.15:",
    "apple en": "On 23 Nov 2026, at 10:15, Anna <a@x.se> wrote:",
    "apple sv": "23 nov. 2026 kl. 10:15 skrev Anna <a@x.se>:",
    "apple fi": "23.11.2026 kello 10.15 Anna <a@x.se> kirjoitti:",
    "thunderbird en": "On 2026-11-23 10:15, Anna wrote:",
    "thunderbird sv": "Den 2026-11-23 kl. 10:15, skrev Anna:",
    "thunderbird fi": "Anna kirjoitti 23.11.2026 klo 10.15:",
    "mutt": "On Mon, Nov 23, 2026 at 10:15:02AM +0100, Anna Andersson wrote:",
    "evolution sv": "Den mån 2026-11-23 klockan 10:15 +0100 skrev Anna Andersson:",
    "name and address": "Anna Andersson <anna@x.se> wrote:",
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_attribution_and_quote_are_cut(attribution: str) -> None:
    assert strip_reply(f"{OWN}\n\n{attribution}\n\n{QUOTE}\n") == OWN
    assert strip_reply(f"{OWN}\n\n{attribution}\n{QUOTE}") == OWN


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_quoted_attribution_is_cut(attribution: str) -> None:
    quoted = "\n".join("> " + line for line in attribution.split("\n"))
    assert strip_reply(f"{OWN}\n\n{quoted}\n>\n{QUOTE}") == OWN


# -- Outlook ------------------------------------------------------------------------------

OUTLOOK_BLOCKS = {
    "en": "From: Support <s@h.se>\nSent: Monday, November 23, 2026 10:15 AM\nTo: Anna <a@x.se>\n"
    "Subject: RE: [T-1001] Faktura",
    "sv": "Från: Support <s@h.se>\nSkickat: den 23 november 2026 10:15\nTill: Anna <a@x.se>\n"
    "Kopia: Per <p@x.se>\nÄmne: SV: [T-1001] Faktura",
    "fi": "Lähettäjä: Asiakastuki <s@h.fi>\nLähetetty: maanantai 23. marraskuuta 2026 10.15\n"
    "Vastaanottaja: Anna <a@x.fi>\nAihe: VS: [T-1001] Lasku",
    "bold gmail rendering": "*From:* Support <s@h.se>\n*Sent:* Monday, November 23, 2026 10:15\n"
    "*To:* Anna <a@x.se>\n*Subject:* RE: Faktura",
    "mailto form": "Från: Kundtjänst [mailto:s@h.se] \nSkickat: den 23 november 2026 10:15\n"
    "Till: Anna\nÄmne: SV: Faktura",
}


@pytest.mark.parametrize("block", OUTLOOK_BLOCKS.values(), ids=OUTLOOK_BLOCKS.keys())
def test_outlook_header_block(block: str) -> None:
    assert strip_reply(f"{OWN}\n\n{block}\n\n{UNQUOTED_NOTE}") == OWN
    underscores = "_" * 32
    assert strip_reply(f"{OWN}\n\n{underscores}\n{block}\n\n{UNQUOTED_NOTE}") == OWN


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Ursprungligt meddelande-----",
        "-----Alkuperäinen viesti-----",
        "-------- Original message --------",
        "-----Reply Message-----",
        "-------- Oprindelig besked --------",
        "---- Anna Andersson wrote ----",
        "---- On Mon, 23 Nov 2026 10:15:02 +0100 anna@x.se wrote ----",
    ],
)
def test_separators(separator: str) -> None:
    block = OUTLOOK_BLOCKS["sv"]
    assert strip_reply(f"{OWN}\n\n{separator}\n{block}\n\n{UNQUOTED_NOTE}") == OWN


@pytest.mark.parametrize(
    "separator",
    [
        "---------- Forwarded message ---------",
        "---------- Vidarebefordrat meddelande ---------",
        "---------- Välitetty viesti ---------",
        "Begin forwarded message:",
    ],
)
def test_a_forward_is_content_and_stays_whole(separator: str) -> None:
    block = OUTLOOK_BLOCKS["sv"]
    text = f"{OWN}\n\n{separator}\n{block}\n\n{UNQUOTED_NOTE}"
    assert split_reply(text) == Reply(text)


@pytest.mark.parametrize(
    "footer",
    [
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Get Outlook for Android",
        "Skickat från Outlook för iOS",
        "Hämta Outlook för Android<https://aka.ms/AAb9ysg>",
        "Hanki Outlook for Android",
        "Lähetetty iPhonesta",
        "Lähetetty Android-laitteesta",
        "Lähetetty Samsung Galaxy -älypuhelimesta",
        "Sent from my iPhone",
        "Sent from my iPad",
        "Sent from my Android phone",
        "Sent from my Samsung Galaxy smartphone.",
        "Skickat från min iPhone",
        "Skickat från min Samsung-enhet",
        "Sent from Mail for Windows",
        "Skickat från E-post för Windows",
    ],
)
def test_mobile_footers_at_the_end(footer: str) -> None:
    assert strip_reply(f"{OWN}\n\n{footer}") == OWN
    assert strip_reply(f"{OWN}\n\n{footer}\n\n> On 23 Nov 2026, at 10:15, A <a@x.se> wrote:") == OWN


def test_footer_words_mid_text_are_kept() -> None:
    text = "Sent from my iPhone the screenshot did not arrive.\nCan you check?"
    assert strip_reply(text) == text


# -- "> " quotes and signatures -----------------------------------------------------------


def test_interleaved_answers_are_kept_and_quotes_dropped() -> None:
    text = (
        "Hi,\n\nOn Mon, 23 Nov 2026 at 10:15, Support <s@h.se> wrote:\n> Which invoice?\n\n"
        "Invoice 10241.\n\n> Which customer?\n> (customer number)\n\nCustomer 5521.\n\nThanks"
    )
    assert split_reply(text) == Reply("Hi,\n\nInvoice 10241.\n\nCustomer 5521.", "Thanks")


def test_bottom_posted_answer_is_kept() -> None:
    text = "Den 2026-11-23 kl. 10:15, skrev Support:\n> Fungerar det nu?\n\nJa, tack!"
    assert strip_reply(text) == "Ja, tack!"


def test_trailing_quote_without_attribution_is_dropped() -> None:
    assert strip_reply(f"{OWN}\n\n> Hej Anna,\n> Vi har rättat exporten.\n") == OWN


def test_signature_delimiter() -> None:
    text = f"{OWN}\n\n-- \nAnna Lindqvist\nKalle Kula AB\n"
    assert strip_reply(text) == OWN
    assert strip_reply(text.replace("-- \n", "--\n")) == OWN  # trailing space lost


def test_signature_then_history() -> None:
    text = f"{OWN}\n-- \nAnna\n\nOn 2026-11-23 10:15, Support wrote:\n{QUOTE}"
    assert strip_reply(text) == OWN


def test_crlf_and_trailing_spaces() -> None:
    text = "Hej,   \r\n\r\nDet går nu.  \r\n\r\nDen 2026-11-23 kl. 10:15, skrev Support:\r\n> x\r\n"
    assert strip_reply(text) == "Hej,\n\nDet går nu."


# -- must not cut -------------------------------------------------------------------------

KEEP = {
    "wrote mid-sentence": "I wrote to your colleague on Monday about invoice 10234.\nNo answer.",
    "skrev mid-sentence": "Min kollega skrev igår att fakturan var skickad, men den kom inte.",
    "kirjoitti mid-sentence": "Kollegani kirjoitti eilen, että lasku on lähetetty.",
    "On ... wrote: without date": "On Monday I wrote:\nthe export fails for large invoices.",
    "attribution-like, no quote": "Den 23.11.2026 skrev jag:\nAtt fakturan var fel.\n\nAnna",
    "from line in text": "From: our accountant, the invoices look wrong.\nPlease check.",
    "dashes in text": "Steps:\n--- open the invoice\n--- press send",
    "greater-than inline": "Amount > 1000 € fails, amount < 1000 € works.",
}


@pytest.mark.parametrize("text", KEEP.values(), ids=KEEP.keys())
def test_normal_text_is_not_cut(text: str) -> None:
    assert strip_reply(text) == text


def test_only_a_quote_returns_the_original_trimmed() -> None:
    text = "\n\n> ##- Write your reply above this line -##\n> Hi Emma\n\n"
    assert strip_reply(text) == text.strip()


def test_only_a_forward_returns_the_original_trimmed() -> None:
    text = "---------- Forwarded message ---------\nFrom: A <a@x.se>\nDate: x\n\nHello"
    assert strip_reply(text) == text


def test_empty_text() -> None:
    assert strip_reply("") == ""
    assert strip_reply("  \n ") == ""


def test_a_long_message_of_quoted_markers() -> None:
    """40,000 quoted lines with markers: each line is looked at a bounded number of times
    (this input took two minutes when the stripper was quadratic; no timing is asserted)."""
    text = "Own text.\n\n" + "> ##- x -##\n> q\n" * 20000 + "Answer at the bottom."
    assert strip_reply(text) == "Own text.\n\nAnswer at the bottom."
