"""The help center (issue 17, F8): categories and articles in sv, fi and en, who may read
an article, the Markdown an article is written in and the HTML it becomes, and the line
diff between two published versions. Pure: no storage, no clock.

Visibility (``visibility``) is the article's audience: ``draft`` (nobody but its writers),
``internal`` (staff), ``customers`` (signed-in portal users; only those of
``organization_ids`` when that list is not empty), ``public`` (anyone). Publishing makes the
working text the next numbered version and the one readers see; the audience applies at
once, so narrowing it never waits for a publish; ``draft`` takes a published article down.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.domain.models import Command, Id, Language, Model, Record, StoredFile, utc_iso
from chalicelib.domain.tickets import ContentType, Filename

LANGUAGES: tuple[Language, ...] = ("sv", "fi", "en")
Visibility = Literal["draft", "internal", "customers", "public"]
# Lower case words joined by single hyphens: safe in an address as it is.
Slug = Annotated[str, StringConstraints(
    strip_whitespace=True, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
IconName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
MAX_BODY = 100_000
MAX_CATEGORIES_PER_ARTICLE = 10
MAX_ORGANIZATIONS = 50
# Links to other articles and ticket-type buttons in one article's text (each is a read
# when publishing: a bound on the work of one request).
MAX_LINKS = 30
# Images and files of one article (a publish reads them all in one Query).
MAX_FILES = 100
# What an article shows inline; anything else (an SVG, which can carry script, too) is a
# file to download.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

TIMER_PUBLISH = "help_publish"
TIMER_UNPUBLISH = "help_unpublish"
HELP_TIMERS = (TIMER_PUBLISH, TIMER_UNPUBLISH)


# --- categories ---------------------------------------------------------------------------


class CategoryText(Command):
    name: Title
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    slug: Slug


class _Translations(Command):
    """A text per language (``sv``, ``fi``, ``en`` fields of the subclass), one at least."""

    @model_validator(mode="after")
    def _one_language(self) -> _Translations:
        if not any(getattr(self, lang) for lang in LANGUAGES):
            raise ValueError("give at least one of sv, fi, en")
        return self


class CategoryTranslations(_Translations):
    sv: CategoryText | None = None
    fi: CategoryText | None = None
    en: CategoryText | None = None


class CategoryCreate(Command):
    translations: CategoryTranslations
    order: int = Field(default=0, ge=0, le=100_000)
    icon: IconName | None = None


class CategoryPatch(Command):
    translations: CategoryTranslations | None = None
    order: int | None = Field(default=None, ge=0, le=100_000)
    icon: IconName | None = None


class Category(Record):
    id: str
    translations: dict[str, dict[str, str]]
    order: int = 0
    icon: str | None = None
    created_at: str
    updated_at: str


# --- articles -----------------------------------------------------------------------------


class ArticleText(Command):
    title: Title
    slug: Slug
    body_md: Annotated[str, StringConstraints(max_length=MAX_BODY)] = ""


class ArticleTranslations(_Translations):
    sv: ArticleText | None = None
    fi: ArticleText | None = None
    en: ArticleText | None = None


class _Schedule(Command):
    publish_at: AwareDatetime | None = None
    unpublish_at: AwareDatetime | None = None

    @field_validator("unpublish_at")
    @classmethod
    def _after_publishing(cls, value: datetime | None, info: ValidationInfo
                          ) -> datetime | None:
        publish_at = info.data.get("publish_at")
        if value is not None and publish_at is not None and value <= publish_at:
            raise ValueError("unpublish_at must come after publish_at")
        return value

    @field_validator("organization_ids", "category_ids", check_fields=False)
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("must not repeat")
        return value


class ArticleCreate(_Schedule):
    translations: ArticleTranslations
    visibility: Visibility = "draft"
    organization_ids: list[Id] = Field(default_factory=list, max_length=MAX_ORGANIZATIONS)
    category_ids: list[Id] = Field(default_factory=list, max_length=MAX_CATEGORIES_PER_ARTICLE)
    # The article's place within each of its categories (smaller first).
    order: int = Field(default=0, ge=0, le=100_000)


class ArticlePatch(_Schedule):
    translations: ArticleTranslations | None = None
    visibility: Visibility | None = None
    organization_ids: list[Id] | None = Field(default=None, max_length=MAX_ORGANIZATIONS)
    category_ids: list[Id] | None = Field(default=None,
                                          max_length=MAX_CATEGORIES_PER_ARTICLE)
    order: int | None = Field(default=None, ge=0, le=100_000)


class PublishCommand(Command):
    """``POST /articles/{id}/publish``: optionally the audience to publish to."""

    visibility: Literal["internal", "customers", "public"] | None = None


class PreviewCommand(Command):
    """``POST /article-preview``: one language's Markdown, rendered as publishing would."""

    lang: Language
    body_md: Annotated[str, StringConstraints(max_length=MAX_BODY)]


