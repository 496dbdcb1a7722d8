"""Notification templates: every kind renders in every language, user content is escaped in
HTML and verbatim in text, buttons follow their links, times are local, and the reply marker
line heads the e-mail parts only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jinja2 import UndefinedError
from markupsafe import escape

from chalicelib.notify.render import (
    ALL_KINDS,
    INVITEE_KINDS,
    KINDS,
    LANGUAGES,
    SENDER_KINDS,
    SMS_MAX,
    TEMPLATES_DIR,
    format_time,
    render,
)

LINK = "https://portal.example.com/tickets/01JD5Z?tab=comments&focus=c1"
PREFERENCES = "https://portal.example.com/settings/notifications?channel=email&kind=all"
SCRIPT = '<script>alert("x")</script>'

TICKET = {"number": "T-1001", "subject": "Skrivaren skriver inte ut", "status": "open",
          "priority": "high"}
ORDER = {"number": "KO-1001", "subject": "Genomgång av nätverket", "customer_name": "Acme AB",
         "planned_date": "2026-12-03"}

EXTRAS: dict[str, dict[str, Any]] = {
    "ticket_created": {},
    "ticket_assigned": {},
    "ticket_commented": {"comment": {"body": f"Hej!\n{SCRIPT}", "author_name": "Lars Berg",
                                     "internal": True}},
    "ticket_status_changed": {"status_from": "open", "status_to": "waiting_on_customer"},
    "ticket_resolved": {"resolution": "Bytte tonerkassetten.",
                        "approve_link": "https://portal.example.com/a?token=1&answer=ok",
                        "reject_link": "https://portal.example.com/a?token=1&answer=not_ok",
                        "approval_due": "2026-12-03 10:15"},
    "approval_reminder": {"approve_link": "https://portal.example.com/a?token=1&answer=ok",
                          "reject_link": "https://portal.example.com/a?token=1&answer=not_ok",
                          "auto_close_at": "2026-12-04 10:15"},
    "ticket_rejected": {"reason": "Det skriver fortfarande inte ut."},
    "ticket_closed": {"closed_reason": "auto_approved",
                      "rating_good_link": "https://portal.example.com/r?token=2&rating=good",
                      "rating_bad_link": "https://portal.example.com/r?token=2&rating=bad"},
    "sla_warning": {"target": "first_response", "due_at": "2026-12-03 10:15"},
    "sla_breached": {"target": "resolution", "due_at": "2026-12-03 10:15"},
    "contact_order_assigned": {},
    "booking_reminder": {"booking": {"at": "2026-12-03 10:15", "kind": "digital",
                                     "note": "Ta med nätverksritningen."}},
    "mail_refused": {"original_subject": "Skannade fakturor för november", "limit_mb": 10},
    "subscription_update": {"reason": "returned", "details": {
        "issues": [{"question": "Ansvarsförsäkring", "texts": [f"Bifoga intyget {SCRIPT}"]}],
        "days": None, "certification": None, "valid_until": None, "note": None,
        "findings": [], "sections": [], "scheduled_on": None}},
    "followed_supplier": {"reason": "audit_failed"},
    "training_reminder": {},
    "training_update": {"reason": "cancelled"},
    "chat_transcript": {"description": f"[2026-12-03T10:15:00Z] Anna: Hej! {SCRIPT}"},
    "client_case_received": {"description": f"Ladda upp kontoutdragen. {SCRIPT}",
                             "case": {"due_date": "2027-01-31", "period": "2026",
                                      "days": None, "done_by_name": ""}},
    "client_case_reminder": {"case": {"due_date": "2027-01-31", "period": "2026", "days": 7,
                                      "done_by_name": ""}},
    "client_case_done": {"case": {"due_date": "", "period": "", "days": None,
                                  "done_by_name": "Klara Klient"}},
    "incident_update": {"reason": "resolved",
                        "incident": {"title": f"Långsam inloggning {SCRIPT}",
                                     "impact": "outage", "components": "Portal, API"},
                        "update": {"at": "2026-12-03 10:15", "message": f"Fixat. {SCRIPT}"}},
    "weekly_summary": {"week": {"from": "2026-11-30", "to": "2026-12-06"}, "figures": {
        "created": 412, "resolved": 398, "backlog_end": 57, "approved": 301, "rejected": 12,
        "auto_approved": 70, "satisfaction_good": 88, "satisfaction_bad": 4, "hours": 61.5,
        "first_response": {"median_minutes": 42.0}, "resolution": {"median_minutes": None},
        "sla": {"met": 380, "breached": 20, "compliance": 0.95}}},
    "client_invitation": {"invitation": {"organization_name": f"Berg & Son AB {SCRIPT}",
                                         "expires_at": "2026-12-20 10:15"}},
}
ORDER_KINDS = {"contact_order_assigned", "booking_reminder"}
SUBSCRIPTION = {"supplier_id": "482913", "organization_name": "Bygg & Betong AB",
                "network_name": "Byggnätverket", "expires_at": "2027-12-06"}
SUPPLIER = {"supplier_id": "482913", "name": "Bygg & Betong AB",
            "network_name": "Byggnätverket"}
NETWORK_KINDS = {"subscription_update", "followed_supplier"}
TRAINING = {"topic": "Logga in, fyll i, skicka", "kind": "webinar", "at": "2026-12-03 10:15",
            "was_at": "", "duration_minutes": 45,
            "join_url": "https://meet.example.com/j/123?pwd=a&b=c"}
TRAINING_KINDS = {"training_reminder", "training_update"}
STATUS_KINDS = {"incident_update"}  # to status-page subscribers: no ticket, no name
REPORT_KINDS = {"weekly_summary"}  # to managers: the tenant's figures, no ticket
# The whole context the consumer passes for a notice to whoever e-mailed support.
SENDER_KEYS = {"recipient_name", "tenant_name", "link"}
BLOCKS = ("subject", "text", "html", "sms", "title", "body")

# One phrase per kind and language (lower case) that only that language's message contains.
PHRASES: dict[str, dict[str, str]] = {
    "ticket_created": {"sv": "vi har tagit emot ditt ärende",
                       "fi": "olemme vastaanottaneet tikettisi",
                       "en": "we have received your ticket"},
    "ticket_assigned": {"sv": "har tilldelat dig ett ärende", "fi": "osoitti sinulle tiketin",
                        "en": "assigned a ticket to you"},
    "ticket_commented": {"sv": "intern anteckning", "fi": "sisäinen muistiinpano",
                         "en": "internal note"},
    "ticket_status_changed": {"sv": "väntar på kund", "fi": "odottaa asiakasta",
                              "en": "waiting on customer"},
    "ticket_resolved": {"sv": "testat ok", "fi": "testattu ok", "en": "tested ok"},
    "approval_reminder": {"sv": "påminnelse", "fi": "muistutus", "en": "reminder"},
    "ticket_rejected": {"sv": "inte ok", "fi": "ei ok", "en": "not ok"},
    "ticket_closed": {"sv": "vad tyckte du om vår hjälp?", "fi": "miten onnistuimme?",
                      "en": "how did we do?"},
    "sla_warning": {"sv": "första svar", "fi": "ensimmäisen vastauksen määräaika",
                    "en": "first response deadline"},
    "sla_breached": {"sv": "tidsgränsen för lösning", "fi": "ratkaisun määräaika",
                     "en": "resolution deadline"},
    "contact_order_assigned": {"sv": "kontaktorder", "fi": "yhteydenottotilaus",
                               "en": "contact order"},
    "booking_reminder": {"sv": "digitalt möte", "fi": "etätapaaminen", "en": "online meeting"},
    "mail_refused": {"sv": "kunde inte tas emot", "fi": "ei voitu vastaanottaa",
                     "en": "could not be received"},
    "subscription_update": {"sv": "att rätta i frågeformuläret",
                            "fi": "korjattavaa kyselylomakkeesta",
                            "en": "things to correct in the questionnaire"},
    "followed_supplier": {"sv": "blev inte godkänd vid en revision",
                          "fi": "ei läpäissyt auditointia", "en": "did not pass an audit"},
    "training_reminder": {"sv": "utbildningen du har anmält dig till",
                          "fi": "koulutuksesta, johon olet ilmoittautunut",
                          "en": "the training session you signed up for"},
    "training_update": {"sv": "är tyvärr inställd", "fi": "on valitettavasti peruttu",
                        "en": "has been cancelled"},
    "chat_transcript": {"sv": "tack för att du chattade med oss",
                        "fi": "kiitos, että keskustelit kanssamme",
                        "en": "thank you for chatting with us"},
    "client_case_received": {"sv": "din byrå har skickat ett nytt ärende",
                             "fi": "tilitoimistosi on lähettänyt sinulle uuden asian",
                             "en": "your firm has sent you a new case"},
    "client_case_reminder": {"sv": "en vänlig påminnelse", "fi": "ystävällinen muistutus",
                             "en": "a friendly reminder"},
    "client_case_done": {"sv": "markerats som klart av kunden",
                         "fi": "asiakas merkitsi asian valmiiksi",
                         "en": "marked done by the client"},
    "incident_update": {"sv": "driftstörningen nedan är åtgärdad",
                        "fi": "alla kuvattu häiriö on korjattu",
                        "en": "the incident below has been resolved"},
    "weekly_summary": {"sv": "supportens siffror för förra veckan",
                       "fi": "tukitiimisi luvut viime viikolta",
                       "en": "your support team's figures for last week"},
    "client_invitation": {"sv": "som huvudkontakt godkänner du inbjudan",
                          "fi": "pääyhteyshenkilönä hyväksyt kutsun",
                          "en": "as the main contact, you accept the invitation"},
}
MARKERS = {"sv": "##- Skriv ditt svar ovanför den här raden -##",
           "fi": "##- Kirjoita vastauksesi tämän rivin yläpuolelle -##",
           "en": "##- Write your reply above this line -##"}
GREETINGS = {"sv": "Hej Anna Svensson!", "fi": "Hei Anna Svensson!", "en": "Hi Anna Svensson,"}

STATUS_LABELS = {
    "sv": {"new": "Ny", "open": "Öppen", "waiting_on_customer": "Väntar på kund",
           "waiting_on_third_party": "Väntar på tredje part", "resolved": "Åtgärdad",
           "closed": "Stängd"},
    "fi": {"new": "Uusi", "open": "Avoin", "waiting_on_customer": "Odottaa asiakasta",
           "waiting_on_third_party": "Odottaa kolmatta osapuolta", "resolved": "Ratkaistu",
           "closed": "Suljettu"},
    "en": {"new": "New", "open": "Open", "waiting_on_customer": "Waiting on customer",
           "waiting_on_third_party": "Waiting on third party", "resolved": "Resolved",
           "closed": "Closed"},
}
APPROVAL_BUTTONS = {"sv": ("Testat OK", "Inte OK"), "fi": ("Testattu OK", "Ei OK"),
                    "en": ("Tested OK", "Not OK")}
RATING_BUTTONS = {"sv": ("Bra", "Dåligt"), "fi": ("Hyvin", "Huonosti"), "en": ("Good", "Bad")}
AUTOMATIC = {"sv": "automatiskt", "fi": "automaattisesti", "en": "automatically"}


def sample(kind: str, **overrides: Any) -> dict[str, Any]:
    """A full context as the consumer builds it, with fresh nested dicts."""
    context: dict[str, Any] = {
        "recipient_name": "Anna Svensson", "tenant_name": "Supportbolaget AB",
        "actor_name": "Lars Berg", "link": LINK, "preferences_link": PREFERENCES,
    }
    if kind in SENDER_KINDS:
        context = {key: context[key] for key in SENDER_KEYS}
    elif kind in ORDER_KINDS:
        context["order"] = dict(ORDER)
    elif kind == "subscription_update":
        context["subscription"] = dict(SUBSCRIPTION)
    elif kind == "followed_supplier":
        context["supplier"] = dict(SUPPLIER)
    elif kind in TRAINING_KINDS:
        context["training"] = dict(TRAINING)
    elif kind in STATUS_KINDS | REPORT_KINDS or kind in INVITEE_KINDS:
        pass  # all of it in EXTRAS
    else:
        context["ticket"] = dict(TICKET)
    context.update({key: dict(value) if isinstance(value, dict) else value
                    for key, value in EXTRAS[kind].items()})
    context.update(overrides)
    return context


def number_of(kind: str) -> str:
    """What a subject starts with in brackets: the ticket's or order's number, the
    supplier id, or for a training session (which has none) the tenant's name."""
    if kind in NETWORK_KINDS:
        return SUPPLIER["supplier_id"]
    if kind in TRAINING_KINDS | STATUS_KINDS | REPORT_KINDS:
        return "Supportbolaget AB"
    return ORDER["number"] if kind in ORDER_KINDS else TICKET["number"]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# --- every kind in every language ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_every_channel(kind: str, language: str) -> None:
    r = render(kind, language, sample(kind))

    if kind in SENDER_KINDS or kind in INVITEE_KINDS:  # no ticket (yet)
        assert not r.subject.startswith("[") and len(r.subject) > 10
    else:
        assert r.subject.startswith(f"[{number_of(kind)}] ")
        assert len(r.subject) > len(number_of(kind)) + 3
    assert "\n" not in r.subject

    assert LINK in r.text
    if kind not in SENDER_KINDS + INVITEE_KINDS:
        assert PREFERENCES in r.text  # the footer says where to mute these e-mails

    assert r.html.startswith("<!DOCTYPE html>\n")
    assert f'<html lang="{language}">' in r.html and r.html.rstrip().endswith("</html>")
    assert f'href="{escape(LINK)}"' in r.html and LINK not in r.html  # & is &amp;
    if kind not in SENDER_KINDS + INVITEE_KINDS:
        assert f'href="{escape(PREFERENCES)}"' in r.html
    assert "<link" not in r.html and "src=" not in r.html  # no external resources

    assert 0 < len(r.sms) <= SMS_MAX and r.sms.endswith(LINK) and "\n" not in r.sms
    assert r.title and "\n" not in r.title
    assert "\n" not in r.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_language_is_really_used(kind: str, language: str) -> None:
    r = render(kind, language, sample(kind))
    words = (r.subject + "\n" + r.text).lower()

    assert PHRASES[kind][language] in words
    for other in set(LANGUAGES) - {language}:
        assert PHRASES[kind][other] not in words


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_kind_file_holds_the_whole_message(kind: str, language: str) -> None:
    source = (TEMPLATES_DIR / language / f"{kind}.jinja").read_text(encoding="utf-8")

    for block in BLOCKS:
        assert f"{{% block {block} %}}" in source


