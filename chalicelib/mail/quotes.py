# ruff: noqa: RUF001, RUF002, RUF003  (the headers and closings of Russian mail are Cyrillic)
"""The person's own words in an e-mail reply: quoted history, footers and signature removed.

``split_reply(text)`` returns the reply and, apart, its signature; ``strip_reply(text)`` is the
reply alone. The text is a mail's plain text (its text part, or ``html_text.html_to_text`` of
its HTML, which turns the clients' quote structure into ``> `` lines and rules).

**Where the quoted history starts** (the first of these, top down; everything below goes):

- our marker line (``marker_line``), quoted or not;
- a quote header (attribution) in any of sv, fi, no, da, en, de, fr, nl, it, pl, pt, ru, es:
  "On … wrote:", "Den … skrev …:", "… kirjoitti:", "Am … schrieb …:", "Le … a écrit :",
  "Op … schreef …:", "Il … ha scritto:", "… napisał(a):", "Em … escreveu:", "El … escribió:",
  "… г. в 10:15, Name <addr>:" and the like. With a verb it counts whatever follows, ``> ``
  quotes or the old text unquoted, as many mobile clients and gateways send it; it must name an
  address, or a date and a time, or start like a header and name a year; never "skrev jag:".
  Without a verb it counts over unquoted text when it names a date, a time and an address
  ("2026-11-24 16:32 GMT+01:00 Name <addr>:"), else (a bare date-time line, a date and a
  name) only when a ``> `` quote follows;
- an Outlook header block ("From:/Sent:/To:/Subject:" in those languages, or beginning with
  "Date:"; "Objet :valeur" too), with the rule of underscores, dashes or "====" above it; two
  such fields when they name an address and a date with a time, or a quote follows; after a
  rule, any three "Field: value" lines in a row;
- a separator: "-----Original Message-----" and its translations, "-----Reply Message-----",
  Android's "---- Name wrote ----", Zoho's "---- On … wrote ----";
- a mobile footer ("Sent from my iPhone", "Skickat från min iPhone", "Gesendet von Outlook
  für Android", …) with more text below it: that text is the old message, unmarked;
- a block of ``> `` lines that runs to the end of the message (with the line just above it
  when that reads like a header: a colon and a date or an address, or an address and a date).
  A line that starts without a capital right under a long ``> `` line that ends mid-sentence
  is that line's end, wrapped by the client after quoting: it is quoted too.

**What stays.** ``> `` lines followed by more of the person's own text stay (a line they quote
to answer it, ``>>> link <<<``), unless a quote header came first: then it is an interleaved
answer, and the quoted questions go while the answers stay. A forward ("---------- Forwarded
message ---------", "Begin forwarded message:" and translations) is content, not history: the
whole text stays.

**Signatures** (the convention, docs/decisions.md): the reply is what the person wrote for this
message; their sign-off is set apart, not thrown away. ``signature`` is the block from a
closing line ("Regards,", "Mvh Anna", "Terveisin", "Mit freundlichen Grüßen", "С уважением", …)
or a ``-Name`` last line to the end, at most six short lines after the closing; or what follows
a "-- " delimiter. Inbound mail stores it beside the comment and the portal folds it away.
Mobile footers and mailing-list footers are dropped: the client or a server wrote them.

Conservative where it counts: if nothing of the person's own is left, the whole text is the
reply (a mail that is only a quote or a forward), since losing a customer's words is worse
than keeping a quote. Linear and cheap per line: every line is looked at once with string
methods; the expressions run only on the few lines that start or end like a header,
separator, footer or marker (and only on lines of bounded length), and the search stops where
the history starts. ``python -m bench replies`` measures it (docs/performance.md).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Reply:
    """What the person wrote (``text``) and their sign-off (``signature``, "" if none)."""

    text: str
    signature: str = ""


_MARKERS = tuple(" ".join(text.casefold().split()) for text in REPLY_MARKERS.values())

# -- line shapes ----------------------------------------------------------------------------

_QUOTED = re.compile(r"^\s*>")
_QUOTE_PREFIX = re.compile(r"^[\s>]+")
# ">>> https://… <<<" and the like: a decoration of the person's own line, not a quote.
_DECORATED = re.compile(r"^\s*>{2,}[^>].*<{2,}\s*$")
_MAX_HEADER = 300  # longer lines (or 3 joined lines) are never a quote header
_WRAPPED_QUOTE = 60  # a quoted line this long may have been wrapped by the client

# Dashed lines (their words, between the dashes) name what follows:
# "---------- Forwarded message ---------" (a forward: content),
# "-----Original Message-----" (the answered message), "---- Anna wrote ----" (Android).
_FORWARD_WORDS = re.compile(
    r"forward|vidarebefordr|videresend|välitet|edelleenlähet|weitergeleitet|transféré"
    r"|transmis|doorgestuurd|inoltrat|przekazan|encaminhad|reenviad|пересыла|переслан"
    r"|переадрес",
    re.IGNORECASE,
)
_ORIGINAL_WORDS = re.compile(
    r"original|ursprungligt|ursprünglich|alkuperäinen|opprinnelig|oprindelig|origine"
    r"|oorspronkelijk|origineel|originario|oryginaln|pierwotn|исходное|оригинальное"
    r"|reply message|antwort nachricht|svarsmeddelande|原始邮件",
    re.IGNORECASE,
)
# Apple's and others' undashed forward headers.
_FORWARD_LINE = re.compile(
    r"^\s*(?:begin forwarded message|vidarebefordrat brev|början på vidarebefordrat brev"
    r"|välitetty viesti alkaa|alkuperäinen viesti alkaa|start på videresendt melding"
    r"|videresendt besked|videresendt meddelelse|anfang der weitergeleiteten nachricht"
    r"|début du message (?:réexpédié|transféré)|begin van doorgestuurd bericht"
    r"|begin doorgestuurd bericht|inizio messaggio inoltrato|początek przekazywanej wiadomości"
    r"|início da mensagem reencaminhada|início da mensagem encaminhada"
    r"|comienzo del mensaje reenviado|inicio del mensaje reenviado"
    r"|начало переадресованного сообщения|начало пересылаемого сообщения)\s*:\s*$",
    re.IGNORECASE,
)
_VERBS = (
    r"wrote|writes|skrev(?: følgende| f\xf8lgende)?|kirjoitti|schrieb|a écrit|écrit|schreef"
    r"|het volgende geschreven|ha scritto|scrisse|napisał\(a\)|napisała|napisał|pisze"
    r"|escreveu|escribió|написал\(а\)|написала|написал|пишет"
)
_VERB_NAME_END = re.compile(rf"\b(?:{_VERBS})\s+\S+(?: \S+){{0,3}}$", re.IGNORECASE)
_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)
# A rule above a header block or a list's footer (Hotmail's underscores, "====", a list's "__").
_RULE = re.compile(r"^\s*(?:_{2,}|-{5,}|={4,})\s*$")

# Outlook's header fields, by meaning, in the languages we read.
_FROM_FIELDS = r"from|från|lähettäjä|von|fra|de|van|da|od|от|remitente|afsender|avsender"
_DATE_FIELDS = (
    r"sent|date|skickat|datum|lähetetty|päivämäärä|päiväys|gesendet|sendt|dato|envoyé|envoyé le"
    r"|verzonden|verstuurd|inviato|data|wysłano|wysłane|enviado|enviada|fecha|enviado el|message du"
    r"|отправлено|дата"
)
_OTHER_FIELDS = (
    r"to|till|vastaanottaja|an|til|à|a|aan|do|para|кому|cc|bcc|kopia|kopio|kopi|copie|dw"
    r"|копия|copie à|subject|ämne|aihe|betreff|emne|objet|sujet|onderwerp|oggetto|temat|assunto"
    r"|asunto"
    r"|тема|reply-to|svara till|antwort an|répondre à|rispondi a|importance|prioritet"
)
# "Field: value", "Champ : valeur", "Objet :valeur" (Hotmail writes no space after the colon).
_FIELD = r"^\s*\*?(?:{})\*?\s?:"
_FROM_LINE = re.compile(_FIELD.format(_FROM_FIELDS), re.IGNORECASE)
_DATE_LINE = re.compile(_FIELD.format(_DATE_FIELDS), re.IGNORECASE)
_FROM_OR_DATE = frozenset(f"{_FROM_FIELDS}|{_DATE_FIELDS}".split("|"))
_HEADER_LINE = re.compile(_FIELD.format(f"{_FROM_FIELDS}|{_DATE_FIELDS}|{_OTHER_FIELDS}"),
                          re.IGNORECASE)
_ANY_FIELD = re.compile(r"^\s*\*?[^\W\d_][\w .'-]{0,24}\*?\s?:\s+\S", re.UNICODE)

# Quote headers. A verb one ends with the verb (and maybe the sender) and a colon.
_VERB_END = re.compile(rf"\b(?:{_VERBS})(?:\s.{{0,160}})?\s?:$|\b(?:{_VERBS})$", re.IGNORECASE)
_FIRST_PERSON = re.compile(
    r"\b(?:i|jag|jeg|ich|je|j'ai|ik|io|ja|eu|yo|я|minä)\s+(?:" + _VERBS + r")\b"
    r"|\b(?:skrev|schrieb|schreef|wrote)\s+(?:jag|jeg|ich|ik)\b",
    re.IGNORECASE,
)
# Words a quote header starts with ("On …", "Den …", "Am …", "Le …", "W dniu …", …).
_HEADER_START = re.compile(
    r"^(?:on|den|am|le|el|il(?: giorno)?|in data|em|no dia|op|w dniu|dnia|på|às|a las)\s",
    re.IGNORECASE)
# How a header wrapped over lines starts: a header word, a date, or a weekday and a date
# ("ma 23.11.2026", "mån 23 nov.", "pon., 23 lis", "пн, 23 нояб.", "tir. 18. apr.").
_WRAPPED_START = re.compile(r"^(?:\d|[^\W\d_]{2,4}\.?,?\s+\d)")
_ADDRESS = re.compile(r"@|<[^<>\s]+>|\[mailto:")
# A time, not the start of a date ("10:15", "kello 10.15"; not the "23.11" of "23.11.2026").
_TIME = re.compile(r"(?<![\d./])\d{1,2}[:.]\d{2}(?![\d]|[./]\d)")
_DATE = re.compile(r"\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# Russian Gmail has no verb: "пн, 23 нояб. 2026 г. в 10:15, Name <addr>:".
_RUSSIAN_GMAIL = re.compile(r"\d{4}\s?г\.,? в \d{1,2}:\d{2}.{0,160}:$", re.IGNORECASE)

_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
_MOBILE_FOOTER = re.compile(
    r"^(?:"
    r"(?:sent|sendt|skickat|skickad|gesendet|envoyé|enviado|enviada|inviato|verzonden"
    r"|verstuurd|wysłane|wysłano|lähetetty|отправлено)"
    r" (?:from|with|via|using|fra|från|med|von|mit|de|depuis|à partir de|desde|do|da|dal|vanaf"
    r"|vanuit|met|z|ze|с|из|из приложения) "
    r"(?:my |min |mitt |mi |mon |mio |mijn |meu |meinem |mein |moim |mojego |мой |моего "
    r"|der |dem |the |la |le |el |il |o |a |de )?"
    r"[^\s!?,]+(?: [^\s!?,]+){0,4}"
    r"|von meine[mr]? [^\s.!?,]+(?: [^\s.!?,]+){0,3} gesendet\.?"
    r"|lähetetty [^\s.!?,]+(?:sta|stä|lta|ltä)(?: [^\s.!?,]+){0,3}\.?"
    r"|[^\s.!?,]+(?: [^\s.!?,]+){0,3} -?(?:laitteesta|älypuhelimesta|puhelimesta)\.?"
    r"|(?:get|hämta|skaffa|hanki|få|hent|holen sie sich|obtenir|télécharger|outlook voor"
    r"|scarica|pobierz(?: aplikację)?|obter o|obtener|получить|download) outlook"
    r"(?: [^\s.!?,]+){0,4}"
    r")(?:\s?[<(]https?://\S+[>)])?$",
    re.IGNORECASE,
)
# Mailing-list footers: below a rule, the list's name and address; or Google Groups' text.
_LIST_FOOTER_WORDS = re.compile(
    r"mailing list|listinfo|unsubscribe|mailman|googlegroups\.com|groups\.google"
    r"|désabonner|abbestellen|abmelden|afmelden|avregistrera|avsluta prenumeration"
    r"|peruuta tilaus|cancellarti|wypisać|cancelar (?:a )?inscrição|darse de baja"
    r"|отписаться",
    re.IGNORECASE,
)
_GOOGLE_GROUPS = re.compile(r"^you received this message because you are subscribed to",
                            re.IGNORECASE)

_CLOSINGS = (
    # en
    r"regards|best regards|kind regards|warm regards|best wishes|best|cheers|thanks|thank you"
    r"|many thanks|thanks again|thanks in advance|sincerely|yours sincerely|yours truly"
    r"|all the best|take care"
    # sv
    r"|mvh|med vänlig hälsning|med vänliga hälsningar|vänliga hälsningar|vänlig hälsning"
    r"|hälsningar|hälsning|vänligen|tack|tack på förhand|stort tack|tack igen|ha det bra"
    # fi
    r"|terveisin|ystävällisin terveisin|ystävällisesti|parhain terveisin|kiitos|kiittäen"
    r"|kiitoksin|terv|t\.|yst\. terv"
    # no, da
    r"|med vennlig hilsen|vennlig hilsen|vennlige hilsener|hilsen|med venlig hilsen"
    r"|venlig hilsen|venlige hilsner|de bedste hilsner|bedste hilsner|tusen takk|takk"
    r"|mange hilsner|mange hilsener|hilsner|mange takk"
    r"|mange tak|tak"
    # de
    r"|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|liebe grüße|grüße"
    r"|gruß|mfg|lg|vg|danke|vielen dank|herzliche grüße"
    # fr
    r"|cordialement|bien cordialement|bien à vous|salutations|meilleures salutations"
    r"|merci|merci beaucoup|bonne journée|bonne soirée|à bientôt"
    # nl
    r"|met vriendelijke groet|met vriendelijke groeten|vriendelijke groet"
    r"|vriendelijke groeten|groeten|groet|mvg|hartelijke groet|bedankt|dank je wel"
    r"|dank u wel"
    # it
    r"|cordiali saluti|distinti saluti|saluti|un saluto|grazie|grazie mille|a presto"
    # pl
    r"|pozdrawiam|pozdrawiam serdecznie|z poważaniem|z wyrazami szacunku|serdecznie pozdrawiam"
    r"|dziękuję|dzięki|pozdrowienia"
    # pt
    r"|atenciosamente|cumprimentos|melhores cumprimentos|abraços|abraço|obrigado|obrigada"
    r"|att|saudações|um abraço|valeu|grato|grata|abs"
    # ru
    r"|с уважением|спасибо|всего доброго|всего хорошего|с наилучшими пожеланиями|благодарю"
    # es
    r"|saludos|un saludo|saludos cordiales|atentamente|gracias|muchas gracias|un abrazo"
)
# Longest first: the first phrase that fits is taken ("best regards" before "best").
_CLOSING = re.compile(
    r"^(?:" + "|".join(sorted(_CLOSINGS.split("|"), key=len, reverse=True)) + r")"
    r"(?=[\s,!.\uff01]|$)(?P<rest>.{0,40})$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^-\s?(?P<rest>[^\W\d_].{0,40})$")
_SIGNATURE_LINES = 6  # at most this many lines under a closing line
_SIGNATURE_LINE_LENGTH = 90


def strip_reply(text: str) -> str:
    """Only what the person wrote: quoted history, footers and signature removed."""
    return split_reply(text).text


def split_reply(text: str) -> Reply:
    """The person's words and, apart, their signature (see the module's docstring)."""
    original = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in original.replace("\ufeff", "").split("\n")]
    scan = _Scan(lines)
    if scan.forward_at is not None:
        own = [line for line in lines if not _is_footer(_plain(line))]
        return Reply(_tidy(own) or original.strip())
    kept = scan.own_lines()
    kept = _cut_list_footer(kept)
    while kept and (not kept[-1].strip() or _is_footer(_plain(kept[-1]))
                    or _SIGNATURE_DELIMITER.match(kept[-1])):
        kept = kept[:-1]
    reply, signature = _split_signature(kept)
    result = _tidy(reply)
    if not result:
        return Reply(original.strip())
    return Reply(result, _tidy(signature))


def tidy(text: str) -> str:
    """``text`` with trailing spaces and runs of blank lines gone, as a reply is given (for a
    forward, which is kept whole)."""
    return _tidy(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _plain(line: str) -> str:
    """A line as matched: no-break spaces as spaces, no surrounding space."""
    return line.replace("\u00a0", " ").strip()


def _norm(line: str) -> str:
    return " ".join(_QUOTE_PREFIX.sub("", line).casefold().split())


class _Scan:
    """One pass over the lines, top down: where the history starts, which lines above it are
    dropped (interleaved quotes, their header) and whether the mail is a forward.

    Linear and cheap per line: the pass visits only quoted lines and the few unquoted lines
    that start or end like a header, separator, footer or marker (``_flag_rows``, string
    methods only); the expressions run there alone. Those rows are found a chunk at a time,
    ahead of the pass, so a mail whose history starts early costs little however long it is."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        count = len(lines)
        if any("\u00a0" in line for line in lines):
            self.stripped = [line.replace("\u00a0", " ").strip() for line in lines]
        else:
            self.stripped = [line.strip() for line in lines]
        self.quoted = [text[:1] == ">"
                       and not (text.endswith("<<") and bool(_DECORATED.match(text)))
                       for text in self.stripped]
        self.blank = [not text for text in self.stripped]
        self._quoted_rows = [n for n, quoted in enumerate(self.quoted) if quoted]
        self._join_wrapped_quote_lines()
        self._markers = _marker_rows(lines)
        self._flags: dict[int, int] = {}  # candidate row -> what it may be (_END, _OPEN, ...)
        self._rows: list[int] = []  # the candidate rows found so far, ascending
        self._done = 0  # rows below this have been looked at
        self._chunk = 256
        self._last_own = -1
        for n in range(count - 1, -1, -1):
            if not self.blank[n] and not self.quoted[n] and not _is_footer(self.stripped[n]):
                self._last_own = n
                break
        self.cut = count
        self.dropped: set[int] = set()
        self.forward_at: int | None = None
        self.interleaved = False  # a quote header was passed: later quote blocks are history
        self._run()

    def _join_wrapped_quote_lines(self) -> None:
        """A client that wraps quoted lines after quoting them leaves the rest of a long
        ``> `` line unmarked on the next line ("> … pharetra d" / "ignissim odio?"). Such a
        line starts without a capital, right under a long quoted line that does not end a
        sentence: it is quoted too, not an answer."""
        wrapped = [
            n + 1 for n in self._quoted_rows
            if n + 1 < len(self.lines) and not self.quoted[n + 1] and not self.blank[n + 1]
            and len(self.stripped[n]) >= _WRAPPED_QUOTE and not self.stripped[n].endswith(
                (".", "!", "?", ":")) and not self.stripped[n + 1][0].isupper()
            and not self.stripped[n + 1][0].isdigit()]
        for n in wrapped:
            self.quoted[n] = True
        if wrapped:
            self._quoted_rows = sorted(self._quoted_rows + wrapped)

    def folded(self, n: int) -> str:
        return self.stripped[n].casefold()

    def flags(self, n: int) -> int:
        """What row ``n`` may be (0: an unquoted line of the person's text, or quoted)."""
        if n >= self._done:
            while self._done <= n < len(self.lines):
                self._look_ahead()
        return self._flags.get(n, 0)

    def next_candidate(self, start: int) -> int:
        """The first candidate row at or after ``start``, or the number of lines."""
        while True:
            at = bisect_left(self._rows, start)
            if at < len(self._rows):
                return self._rows[at]
            if self._done >= len(self.lines):
                return len(self.lines)
            self._look_ahead()

    def _look_ahead(self) -> None:
        """Find the candidates of the next chunk (growing, so a long mail takes few)."""
        start, count = self._done, len(self.lines)
        end = min(count, start + self._chunk)
        self._chunk = min(self._chunk * 2, 8192)
        # Two rows further: a header's last line there makes the rows above it candidates.
        found = _flag_rows(self.stripped, start, min(count, end + 2))
        for n, flags in list(found.items()):
            if flags & _END:
                for above in (n - 1, n - 2):
                    if above >= start:
                        found[above] = found.get(above, 0) | _WRAP
        for n in _rows_between(self._markers, start, end):
            found[n] = found.get(n, 0) | _MARKER
        rows = sorted(n for n in found if n < end)
        self._rows.extend(rows)
        self._flags.update((n, found[n]) for n in rows)
        self._done = end

    def next_text(self, start: int) -> int:
        """The first non-blank line at or below ``start`` (blank runs are each walked by the
        one candidate above them, so this stays linear)."""
        n = start
        while n < len(self.lines) and self.blank[n]:
            n += 1
        return n

    def own_text_after(self, start: int) -> bool:
        return self._last_own >= start

    def next_is_quote(self, start: int) -> bool:
        n = self.next_text(start)
        return n < len(self.lines) and self.quoted[n]

    def own_lines(self) -> list[str]:
        return [line for n, line in enumerate(self.lines[: self.cut]) if n not in self.dropped]

    def _run(self) -> None:
        count = len(self.lines)
        i = next_quote = next_candidate = 0
        while i < count:
            # Lines that are neither quoted nor candidates are the person's text: jump them.
            if next_quote < i:
                next_quote = _first_at(self._quoted_rows, i, count)
            if next_candidate < i:
                next_candidate = self.next_candidate(i)
            i = min(next_quote, next_candidate)
            if i >= count:
                return
            if self._markers and self._marker(i) and not (
                    self.quoted[i] and self.own_text_after(i)):
                self.cut = i
                return
            if self.quoted[i]:
                end = self._quote_block_end(i)
                if not self.own_text_after(end):
                    self.cut = self._header_line_above(i)
                    return
                if self.interleaved or (self._markers and any(
                        self._marker(n) for n in _rows_between(self._markers, i, end))):
                    # An interleaved answer's question, or our own notification quoted.
                    self.dropped.update(range(i, end))
                i = end
                continue
            step = self._own_line(i)
            if step is None:
                return
            i += step

    def _own_line(self, i: int) -> int | None:
        """At an unquoted line: None when the history starts here (``cut`` or
        ``forward_at`` set), else how many lines to go on by (all of a quote header above an
        interleaved answer, whose lines are dropped)."""
        lines = self.lines
        plain = self.stripped[i]
        flags = self.flags(i)
        if len(plain) > _MAX_HEADER:
            return 1  # no header, separator or footer is that long
        words = plain.strip("-").strip() if plain.startswith("--") else ""
        if (flags & _END and plain.endswith(":") and _FORWARD_LINE.match(plain)) or (
                words and _FORWARD_WORDS.search(words)):
            self.forward_at = i
            return None
        if words and (_ORIGINAL_WORDS.search(words) or _VERB.search(words)):
            self.cut = i
            return None
        if flags & _FIELD_COLON and _header_block(self, i):
            self.cut = _rule_above(lines, i)
            return None
        span, verb = _quote_header(self, i)
        if span:
            after = i + span
            if self.next_is_quote(after) and self.own_text_after(
                    self._quote_block_end(self.next_text(after))):
                # Bottom-posted or interleaved: drop the header, keep the answers.
                self.dropped.update(range(i, after))
                self.interleaved = True
                return span
            if verb or self.next_is_quote(after):
                self.cut = i
                return None
        if flags & _FOOTER and _is_footer(plain) and self.next_text(i + 1) < len(lines):
            self.cut = i  # what follows the footer is the old message, unmarked
            return None
        return 1

    def _marker(self, n: int) -> bool:
        """Our marker line is at ``n`` (only rows ``_marker_rows`` found can be)."""
        rows = self._markers
        at = bisect_left(rows, n)
        if at == len(rows) or rows[at] != n:
            return False
        text = self.stripped[n]
        return MARKER_DECORATION in text or (len(text) <= 300 and _is_marker(self.lines, n))

    def _header_line_above(self, start: int) -> int:
        """``start``, or the line just above the quote block at ``start`` when it reads like a
        quote header we do not know (ends with a colon and names an address, a date or a time;
        or names an address and a date): it goes with the quote."""
        n = start - 1
        while n >= 0 and self.blank[n]:
            n -= 1
        if n < 0 or self.quoted[n] or n in self.dropped:
            return start
        line = _plain(self.lines[n])
        if len(line) > _MAX_HEADER:
            return start
        if line.endswith(":") and (_ADDRESS.search(line) or _DATE.search(line)
                                   or _TIME.search(line)):
            return n
        if _ADDRESS.search(line) and _DATE.search(line) and not line.endswith((".", "!", "?")):
            return n  # "2026/11/23 Anna Berg <anna@kund.test>": no colon, still its header
        return start

    def _quote_block_end(self, start: int) -> int:
        """The first line after the ``> `` block at ``start`` (blank lines inside it included)."""
        n = start
        while n < len(self.lines) and (self.quoted[n] or self.blank[n]):
            n += 1
        return n


