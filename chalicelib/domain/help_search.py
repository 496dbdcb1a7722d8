"""The help center's search, pure: words, stems, an article translation's index entries,
ranking and the highlighted snippet (issue 17, items 5-7). No storage, no clock.

A word is a run of letters and digits (any script), NFKC-normalised and case-folded; it is
indexed by its Snowball stem in the translation's language (``snowballstemmer``: Swedish,
Finnish, English), so "fakturorna" finds "faktura" and "laskuja" finds "lasku". Search is
in the reader's language only: an article without that translation is not found in it.

Who may find what is a *level* (``VisibilityLevel``): public 0, customers 1, internal 2. A
reader reads every level up to theirs: anyone the public ones, a signed-in customer also the
customers-only ones (of their organisation, when the article names organisations), staff
everything indexed. Drafts are never indexed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.models import Command, Id, Model

if TYPE_CHECKING:
    from snowballstemmer.basestemmer import BaseStemmer

STEMMER_NAMES: dict[str, str] = {"sv": "swedish", "fi": "finnish", "en": "english"}

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MIN_WORD = 2  # a lone letter or digit says nothing
MAX_WORD = 40  # longer "words" (hashes, URLs run together) are cut, so keys stay small
MAX_QUERY_WORDS = 8  # a search reads one Query per word: this bounds the reads
MAX_STEMS = 1500  # per translation: the title's all, then the body's in order of appearance
# Suggestions find a title by a half-typed word: a title word's beginnings of 3 to 10
# letters are index keys too, marked so no stem can be one (a word has no punctuation).
PREFIX_MARK = ">"
MIN_PREFIX = 3
MAX_PREFIX = 10
MAX_COUNT = 99  # a body occurrence count is capped: ten thousand "the" say no more than 99
MAX_TEXT = 10_000  # characters of a translation's plain text kept for snippets
SNIPPET_CHARS = 180

Visibility = Literal["draft", "internal", "customers", "public"]
VisibilityLevel = int
PUBLIC, CUSTOMERS, INTERNAL = 0, 1, 2
LEVELS: dict[str, VisibilityLevel] = {"public": PUBLIC, "customers": CUSTOMERS,
                                      "internal": INTERNAL}


def level_of(visibility: str) -> VisibilityLevel | None:
    """The level an article is indexed at; None for a draft (not indexed)."""
    return LEVELS.get(visibility)


# --- words and stems ------------------------------------------------------------------


def fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def words(text: str) -> list[str]:
    """Every word of ``text``, folded, in order, repeats kept (too short ones left out)."""
    found = []
    for match in WORD.finditer(text):
        word = fold(match.group())
        if len(word) >= MIN_WORD:
            found.append(word[:MAX_WORD])
    return found


@cache
def _stemmer(language: str) -> BaseStemmer:
    # snowballstemmer loads every language's algorithm on import: only when a text is
    # stemmed, never at the app's import (the cold start).
    import snowballstemmer

    return snowballstemmer.stemmer(STEMMER_NAMES[language])


# Snowball's Swedish leaves the definite "-an" of nouns in -a ("fakturan", "fakturans" ->
# "fakturan", where "faktura" -> "faktur"); it is taken off here when a stem of four
# letters or more is left, so "fakturan" finds "faktura" (a rarer "-an" word that is not
# such a form, "vulkan", shares its stem with fewer words than the reader loses).
_SWEDISH_DEFINITE = "an"
_SWEDISH_MIN_LEFT = 4
# It also keeps the definite "-et" after most consonants ("ärendet", "lösenordet",
# "kortet", "programmet" stay whole where "ärende", "lösenord", "kort", "program" do not):
# taken off when three letters or more are left, with the "mm" the ending doubles made one.
_SWEDISH_NEUTER = "et"
_SWEDISH_NEUTER_MIN_LEFT = 3


@lru_cache(maxsize=20_000)  # a long body repeats its words: each is stemmed once
def stem(word: str, language: str) -> str:
    """The Snowball stem of a folded word in ``language`` (sv, fi, en)."""
    found = str(_stemmer(language).stemWord(word))
    if language != "sv":
        return found
    if (found.endswith(_SWEDISH_DEFINITE)
            and len(found) - len(_SWEDISH_DEFINITE) >= _SWEDISH_MIN_LEFT):
        return found[:-len(_SWEDISH_DEFINITE)]
    if (found.endswith(_SWEDISH_NEUTER)
            and len(found) - len(_SWEDISH_NEUTER) >= _SWEDISH_NEUTER_MIN_LEFT):
        found = found[:-len(_SWEDISH_NEUTER)]
        return found[:-1] if found.endswith("mm") else found
    return found


def stems(text: str, language: str) -> list[str]:
    """The distinct stems of ``text``, in order of first appearance."""
    return list(dict.fromkeys(stem(w, language) for w in words(text)))


def prefixes(title: str) -> list[str]:
    """The index keys of the title's half-typed words: each word's beginnings of
    ``MIN_PREFIX`` letters up to one short of the word (the whole word is its stem's),
    at most ``MAX_PREFIX``."""
    found: dict[str, None] = {}
    for word in words(title):
        for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX + 1)):
            found[PREFIX_MARK + word[:length]] = None
    return list(found)


_LAST_WORD = re.compile(r"[^\W_]+$", re.UNICODE)


def typed_word(q: str, language: str) -> tuple[str, str] | None:
    """The word being typed, as its prefix key and its stem: the last word of ``q`` when
    nothing follows it (not even a space) and it has ``MIN_PREFIX`` letters or more."""
    last = _LAST_WORD.search(q)
    if last is None or last.end() != len(q) or len(last.group()) < MIN_PREFIX:
        return None
    word = fold(last.group())
    return PREFIX_MARK + word[:MAX_PREFIX], stem(word[:MAX_WORD], language)


def query_stems(q: str, language: str) -> list[str]:
    """The stems a search looks up: at most ``MAX_QUERY_WORDS``, the longest (most
    selective) first when the query has more."""
    found = stems(q, language)
    if len(found) > MAX_QUERY_WORDS:
        found = sorted(found, key=len, reverse=True)[:MAX_QUERY_WORDS]
    return found


# --- Markdown to the plain text that is indexed and quoted ------------------------------

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_BOX = re.compile(r"^\s*:::\s*\w*\s*$", re.MULTILINE)  # the seed's tip / info / note boxes
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WIKI_LINK = re.compile(r"\[\[([^\]|]*)(?:\|([^\]]*))?\]\]")
_TAG = re.compile(r"<[^>]{0,500}>")
_MARKS = re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d{1,9}[.)])\s+|:?-{3,}:?|={2,}|[*_`~|]+",
                    re.MULTILINE)
_SPACE = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """What a reader reads of a Markdown body, as one line of text: link and image texts
    kept, addresses, tags and markup left out. Only for indexing and snippets (which
    escape it again); the article's page is rendered by the help core."""
    text = _FENCE.sub(" ", markdown)
    text = _BOX.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1).replace("-", " "), text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _MARKS.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