def test_there_is_no_template_for_an_unknown_kind() -> None:
    for language in LANGUAGES:
        files = {p.stem for p in (TEMPLATES_DIR / language).glob("*.jinja")
                 if not p.name.startswith("_")}
        assert files == set(ALL_KINDS)


def test_kinds_that_answer_a_sender_are_not_subscribable() -> None:
    assert set(SENDER_KINDS) == {"mail_refused"} and not set(SENDER_KINDS) & set(KINDS)
    assert ALL_KINDS == KINDS + SENDER_KINDS + INVITEE_KINDS
    # An invitation (issue 19) goes to someone who may have no account: nothing to mute.
    assert not set(INVITEE_KINDS) & set(KINDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(STATUS_LABELS["en"]))
def test_status_names_are_translated(language: str, status: str) -> None:
    label = STATUS_LABELS[language][status]
    r = render("ticket_status_changed", language,
               sample("ticket_status_changed", status_from="new", status_to=status))

    assert label in r.subject
    assert f": {label}\n" in r.text  # the "new status" line
    assert f"<td style=\"padding:4px 0;vertical-align:top;\">{label}</td>" in r.html


# --- escaping ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_user_content_is_escaped_in_html_and_verbatim_in_text(language: str) -> None:
    ticket = dict(TICKET, subject="Fel i <b>rapporten</b> & exporten")
    context = sample("ticket_commented", ticket=ticket, actor_name="<i>Lars</i>",
                     comment={"body": f"Första raden\n{SCRIPT}", "author_name": "Bo <Admin>",
                              "internal": False})
    r = render("ticket_commented", language, context)

    assert SCRIPT in r.text and "Bo <Admin>" in r.text
    assert "<script" not in r.html and "<b>" not in r.html and "<Admin>" not in r.html
    assert str(escape(SCRIPT)) in r.html
    assert "Första raden<br>" in r.html  # line breaks of a comment survive in HTML
    assert "Fel i &lt;b&gt;rapporten&lt;/b&gt; &amp; exporten" in r.html  # <title> and body
    assert "Fel i <b>rapporten</b> & exporten" in r.subject


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_reasons_and_notes_are_escaped_in_html(language: str) -> None:
    rejected = render("ticket_rejected", language,
                      sample("ticket_rejected", actor_name="<u>Kund</u>", reason=SCRIPT))
    booking = render("booking_reminder", language, sample(
        "booking_reminder", recipient_name="<em>Anna</em>",
        booking={"at": "2026-12-03 10:15", "kind": "call", "note": SCRIPT}))

    for r in (rejected, booking):
        assert "<script" not in r.html and str(escape(SCRIPT)) in r.html
        assert SCRIPT in r.text
    assert "<u>" not in rejected.html and "&lt;u&gt;Kund&lt;/u&gt;" in rejected.html
    assert "<em>" not in booking.html and "&lt;em&gt;Anna&lt;/em&gt;" in booking.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_internal_note_is_marked_and_a_public_comment_is_not(language: str) -> None:
    label = {"sv": "intern anteckning", "fi": "sisäinen muistiinpano",
             "en": "internal note"}[language]
    comment = {"body": "Kollat loggarna.", "author_name": "Lars Berg"}
    internal = render("ticket_commented", language,
                      sample("ticket_commented", comment={**comment, "internal": True}))
    public = render("ticket_commented", language,
                    sample("ticket_commented", comment={**comment, "internal": False}))

    for part in (internal.subject, internal.text, internal.html, internal.sms, internal.title):
        assert label in part.lower()
    for part in (public.subject, public.text, public.html, public.sms, public.title):
        assert label not in part.lower()