# The verbs as plain text: what a header's last line may end with (cheap look-ups).
_VERB_ENDINGS = (
    "wrote", "writes", "skrev", "skrev følgende", "kirjoitti", "schrieb", "a écrit", "écrit",
    "schreef", "het volgende geschreven", "ha scritto", "scrisse", "napisał(a)", "napisała",
    "napisał", "pisze", "escreveu", "escribió", "написал(а)", "написала", "написал", "пишет",
)
_VERB_WORDS = frozenset(ending.split()[-1] for ending in _VERB_ENDINGS)
_FOOTER_STARTS = (
    "sent ", "sendt ", "skickat ", "skickad ", "gesendet ", "envoyé ", "enviado ", "enviada ",
    "inviato ", "verzonden ", "verstuurd ", "wysłane ", "wysłano ", "lähetetty ",
    "отправлено ", "von mein", "get ", "hämta ", "skaffa ", "hanki ", "få ", "hent ",
    "holen ", "obtenir ", "télécharger ", "outlook ", "scarica ", "pobierz ", "obter ",
    "obtener ", "получить ", "download ",
)
_STARTS = ("on ", "den ", "am ", "le ", "el ", "il ", "in data ", "em ", "no dia ", "op ",
           "w dniu ", "dnia ", "på ", "às ", "a las ")
