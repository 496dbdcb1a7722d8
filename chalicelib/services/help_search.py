"""The help center's search, suggestions, popular list, feedback, views and deflection
(issue 17, items 5-7). The index is written by the help core with the article
(``store.help_index.index_article``); this module reads it and keeps the counters.

Who finds what: the public routes (``/help/{tenant}/...``) only public articles; the
ticket form's suggestions (signed in) public and customers-only ones (a customer only
those of their organisation, where the article names organisations), never internal
ones; staff's figures any article of their tenant. Each hit's visibility is checked
against the article's STATS item, the authority the article's own transaction sets, not
only against the index entry that found it.

Reads per request (no Scan; the same at 1,000 and 20,000 articles):
- search and suggest: 1 GetItem (the tenant's settings; search only), at most 8 Queries
  (one per query word, ``MAX_QUERY_WORDS``), 1 BatchGetItem of at most 100 STATS items,
  1 BatchGetItem of the page's texts: at most 11 calls.
- popular: 1 GetItem (settings), 1 Query (GSI2), 1 BatchGetItem.
- feedback: the help core's reading of a slug (at most 7 GetItems), 1 transaction.
- a view: 3 UpdateItems (by slug: the reading's GetItems first).
- the outcome of suggestions: 1 BatchGetItem, 1 transaction.
- staff's figures: 1 GetItem, 2 Queries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain import help_search as rules
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.help import ANONYMOUS
from chalicelib.domain.help_search import (
    ArticleStats,
    Feedback,
    PopularArticle,
    PopularList,
    SearchHit,
    SearchResult,
    SuggestOutcome,
)
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.models import utc_iso
from chalicelib.services import help as help_core
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.store import help_index as index
from chalicelib.store.dynamo import UnitOfWork

SUGGESTIONS = 5
CANDIDATES = 100  # ranked by their words before popularity is read for them (1 BatchGet)
STATS_MONTHS = 12
STATS_COMMENTS = 20
COMMENT_KEPT = timedelta(days=730)


def _no_help_center() -> NotFound:
    return NotFound("No such help center.")


def _no_article() -> NotFound:
    return NotFound("No such article.")


def default_language(tenant: str) -> str:
    """The tenant's default language; an unknown tenant has no help center (404)."""
    settings = directory().get_settings(tenant)
    if settings is None:
        raise _no_help_center()
    return str(settings.get("default_language") or "sv")


# --- finding --------------------------------------------------------------------------


def search_public(tenant: str, q: str, language: str | None, limit: int) -> SearchResult:
    """``GET /help/{tenant}/search``: public articles holding every (not too common) word
    of ``q`` in ``language`` (the tenant's default when none is asked for)."""
    default = default_language(tenant)  # an unknown tenant is a 404, asked in any language
    language = language or default
    hits = _find(tenant, q, language, rules.PUBLIC, None, limit, require_all=True)
    return SearchResult(items=hits, lang=language)


def suggest(ctx: Ctx, q: str, language: str | None) -> SearchResult:
    """``GET /help/suggest``: up to five public or customers-only articles for a ticket's
    subject as it is typed, in the caller's language; an article holding any of the words
    is a candidate, those holding more first."""
    principal = ctx.principal
    language = language or principal.language
    organization = None if principal.is_staff else principal.organization_id
    hits = _find(ctx.tenant, q, language, rules.CUSTOMERS, organization, SUGGESTIONS,
                 require_all=False, staff=principal.is_staff)
    return SearchResult(items=hits, lang=language)


def _find(tenant: str, q: str, language: str, reader_level: int, organization: str | None,
          limit: int, *, require_all: bool, staff: bool = False) -> list[SearchHit]:
    stems = rules.query_stems(q, language)
    # Suggestions also take the word being typed as the beginning of a title's word.
    typed = None if require_all else rules.typed_word(q, language)
    if not stems:
        return []
    held = index.search(tenant, language, [*stems, *([typed[0]] if typed else [])],
                        reader_level)
    if typed:
        held = rules.with_typed_word(held[:-1], held[-1], typed[1])
    found = rules.candidates(held, require_all)[:CANDIDATES]
    if not found:
        return []
    states = index.states(tenant, [c.article_id for c in found])
    readable = [c for c in found if _readable(states.get(c.article_id), language, reader_level,
                                              None if staff else organization, staff)]
    views = {a: s.counters["views"] for a, s in states.items()}
    best = rules.order(readable, views)[:limit]
    texts = index.texts(tenant, [(c.article_id, language) for c in best])
    hits = []
    for candidate in best:
        text = texts.get((candidate.article_id, language))
        if text is None:  # unindexed between the two reads
            continue
        hits.append(SearchHit(article_id=candidate.article_id, title=text.title,
                              slug=text.slug, lang=language,
                              snippet=rules.snippet(text.text, stems, language),
                              score=candidate.score))
    return hits


