"""Strip quoted history and signatures from an e-mail reply (Swedish, Finnish, English).

Outgoing notifications carry a marker line at the top (``marker_line``); whatever the
customer's client quotes below the person's own words is cut with it. Clients that quote
above our marker, or lose it, are recognised by their attribution lines ("On ... wrote:",
"Den ... skrev ...:", "... kirjoitti ...:"), Outlook's separators and header blocks, and
"> " quote blocks. Then the "-- " signature and mobile footers ("Sent from my iPhone")
are dropped.

Conservative by design: an attribution only counts when it looks like one (a date, a time
or an address in it) *and* a "> " quote follows it, so ordinary sentences containing
"wrote" or "skrev" survive. If nothing of the person's own is left, the original text is
returned trimmed: losing a customer's words is worse than keeping a quote.
"""

from __future__ import annotations

import re

REPLY_MARKERS: dict[str, str] = {
    "sv": "Skriv ditt svar ovanför den här raden",
    "fi": "Kirjoita vastauksesi tämän rivin yläpuolelle",
    "en": "Write your reply above this line",
}
MARKER_DECORATION = "##-"


def marker_line(language: str) -> str:
    """The visible first line of every notification, e.g. ``##- Write your ... -##``."""
    text = REPLY_MARKERS.get(language, REPLY_MARKERS["en"])
    return f"{MARKER_DECORATION} {text} -##"


_MARKERS = tuple(" ".join(text.casefold().split()) for text in REPLY_MARKERS.values())

_QUOTED = re.compile(r"^\s*>")
_QUOTE_PREFIX = re.compile(r"^[\s>]+")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|ursprungligt meddelande|originalmeddelande"
    r"|alkuperäinen viesti|forwarded message|vidarebefordrat meddelande|välitetty viesti"
    r"|ursprüngliche nachricht|original-nachricht|message d'origine)\s*-{2,}\s*$"
    r"|^\s*(?:begin forwarded message|vidarebefordrat brev|välitetty viesti alkaa"
    r"|alkuperäinen viesti alkaa)\s*:\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|från|lähettäjä|von|fra)\*?\s*:\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:sent|date|to|cc|subject|skickat|datum|till|kopia|ämne|lähetetty"
    r"|päivämäärä|vastaanottaja|kopio|aihe|gesendet|an|betreff|sendt|til|emne)\*?\s*:",
    re.IGNORECASE,
)
# An attribution line starts like one of the clients' ...
_ATTRIBUTION_START = re.compile(
    r"^(?:on|den|am|le)\s"  # On Mon, ... / Den mån 23 nov. ... / Den 2026-11-23 ...
    r"|^\d"  # 23 nov. 2026 kl. 10:15 skrev / 23.11.2026 kello 10.15 Anna kirjoitti
    r"|^(?:ma|ti|ke|to|pe|la|su|mån|tis|ons|tor|tors|fre|lör|sön"
    r"|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+\d"  # ma 23.11.2026 klo 10.15 Anna kirjoitti
    r"|^.{1,80}?\s(?:kirjoitti|skrev|wrote)\s+(?:den\s+|on\s+)?\d"  # Anna kirjoitti 23.11.
    r"|^.{0,80}<[^<>\s@]+@[^<>\s]+>\)?,?\s+(?:kirjoitti|skrev|wrote)\b",  # Anna <a@x> wrote
    re.IGNORECASE,
)
# ... ends with the verb (and possibly the sender or date after it) and a colon ...
_ATTRIBUTION_END = re.compile(r"\b(?:wrote|skrev|kirjoitti|schrieb)\b.{0,200}:$", re.IGNORECASE)
# ... and names a year, a time or an address.
_ATTRIBUTION_EVIDENCE = re.compile(r"\d{4}|\b\d{1,2}[:.]\d{2}\b|@")
_SIGNATURE = re.compile(r"^--\s?$")
_FOOTER = re.compile(
    r"^(?:sent from my \S.{0,40}"
    r"|sent from (?:mail for windows|outlook|yahoo mail|proton mail|samsung)\b.{0,40}"
    r"|skickat från (?:min|mitt|e-post för windows|outlook|yahoo)\b.{0,40}"
    r"|lähetetty (?:iphonesta|ipadista|android\S*|samsung\S*|\S*puhelimesta|mobiilista"
    r"|outlook\S*|windowsin sähköpostista|yahoo)\b.{0,40}"
    r"|(?:get|hämta|skaffa|hanki) outlook\b.{0,40}"
    r")$",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """Only what the person wrote: quoted history, signature and mobile footer removed."""
    original = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in original.split("\n")]
    kept = _cut_history(lines)
    kept = [line for line in kept if not _QUOTED.match(line)]  # interleaved quotes
    kept = _cut_signature(kept)
    result = _tidy(kept)
    return result or original.strip()


