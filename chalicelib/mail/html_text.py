"""HTML mail bodies: sanitising (nh3) and conversion to readable plain text.

The text rendering is made for the reply stripper in ``quotes``: blockquotes become
``> `` lines, Outlook's ``<hr>`` before its header block becomes the line of underscores
Outlook's own text part carries, paragraphs are separated by one blank line, list items
start with ``- `` (or ``1. ``), table cells are joined with `` | `` and links are
written ``text (url)``. Images are left out of the text (they are attachments).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s",
    "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
# cid: keeps inline images addressable (the caller may rewrite them to attachment URLs).
_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
# Removed with their content: <title> and <head> text would otherwise leak into the body.
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "template", "noscript"}

# The stored HTML keeps only the mail clients' own structural classes, so a viewer can fold
# quotes and html_to_text(stored) reads the same as the text made from the original.
_CLIENT_CLASSES = {
    "p": {"MsoNormal"},
    "div": {"gmail_quote", "gmail_attr", "gmail_signature", "moz-cite-prefix", "moz-signature"},
    "span": {"gmail_signature_prefix"},
    "blockquote": {"gmail_quote"},
}

# The text pass also keeps class names, ids, styles and blockquote types: Outlook's
# paragraphs (class="MsoNormal") are lines, not paragraphs, Gmail marks its signature, and
# the clients mark where the quoted history starts (below). Never stored, so harmless.
_TEXT_ATTRIBUTES = {**_ATTRIBUTES, "*": {"class", "id", "style"},
                    "blockquote": {"type", "class", "id", "style"}}


def sanitize(html: str) -> str:
    """The HTML we store and may show: structure and links only, no style or script."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        clean_content_tags=_DROP_WITH_CONTENT,
        allowed_classes=_CLIENT_CLASSES,
        link_rel="noopener noreferrer",
    )


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (sanitised first, so nothing executes)."""
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_TEXT_ATTRIBUTES,
        url_schemes=_SCHEMES,
        clean_content_tags=_DROP_WITH_CONTENT,
        link_rel=None,
    )
    builder = _TextBuilder()
    builder.feed(cleaned)
    builder.close()
    return builder.text()


_SPACE = re.compile(r"\s+")
_LINE_BREAK_BLOCKS = {
    "div", "center", "table", "tbody", "thead", "tfoot", "caption", "dl", "dt", "dd",
    "ul", "ol",
}  # fmt: skip
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
OUTLOOK_RULE = "_" * 32


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[tuple[int, str]] = []  # (quote depth, text)
        self._buf: list[str] = []
        self._quote = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # [ordered (0/1), counter]
        self._links: list[tuple[str, int]] = []  # (href, buffer length at <a>)
        self._cells = 0
        self._outlook_lines: list[int] = []  # open MsoNormal paragraphs: lines before them
        self._divs: list[str] = []  # open <div>s: "attribution", "quote" or ""
        self._attributions: list[int] = []  # open attribution <div>s: lines before them

    # -- output -------------------------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        line = "".join(self._buf)
        self._buf = []
        line = line.rstrip()  # leading spaces were never buffered, except list indents
        if line or force:
            self._lines.append((self._quote, line))

    def _blank(self) -> None:
        if self._lines and self._lines[-1][1]:
            # Entering a quote: the blank line belongs outside it.
            self._lines.append((min(self._quote, self._lines[-1][0]), ""))

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for depth, line in self._lines:
            rendered = (">" * depth + " " + line if line else ">" * depth) if depth else line
            rendered = rendered.rstrip()
            if not line and out and out[-1] == rendered:
                continue  # collapse runs of blank lines (at the same quote depth)
            out.append(rendered)
        while out and not out[0].strip(">"):
            out.pop(0)
        while out and not out[-1].strip(">"):
            out.pop()
        return "\n".join(out)

    # -- parser callbacks -------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").lower()
        if not self._start_line_tag(tag, classes):
            self._start_other_tag(tag, attr, classes)

    def _start_line_tag(self, tag: str, classes: str) -> bool:
        """Tags that break lines or paragraphs; False if ``tag`` is none of them."""
        if tag == "br":
            self._flush(force=True)
        elif tag == "p" and "msonormal" in classes:
            # Outlook writes one <p class=MsoNormal> per line; an empty one is a blank line.
            self._flush()
            self._outlook_lines.append(len(self._lines))
        elif tag in _PARAGRAPHS:
            self._flush()
            self._blank()
            self._pre += tag == "pre"
        elif tag == "blockquote":
            self._flush()
            self._blank()  # a block of its own, as a browser shows it
            self._quote += 1
        elif tag == "hr":
            self._flush()
            self._lines.append((self._quote, OUTLOOK_RULE))
        else:
            return False
        return True

    def _start_other_tag(self, tag: str, attr: dict[str, str | None], classes: str) -> None:
        if tag == "div":
            self._start_div(attr, classes)
        elif tag in ("ul", "ol"):
            self._flush()
            start = attr.get("start") or "1"
            self._lists.append([int(tag == "ol"), int(start) - 1 if start.isdigit() else 0])
        elif tag == "li":
            self._start_item()
        elif tag == "tr":
            self._flush()
            self._cells = 0
        elif tag in ("td", "th"):
            if self._cells:
                self._buf.append(" | ")
            self._cells += 1
        elif tag == "a":
            self._links.append((attr.get("href") or "", len(self._buf)))
        elif tag in _LINE_BREAK_BLOCKS:
            self._flush()

    # -- the clients' quote structure --------------------------------------------------------
    def _start_div(self, attr: dict[str, str | None], classes: str) -> None:
        """Where a client marks the start of the quoted history, the text says so the way
        the reply stripper reads: Gmail's and Thunderbird's attribution (``gmail_attr``,
        ``moz-cite-prefix``) joins the quote below it, whatever its language; Yahoo's quote
        is a quote; Outlook's header block (``divRplyFwdMsg``, or the border-top block of
        Outlook desktop) gets the rule Outlook's own text part has above it."""
        self._flush()
        names = classes.split()
        ident = (attr.get("id") or "").lower()
        style = (attr.get("style") or "").replace(" ", "").lower()
        kind = ""
        if "gmail_attr" in names or "moz-cite-prefix" in names:
            kind = "attribution"
            self._attributions.append(len(self._lines))
        elif "yahoo_quoted" in names:
            kind = "quote"
            self._quote += 1
        elif ident == "divrplyfwdmsg" or "border-top:solid" in style:
            if not (self._lines and self._lines[-1][1] == OUTLOOK_RULE):
                self._lines.append((self._quote, OUTLOOK_RULE))
        elif "gmail_signature" in names:
            # Newer Gmail writes the "-- " prefix itself.
            last = self._lines[-1][1] if self._lines else ""
            if last != "--":
                self._lines.append((self._quote, "--"))
        self._divs.append(kind)

    def _end_div(self) -> None:
        kind = self._divs.pop() if self._divs else ""
        if kind == "quote":
            self._quote = max(0, self._quote - 1)
        elif kind == "attribution":
            start = self._attributions.pop()
            lines = self._lines[start:]
            first = next((line for _, line in lines if line.strip()), "")
            if not first.lstrip().startswith("-"):  # a forward's header stays as it is
                self._lines[start:] = [(depth + 1, line) for depth, line in lines]

    def _start_item(self) -> None:
        self._flush()
        if not self._lists:
            self._lists.append([0, 0])
        current = self._lists[-1]
        current[1] += 1
        bullet = f"{current[1]}. " if current[0] else "- "
        self._buf.append("  " * (len(self._lists) - 1) + bullet)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._outlook_lines:
            self._flush()
            if len(self._lines) == self._outlook_lines.pop():
                self._lines.append((self._quote, ""))
        elif tag in _PARAGRAPHS:
            self._flush()
            self._pre = max(0, self._pre - (tag == "pre"))
            self._blank()
        elif tag == "blockquote":
            self._end_blockquote()
        elif tag in ("ul", "ol"):
            self._flush()
            if self._lists:
                self._lists.pop()
        elif tag == "div":
            self._flush()
            self._end_div()
        elif tag in ("li", "tr") or tag in _LINE_BREAK_BLOCKS:
            self._flush()
        elif tag == "a" and self._links:
            self._end_link()

    def _end_blockquote(self) -> None:
        self._flush()
        while self._lines and not self._lines[-1][1] and self._lines[-1][0] == self._quote:
            self._lines.pop()  # a blank line closing the quote belongs outside it
        self._quote = max(0, self._quote - 1)
        self._blank()

    def _end_link(self) -> None:
        href, start = self._links.pop()
        label = "".join(self._buf[start:]).strip()
        target = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
        if not target or href.lower().startswith("cid:") or target == label:
            return
        if label:
            self._buf.append(f" ({target})")
        else:
            self._buf.append(target)

    def handle_data(self, data: str) -> None:
        if self._pre:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self._buf.append(first)
            for piece in rest:
                self._flush(force=True)
                self._buf.append(piece)
            return
        text = _SPACE.sub(" ", data)
        if not self._buf or self._buf[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self._buf.append(text)