def test_newlines_are_stripped_from_the_subject() -> None:
    ticket = dict(TICKET, subject="Första raden\r\nandra raden\n")
    r = render("ticket_resolved", "sv", sample("ticket_resolved", ticket=ticket))

    assert r.subject == "[T-1001] Ärendet är åtgärdat: Första raden andra raden"
    assert r.title == "Ärende T-1001 är åtgärdat"


# --- buttons ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["ticket_resolved", "approval_reminder"])
def test_approval_buttons_appear_with_their_links(kind: str, language: str) -> None:
    ok, not_ok = APPROVAL_BUTTONS[language]
    context = sample(kind)
    r = render(kind, language, context)

    assert f'href="{escape(context["approve_link"])}"' in r.html
    assert f'href="{escape(context["reject_link"])}"' in r.html
    assert f">{ok}</a>" in r.html and f">{not_ok}</a>" in r.html
    assert f"{ok}: {context['approve_link']}" in r.text
    assert f"{not_ok}: {context['reject_link']}" in r.text
    assert AUTOMATIC[language] in r.text  # without an answer it is approved automatically


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["ticket_resolved", "approval_reminder"])
def test_approval_buttons_are_left_out_without_links(kind: str, language: str) -> None:
    ok, not_ok = APPROVAL_BUTTONS[language]
    r = render(kind, language, sample(kind, approve_link=None, reject_link=None))

    assert ok not in r.html and not_ok not in r.html
    assert ok not in r.text and not_ok not in r.text
    assert hrefs(r.html) == [str(escape(LINK)), str(escape(PREFERENCES))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_the_given_approval_link_gets_a_button(language: str) -> None:
    ok, not_ok = APPROVAL_BUTTONS[language]
    r = render("ticket_resolved", language, sample("ticket_resolved", reject_link=None))

    assert f">{ok}</a>" in r.html and f">{not_ok}</a>" not in r.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_rating_buttons_follow_their_links(language: str) -> None:
    good, bad = RATING_BUTTONS[language]
    context = sample("ticket_closed")
    rated = render("ticket_closed", language, context)
    unrated = render("ticket_closed", language,
                     sample("ticket_closed", rating_good_link=None, rating_bad_link=None))

    assert f'href="{escape(context["rating_good_link"])}"' in rated.html
    assert f">{good}</a>" in rated.html and f">{bad}</a>" in rated.html
    assert f">{good}</a>" not in unrated.html and f">{bad}</a>" not in unrated.html
    assert hrefs(unrated.html) == [str(escape(LINK)), str(escape(PREFERENCES))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_closed_reason_has_its_own_sentence(language: str) -> None:
    first_lines = {
        reason: render("ticket_closed", language,
                       sample("ticket_closed", closed_reason=reason)).text.split("\n\n")[1]
        for reason in ("approved", "auto_approved", "closed_by_staff")
    }

    assert len(set(first_lines.values())) == 3
    assert first_lines["closed_by_staff"].startswith("Lars Berg ")
    assert AUTOMATIC[language] in first_lines["auto_approved"]


# --- kinds with optional parts ----------------------------------------------------------


def test_a_missing_actor_reads_naturally() -> None:
    r = render("ticket_assigned", "sv", sample("ticket_assigned", actor_name=None))

    assert "Ett ärende har tilldelats dig." in r.text
    assert "None" not in r.text and "None" not in r.sms and "None" not in r.html


def test_sla_targets_are_translated() -> None:
    fi = render("sla_breached", "fi", sample("sla_breached", target="first_response"))
    sv = render("sla_warning", "sv", sample("sla_warning", target="resolution"))

    assert "(ensimmäinen vastaus)" in fi.subject
    assert "Ensimmäisen vastauksen määräaika päättyi 2026-12-03 10:15." in fi.text
    assert "(lösning)" in sv.subject and "Tidsgränsen för lösning" in sv.text


def test_contact_order_without_customer_or_date_leaves_the_rows_out() -> None:
    order = dict(ORDER, customer_name=None, planned_date=None)
    r = render("contact_order_assigned", "en", sample("contact_order_assigned", order=order))

    assert "Customer" not in r.text and "Planned" not in r.text and "Customer" not in r.html
    assert r.subject == "[KO-1001] Contact order assigned to you: Genomgång av nätverket"


@pytest.mark.parametrize(("language", "planned"),
                         [("sv", "2026-12-03"), ("fi", "3.12.2026"), ("en", "3 Dec 2026")])
def test_planned_dates_are_written_the_local_way(language: str, planned: str) -> None:
    r = render("contact_order_assigned", language, sample("contact_order_assigned"))

    assert planned in r.text and planned in r.html


@pytest.mark.parametrize(("language", "kind_label"),
                         [("sv", "Telefonsamtal"), ("fi", "Puhelu"), ("en", "Phone call")])
def test_booking_kinds_are_translated(language: str, kind_label: str) -> None:
    booking = {"at": "2026-12-03 10:15", "kind": "call", "note": None}
    r = render("booking_reminder", language, sample("booking_reminder", booking=booking))

    assert kind_label in r.text and kind_label.lower() in r.subject
    assert r.subject.startswith("[KO-1001] ")


def test_an_empty_tenant_name_leaves_no_gap() -> None:
    r = render("ticket_created", "en", sample("ticket_created", tenant_name=""))

    assert "in the support portal." in r.text and "  " not in r.text


# --- a refused e-mail -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "subject", "limit"), [
    ("sv", "Ditt e-postmeddelande kunde inte tas emot: Skannade fakturor för november",
     "större än 10 MB"),
    ("fi", "Sähköpostiviestiäsi ei voitu vastaanottaa: Skannade fakturor för november",
     "suurempi kuin 10 Mt"),
    ("en", "Your e-mail could not be received: Skannade fakturor för november",
     "larger than 10 MB"),
])
def test_a_refused_mail_says_why_and_points_to_the_portal(language: str, subject: str,
                                                          limit: str) -> None:
    r = render("mail_refused", language, sample("mail_refused"))

    assert r.subject == subject
    assert r.text.startswith(GREETINGS[language] + "\n\n")
    for part in (r.text, r.html, r.sms, r.body):
        assert limit in part
    assert "Skannade fakturor för november" in r.text and "Supportbolaget AB" in r.text
    assert hrefs(r.html) == [str(escape(LINK))]  # the portal button, and no mute link
    assert "None" not in r.text + r.html + r.sms + r.title + r.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_mail_without_subject_or_names_reads_naturally(language: str) -> None:
    r = render("mail_refused", language, sample(
        "mail_refused", original_subject="", recipient_name="", tenant_name=""))

    assert r.subject == r.title and ":" not in r.subject
    assert '""' not in r.sms + r.body and "  " not in r.text + r.sms + r.body
    assert r.text.splitlines()[0] in {"Hej!", "Hei!", "Hi,"}
    message = r.html.split("<p>", 1)[1].split("</td>", 1)[0]
    assert "<table" not in message  # no empty fact table
    assert "()" not in r.text and " hos ." not in r.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_mail_escapes_the_subject_in_html(language: str) -> None:
    r = render("mail_refused", language, sample("mail_refused", original_subject=SCRIPT))

    assert "<script" not in r.html and str(escape(SCRIPT)) in r.html
    assert SCRIPT in r.text and SCRIPT in r.subject