# Our marker's words anywhere in the (case-folded) text, also wrapped over lines or quoted.
_MARKER_TEXT = re.compile(
    "|".join(r"[\s>]+".join(map(re.escape, marker.split())) for marker in _MARKERS)
    + "|" + re.escape(MARKER_DECORATION))
_FOOTER_ENDS = ("laitteesta", "älypuhelimesta", "puhelimesta")
_LINE_STARTS = _STARTS + _FOOTER_STARTS
_LINE_ENDS = _VERB_ENDINGS + _FOOTER_ENDS


def _marker_rows(lines: list[str]) -> list[int]:
    """The rows (ascending) where our marker may be: one search of the whole text."""
    text = "\n".join(lines).casefold()
    rows: list[int] = []
    row, position = 0, 0
    for found in _MARKER_TEXT.finditer(text):
        row += text.count("\n", position, found.start())
        position = found.start()
        if not rows or rows[-1] != row:
            rows.append(row)
    return rows


# What a candidate row may be (bits of ``_Scan.flags``).
_END = 1  # ends like a quote header: a colon or a verb
_OPEN = 2  # opens like a quote header ("On ", "Den ", "Am ", ...)
_DATE_TIME = 4  # a short line ending in a digit or AM/PM: maybe a bare date-time
_FIELD_COLON = 8  # a field's colon near the start: maybe a header block
_FOOTER = 16  # starts or ends like a mobile footer
_WRAP = 32  # one of the two rows above a header's last line: a wrapped header may start here
_MARKER = 64  # our marker's words
_DASH = 128  # starts with "--": a separator, or the dashes of a forward
_MERIDIEM = ("AM", "PM", "am", "pm")
_PUNCTUATION = ",.;:!?'\"()[]<>«»„“”"


