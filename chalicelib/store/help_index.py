"""The help center's word index and its figures, in the ``help`` table (issue 17, items
5-7): written with the article (the help core calls ``index_article`` / ``unindex_article``
inside its own unit of work), read by search, suggestions, the popular list and staff's
figures. The search's rules (stems, ranking, snippets) are in domain/help_search.py.

Access patterns (every one a GetItem, BatchGetItem or Query; no Scan):
- the articles holding a stem in a language, for a reader of a level (one Query each,
  at most ``WORD_READ`` items):
                Query  PK=T#<t>#HELPWORD#<lang>#<stem>
                       SK=<level>#<0 title | 1 body only>#<article id>
  a public reader: SK begins_with ``0#``; a customer: SK < ``2``; staff: the whole
  partition. Within a level the title hits sort first. ``count`` (body occurrences) and,
  for customers-only articles limited to some organisations, ``orgs`` ride along.
- what an article's entries are, per language (for the next write's difference):
                Query  PK=T#<t>#HELPSEARCH#<article id>  SK begins_with TERMS#
- a translation's title, slug and plain text (snippets):
                BatchGet  PK=T#<t>#HELPSEARCH#<article id>  SK=TEXT#<lang>
- an article's level, organisations and counters (views, helpful, not_helpful,
  tickets_avoided, created_after_suggestion): the authority for who may see it:
                GetItem / BatchGet  PK=T#<t>#HELPSEARCH#<article id>  SK=STATS
- its counters per month: Query  PK=T#<t>#HELPSEARCH#<article id>  SK begins_with MONTH#
- its feedback comments, newest first:
                Query  PK=T#<t>#HELPSEARCH#<article id>  SK begins_with FEEDBACK#
- the most read of a level:  GSI2  GSI2PK=T#<t>#HELPPOPULAR#<level>
                                   GSI2SK=<views, 12 digits>#<article id>  (newest_first)
  (on the STATS item; an unindexed article loses GSI2PK and so leaves the list)

Counters are counters: a view, a vote or an avoided ticket is an UpdateItem ADD on STATS
and on the month's item, never an item per event (a comment is kept, with its vote).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import help_search as rules
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.store.clients import client
from chalicelib.store.dynamo import (
    Item,
    UnitOfWork,
    batch_get,
    batch_write,
    deserialize,
    get_item,
    query,
    serialize,
)
from chalicelib.store.tables import GSI2, scoped_pk

log = logging.getLogger("helpdesk.store.help_index")

WORD_READ = 200  # entries one word's Query reads: a word more common than this is a stop word
# Index writes an article's save puts into its own transaction (deletions first, so a
# stricter visibility takes effect at once); the rest follow after the commit.
WRITES_IN_TRANSACTION = 40
# At most this many writes besides: per language TERMS and TEXT, and STATS.
FIXED_WRITES = 7
TERMS, TEXT, STATS, MONTH, FEEDBACK = "TERMS#", "TEXT#", "STATS", "MONTH#", "FEEDBACK#"
COUNTERS = ("views", "helpful", "not_helpful", "tickets_avoided", "created_after_suggestion")


def help_table() -> str:
    return get_config().help_table


def word_pk(tenant: str, language: str, stem: str) -> str:
    return scoped_pk(tenant, "HELPWORD", language, stem)


def article_pk(tenant: str, article_id: str) -> str:
    return scoped_pk(tenant, "HELPSEARCH", article_id)


def popular_pk(tenant: str, level: int) -> str:
    return scoped_pk(tenant, "HELPPOPULAR", str(level))


def popular_sk(views: int, article_id: str) -> str:
    return f"{views:012d}#{article_id}"


def entry_sk(level: int, in_title: bool, article_id: str) -> str:
    return f"{level}#{0 if in_title else 1}#{article_id}"


# --- writing an article's entries -----------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """One index entry's key: a stem of a language at a level, title or body."""

    language: str
    stem: str
    level: int
    in_title: bool

    def dynamo(self, tenant: str, article_id: str) -> Item:
        return {"PK": word_pk(tenant, self.language, self.stem),
                "SK": entry_sk(self.level, self.in_title, article_id)}


_Write = tuple[str, _Key, Item | None]  # ("put" | "delete", the entry, its values)


@dataclass
class _Plan:
    deletes: list[_Key] = field(default_factory=list)
    puts: list[tuple[_Key, Item]] = field(default_factory=list)