# --- index entries --------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One stem of a translation: whether the title holds it, how often the body does."""

    in_title: bool
    body_count: int


def index_entries(title: str, body_text: str, language: str) -> dict[str, Entry]:
    """The translation's entries by stem: every stem of the title, then the body's in order
    of appearance, at most ``MAX_STEMS`` in all."""
    counts: dict[str, int] = {}
    for word in words(body_text):
        key = stem(word, language)
        counts[key] = min(counts.get(key, 0) + 1, MAX_COUNT)
    entries = {s: Entry(True, counts.get(s, 0)) for s in stems(title, language)[:MAX_STEMS]}
    for prefix in prefixes(title):
        if len(entries) >= MAX_STEMS:
            break
        entries.setdefault(prefix, Entry(True, 0))
    for key, count in counts.items():
        if len(entries) >= MAX_STEMS:
            break
        entries.setdefault(key, Entry(False, count))
    return entries


# --- ranking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Posting:
    """An article found under one stem, as the index says."""

    article_id: str
    in_title: bool
    body_count: int


@dataclass(frozen=True)
class WordHits:
    """What the index holds for one query stem. ``complete`` is False when the stem's
    entries were more than one read takes: a word that common selects nothing (it is
    treated as a stop word), unless every word of the query is that common."""

    stem: str
    postings: dict[str, Posting]
    complete: bool


@dataclass(frozen=True)
class Candidate:
    article_id: str
    matched: int  # query words the article holds
    title_hits: int  # of those, in its title
    body_hits: int  # of those, in its body
    occurrences: int  # body occurrences of them (capped per word)

    @property
    def score(self) -> int:
        """2 per query word in the title, 1 per query word in the body."""
        return 2 * self.title_hits + self.body_hits


def with_typed_word(found: list[WordHits], prefix: WordHits, last_stem: str | None
                    ) -> list[WordHits]:
    """The hits of the word being typed joined into one word: its stem's (a whole word)
    and its prefix's (a word it begins), so an article counts the word once."""
    for at, word in enumerate(found):
        if word.stem == last_stem:
            joined = {**prefix.postings, **word.postings}
            return [*found[:at], WordHits(word.stem, joined, word.complete and prefix.complete),
                    *found[at + 1:]]
    return [*found, prefix]