def _verb_near_end(text: str) -> bool:
    """A verb among the last five words ("Den 23.11.2026 09:02, skrev Kundeservice")."""
    words = text.casefold().rsplit(None, 5)[-5:]
    return not _VERB_WORDS.isdisjoint([word.lstrip(_PUNCTUATION) for word in words])


def _flag_rows(stripped: list[str], start: int, end: int) -> dict[int, int]:
    """The unquoted rows in [start, end) that may start the history or a header, with what
    they may be. Plain string methods, no expression: this looks at every line."""
    flagged: dict[int, int] = {}
    for n, text in enumerate(stripped[start:end], start):
        if not text or text[0] == ">" or not (
                text[-1] == ":" or text[0] == "-" or text.find(":", 0, 40) >= 0
                or (len(text) <= 40 and (text[-1].isdigit() or text[-2:] in _MERIDIEM))
                or text[:16].casefold().startswith(_LINE_STARTS)
                or text[-24:].casefold().rstrip(".").endswith(_LINE_ENDS)):
            continue
        head, tail = text[:16].casefold(), text[-24:].casefold()
        flags = _DASH if text[:2] == "--" else 0
        if _header_end(tail):
            flags |= _END
        if _maybe_date_time(text):
            flags |= _DATE_TIME
        if head.startswith(_STARTS) and (flags & (_END | _DATE_TIME) or _verb_near_end(text)):
            flags |= _OPEN
        colon = text.find(":", 0, 40)
        # "Field: value" (no comma, no digit before it as in "Mon, 23 Nov 10:15"): a field.
        if colon > 0 and "," not in text[:colon] and not text[colon - 1].isdigit():
            flags |= _FIELD_COLON
        if head.startswith(_FOOTER_STARTS) or tail.rstrip(".").endswith(_FOOTER_ENDS):
            flags |= _FOOTER
        if flags:
            flagged[n] = flags
    return flagged