@pytest.mark.parametrize("key", ["original_subject", "limit_mb", "link", "tenant_name"])
def test_a_refused_mail_needs_its_context(key: str) -> None:
    context = sample("mail_refused")
    del context[key]

    with pytest.raises((UndefinedError, KeyError), match=key):
        render("mail_refused", "en", context)


def test_a_refused_mail_ignores_a_preferences_link() -> None:
    context = sample("mail_refused", preferences_link=PREFERENCES)

    assert render("mail_refused", "sv", context) == render("mail_refused", "sv",
                                                           sample("mail_refused"))


# --- the reply marker -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_reply_marker_heads_the_text_and_the_html(kind: str, language: str) -> None:
    marker = MARKERS[language]
    r = render(kind, language, sample(kind, reply_marker=marker))

    assert r.text.splitlines()[0] == marker and r.text.startswith(marker + "\n\n")
    assert r.text.count(marker) == 1
    body = r.html.split("<body", 1)[1]
    assert body.count(marker) == 1
    assert body.index(marker) < body.index("<table")  # above the message itself
    assert body.index(marker) < body.index(escape(GREETINGS[language]))
    for part in (r.subject, r.sms, r.title, r.body):
        assert "##-" not in part


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_without_a_reply_marker_nothing_changes(kind: str, language: str) -> None:
    plain = render(kind, language, sample(kind))

    assert render(kind, language, sample(kind, reply_marker=None)) == plain
    assert render(kind, language, sample(kind, reply_marker="")) == plain
    assert "##-" not in plain.text + plain.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reply_marker_changes_only_the_top_of_the_e_mail(language: str) -> None:
    plain = render("ticket_commented", language, sample("ticket_commented"))
    marked = render("ticket_commented", language,
                    sample("ticket_commented", reply_marker=MARKERS[language]))

    assert marked.text == f"{MARKERS[language]}\n\n{plain.text}"
    assert (marked.subject, marked.sms, marked.title, marked.body) == (
        plain.subject, plain.sms, plain.title, plain.body)
    assert re.sub(r"<div [^>]*>##-[^<]*</div>\n", "", marked.html) == plain.html