def candidates(found: list[WordHits], require_all: bool) -> list[Candidate]:
    """The articles that match, best first by words matched, title hits, body hits and body
    occurrences (popularity comes after: ``order``).

    ``require_all`` (the search page): an article must hold every selective word (the
    intersection). Otherwise (suggestions while a subject is typed) an article holding any
    word is a candidate, ranked by how many it holds."""
    selective = [w for w in found if w.complete] or found
    required = {w.stem for w in selective}
    ids: set[str] = set()
    if require_all and selective:
        ids = set(selective[0].postings)
        for word in selective[1:]:
            ids &= word.postings.keys()
    elif not require_all:
        for word in selective:
            ids |= word.postings.keys()
    found_candidates = []
    for article_id in ids:
        hits = [w.postings[article_id] for w in found if article_id in w.postings]
        matched = sum(1 for w in found if article_id in w.postings and w.stem in required)
        found_candidates.append(Candidate(
            article_id, matched, sum(p.in_title for p in hits),
            sum(p.body_count > 0 for p in hits), sum(p.body_count for p in hits)))
    return sorted(found_candidates, key=lambda c: (
        -c.matched, -c.title_hits, -c.body_hits, -c.occurrences, c.article_id))


def order(found: list[Candidate], views: Mapping[str, int]) -> list[Candidate]:
    """Title hits first, then body hits, then popularity (views), then occurrences."""
    return sorted(found, key=lambda c: (
        -c.matched, -c.title_hits, -c.body_hits, -views.get(c.article_id, 0), -c.occurrences,
        c.article_id))


def may_read(level: VisibilityLevel, organization_ids: Iterable[str],
             reader_level: VisibilityLevel, reader_organization: str | None) -> bool:
    """Whether a reader of ``reader_level`` (a customer of ``reader_organization``; staff
    pass None and read every organisation's) may see an article of ``level``."""
    if level > reader_level:
        return False
    orgs = set(organization_ids)
    if level == CUSTOMERS and orgs and reader_level == CUSTOMERS:
        return reader_organization in orgs
    return True


# --- snippets -------------------------------------------------------------------------


def snippet(text: str, query: Iterable[str], language: str,
            width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around its first word whose stem is one of
    ``query``, HTML-escaped, each such word in ``<mark>``; the text's start when none is.
    Only ``<mark>`` is markup: everything of the text (and so of the query) is escaped."""
    wanted = set(query)
    matches = list(WORD.finditer(text))
    hits = [m for m in matches if stem(fold(m.group())[:MAX_WORD], language) in wanted]
    start = 0
    if hits:
        start = max(0, hits[0].start() - width // 3)
        if start:  # begin at a word, not inside one
            following = next((m for m in matches if m.start() >= start), hits[0])
            start = following.start()
    end = min(len(text), start + width)
    if end < len(text):
        last = next((m for m in reversed(matches) if m.end() <= end), None)
        end = last.end() if last is not None and last.end() > start else end
    parts = ["…"] if start > 0 else []
    at = start
    for match in hits:
        if match.start() < start or match.end() > end:
            continue
        parts += [html.escape(text[at:match.start()]), "<mark>",
                  html.escape(match.group()), "</mark>"]
        at = match.end()
    parts.append(html.escape(text[at:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


# --- requests and answers ---------------------------------------------------------------

QueryText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200)]
# A subject as it is typed: a trailing space says its last word is whole (``typed_word``).
TypedText = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                             pattern=r"\S")]


class SearchHit(Model):
    article_id: str
    title: str
    slug: str
    lang: str
    snippet: str  # HTML: escaped text with <mark> around the words found
    score: int


class SearchResult(Model):
    items: list[SearchHit]
    next_cursor: str | None = None  # one page only: the best hits
    lang: str


class PopularArticle(Model):
    article_id: str
    title: str
    slug: str
    lang: str
    fallback: bool = False  # shown in the tenant's default language
    views: int


class PopularList(Model):
    items: list[PopularArticle]
    next_cursor: str | None = None


class Feedback(Command):
    """``POST /help/{tenant}/articles/{slug}/feedback``."""

    helpful: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class FeedbackAnswer(Model):
    recorded: bool = True


class SuggestOutcome(Command):
    """``POST /help/suggest/outcome``: the suggested articles the customer opened, and
    whether they then created the ticket anyway. Opened and left is a ticket avoided."""

    opened: Annotated[list[Id], Field(min_length=1, max_length=5)]
    ticket_created: bool


class MonthFigures(Model):
    month: str  # yyyy-mm
    views: int = 0
    helpful: int = 0
    not_helpful: int = 0
    tickets_avoided: int = 0
    created_after_suggestion: int = 0


class FeedbackComment(Model):
    at: str
    helpful: bool
    comment: str


class ArticleStats(Model):
    article_id: str
    views: int
    helpful: int
    not_helpful: int
    tickets_avoided: int
    created_after_suggestion: int  # opened from a suggestion, then asked anyway
    months: list[MonthFigures] = Field(default_factory=list)
    comments: list[FeedbackComment] = Field(default_factory=list)


def month_of(stamp: str) -> str:
    """``2026-12-06T10:00:00Z`` -> ``2026-12``."""
    return stamp[:7]