def _written(terms: Item) -> dict[_Key, tuple[int, tuple[str, ...]]]:
    """The entries a TERMS item says may be in the index, with their values: its entries,
    and the deletions a save left to after its commit (``leftover``)."""
    language, level = terms["SK"].removeprefix(TERMS), terms.get("level")
    orgs = tuple(terms.get("orgs") or ())
    found: dict[_Key, tuple[int, tuple[str, ...]]] = {}
    if level is not None:
        for stem, (flag, count) in (terms.get("entries") or {}).items():
            found[_Key(language, stem, int(level), bool(flag))] = (int(count), orgs)
    for language_, stem, level_, flag in terms.get("leftover") or []:
        found.setdefault(_Key(language_, stem, int(level_), bool(flag)), (-1, ()))
    return found


def _desired(article: Item, level: int | None) -> dict[_Key, tuple[int, tuple[str, ...]]]:
    if level is None:
        return {}
    orgs = _orgs(article, level)
    wanted: dict[_Key, tuple[int, tuple[str, ...]]] = {}
    for language, translation in _translations(article).items():
        text = rules.plain_text(translation.get("body_md") or "")
        for stem, entry in rules.index_entries(translation["title"], text, language).items():
            wanted[_Key(language, stem, level, entry.in_title)] = (entry.body_count, orgs)
    return wanted


def _translations(article: Item) -> dict[str, Item]:
    return {language: translation
            for language, translation in (article.get("translations") or {}).items()
            if language in rules.STEMMER_NAMES and translation and translation.get("title")}


def _orgs(article: Item, level: int | None) -> tuple[str, ...]:
    """Organisations limit only customers-only articles."""
    if level != rules.CUSTOMERS:
        return ()
    return tuple(sorted(set(article.get("organization_ids") or ())))


def _plan(before: dict[_Key, tuple[int, tuple[str, ...]]], trusted: bool,
          after: dict[_Key, tuple[int, tuple[str, ...]]]) -> _Plan:
    """Deletes for what is no longer wanted, puts for what is new or changed (every wanted
    entry when ``before`` is not known to be fully written)."""
    plan = _Plan(deletes=[key for key in before if key not in after])
    for key, (count, orgs) in after.items():
        if trusted and before.get(key) == (count, orgs):
            continue
        item: Item = {"count": count}
        if orgs:
            item["orgs"] = list(orgs)
        plan.puts.append((key, item))
    return plan


def _terms_item(tenant: str, article_id: str, language: str, level: int | None,
                orgs: tuple[str, ...], entries: dict[str, list[int]],
                leftover: list[list[Any]], complete: bool, generation: str) -> Item:
    """A language's entries as this save leaves them, and whether every entry is written
    (``complete``) or some wait for after the commit."""
    item: Item = {"PK": article_pk(tenant, article_id), "SK": TERMS + language,
                  "entries": entries, "leftover": leftover, "orgs": list(orgs),
                  "complete": complete, "generation": generation}
    if level is not None:
        item["level"] = level
    return item


def index_article(uow: UnitOfWork, tenant: str, article: Item) -> None:
    """Brings the article's index entries to what it now says, in ``uow``.

    ``article``: ``id, visibility ("draft" | "internal" | "customers" | "public"),
    organization_ids, category_ids, translations {lang: {title, slug, body_md}}`` as readers
    should now see it (a draft, or an article not yet or no longer published, is
    unindexed). Only the difference from the last call is written: the entries of removed
    words, of a changed visibility or organisations are deleted, new and changed ones put.

    Reads one Query (the article's TERMS items). Adds at most
    ``WRITES_IN_TRANSACTION + FIXED_WRITES`` (47) writes to ``uow``, deletions first, so a
    narrower visibility holds from the commit on; when an article has more entries to
    write than that (a long body), the rest are written after the commit, idempotently, by
    ``batch_write``, and the TERMS items say ``complete`` only once they are. Until then (or
    if that write fails: it is logged, and the next save writes every entry again) search
    still answers correctly for visibility, because it checks each hit's STATS item, which
    the transaction itself sets.
    """
    article_id = article["id"]
    level = rules.level_of(article["visibility"])
    translations = _translations(article) if level is not None else {}
    previous = _terms_items(tenant, article_id)
    if level is None and not previous:
        return  # never indexed: nothing to take away, no STATS item to create
    before: dict[_Key, tuple[int, tuple[str, ...]]] = {}
    for terms in previous.values():
        before.update(_written(terms))
    after = _desired(article, level)
    plan = _plan(before, all(t.get("complete") for t in previous.values()), after)
    writes: list[_Write] = ([("delete", key, None) for key in plan.deletes]
                            + [("put", key, value) for key, value in plan.puts])
    now, later = writes[:WRITES_IN_TRANSACTION], writes[WRITES_IN_TRANSACTION:]
    for write in now:
        _add_entry_write(uow, tenant, article_id, write)
    generation = secrets.token_hex(8)  # tells this save's TERMS items from a later one's
    orgs = _orgs(article, level)
    for language in sorted(set(previous) | set(translations)):
        entries = {key.stem: [int(key.in_title), count]
                   for key, (count, _) in after.items() if key.language == language}
        leftover = [[key.language, key.stem, key.level, int(key.in_title)]
                    for kind, key, _ in later if kind == "delete" and key.language == language]
        pending = any(key.language == language for _, key, _ in later)
        uow.put(help_table(), _terms_item(tenant, article_id, language, level, orgs, entries,
                                          leftover, not pending, generation))
    _write_texts(uow, tenant, article_id, translations, previous)
    _write_stats(uow, tenant, article_id, level, orgs, sorted(translations))
    if later:
        uow.after_commit(lambda: _finish(tenant, article_id, later, generation))