def _first_at(rows: list[int], start: int, default: int) -> int:
    """The first of the ascending ``rows`` at or after ``start``, else ``default``."""
    at = bisect_left(rows, start)
    return rows[at] if at < len(rows) else default


def _rows_between(rows: list[int], start: int, end: int) -> list[int]:
    return rows[bisect_left(rows, start) : bisect_left(rows, end)]


def _header_end(folded: str) -> bool:
    """Cheap: a (case-folded) line that may end a quote header: a colon, or a verb as in
    "On … wrote"."""
    return folded.endswith(":") or folded.endswith(_VERB_ENDINGS)


def _maybe_date_time(text: str) -> bool:
    """Cheap: ``text`` may be a bare date-time line ("23.11.2026 10:15", "… 10:15 AM")."""
    return len(text) <= 40 and (text[-1:].isdigit() or text.endswith(("AM", "PM", "am", "pm")))


def _is_footer(text: str) -> bool:
    """A mobile footer line ("Sent from my iPhone"); the expression runs only on lines that
    start or end like one."""
    if len(text) > 120:
        return False
    folded = text.casefold()
    if not (folded.startswith(_FOOTER_STARTS) or folded.rstrip(".").endswith(_FOOTER_ENDS)):
        return False
    return bool(_MOBILE_FOOTER.match(text))


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