def test_the_reply_marker_is_escaped_in_html() -> None:
    marker = "##- Write your <b>reply</b> & more above this line -##"
    r = render("ticket_commented", "en", sample("ticket_commented", reply_marker=marker))

    assert "<b>" not in r.html
    assert "##- Write your &lt;b&gt;reply&lt;/b&gt; &amp; more above this line -##" in r.html
    assert r.text.splitlines()[0] == marker  # verbatim in the text part


@pytest.mark.parametrize("marker", ["##- two\nlines -##", " ##- padded -##"])
def test_a_reply_marker_that_is_not_one_clean_line_is_refused(marker: str) -> None:
    with pytest.raises(ValueError, match="reply_marker"):
        render("ticket_created", "en", sample("ticket_created", reply_marker=marker))


# --- SMS --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_long_subject_still_fits_an_sms_with_the_link(kind: str, language: str) -> None:
    long = "Väldigt lång rubrik " * 40
    overrides: dict[str, Any] = (
        {"original_subject": long} if kind in SENDER_KINDS
        else {"order": dict(ORDER, subject=long, customer_name="Kund " * 30)}
        if kind in ORDER_KINDS else {"ticket": dict(TICKET, subject=long)})
    r = render(kind, language, sample(kind, **overrides))

    assert len(r.sms) <= SMS_MAX and r.sms.endswith(LINK)