def _add_entry_write(uow: UnitOfWork, tenant: str, article_id: str, write: _Write) -> None:
    kind, key, value = write
    entry = key.dynamo(tenant, article_id)
    if kind == "delete":
        uow.delete(help_table(), entry)
    else:
        uow.put(help_table(), {**entry, "article_id": article_id, **(value or {})})


def unindex_article(uow: UnitOfWork, tenant: str, article_id: str) -> None:
    """Takes the article out of search, suggestions and the popular list (a draft, an
    unpublished or deleted article), in ``uow``; its counters stay for staff's figures.
    The same bounds as ``index_article``."""
    index_article(uow, tenant, {"id": article_id, "visibility": "draft", "translations": {}})


def _terms_items(tenant: str, article_id: str) -> dict[str, Item]:
    """The TERMS items, read consistently: a save right after another must see what that
    one wrote, or it would not delete the entries that one added."""
    answer = client("dynamodb").query(
        TableName=help_table(), KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues=serialize({":pk": article_pk(tenant, article_id),
                                             ":p": TERMS}),
        ConsistentRead=True, Limit=10)
    items = [deserialize(i) for i in answer.get("Items", [])]
    return {i["SK"].removeprefix(TERMS): i for i in items}


def _write_texts(uow: UnitOfWork, tenant: str, article_id: str,
                 translations: dict[str, Item], previous: dict[str, Item]) -> None:
    table, pk = help_table(), article_pk(tenant, article_id)
    for language, translation in translations.items():
        text = rules.plain_text(translation.get("body_md") or "")[:rules.MAX_TEXT]
        uow.put(table, {"PK": pk, "SK": TEXT + language, "title": translation["title"],
                        "slug": translation.get("slug") or "", "text": text})
    for language in set(previous) - set(translations):
        uow.delete(table, {"PK": pk, "SK": TEXT + language})


def _write_stats(uow: UnitOfWork, tenant: str, article_id: str, level: int | None,
                 orgs: tuple[str, ...], languages: list[str]) -> None:
    """The STATS item's level (the authority search checks) and its place in the popular
    list of that level; its counters are left as they are."""
    key = {"PK": article_pk(tenant, article_id), "SK": STATS}
    if level is None:
        uow.update(help_table(), key, "REMOVE #level, GSI2PK SET langs = :none",
                   names={"#level": "level"}, values={":none": []})
        return
    uow.update(help_table(), key,
               "SET #level = :level, orgs = :orgs, langs = :langs, article_id = :id, "
               "GSI2PK = :popular, GSI2SK = if_not_exists(GSI2SK, :unread)",
               names={"#level": "level"},
               values={":level": level, ":orgs": list(orgs), ":langs": languages,
                       ":id": article_id, ":popular": popular_pk(tenant, level),
                       ":unread": popular_sk(0, article_id)})


