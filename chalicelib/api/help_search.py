"""The help center's search side (issue 17, items 5-7), as in the "Help center" part of
the API contract: public search and the most read list, "was this helpful?", the ticket
form's suggestions and their outcome (deflection), and staff's figures per article.
Public routes name the tenant in the path and answer public articles only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import ConfigDict, Field

from chalicelib.api.help import PUBLIC_PATHS
from chalicelib.api.routing import AUTHENTICATED, PUBLIC, Call, route
from chalicelib.domain import help_search
from chalicelib.domain.models import Language, Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import help_search as svc
from chalicelib.services import rate_limits

bp = Blueprint(__name__)

TAG = "help"


class HelpQuery(Model):
    """Unknown parameters are a 400 naming them."""

    model_config = ConfigDict(extra="forbid")

    lang: Language | None = None


class SearchQuery(HelpQuery):
    q: help_search.QueryText
    limit: int = Field(default=10, ge=1, le=25)


class SuggestQuery(HelpQuery):
    q: help_search.TypedText


class PopularQuery(HelpQuery):
    limit: int = Field(default=10, ge=1, le=25)


@route(bp, "GET", "/help/{tenant}/search", guard=PUBLIC, tag=TAG, query=SearchQuery,
       response=help_search.SearchResult, errors=(404,), path_patterns=PUBLIC_PATHS,
       summary="Anyone: public articles holding the words (stemmed in ?lang=), title hits "
               "first, then body hits, then the most read; each with a highlighted snippet")
def search(call: Call) -> help_search.SearchResult:
    query: SearchQuery = call.query
    return svc.search_public(call.params["tenant"], query.q, query.lang, query.limit)


@route(bp, "GET", "/help/{tenant}/popular", guard=PUBLIC, tag=TAG, query=PopularQuery,
       response=help_search.PopularList, errors=(404,), path_patterns=PUBLIC_PATHS,
       summary="Anyone: the most read public articles")
def popular(call: Call) -> help_search.PopularList:
    query: PopularQuery = call.query
    return svc.popular(call.params["tenant"], query.lang, query.limit)


@route(bp, "POST", "/help/{tenant}/articles/{slug}/feedback", guard=PUBLIC, tag=TAG,
       query=HelpQuery, body=help_search.Feedback, response=help_search.FeedbackAnswer,
       errors=(404, 429), path_patterns=PUBLIC_PATHS,
       summary="Anyone: was this public article helpful? yes or no, with an optional comment")
def feedback(call: Call) -> help_search.FeedbackAnswer:
    rate_limits.help_feedback(call.source_ip)
    svc.feedback(call.params["tenant"], call.params["slug"], call.query.lang, call.body,
                 datetime.now(UTC))
    return help_search.FeedbackAnswer()


class ViewAnswer(Model):
    counted: bool


@route(bp, "POST", "/help/{tenant}/articles/{slug}/views", guard=PUBLIC, tag=TAG,
       query=HelpQuery, response=ViewAnswer, errors=(404, 429), path_patterns=PUBLIC_PATHS,
       summary="Anyone: a public article was read (the most read list counts these)")
def article_viewed(call: Call) -> dict[str, Any]:
    rate_limits.help_view(call.source_ip)
    return {"counted": svc.count_public_view(call.params["tenant"], call.params["slug"],
                                             call.query.lang, datetime.now(UTC))}


@route(bp, "GET", "/help/suggest", guard=AUTHENTICATED, tag=TAG, query=SuggestQuery,
       response=help_search.SearchResult,
       summary="Signed in: up to 5 public or customers-only articles for a ticket's subject")
def suggest(call: Call) -> help_search.SearchResult:
    query: SuggestQuery = call.query
    return svc.suggest(call.ctx, query.q, query.lang)


class OutcomeAnswer(Model):
    counted: int


@route(bp, "POST", "/help/suggest/outcome", guard=Permission.TICKETS_CREATE, tag=TAG,
       body=help_search.SuggestOutcome, response=OutcomeAnswer, idempotent=True,
       errors=(404,),
       summary="The ticket form: the suggested articles opened, and whether the ticket was "
               "then created (if not, a ticket avoided for each)")
def suggestion_outcome(call: Call) -> dict[str, Any]:
    return {"counted": svc.record_outcome(call.ctx, call.body)}


@route(bp, "GET", "/articles/{id}/stats", guard=Permission.HELP_WRITE, tag=TAG,
       response=help_search.ArticleStats,
       summary="Staff: an article's views (per month too), helpfulness with the latest "
               "comments, and the tickets it avoided")
def article_stats(call: Call) -> help_search.ArticleStats:
    return svc.article_stats(call.ctx, call.params["id"])