def test_an_sms_over_the_limit_is_cut_before_the_link() -> None:
    long_name = "Anna-Karin " * 40  # the actor's name is not truncated by the template
    r = render("ticket_assigned", "sv", sample("ticket_assigned", actor_name=long_name))

    assert len(r.sms) <= SMS_MAX and r.sms.endswith(f"... {LINK}")
    assert r.sms.startswith("Ärende T-1001")


# --- errors and fallbacks ---------------------------------------------------------------


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="ticket_exploded"):
        render("ticket_exploded", "sv", sample("ticket_created"))


@pytest.mark.parametrize("language", ["de", "", "xx-YY"])
def test_an_unknown_language_falls_back_to_swedish(language: str) -> None:
    context = sample("ticket_resolved")

    assert render("ticket_resolved", language, context) == render("ticket_resolved", "sv", context)
    assert '<html lang="sv">' in render("ticket_resolved", language, context).html


def test_a_regional_language_tag_uses_its_language() -> None:
    r = render("ticket_created", "fi-FI", sample("ticket_created"))

    assert r == render("ticket_created", "fi", sample("ticket_created"))


def test_a_missing_variable_fails_loudly() -> None:
    context = sample("ticket_resolved")
    del context["approval_due"]

    with pytest.raises(UndefinedError, match="approval_due"):
        render("ticket_resolved", "en", context)