def _norm(line: str) -> str:
    return " ".join(_QUOTE_PREFIX.sub("", line).casefold().split())


def _is_marker(lines: list[str], i: int) -> bool:
    if MARKER_DECORATION in lines[i]:
        return True
    current = _norm(lines[i]).strip("#- ")
    if len(current) < 8:
        return False
    if any(marker in current for marker in _MARKERS):
        return True
    if i + 1 < len(lines):  # the client reflowed the marker over two lines
        joined = current + " " + _norm(lines[i + 1]).strip("#- ")
        return any(marker.startswith(current) and marker in joined for marker in _MARKERS)
    return False


class _Scan:
    """Look-ups precomputed once, so scanning a long message stays linear."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        own = [n for n, line in enumerate(lines) if line.strip() and not _QUOTED.match(line)]
        self._last_own = own[-1] if own else -1
        self._next_text = [len(lines)] * (len(lines) + 1)
        for n in range(len(lines) - 1, -1, -1):
            self._next_text[n] = n if lines[n].strip() else self._next_text[n + 1]

    def own_text_after(self, start: int) -> bool:
        """Any unquoted, non-blank line at ``start`` or below."""
        return self._last_own >= start

    def next_is_quote(self, start: int) -> bool:
        """The next non-blank line at ``start`` or below is a "> " quote."""
        n = self._next_text[min(start, len(self.lines))]
        return n < len(self.lines) and bool(_QUOTED.match(self.lines[n]))


def _attribution(scan: _Scan, i: int) -> int:
    """How many lines (1-3) the attribution starting at ``i`` spans, 0 if none."""
    lines = scan.lines
    if not _ATTRIBUTION_START.match(lines[i].strip()):
        return 0
    for span in (1, 2, 3):
        chunk = lines[i : i + span]
        if len(chunk) < span or (span > 1 and (not chunk[-1].strip() or _QUOTED.match(chunk[-1]))):
            return 0
        joined = " ".join(part.strip() for part in chunk)
        if len(joined) > 300:
            return 0
        if (
            _ATTRIBUTION_END.search(joined)
            and _ATTRIBUTION_EVIDENCE.search(joined)
            and scan.next_is_quote(i + span)
        ):
            return span
    return 0


def _header_block(lines: list[str], i: int) -> bool:
    """Outlook's "From:/Sent:/To:/Subject:" block (any of our languages) starts at ``i``."""
    if not _HEADER_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 7] if line.strip()]
    return sum(1 for line in following[:5] if _HEADER_OTHER.match(line)) >= 2


def _cut_history(lines: list[str]) -> list[str]:
    scan = _Scan(lines)
    skipped: set[int] = set()
    cut = len(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_marker(lines, i) and not (_QUOTED.match(line) and scan.own_text_after(i)):
            cut = i
            break
        if _QUOTED.match(line) or not line.strip():
            i += 1
            continue
        if _SEPARATOR.match(line):
            cut = i
            break
        if _header_block(lines, i):
            cut = _rule_above(lines, i)
            break
        span = _attribution(scan, i)
        if span and not scan.own_text_after(i + span):
            cut = i
            break
        if span:  # bottom-posted or interleaved: drop the attribution, keep the answers
            skipped.update(range(i, i + span))
            i += span
            continue
        i += 1
    return [line for n, line in enumerate(lines[:cut]) if n not in skipped]


def _rule_above(lines: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 and _UNDERSCORES.match(lines[j]) else i


def _cut_signature(lines: list[str]) -> list[str]:
    for n, line in enumerate(lines):
        if _SIGNATURE.match(line):
            lines = lines[:n]
            break
    while lines and (not lines[-1].strip() or _FOOTER.match(lines[-1].strip())):
        lines = lines[:-1]
    return lines


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