class Preview(Model):
    lang: str
    html: str
    # A link publishing would refuse ("[[slug]] names no article ..."), shown as text here.
    problems: list[str]


class Article(Record):
    """The working copy staff edit; readers see the published text (``PublishedArticle``)."""

    id: str
    translations: dict[str, dict[str, str]]
    visibility: Visibility = "draft"
    organization_ids: list[str] = Field(default_factory=list)
    category_ids: list[str] = Field(default_factory=list)
    order: int = 0
    publish_at: str | None = None
    unpublish_at: str | None = None
    # The number of the version readers see; None while nothing is published.
    published_version: int | None = None
    published_at: str | None = None
    # The last version made (a restore or a takedown keeps the numbers going).
    latest_version: int = 0
    created_at: str
    created_by: str
    updated_at: str


class ArticleVersion(Model):
    number: int
    author: str
    author_name: str | None = None
    at: str
    translations: dict[str, dict[str, str]]
    visibility: str


class ArticleFileCreate(Command):
    """An image or file to upload for an article (a presigned S3 POST is the answer)."""

    filename: Filename
    content_type: ContentType
    size: int = Field(ge=1, le=1024**3)


class ArticleFile(StoredFile):
    """An article's image or file. ``markdown`` is what the writer puts in the text: an
    image for the inline image types, a link otherwise."""

    article_id: str
    markdown: str


def file_markdown(file_id: str, filename: str, content_type: str) -> str:
    label = re.sub(r"[\[\]\\]", "", filename) or "file"
    if content_type in IMAGE_TYPES:
        return f"![{label}](attachment:{file_id})"
    return f"[{label}](attachment:{file_id})"


class PublishedArticle(Model):
    """What a reader is given: one language of the published text, rendered."""

    id: str
    title: str
    slug: str
    html: str
    lang: str
    fallback: bool
    version: int
    updated_at: str
    category_ids: list[str]
    visibility: str


def schedule_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``publish_at``/``unpublish_at`` as the API's one timestamp format."""
    return {k: utc_iso(v) if isinstance(v, datetime) else v for k, v in data.items()}


def languages_of(translations: dict[str, Any]) -> list[str]:
    return [lang for lang in LANGUAGES if translations.get(lang)]


def pick_language(available: list[str], asked: str | None, default: str) -> tuple[str, bool]:
    """The language to show and whether it is a fallback: the one asked for when written,
    else the tenant's default, else the first written (sv, fi, en)."""
    if asked in available:
        return str(asked), False
    if default in available:
        return default, asked is not None
    return available[0], asked is not None


