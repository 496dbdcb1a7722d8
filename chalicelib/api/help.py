"""The help center (issue 17), as in the "Help center and status page" part of the API
contract: staff write categories and articles (``help.write``) and publish them
(``help.publish``); anyone reads the published ones at ``/help/{tenant}/...``.

The reading routes need no token. Sent with one of the same tenant, they read as that
user: a portal user also gets the customers-only articles (of their organisation, where the
article names organisations) and staff the internal ones too. A token of another tenant
reads as anyone; an invalid token is a 401, never silently read as anyone.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import ConfigDict, Field

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.api.schemas import DownloadLink, PageOf
from chalicelib.domain import help as rules
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.models import Language, Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import help as svc
from chalicelib.services.context import Ctx

bp = Blueprint(__name__)

TAG = "help"
TENANT = r"^[a-z0-9][a-z0-9-]{1,62}$"
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
VERSION_NUMBER = r"^[1-9][0-9]{0,5}$"
PUBLIC_PATHS = {"tenant": TENANT, "slug": SLUG}


# --- categories (staff) -------------------------------------------------------------------


class CategoryList(Model):
    items: list[rules.Category]


@route(bp, "GET", "/categories", guard=Permission.HELP_WRITE, tag=TAG, response=CategoryList,
       summary="Staff: the help center's categories in order, every language")
def list_categories(call: Call) -> dict[str, Any]:
    return {"items": [c.model_dump(mode="json") for c in svc.list_categories(call.ctx)]}


@route(bp, "POST", "/categories", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.CategoryCreate, response=rules.Category, status=201, idempotent=True,
       summary="A category: name, description and slug per language, order, icon")
def create_category(call: Call) -> Reply:
    category = svc.create_category(call.ctx, call.body)
    return Reply(category, status=201, version=category.version)


@route(bp, "PATCH", "/categories/{id}", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.CategoryPatch, response=rules.Category, if_match=True,
       summary="Change a category")
def patch_category(call: Call) -> Reply:
    category = svc.patch_category(call.ctx, call.params["id"], call.body)
    return Reply(category, version=category.version)


# --- articles (staff) ---------------------------------------------------------------------


class ArticleFigures(Model):
    views: int
    helpful: int
    not_helpful: int
    tickets_avoided: int


class ArticleRow(rules.Article):
    """A list's article with its figures (null until it is first published)."""

    figures: ArticleFigures | None = None


@route(bp, "GET", "/articles", guard=Permission.HELP_WRITE, tag=TAG, query=ListQuery,
       response=PageOf(ArticleRow),
       summary="Staff: every article, newest first, each with its figures")
def list_articles(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "help-articles")
    return paging.answer_page(svc.list_articles(call.ctx, paging.limit, paging.start),
                              ArticleRow)


@route(bp, "POST", "/articles", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.ArticleCreate, response=rules.Article, status=201, idempotent=True,
       summary="An article: translations {sv, fi, en: {title, slug, body_md}}, visibility, "
               "organization_ids, category_ids, order, publish_at, unpublish_at")
def create_article(call: Call) -> Reply:
    article = svc.create_article(call.ctx, call.body)
    return Reply(article, status=201, version=article.version)


@route(bp, "GET", "/articles/{id}", guard=Permission.HELP_WRITE, tag=TAG,
       response=rules.Article, summary="Staff: an article's working copy")
def get_article(call: Call) -> Reply:
    article = svc.get_article(call.ctx, call.params["id"])
    return Reply(article, version=article.version)


@route(bp, "PATCH", "/articles/{id}", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.ArticlePatch, response=rules.Article, if_match=True,
       summary="Change the working copy; the audience of a published article (and its "
               "schedule) changes at once and needs help.publish; visibility draft takes "
               "it down")
def patch_article(call: Call) -> Reply:
    article = svc.patch_article(call.ctx, call.params["id"], call.body)
    return Reply(article, version=article.version)


@route(bp, "POST", "/articles/{id}/publish", guard=Permission.HELP_PUBLISH, tag=TAG,
       body=rules.PublishCommand, body_optional=True, response=rules.Article, if_match=True,
       errors=(422,),
       summary="The working copy becomes the next numbered version, the one readers see")
def publish_article(call: Call) -> Reply:
    article = svc.publish_article(call.ctx, call.params["id"], call.body)
    return Reply(article, version=article.version)


@route(bp, "POST", "/article-preview", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.PreviewCommand, response=rules.Preview,
       summary="Staff: {lang, body_md} as the HTML publishing would make, saving nothing; "
               "links that would stop a publish are listed in problems")
def preview_article(call: Call) -> rules.Preview:
    return svc.preview(call.ctx, call.body)


# --- images and files (staff) ------------------------------------------------------------


class ArticleFileUpload(rules.ArticleFile):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


class ArticleFileList(Model):
    items: list[rules.ArticleFile]


FILE_PATHS = {"fid": r"^[0-9A-Za-z]{1,64}$"}


@route(bp, "POST", "/articles/{id}/files", guard=Permission.HELP_WRITE, tag=TAG,
       body=rules.ArticleFileCreate, response=ArticleFileUpload, status=201, idempotent=True,
       errors=(422,),
       summary="Announce an image or file of the article: a presigned S3 POST, and the "
               "Markdown that shows it (![name](attachment:<id>) or [name](attachment:<id>))")
def create_file(call: Call) -> dict[str, Any]:
    return svc.create_file(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/articles/{id}/files", guard=Permission.HELP_WRITE, tag=TAG,
       response=ArticleFileList, summary="The article's images and files (at most 100)")
def list_files(call: Call) -> dict[str, Any]:
    return {"items": svc.list_files(call.ctx, call.params["id"])}