def _quote_header(scan: _Scan, i: int) -> tuple[int, bool]:
    """(lines the quote header at ``i`` spans (1-3) or 0, whether it has a verb)."""
    flags = scan.flags(i)
    if not flags & (_END | _OPEN | _DATE_TIME | _WRAP):
        return 0, False  # no header ends within three lines, nor does one open here
    lines = scan.lines
    first = scan.stripped[i]
    # A header's last line ends with a colon or a verb, or it is a short date-time line, or
    # it opens like a header ("Den 23.11.2026 09:02, skrev Kundeservice" has no colon).
    # (A row above a header's last line is flagged _WRAP; one is flagged _OPEN only with a
    # verb near its end.)
    ends = {n for n in range(i, min(i + 3, len(lines))) if scan.flags(n) & _END}
    if flags & (_OPEN | _DATE_TIME):
        ends.add(i)
    if not ends or len(first) > _MAX_HEADER:
        return 0, False
    weak = 0  # the first span that reads as a header without a verb
    spans = (1, 2, 3) if _HEADER_START.match(first) or _WRAPPED_START.match(first) else (1,)
    for span in spans:
        chunk = lines[i : i + span]
        if len(chunk) < span or (span > 1 and (scan.blank[i + span - 1]
                                              or scan.quoted[i + span - 1])):
            break
        if i + span - 1 not in ends:
            continue
        joined = " ".join(scan.stripped[i : i + span])
        if len(joined) > _MAX_HEADER:
            break
        kind = _header_kind(joined)
        if kind:
            return span, True  # a verb header wrapped over lines wins over its first line
        if kind is not None and not weak:
            weak = span
    return weak, False


