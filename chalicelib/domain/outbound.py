"""Cases from the firm (seed 003, issue 19 item 4): tickets with direction ``outbound`` that
the firm's staff send to named contacts of a connected client organisation.

Pure: placeholders filled into a template's texts, the checks of the recipients, the
moments of the reminders before the due date, and the ready-made accounting templates.
Time comes in as arguments; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.models import Language, utc_iso
from chalicelib.domain.tickets import (
    CaseReminder,
    LocalizedName,
    TemplateBody,
    TemplateText,
    Ticket,
    TicketTypeBody,
)

MAX_RECIPIENTS = 20
# Reminders a week and a day before the due date, unless the case names its own.
DEFAULT_REMINDER_DAYS = (7, 1)
# A reminder goes out at this hour of the tenant's local time (support hours' time zone).
REMINDER_HOUR = 8
# The ticket type of a case from the firm when neither the request nor its template names one.
CLIENT_CASE_TYPE = "client_case"
TIMER_CASE_REMINDER = "case_due_reminder"
CLOSED_REASON_DONE = "done"

PLACEHOLDERS = ("client_name", "period", "due_date")
_PLACEHOLDER = re.compile(r"\{(client_name|period|due_date)\}")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


# --- placeholders -------------------------------------------------------------------------


def placeholders_in(*texts: str) -> set[str]:
    """The placeholder names the texts use."""
    return {m.group(1) for text in texts for m in _PLACEHOLDER.finditer(text)}


def format_due_date(due: date, language: str) -> str:
    """The due date the way the reader's language writes a date."""
    if language == "fi":
        return f"{due.day}.{due.month}.{due.year}"
    if language == "en":
        return f"{due.day} {_EN_MONTHS[due.month - 1]} {due.year}"
    return due.isoformat()


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """``{client_name}``, ``{period}`` and ``{due_date}`` replaced by their values; other
    braces are left as written (a template may well contain ``{`` in its own text)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def missing_values(texts: tuple[str, ...], values: dict[str, str]) -> list[str]:
    """The placeholders the texts use that have no value (each is the request's field of
    the same name), in a stable order."""
    used = placeholders_in(*texts)
    return [name for name in PLACEHOLDERS if name in used and not values.get(name)]


# --- recipients -----------------------------------------------------------------------------


def recipient_problems(recipients: list[str], organization_id: str,
                       contacts: dict[str, dict[str, Any]],
                       users: dict[str, dict[str, Any]]) -> dict[int, str]:
    """Position -> why that recipient is refused: it must be a registered contact of the
    organisation (``contacts``: the organisation's contacts found by id) whose portal user
    (``users``: found by id) is active and belongs to the same organisation."""
    problems: dict[int, str] = {}
    seen: set[str] = set()
    for index, contact_id in enumerate(recipients):
        contact = contacts.get(contact_id)
        if contact_id in seen:
            problems[index] = "named twice"
        elif contact is None or contact.get("organization_id") != organization_id:
            problems[index] = "not a registered contact of this organisation"
        elif not contact.get("user_id"):
            problems[index] = "this contact has no portal user; invite them first"
        else:
            user = users.get(str(contact["user_id"]))
            if (user is None or user.get("kind") != "contact" or not user.get("active", True)
                    or user.get("organization_id") != organization_id):
                problems[index] = "this contact's portal user is not active in this organisation"
        seen.add(contact_id)
    return problems


def organization_problem(organization: dict[str, Any] | None) -> str | None:
    """Why cases cannot be sent to the organisation, or None: it must exist, be active and
    have accepted the firm's invitation (``connected_at``)."""
    if organization is None:
        return "no such organisation"
    if not organization.get("active", True):
        return "the organisation is deactivated"
    if not organization.get("connected_at"):
        return "the organisation is not connected: its main contact must accept an invitation"
    return None


# --- reminders ------------------------------------------------------------------------------


def reminder_schedule(due: date, days_before: list[int], timezone: str,
                      created: datetime) -> list[CaseReminder]:
    """A reminder ``d`` days before the due date at ``REMINDER_HOUR`` local time, for each
    ``d``, earliest first; one whose moment passed before the case was created is left out
    (a case due in three days gets no week-before reminder)."""
    zone = ZoneInfo(timezone)
    found: dict[str, CaseReminder] = {}
    for days in sorted(set(days_before), reverse=True):
        local = datetime.combine(due - timedelta(days=days), time(REMINDER_HOUR), tzinfo=zone)
        if local > created:
            at = utc_iso(local)
            found.setdefault(at, CaseReminder(days=days, at=at))
    return sorted(found.values(), key=lambda r: r.at)


def next_reminder(ticket: Ticket) -> CaseReminder | None:
    """The case's next reminder not yet sent, while the case waits on the client."""
    if ticket.direction != "outbound" or ticket.status == "closed":
        return None
    return next((r for r in ticket.reminders if r.sent_at is None), None)


@dataclass(frozen=True)
class ReminderStep:
    """What a due reminder timer does: the reminders it marks sent (every one whose moment
    has come: a late sweep sends the latest only, not a burst) and the one it tells of."""

    reminders: list[CaseReminder]
    told: CaseReminder


def reminder_step(ticket: Ticket, now: str) -> ReminderStep | None:
    """None when nothing is due at ``now`` (the case was done, closed or changed)."""
    first = next_reminder(ticket)
    if first is None or first.at > now:
        return None
    due = [r for r in ticket.reminders if r.sent_at is None and r.at <= now]
    updated = [r.model_copy(update={"sent_at": now}) if r in due else r
               for r in ticket.reminders]
    return ReminderStep(updated, due[-1])


# --- the ready-made accounting templates --------------------------------------------------


def client_case_type() -> TicketTypeBody:
    return TicketTypeBody(
        name=LocalizedName(sv="Byråärende", fi="Tilitoimiston asia", en="Case from the firm"),
        billable=False)


_OUTBOUND_TEXTS: dict[str, dict[Language, tuple[str, str, str]]] = {
    "year_end": {
        "sv": ("Bokslutsunderlag", "Underlag till bokslutet {period}, {client_name}",
               "Hej!\n\nFör att vi ska kunna upprätta bokslutet för {period} behöver vi "
               "följande underlag senast {due_date}:\n\n- Kontoutdrag per bokslutsdagen\n"
               "- Lista över kundfordringar och leverantörsskulder\n- Inventering av lager\n"
               "- Avtal och lån som tillkommit under året\n\nLadda gärna upp filerna här i "
               "ärendet och markera det som klart när allt är skickat."),
        "fi": ("Tilinpäätösaineisto", "Tilinpäätöksen {period} aineisto, {client_name}",
               "Hei!\n\nTilinpäätöksen {period} laatimista varten tarvitsemme seuraavat "
               "aineistot viimeistään {due_date}:\n\n- Tiliotteet tilinpäätöspäivältä\n"
               "- Luettelo myyntisaamisista ja ostoveloista\n- Varaston inventaario\n"
               "- Vuoden aikana tehdyt sopimukset ja lainat\n\nLiitä tiedostot tähän "
               "asiaan ja merkitse se valmiiksi, kun kaikki on lähetetty."),
        "en": ("Year-end documents", "Year-end documents {period}, {client_name}",
               "Hello,\n\nTo prepare the year-end accounts for {period} we need the "
               "following by {due_date}:\n\n- Bank statements at the closing date\n"
               "- Lists of trade receivables and payables\n- The stock count\n"
               "- Agreements and loans made during the year\n\nPlease upload the files to "
               "this case and mark it done when everything is sent."),
    },
    "vat_questions": {
        "sv": ("Frågor om momsen", "Frågor inför momsdeklarationen {period}",
               "Hej!\n\nInför momsdeklarationen för {period} har vi några frågor om "
               "följande verifikationer:\n\n1.\n2.\n\nSvara gärna här i ärendet senast "
               "{due_date}."),
        "fi": ("Arvonlisäverokysymyksiä", "Kysymyksiä arvonlisäveroilmoituksesta {period}",
               "Hei!\n\nArvonlisäveroilmoitusta {period} varten meillä on kysyttävää "
               "seuraavista tositteista:\n\n1.\n2.\n\nVastaathan tähän asiaan viimeistään "
               "{due_date}."),
        "en": ("VAT questions", "Questions for the VAT return {period}",
               "Hello,\n\nFor the VAT return for {period} we have questions about the "
               "following vouchers:\n\n1.\n2.\n\nPlease answer in this case by {due_date}."),
    },
    "missing_receipts": {
        "sv": ("Saknade kvitton", "Saknade kvitton {period}, {client_name}",
               "Hej!\n\nVi saknar kvitton eller fakturor till följande transaktioner för "
               "{period}:\n\n- Datum, belopp, motpart:\n\nLadda upp dem här i ärendet "
               "senast {due_date}."),
        "fi": ("Puuttuvat kuitit", "Puuttuvat kuitit {period}, {client_name}",
               "Hei!\n\nSeuraavilta tapahtumilta puuttuu kuitti tai lasku ({period}):\n\n"
               "- Päivä, summa, vastapuoli:\n\nLiitä ne tähän asiaan viimeistään {due_date}."),
        "en": ("Missing receipts", "Missing receipts {period}, {client_name}",
               "Hello,\n\nWe are missing receipts or invoices for these transactions in "
               "{period}:\n\n- Date, amount, counterparty:\n\nPlease upload them to this "
               "case by {due_date}."),
    },
    "payroll_basis": {
        "sv": ("Löneunderlag", "Löneunderlag {period}, {client_name}",
               "Hej!\n\nSkicka löneunderlaget för {period} senast {due_date}: "
               "arbetad tid, frånvaro (sjukdom, semester, VAB), övertid, utlägg och "
               "förändringar i anställningar."),
        "fi": ("Palkka-aineisto", "Palkka-aineisto {period}, {client_name}",
               "Hei!\n\nLähetäthän palkka-aineiston {period} viimeistään {due_date}: "
               "tehdyt tunnit, poissaolot (sairaus, loma), ylityöt, kulukorvaukset ja "
               "muutokset työsuhteissa."),
        "en": ("Payroll basis", "Payroll basis {period}, {client_name}",
               "Hello,\n\nPlease send the payroll basis for {period} by {due_date}: hours "
               "worked, absences (sickness, holiday, care of a sick child), overtime, "
               "expenses and changes in employment."),
    },
    "sign_annual_report": {
        "sv": ("Underteckna årsredovisningen", "Årsredovisningen {period} att underteckna",
               "Hej!\n\nÅrsredovisningen för {period} är klar. Läs igenom den bifogade "
               "årsredovisningen och underteckna den senast {due_date}. Markera ärendet "
               "som klart när alla styrelseledamöter har skrivit under."),
        "fi": ("Tilinpäätöksen allekirjoitus", "Tilinpäätös {period} allekirjoitettavaksi",
               "Hei!\n\nTilinpäätös {period} on valmis. Lue liitteenä oleva tilinpäätös ja "
               "allekirjoita se viimeistään {due_date}. Merkitse asia valmiiksi, kun kaikki "
               "hallituksen jäsenet ovat allekirjoittaneet."),
        "en": ("Sign the annual report", "The annual report {period} to sign",
               "Hello,\n\nThe annual report for {period} is ready. Please read the attached "
               "report and sign it by {due_date}. Mark this case done when every board "
               "member has signed."),
    },
}


def default_outbound_templates() -> list[tuple[str, TemplateBody]]:
    """The ready-made templates for accounting work, Swedish first with Finnish and English
    translations (the reader's language is chosen when a case is made)."""
    made = []
    for key, by_lang in _OUTBOUND_TEXTS.items():
        name, subject, body = by_lang["sv"]
        made.append((f"tpl_case_{key}", TemplateBody(
            name=name, ticket_type_id=CLIENT_CASE_TYPE, subject=subject, body=body,
            direction="outbound",
            translations={lang: TemplateText(name=n, subject=s, body=b)
                          for lang, (n, s, b) in by_lang.items() if lang != "sv"})))
    return made