# --- format_time ------------------------------------------------------------------------


@pytest.mark.parametrize(("iso", "language", "zone", "expected"), [
    # Winter: Stockholm is UTC+1, Helsinki UTC+2.
    ("2026-11-28T10:15:00Z", "sv", "Europe/Stockholm", "2026-11-28 11:15"),
    ("2026-11-28T10:15:00Z", "fi", "Europe/Helsinki", "28.11.2026 klo 12.15"),
    ("2026-11-28T10:15:00Z", "en", "Europe/Stockholm", "28 Nov 2026, 11:15"),
    # Summer: Stockholm is UTC+2, Helsinki UTC+3.
    ("2026-07-03T07:05:00Z", "sv", "Europe/Stockholm", "2026-07-03 09:05"),
    ("2026-07-03T07:05:00Z", "fi", "Europe/Helsinki", "3.7.2026 klo 10.05"),
    ("2026-07-03T07:05:00Z", "en", "Europe/Stockholm", "3 Jul 2026, 09:05"),
    # Around the spring change (2026-03-29 01:00 UTC) and across midnight.
    ("2026-03-29T00:59:00Z", "sv", "Europe/Stockholm", "2026-03-29 01:59"),
    ("2026-03-29T01:00:00Z", "sv", "Europe/Stockholm", "2026-03-29 03:00"),
    ("2026-12-31T23:30:00Z", "fi", "Europe/Helsinki", "1.1.2027 klo 1.30"),
    ("2026-11-28T10:15:00+00:00", "en", "UTC", "28 Nov 2026, 10:15"),
])
def test_format_time(iso: str, language: str, zone: str, expected: str) -> None:
    assert format_time(iso, language, zone) == expected