# --- who may read -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who reads: ``anonymous`` (no token, or a token of another tenant), a portal
    ``contact`` (of ``organization_id``), or ``staff``."""

    kind: Literal["anonymous", "contact", "staff"]
    organization_id: str | None = None


ANONYMOUS = Reader("anonymous")


def may_read(reader: Reader, visibility: str, organization_ids: list[str]) -> bool:
    if visibility == "public":
        return True
    if visibility == "internal":
        return reader.kind == "staff"
    if visibility == "customers":
        if reader.kind == "staff":
            return True
        return reader.kind == "contact" and (
            not organization_ids or reader.organization_id in organization_ids)
    return False  # a draft is for its writers, who read it through the staff routes


# --- Markdown -----------------------------------------------------------------------------

CALLOUT_KINDS = ("tip", "info", "note", "warning")
CALLOUT_TITLES: dict[str, dict[str, str]] = {
    "tip": {"sv": "Tips", "fi": "Vinkki", "en": "Tip"},
    "info": {"sv": "Info", "fi": "Tietoa", "en": "Info"},
    "note": {"sv": "Obs", "fi": "Huomio", "en": "Note"},
    "warning": {"sv": "Varning", "fi": "Varoitus", "en": "Warning"},
}
_CALLOUT_OPEN = re.compile(r"^ {0,3}:::[ \t]*(tip|info|note|warning)[ \t]*$")
_CALLOUT_CLOSE = re.compile(r"^ {0,3}:::[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# [[slug]], [[slug|text]], [[ticket:<type id>]], [[ticket:<type id>|text]]
_HELP_LINK = re.compile(
    r"\[\[(?:(?P<ticket>ticket:)(?P<type>[A-Za-z0-9_-]{1,64})|(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*))"
    r"(?:\|(?P<label>[^\]\n|]{1,200}))?\]\]")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "aside",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-help-file"},
    "img": {"src", "alt", "title", "data-help-file"},
    "aside": {"role"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
# Classes are allowed per tag here (nh3 refuses "class" among the attributes then).
ALLOWED_CLASSES = {
    "aside": {"callout", *(f"callout-{kind}" for kind in CALLOUT_KINDS)},
    "p": {"callout-title"},
    "a": {"help-link", "help-ticket-button", "help-file"},
    "code": {f"language-{name}" for name in ("text", "json", "bash", "python", "sql")},
}


@dataclass(frozen=True)
class LinkTarget:
    """Where a ``[[...]]`` goes and the text it shows when the writer gave none."""

    href: str
    label: str


@dataclass
class Links:
    """The ``[[slug]]`` and ``[[ticket:<id>]]`` of a text, in order of appearance."""

    slugs: list[str] = field(default_factory=list)
    ticket_types: list[str] = field(default_factory=list)


@dataclass
class FileUses:
    """The article's own files a text shows: ``![..](attachment:<id>)`` images and
    ``[..](attachment:<id>)`` links, each id once, in order of appearance."""

    images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def ids(self) -> list[str]:
        return list(dict.fromkeys([*self.images, *self.links]))


_ATTACHMENT_URL = re.compile(r"^attachment:([0-9A-Za-z]{1,64})$")


def attachment_id(url: str) -> str | None:
    """The file id of an ``attachment:<id>`` address (any other address is None)."""
    found = _ATTACHMENT_URL.match(url)
    return found.group(1) if found else None


@dataclass
class LinkTargets:
    articles: dict[str, LinkTarget] = field(default_factory=dict)
    ticket_types: dict[str, LinkTarget] = field(default_factory=dict)


def _blocks(body: str) -> list[tuple[str | None, str]]:
    """The text cut into plain parts and ``:::kind`` boxes (kind, text); ``:::`` inside a
    code fence is code. An unclosed box runs to the end."""
    blocks: list[tuple[str | None, str]] = []
    kind: str | None = None
    lines: list[str] = []
    fence: str | None = None
    for line in body.splitlines():
        marker = _FENCE.match(line)
        if marker and (fence is None or marker.group(1)[0] == fence[0]):
            fence = None if fence else marker.group(1)
        elif fence is None and kind is None and (opened := _CALLOUT_OPEN.match(line)):
            blocks.append((None, "\n".join(lines)))
            kind, lines = opened.group(1), []
            continue
        elif fence is None and kind is not None and _CALLOUT_CLOSE.match(line):
            blocks.append((kind, "\n".join(lines)))
            kind, lines = None, []
            continue
        lines.append(line)
    blocks.append((kind, "\n".join(lines)))
    return [(k, text) for k, text in blocks if k is not None or text.strip()]


def _help_link_rule(state: Any, silent: bool) -> bool:
    """An inline rule of markdown-it: ``[[...]]`` becomes a ``help_link`` token."""
    if not state.src.startswith("[[", state.pos):
        return False
    found = _HELP_LINK.match(state.src, state.pos)
    if found is None:
        return False
    if not silent:
        token = state.push("help_link", "", 0)
        token.meta = {"ticket_type": found.group("type"), "slug": found.group("slug"),
                      "label": found.group("label")}
    state.pos = found.end()
    return True


def _render_help_link(renderer: Any, tokens: Any, idx: int, options: Any,
                      env: dict[str, Any]) -> str:
    from markdown_it.common.utils import escapeHtml

    meta = tokens[idx].meta
    targets: LinkTargets = env.get("targets") or LinkTargets()
    if meta["ticket_type"]:
        target = targets.ticket_types.get(meta["ticket_type"])
        css = "help-ticket-button"
    else:
        target = targets.articles.get(meta["slug"])
        css = "help-link"
    label = meta["label"] or (target.label if target else meta["slug"] or "")
    if target is None:
        return str(escapeHtml(label))
    return (f'<a class="{css}" href="{escapeHtml(target.href)}">'
            f"{escapeHtml(label)}</a>")


def _render_image(renderer: Any, tokens: Any, idx: int, options: Any,
                  env: dict[str, Any]) -> str:
    """An image of the article's own files carries its id, not an address: the reader's
    page asks for a short-lived address of it (the files bucket is private)."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    file_id = attachment_id(str(token.attrGet("src") or ""))
    if file_id is None:
        return str(renderer.image(tokens, idx, options, env))
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    return f'<img data-help-file="{file_id}" alt="{escapeHtml(alt)}">'


def _render_link_open(renderer: Any, tokens: Any, idx: int, options: Any,
                      env: dict[str, Any]) -> str:
    token = tokens[idx]
    file_id = attachment_id(str(token.attrGet("href") or ""))
    if file_id is None:
        return str(renderer.renderToken(tokens, idx, options, env))
    return f'<a class="help-file" data-help-file="{file_id}" href="#file-{file_id}">'


def _markdown() -> Any:
    # Imported here: only publishing and previews render, not every request.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.inline.ruler.before("link", "help_link", _help_link_rule)
    md.add_render_rule("help_link", _render_help_link)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("link_open", _render_link_open)
    return md


