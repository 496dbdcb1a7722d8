"""Renders one notification in one language into every channel's text.

Each kind has one template per language, ``templates/<language>/<kind>.jinja``, holding the
blocks ``subject``, ``text``, ``html``, ``sms``, ``title`` and ``body``, so a translator sees
a whole message in one file. Wording shared by all kinds of a language (status names, the
greeting, the footer) lives in ``templates/<language>/_labels.jinja``; the HTML document
around the ``html`` block and the plain-text footer are ``templates/_layout.*.jinja``, and
the HTML building blocks (buttons, fact tables, quotes) are ``templates/_ui.jinja``.

A block is rendered on its own, so a template's top-level ``{% import %}`` would not run:
``render`` puts the language's labels module into the context as ``t`` and the HTML
building blocks as ``ui`` instead.

The ``html`` block renders with autoescaping; the other blocks are plain text and do not.
Both environments use ``StrictUndefined``: a missing context value fails loudly.

Two context values are handled here, not in the kinds' templates:

* ``reply_marker`` (str or None) -- for e-mail the customer may answer, the line above which
  a reply is written (``##- Write your reply above this line -##``). It becomes the first
  line of the text part and a small muted line at the top of the HTML body; the inbound
  quote stripper cuts from that line down. Subject, SMS and in-app texts never carry it.
* ``preferences_link`` is required, except for the ``SENDER_KINDS``: notices to whoever
  wrote to support (e.g. ``mail_refused``), which nobody subscribes to and nobody can mute.
  Their footer says why the message came instead, without a mute link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup, escape

KINDS: tuple[str, ...] = (
    "ticket_created", "ticket_assigned", "ticket_commented", "ticket_status_changed",
    "ticket_resolved", "approval_reminder", "ticket_rejected", "ticket_closed", "sla_warning",
    "sla_breached", "contact_order_assigned", "booking_reminder", "subscription_update",
    "followed_supplier", "training_reminder", "training_update", "incident_update",
    "chat_transcript", "weekly_summary", "client_case_received", "client_case_reminder",
    "client_case_done",
)
# Told to addresses subscribed to the status page (issue 17), not to users: the footer says
# so, and its link (``preferences_link``) is the subscriber's own unsubscribe link.
SUBSCRIBER_KINDS: tuple[str, ...] = ("incident_update",)
# Answers to whoever e-mailed support, not notifications a user subscribes to (so not in
# KINDS, which mirrors domain/notifications.py): no ``preferences_link``, as there is nothing
# to mute, and a footer that says why the message came.
SENDER_KINDS: tuple[str, ...] = ("mail_refused",)
# Client cases (issue 19): an invitation to a client's main contact, who may have no account
# yet: nothing to mute; the footer says who invited them.
INVITEE_KINDS: tuple[str, ...] = ("client_invitation",)
ALL_KINDS: tuple[str, ...] = KINDS + SENDER_KINDS + INVITEE_KINDS  # every kind ``render`` knows
LANGUAGES: tuple[str, ...] = ("sv", "fi", "en")
DEFAULT_LANGUAGE = "sv"
SMS_MAX = 320

TEMPLATES_DIR = Path(__file__).parent / "templates"
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Rendered:
    subject: str  # one line, no newlines
    text: str  # the text/plain part
    html: str  # a whole HTML document for the text/html part
    sms: str  # at most SMS_MAX characters, plain text, ends with the link
    title: str  # short in-app inbox title (one line)
    body: str  # short in-app inbox body (one line of plain text, may be "")


def render(kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Renders ``kind`` in ``language`` (unknown languages fall back to Swedish)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown notification kind: {kind!r}")
    lang = _language(language)
    name = f"{lang}/{kind}.jinja"
    text_env, html_env = _text_env(), _html_env()

    def text_block(block: str) -> str:
        return _block(text_env.get_template(name), block, context, lang, text_env)

    subject = _one_line(text_block("subject"))
    content_html = _block(html_env.get_template(name), "html", context, lang, html_env)
    to_sender = kind in SENDER_KINDS
    to_invitee = kind in INVITEE_KINDS
    shared = {"language": lang, "subject": subject,
              "tenant_name": context["tenant_name"], "to_sender": to_sender,
              "to_subscriber": kind in SUBSCRIBER_KINDS, "to_invitee": to_invitee,
              "preferences_link": None if to_sender or to_invitee
              else context["preferences_link"]}
    marker = _reply_marker(context)
    text = _tidy_text(text_env.get_template("_layout.txt.jinja").render(
        content=_tidy_text(text_block("text")), t=_labels(text_env, lang), **shared))
    if marker:
        text = f"{marker}\n\n{text}"
    html = html_env.get_template("_layout.html.jinja").render(
        content=Markup(content_html), t=_labels(html_env, lang), reply_marker=marker, **shared)
    return Rendered(
        subject=subject,
        text=text + "\n",
        html=html.strip() + "\n",
        sms=_fit_sms(text_block("sms"), str(context["link"])),
        title=_one_line(text_block("title")),
        body=_one_line(text_block("body")),
    )


def format_time(iso_utc: str, language: str, timezone: str) -> str:
    """``2026-11-28T10:15:00Z`` as local time in ``timezone``, the way ``language`` writes it.

    An unknown time zone falls back to UTC and says so, rather than failing the message.
    """
    moment = datetime.fromisoformat(iso_utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    suffix = ""
    try:
        local = moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local, suffix = moment.astimezone(UTC), " UTC"
    lang = _language(language)
    if lang == "fi":
        return f"{_date_text(local.date(), lang)} klo {local.hour}.{local.minute:02d}{suffix}"
    if lang == "en":
        return f"{_date_text(local.date(), lang)}, {local:%H:%M}{suffix}"
    return f"{_date_text(local.date(), lang)} {local:%H:%M}{suffix}"


# --- helpers ---------------------------------------------------------------------------


def _language(language: str) -> str:
    """``sv``, ``sv-SE`` and ``SV_se`` are all Swedish; anything unknown is the default."""
    lang = (language or "").replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _date_text(day: date, language: str) -> str:
    if language == "fi":
        return f"{day.day}.{day.month}.{day.year}"
    if language == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return day.isoformat()


def _date_filter(value: str | None, language: str) -> str:
    """Template filter ``date``: an ISO date (``2026-11-28``) as ``language`` writes it."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return _date_text(day, language)