def test_format_time_falls_back_to_swedish_and_says_when_the_zone_is_unknown() -> None:
    assert format_time("2026-11-28T10:15:00Z", "de", "Europe/Stockholm") == "2026-11-28 11:15"
    assert format_time("2026-11-28T10:15:00Z", "en", "Mars/Olympus") == "28 Nov 2026, 10:15 UTC"


def test_format_time_reads_a_naive_time_as_utc() -> None:
    assert format_time("2026-11-28T10:15:00", "sv", "Europe/Stockholm") == "2026-11-28 11:15"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_moved_training_session_names_its_new_and_old_time(language: str) -> None:
    moved = sample("training_update", reason="moved",
                   training=TRAINING | {"at": "2026-12-05 13:00", "was_at": "2026-12-03 10:15"})
    r = render("training_update", language, moved)
    assert "2026-12-05 13:00" in r.subject and "2026-12-03 10:15" in r.text
    assert TRAINING["join_url"] in r.text and PHRASES["training_update"][language] not in r.text
    cancelled = render("training_update", language, sample("training_update"))
    assert TRAINING["join_url"] not in cancelled.text  # nothing to join


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_weekly_summary_shows_the_figures(language: str) -> None:
    r = render("weekly_summary", language, sample("weekly_summary"))
    assert "412" in r.text and "398" in r.text and "57" in r.text
    assert "95.0 %" in r.text and "380 / 400" in r.text  # SLA met of all measured
    assert "42.0" in r.text and "\N{EN DASH}" in r.text  # a missing median says so, not "None"
    assert "301 / 12 / 70" in r.html and "None" not in r.html + r.text