@route(bp, "GET", "/articles/{id}/files/{fid}/link", guard=Permission.HELP_WRITE, tag=TAG,
       response=DownloadLink, path_patterns=FILE_PATHS, errors=(409,),
       summary="Staff: a short-lived address of one of the article's files (the first one "
               "checks that the upload arrived whole)")
def file_link(call: Call) -> dict[str, Any]:
    return svc.file_link(call.ctx, call.params["id"], call.params["fid"])


@route(bp, "DELETE", "/articles/{id}/files/{fid}", guard=Permission.HELP_WRITE, tag=TAG,
       status=204, path_patterns=FILE_PATHS, errors=(409,),
       summary="Delete a file the published text does not show")
def delete_file(call: Call) -> Reply:
    svc.delete_file(call.ctx, call.params["id"], call.params["fid"])
    return Reply(None, status=204)


# --- versions -----------------------------------------------------------------------------


@route(bp, "GET", "/articles/{id}/versions", guard=Permission.HELP_WRITE, tag=TAG,
       query=ListQuery, response=PageOf(rules.ArticleVersion),
       summary="The published versions, newest first: number, author, time, the text")
def list_versions(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "help-versions", call.params["id"])
    return paging.answer_page(svc.list_versions(call.ctx, call.params["id"], paging.limit,
                                                paging.start), rules.ArticleVersion)


class VersionQuery(Model):
    model_config = ConfigDict(extra="forbid")

    against: int | None = Field(default=None, ge=1, le=999_999)


@route(bp, "GET", "/articles/{id}/versions/{n}", guard=Permission.HELP_WRITE, tag=TAG,
       query=VersionQuery, path_patterns={"n": VERSION_NUMBER},
       summary="One version; with ?against=m the line diff from m to it per language "
               "(added, removed and changed lines)")
def get_version(call: Call) -> dict[str, Any]:
    return svc.get_version(call.ctx, call.params["id"], int(call.params["n"]),
                           call.query.against)


@route(bp, "POST", "/articles/{id}/versions/{n}/restore", guard=Permission.HELP_WRITE,
       tag=TAG, response=rules.Article, if_match=True, path_patterns={"n": VERSION_NUMBER},
       summary="The version's text becomes the working copy (published by the next publish)")
def restore_version(call: Call) -> Reply:
    article = svc.restore_version(call.ctx, call.params["id"], int(call.params["n"]))
    return Reply(article, version=article.version)


# --- reading: public, or as the signed-in user of the tenant ------------------------------


class LangQuery(Model):
    model_config = ConfigDict(extra="forbid")

    lang: Language | None = None


def _reader(call: Call) -> rules.Reader:
    """Who reads: the token's user when one is sent (a bad one is a 401), else anyone."""
    value = call.headers.get("authorization")
    if value is None:
        return rules.ANONYMOUS
    from datetime import UTC, datetime

    from chalicelib.identity.verifier import verifier
    from chalicelib.services.directory import load_principal

    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    principal = load_principal(verifier().verify(token.strip()))
    return svc.reader_of(Ctx(principal, datetime.now(UTC)), call.params["tenant"])


class SupportLine(Model):
    label: str
    number: str


class SupportContact(Model):
    phones: list[SupportLine]
    hours: dict[str, Any]
    lang: str


@route(bp, "GET", "/help/{tenant}/contact", guard=PUBLIC, tag=TAG, query=LangQuery,
       path_patterns={"tenant": TENANT}, response=SupportContact, errors=(404,),
       summary="Public: the tenant's support lines and hours, for the help center's "
               "contact block")
def read_contact(call: Call) -> dict[str, Any]:
    return svc.read_contact(call.params["tenant"], call.query.lang)


@route(bp, "GET", "/help/{tenant}/categories", guard=PUBLIC, tag=TAG, query=LangQuery,
       path_patterns=PUBLIC_PATHS, errors=(401, 404),
       summary="Public: the categories in order, each with its first articles, in ?lang=")
def read_categories(call: Call) -> dict[str, Any]:
    tenant = call.params["tenant"]
    return {"items": svc.read_categories(tenant, _reader(call), call.query.lang)}


@route(bp, "GET", "/help/{tenant}/categories/{slug}", guard=PUBLIC, tag=TAG, query=LangQuery,
       path_patterns=PUBLIC_PATHS, errors=(401, 404),
       summary="Public: a category with its articles, in ?lang=")
def read_category(call: Call) -> dict[str, Any]:
    return svc.read_category(call.params["tenant"], _reader(call), call.params["slug"],
                             call.query.lang)


@route(bp, "GET", "/help/{tenant}/articles/{slug}", guard=PUBLIC, tag=TAG, query=LangQuery,
       path_patterns=PUBLIC_PATHS, errors=(401, 404), response=rules.PublishedArticle,
       summary="Public: one article in ?lang= (fallback: true when shown in the tenant's "
               "default language instead)")
def read_article(call: Call) -> rules.PublishedArticle:
    return svc.read_article(call.params["tenant"], _reader(call), call.params["slug"],
                            call.query.lang)


class ReaderFileLink(DownloadLink):
    filename: str
    content_type: str


@route(bp, "GET", "/help/{tenant}/articles/{slug}/files/{fid}", guard=PUBLIC, tag=TAG,
       query=LangQuery, path_patterns={**PUBLIC_PATHS, **FILE_PATHS}, errors=(401, 404),
       response=ReaderFileLink,
       summary="Public: a short-lived address of an image or file the published article "
               "shows (the reader's page puts it in the image or the link)")
def read_file(call: Call) -> dict[str, Any]:
    return svc.read_file(call.params["tenant"], _reader(call), call.params["slug"],
                         call.params["fid"], call.query.lang)