def _header_kind(line: str) -> bool | None:
    """True: a quote header with a verb; False: one without (needs a quote below); None: no
    quote header."""
    has_address = bool(_ADDRESS.search(line))
    dated = bool(_TIME.search(line)) and bool(_DATE.search(line))
    if _VERB_END.search(line) and not _FIRST_PERSON.search(line):
        if has_address or dated or (_HEADER_START.match(line) and _YEAR.search(line)):
            return True
        return None
    if _RUSSIAN_GMAIL.search(line):
        return True
    if _HEADER_START.match(line) and dated and _VERB_NAME_END.search(line):
        return False  # "Den 23.11.2026 09:02, skrev Kundeservice" (no colon): a quote must follow
    if line.endswith(":") and len(line) < 200 and dated and has_address:
        return True  # "2026-11-24 16:32 GMT+01:00 Name <addr>:": a date, a time and an address
    if line.endswith(":") and len(line) < 200 and dated and _YEAR.search(line):
        return False  # "2026-11-24 16:32 GMT+01:00 Anna:" (a name alone): a quote must follow
    if dated and len(line) <= 40 and not has_address and not line.endswith((".", "!", "?")):
        return False  # a bare date-time line
    return None


def _header_block(scan: _Scan, i: int) -> bool:
    """An Outlook-style header block starts at ``i``: a From (or Date) field and at least two
    more fields in the next lines; or, right under a rule, three fields of any name."""
    line = scan.stripped[i]
    name = line[: line.find(":")].strip(" *").casefold()
    if name in _FROM_OR_DATE and (_FROM_LINE.match(line) or _DATE_LINE.match(line)):
        following = [x for x in scan.stripped[i + 1 : i + 8] if x][:5]
        if sum(1 for x in following if _HEADER_LINE.match(x)) >= 2:
            return True
        # Two fields ("From:" and "Date:", "Date:" and "To:") naming an address and a date
        # with its time, or right above a "> " quote: a header block too.
        below = i + 1
        if below < len(scan.lines) and _HEADER_LINE.match(scan.stripped[below]):
            both = f"{line} {scan.stripped[below]}"
            return bool((_ADDRESS.search(both) and _DATE.search(both) and _TIME.search(both))
                        or scan.next_is_quote(below + 1))
    if _rule_above(scan.lines, i) != i and _ANY_FIELD.match(line):
        following = [x for x in scan.stripped[i + 1 : i + 8] if x][:3]
        return sum(1 for x in following if _ANY_FIELD.match(x)) >= 2
    return False