def _finish(tenant: str, article_id: str, later: list[_Write], generation: str) -> None:
    """After the commit: the entries that did not fit in it, then the TERMS items marked
    complete. Skipped when a later save has replaced this one's TERMS meanwhile: that save
    found them incomplete, so it writes every entry itself (and deletes what this one
    would have put)."""
    table = help_table()
    current = _terms_items(tenant, article_id)
    if any(t.get("generation") != generation for t in current.values()):
        return
    requests: list[dict[str, Any]] = []
    for kind, key, value in later:
        entry = key.dynamo(tenant, article_id)
        if kind == "delete":
            requests.append({"DeleteRequest": {"Key": entry}})
        else:
            requests.append({"PutRequest": {"Item": {**entry, "article_id": article_id,
                                                     **(value or {})}}})
    if requests:
        batch_write(table, requests)
        # The condition still matters: a save may commit while this batch is written.
        for language in sorted({key.language for _, key, _ in later}):
            _update(table, {"PK": article_pk(tenant, article_id), "SK": TERMS + language},
                    "SET complete = :yes, leftover = :none", {":yes": True, ":none": [],
                                                              ":g": generation},
                    condition="generation = :g")


def _update(table: str, key: Item, expression: str, values: dict[str, Any], *,
            condition: str | None = None, names: dict[str, str] | None = None,
            returning: bool = False) -> Item | None:
    """One UpdateItem; None when its condition failed, else (``returning``) the new values."""
    ddb = client("dynamodb")
    params: dict[str, Any] = {"TableName": table, "Key": serialize(key),
                              "UpdateExpression": expression,
                              "ExpressionAttributeValues": serialize(values)}
    if condition:
        params["ConditionExpression"] = condition
    if names:
        params["ExpressionAttributeNames"] = names
    if returning:
        params["ReturnValues"] = "UPDATED_NEW"
    try:
        answer = ddb.update_item(**params)
    except ddb.exceptions.ConditionalCheckFailedException:
        return None
    return deserialize(answer.get("Attributes") or {})


# --- reading --------------------------------------------------------------------------


def search(tenant: str, language: str, stems: Iterable[str],
           reader_level: int) -> list[rules.WordHits]:
    """What the index holds for each stem in ``language`` up to ``reader_level``: one Query
    per stem (the caller passes at most ``MAX_QUERY_WORDS`` and the typed word's prefix),
    at most ``WORD_READ`` entries each. Organisations are not applied here (``orgs`` is
    kept on each posting's source: see ``entry_organizations``); the caller intersects and
    ranks (domain)."""
    found = []
    table = help_table()
    for stem in list(stems)[:rules.MAX_QUERY_WORDS + 1]:
        values: dict[str, Any] = {":pk": word_pk(tenant, language, stem)}
        if reader_level == rules.PUBLIC:
            condition = "PK = :pk AND begins_with(SK, :level)"
            values[":level"] = f"{rules.PUBLIC}#"
        elif reader_level == rules.CUSTOMERS:
            condition = "PK = :pk AND SK < :above"
            values[":above"] = str(rules.INTERNAL)
        else:
            condition = "PK = :pk"
        page = query(table, condition, values, limit=WORD_READ)
        postings: dict[str, rules.Posting] = {}
        for item in page.items:
            article_id = str(item["article_id"])
            title = item["SK"].split("#", 2)[1] == "0"
            postings[article_id] = rules.Posting(article_id, title, int(item.get("count", 0)))
        found.append(rules.WordHits(stem, postings, complete=page.last_key is None))
    return found


@dataclass(frozen=True)
class ArticleState:
    """What the STATS item says: who may read the article, and its counters."""

    article_id: str
    level: int | None
    organization_ids: tuple[str, ...]
    languages: tuple[str, ...]
    counters: dict[str, int]


def _state(item: Item) -> ArticleState:
    level = item.get("level")
    return ArticleState(
        article_id=item["PK"].rsplit("#", 1)[1],
        level=int(level) if level is not None else None,
        organization_ids=tuple(item.get("orgs") or ()),
        languages=tuple(item.get("langs") or ()),
        counters={name: int(item.get(name, 0)) for name in COUNTERS})


def states(tenant: str, article_ids: list[str]) -> dict[str, ArticleState]:
    """The STATS items of up to 100 articles: one BatchGetItem."""
    keys = [{"PK": article_pk(tenant, a), "SK": STATS} for a in dict.fromkeys(article_ids)]
    return {s.article_id: s for s in map(_state, batch_get(help_table(), keys[:100]))}


def state(tenant: str, article_id: str) -> ArticleState | None:
    item = get_item(help_table(), article_pk(tenant, article_id), STATS)
    return _state(item) if item else None