def _readable(state: index.ArticleState | None, language: str, reader_level: int,
              organization: str | None, staff: bool) -> bool:
    """Whether the article is indexed in ``language`` and its reader may see it."""
    return (state is not None and language in state.languages
            and _may_see(state, reader_level, organization, staff))


def _may_see(state: index.ArticleState, reader_level: int, organization: str | None,
             staff: bool) -> bool:
    if state.level is None:  # not indexed (a draft, unpublished)
        return False
    if staff:  # staff read customers-only articles of every organisation
        return state.level <= reader_level
    return rules.may_read(state.level, state.organization_ids, reader_level, organization)


def popular(tenant: str, language: str | None, limit: int) -> PopularList:
    """``GET /help/{tenant}/popular``: the most read public articles, in ``language`` or,
    for an article without it, the tenant's default language (or the one it has), saying
    so (``fallback``)."""
    default = default_language(tenant)
    language = language or default
    most_read = index.popular(tenant, rules.PUBLIC, limit)
    shown = {a.article_id: _shown_language(a.languages, language, default) for a in most_read}
    texts = index.texts(tenant, list(shown.items()))
    items = []
    for article in most_read:
        text = texts.get((article.article_id, shown[article.article_id]))
        if text is None:
            continue
        items.append(PopularArticle(article_id=article.article_id, title=text.title,
                                    slug=text.slug, lang=text.language,
                                    fallback=text.language != language,
                                    views=article.counters["views"]))
    return PopularList(items=items)


def _shown_language(languages: tuple[str, ...], wanted: str, default: str) -> str:
    """The reader's language if the article has it, else the tenant's default, else any."""
    for language in (wanted, default, *languages):
        if language in languages:
            return language
    return wanted


# --- counting -------------------------------------------------------------------------


def count_view(tenant: str, article_id: str, now: datetime) -> bool:
    """One reading of an article, for the help core to call where an article is read:
    the article's and the month's counters (UpdateItem ADD, not a log) and its place in
    the popular list. False (nothing counted) for an article that is not indexed."""
    return index.count_view(tenant, article_id, rules.month_of(utc_iso(now)))


def feedback(tenant: str, slug: str, language: str | None, body: Feedback,
             now: datetime) -> None:
    """``POST /help/{tenant}/articles/{slug}/feedback``: "was this helpful?" on a public
    article, found by its slug as a reader without a token finds it (the help core's
    ``read_article``: an old slug too); the vote is a counter, a comment is kept (two
    years) for staff."""
    article = help_core.read_article(tenant, ANONYMOUS, slug, language)
    uow = UnitOfWork()
    month = rules.month_of(utc_iso(now))
    index.add_to_counters(uow, tenant, article.id, month,
                          "helpful" if body.helpful else "not_helpful", _no_article)
    if body.comment:
        index.add_comment(uow, tenant, article.id, new_ulid(now), utc_iso(now), body.helpful,
                          body.comment, int((now + COMMENT_KEPT).timestamp()))
    uow.commit()


def count_public_view(tenant: str, slug: str, language: str | None, now: datetime) -> bool:
    """``POST /help/{tenant}/articles/{slug}/views``: the portal tells that a public article
    was read (by slug, as ``feedback`` finds it)."""
    article = help_core.read_article(tenant, ANONYMOUS, slug, language)
    return count_view(tenant, article.id, now)


def record_outcome(ctx: Ctx, body: SuggestOutcome) -> int:
    """``POST /help/suggest/outcome``: the suggested articles the customer opened, and
    whether the ticket was then created. Opened and left: a ticket avoided for each; the
    article must be one the caller could have been suggested (else 404). Returns how many
    articles were counted."""
    opened = list(dict.fromkeys(body.opened))
    principal = ctx.principal
    organization = None if principal.is_staff else principal.organization_id
    states = index.states(ctx.tenant, opened)
    for article_id in opened:
        state = states.get(article_id)
        if state is None or not _may_see(state, rules.CUSTOMERS, organization,
                                         principal.is_staff):
            raise _no_article()
    counter = "created_after_suggestion" if body.ticket_created else "tickets_avoided"
    uow = UnitOfWork()
    month = rules.month_of(ctx.stamp)
    for article_id in opened:
        index.add_to_counters(uow, ctx.tenant, article_id, month, counter, _no_article)
    uow.commit()
    return len(opened)


def article_stats(ctx: Ctx, article_id: str) -> ArticleStats:
    """``GET /articles/{id}/stats``: staff see an article's views (in all and per month),
    helpfulness with the latest comments, and the tickets it avoided."""
    if not ctx.principal.is_staff:
        raise Forbidden("Only staff see an article's figures.")
    state = index.state(ctx.tenant, article_id)
    if state is None:
        raise _no_article()
    counters = state.counters
    return ArticleStats.model_validate({
        "article_id": article_id, **counters,
        "months": index.months(ctx.tenant, article_id, STATS_MONTHS),
        "comments": index.comments(ctx.tenant, article_id, STATS_COMMENTS)})