def _rule_above(lines: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 and lines[j].lstrip()[:1] in "_-=" and _RULE.match(lines[j]) else i


_LIST_FOOTER_LINES = 12


def _cut_list_footer(lines: list[str]) -> list[str]:
    # A list's footer closes the mail: only its last lines are looked at.
    for n in _last_text_rows(lines, _LIST_FOOTER_LINES):
        plain = _plain(lines[n])
        if not plain.startswith(("_", "-", "=", "Y", "y")):
            continue
        if _GOOGLE_GROUPS.match(plain):
            return lines[:n]
        if ((_RULE.match(plain) or _SIGNATURE_DELIMITER.match(plain))
                and any(_LIST_FOOTER_WORDS.search(x) for x in lines[n + 1 : n + 5])):
            return lines[:n]
    return lines


def _last_text_rows(lines: list[str], count: int) -> list[int]:
    """The rows of the last ``count`` non-blank lines, ascending."""
    rows: list[int] = []
    n = len(lines) - 1
    while n >= 0 and len(rows) < count:
        if lines[n].strip():
            rows.append(n)
        n -= 1
    return rows[::-1]


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """(reply, signature): at a "-- " delimiter, else at a closing line near the end."""
    for n, line in enumerate(lines):
        if (line[:2] == "--" and _SIGNATURE_DELIMITER.match(line)
                and any(x.strip() for x in lines[:n])):
            return lines[:n], lines[n + 1 :]
    # Only the last lines can be a sign-off; whether one is the first line of text matters.
    text_rows = _last_text_rows(lines, _SIGNATURE_LINES + 2)
    if len(text_rows) < 2:
        return lines, []
    last = text_rows[-1]
    dash_name = _DASH_NAME.match(_plain(lines[last]))
    if (dash_name and _is_name(dash_name["rest"])
            and not _plain(lines[text_rows[-2]]).startswith("-")):  # not a list's last item
        return lines[:last], lines[last:]
    # The last closing line with only a few short lines under it.
    for position in range(len(text_rows) - 1, max(-1, len(text_rows) - 2 - _SIGNATURE_LINES),
                          -1):
        n = text_rows[position]
        plain = _plain(lines[n])
        if len(plain) > _SIGNATURE_LINE_LENGTH:
            break
        closing = _CLOSING.match(plain)
        if closing and (not closing["rest"].strip(" ,!.\uff01") or _is_name(closing["rest"])):
            if position == 0 and not any(x.strip() for x in lines[:n]):
                break  # nothing of the reply would be left
            return lines[:n], lines[n:]
    return lines, []


def _is_name(text: str) -> bool:
    """One to three capitalised words ("Anna", "Tom K.", "Anna-Karin Berg"): a name after a
    closing phrase, where "Thanks for the quick answer" has lower-case words."""
    words = text.strip(" ,!.\uff01").split()
    return 1 <= len(words) <= 3 and all(word[0].isupper() for word in words)


def _tidy(lines: list[str]) -> str:
    """The lines joined: no trailing spaces, blank runs as one blank line, none at the ends."""
    out: list[str] = []
    blank = True  # at the start: leading blank lines go
    for line in map(str.rstrip, lines):
        if line.strip():
            out.append(line)
            blank = False
        elif not blank:
            out.append("")
            blank = True
    if out and not out[-1]:
        out.pop()
    return "\n".join(out)