@dataclass(frozen=True)
class Text:
    article_id: str
    language: str
    title: str
    slug: str
    text: str


def texts(tenant: str, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Text]:
    """The TEXT items of up to 100 (article id, language) pairs: one BatchGetItem."""
    keys = [{"PK": article_pk(tenant, a), "SK": TEXT + language}
            for a, language in dict.fromkeys(wanted)]
    found = {}
    for item in batch_get(help_table(), keys[:100]):
        article_id, language = item["PK"].rsplit("#", 1)[1], item["SK"].removeprefix(TEXT)
        found[(article_id, language)] = Text(article_id, language, str(item["title"]),
                                             str(item.get("slug", "")),
                                             str(item.get("text", "")))
    return found


def popular(tenant: str, level: int, limit: int) -> list[ArticleState]:
    """The most read articles of exactly ``level``, most views first: one Query (the
    index holds the whole STATS item)."""
    page = query(help_table(), "GSI2PK = :pk", {":pk": popular_pk(tenant, level)}, index=GSI2,
                 limit=limit, newest_first=True)
    return [_state(i) for i in page.items]


def months(tenant: str, article_id: str, count: int) -> list[Item]:
    """The newest ``count`` months' counters (``month`` and the counters): one Query."""
    page = query(help_table(), "PK = :pk AND begins_with(SK, :p)",
                 {":pk": article_pk(tenant, article_id), ":p": MONTH}, limit=count,
                 newest_first=True)
    return [{"month": i["SK"].removeprefix(MONTH),
             **{name: int(i.get(name, 0)) for name in COUNTERS}} for i in page.items]


def comments(tenant: str, article_id: str, count: int) -> list[Item]:
    """The newest ``count`` feedback comments: one Query."""
    page = query(help_table(), "PK = :pk AND begins_with(SK, :p)",
                 {":pk": article_pk(tenant, article_id), ":p": FEEDBACK}, limit=count,
                 newest_first=True)
    return [{"at": i["at"], "helpful": bool(i["helpful"]), "comment": i["comment"]}
            for i in page.items]


# --- counting ---------------------------------------------------------------------------


def count_view(tenant: str, article_id: str, month: str) -> bool:
    """One view: ADD on STATS (only while the article is indexed: False otherwise) and on
    the month's item, then the article's place in its popular list. Three UpdateItems; a
    lost race on the place is left to the later view, which sets it from the later count."""
    table, pk = help_table(), article_pk(tenant, article_id)
    counted = _update(table, {"PK": pk, "SK": STATS}, "ADD #views :one", {":one": 1},
                      condition="attribute_exists(#level)",
                      names={"#views": "views", "#level": "level"}, returning=True)
    if counted is None:
        return False
    _update(table, {"PK": pk, "SK": MONTH + month}, "ADD #views :one", {":one": 1},
            names={"#views": "views"})
    views = int(counted["views"])
    _update(table, {"PK": pk, "SK": STATS}, "SET GSI2SK = :place",
            {":place": popular_sk(views, article_id), ":views": views},
            condition="#views = :views", names={"#views": "views"})
    return True


def add_to_counters(uow: UnitOfWork, tenant: str, article_id: str, month: str,
                    counter: str, on_missing: Callable[[], DomainError]) -> None:
    """``counter`` + 1 on the article's STATS (which must be indexed: else ``on_missing``)
    and on its month, in ``uow``: two writes."""
    if counter not in COUNTERS:
        raise ValueError(f"no counter {counter}")
    table, pk = help_table(), article_pk(tenant, article_id)
    uow.update(table, {"PK": pk, "SK": STATS}, "ADD #c :one", names={"#c": counter,
                                                                       "#level": "level"},
               values={":one": 1}, condition="attribute_exists(#level)", error=on_missing)
    uow.update(table, {"PK": pk, "SK": MONTH + month}, "ADD #c :one", names={"#c": counter},
               values={":one": 1})


def add_comment(uow: UnitOfWork, tenant: str, article_id: str, comment_id: str, at: str,
                helpful: bool, comment: str, expires_at: int) -> None:
    uow.create(help_table(), {"PK": article_pk(tenant, article_id), "SK": FEEDBACK + comment_id,
                              "at": at, "helpful": helpful, "comment": comment,
                              "expires_at": expires_at},
               lambda: Conflict("The comment exists already."))