def find_links(body: str) -> Links:
    """The links a text makes, as the renderer sees them (not in code)."""
    md, links = _markdown(), Links()
    for _, text in _blocks(body):
        for block in md.parse(text):
            for token in block.children or []:
                if token.type != "help_link":
                    continue
                if token.meta["ticket_type"]:
                    links.ticket_types.append(token.meta["ticket_type"])
                else:
                    links.slugs.append(token.meta["slug"])
    return links


def find_files(body: str) -> FileUses:
    """The article's files a text shows, as the renderer sees them (not in code)."""
    md, uses = _markdown(), FileUses()

    def walk(tokens: Any) -> None:
        for token in tokens:
            url = token.attrGet("src") if token.type == "image" else (
                token.attrGet("href") if token.type == "link_open" else None)
            file_id = attachment_id(str(url or ""))
            if file_id is not None:
                (uses.images if token.type == "image" else uses.links).append(file_id)
            walk(token.children or [])

    for _, text in _blocks(body):
        walk(md.parse(text))
    uses.images = list(dict.fromkeys(uses.images))
    uses.links = list(dict.fromkeys(uses.links))
    return uses


def sanitize(html: str) -> str:
    import nh3

    return str(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         allowed_classes=ALLOWED_CLASSES, url_schemes={"http", "https", "mailto"},
                         filter_style_properties={"text-align"}))


def render(body: str, lang: str, targets: LinkTargets | None = None) -> str:
    """The text as safe HTML: CommonMark with tables, raw HTML shown as text, the
    ``:::tip`` (info, note, warning) boxes as asides, ``[[...]]`` links resolved through
    ``targets``, and the whole sanitised with nh3 whatever the renderer let through."""
    md = _markdown()
    env = {"targets": targets or LinkTargets()}
    parts = []
    for kind, text in _blocks(body):
        inner = md.render(text, env)
        if kind is None:
            parts.append(inner)
        else:
            title = CALLOUT_TITLES[kind].get(lang, CALLOUT_TITLES[kind]["en"])
            parts.append(f'<aside class="callout callout-{kind}" role="note">'
                         f'<p class="callout-title">{title}</p>{inner}</aside>\n')
    return sanitize("".join(parts))


def article_href(tenant: str, slug: str, lang: str) -> str:
    return f"#/help/{tenant}/articles/{slug}?lang={lang}"


def ticket_form_href(ticket_type_id: str) -> str:
    return f"#/tickets/new?type={ticket_type_id}"


# --- versions and their diff --------------------------------------------------------------


class LineChange(Model):
    kind: Literal["added", "removed", "changed"]
    # 1-based line numbers in the older and the newer text (None where the line is not
    # in that text).
    old_line: int | None = None
    new_line: int | None = None
    old: str | None = None
    new: str | None = None


class LanguageDiff(Model):
    lang: str
    title_changed: bool
    old_title: str | None
    new_title: str | None
    added: int
    removed: int
    changed: int
    lines: list[LineChange]


def _text_lines(text: dict[str, str] | None) -> list[str]:
    return (text or {}).get("body_md", "").splitlines()


def diff_language(lang: str, old: dict[str, str] | None, new: dict[str, str] | None
                  ) -> LanguageDiff:
    """The changes from ``old`` to ``new`` line by line: a replaced run pairs its lines as
    ``changed`` and what is left over is added or removed."""
    before, after = _text_lines(old), _text_lines(new)
    lines: list[LineChange] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            lines.append(LineChange(kind="changed", old_line=i1 + k + 1, new_line=j1 + k + 1,
                                    old=before[i1 + k], new=after[j1 + k]))
        for i in range(i1 + paired, i2):
            lines.append(LineChange(kind="removed", old_line=i + 1, old=before[i]))
        for j in range(j1 + paired, j2):
            lines.append(LineChange(kind="added", new_line=j + 1, new=after[j]))
    old_title, new_title = (old or {}).get("title"), (new or {}).get("title")
    return LanguageDiff(lang=lang, title_changed=old_title != new_title, old_title=old_title,
                        new_title=new_title,
                        added=sum(c.kind == "added" for c in lines),
                        removed=sum(c.kind == "removed" for c in lines),
                        changed=sum(c.kind == "changed" for c in lines), lines=lines)


def diff_versions(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]
                  ) -> list[LanguageDiff]:
    """Per language written in either version, in the order sv, fi, en."""
    return [diff_language(lang, old.get(lang), new.get(lang)) for lang in LANGUAGES
            if old.get(lang) or new.get(lang)]


# --- slugs --------------------------------------------------------------------------------


def slugs_of(translations: dict[str, dict[str, str]]) -> dict[str, str]:
    """Language -> slug."""
    return {lang: text["slug"] for lang, text in translations.items() if text}