def _nl2br(value: str) -> Markup:
    """HTML filter ``nl2br``: escapes user text and keeps its line breaks."""
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date_filter
    env.filters["nl2br"] = _nl2br
    return env


@cache
def _text_env() -> Environment:
    return _environment(autoescape=False)


@cache
def _html_env() -> Environment:
    return _environment(autoescape=True)


@cache
def _module(env: Environment, name: str) -> Any:
    return env.get_template(name).make_module()


def _labels(env: Environment, language: str) -> Any:
    return _module(env, f"{language}/_labels.jinja")


def _block(tmpl: Template, block: str, context: Mapping[str, Any], language: str,
           env: Environment) -> str:
    variables = {**context, "t": _labels(env, language), "ui": _module(env, "_ui.jinja")}
    return "".join(tmpl.blocks[block](tmpl.new_context(variables)))


def _reply_marker(context: Mapping[str, Any]) -> str | None:
    """The optional ``reply_marker`` line, kept exactly as given: the stripper matches it."""
    marker = context.get("reply_marker")
    if not marker:
        return None
    marker = str(marker)
    if "\n" in marker or "\r" in marker or marker != marker.strip():
        raise ValueError(f"reply_marker must be one line without edge spaces: {marker!r}")
    return marker


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _tidy_text(value: str) -> str:
    """Trailing spaces off, at most one blank line in a row, no blank edges."""
    lines = "\n".join(line.rstrip() for line in value.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines)


def _fit_sms(value: str, link: str) -> str:
    """One line of at most ``SMS_MAX`` characters that still ends with the link.

    Templates already shorten user text; this is the last guard (a very long name). ASCII
    "..." rather than an ellipsis keeps the message in the GSM 7-bit alphabet.
    """
    sms = _one_line(value)
    if len(sms) <= SMS_MAX:
        return sms
    room = SMS_MAX - len(link) - len(" ... ")
    if not link or room < 20:
        return sms[:SMS_MAX]
    head = _one_line(sms.replace(link, " "))
    return f"{head[:room].rstrip()} ... {link}"
