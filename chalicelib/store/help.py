"""The ``help`` table, help center part: categories, articles (the working copy, the
published text and its numbered versions), the slug claims that keep slugs unique per tenant
and language, and each category's list of published articles.

Access patterns (every one a GetItem or a Query; no Scan):
- a category:                       GetItem  PK=T#<t>#HCAT#<id>  SK=CATEGORY
- the categories, in order:         GSI1     T#<t>#HCATS  <order:06d>#<id>   (at most 100)
- a category's published articles, in order (every audience; the public ones alone):
                                    Query    PK=T#<t>#HCAT#<id>  SK begins_with ART#
                                             (SK=ART#<order:06d>#<article id>)
                                    GSI2     T#<t>#HCATPUB#<id>  ART#<order:06d>#<article id>
- a category slug's owner:          GetItem  PK=T#<t>#HCATSLUG#<lang>#<slug>  SK=CLAIM
- an article (working copy):        GetItem  PK=T#<t>#HART#<id>  SK=ARTICLE
- the articles, newest first:       GSI1     T#<t>#HARTS  <id (a ULID)>
- its published text:               GetItem  PK=T#<t>#HART#<id>  SK=PUBLISHED
- its versions / one version:       Query / GetItem  PK=T#<t>#HART#<id>  SK=VERSION#<n:06d>
- its images and files / one:       Query / GetItem  PK=T#<t>#HART#<id>  SK=FILE#<file id>
                                    (at most MAX_FILES: one Query reads them all)
- an article slug's owner:          GetItem  PK=T#<t>#HSLUG#<lang>#<slug>  SK=CLAIM
  (a claim is never given up: an article's old addresses keep leading to it)
- scheduled publishing:             ``due`` index, PK=T#<t>#HART#<id>  SK=TIMER#<kind>
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict, FieldError, InvalidInput, PreconditionFailed
from chalicelib.store.dynamo import Item, Page, UnitOfWork, get_item, query
from chalicelib.store.tables import GSI1, GSI2, scoped_pk

CATEGORY = "CATEGORY"
ARTICLE = "ARTICLE"
PUBLISHED = "PUBLISHED"
CLAIM = "CLAIM"
ARTICLE_KIND = "HART"  # the timers' parent kind (store/schedule.py)
MAX_CATEGORIES = 100
_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "due_shard", "due_at"}


def strip_keys(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in _KEYS}


def category_pk(tenant: str, category_id: str) -> str:
    return scoped_pk(tenant, "HCAT", category_id)


def article_pk(tenant: str, article_id: str) -> str:
    return scoped_pk(tenant, ARTICLE_KIND, article_id)


def _version_sk(number: int) -> str:
    return f"VERSION#{number:06d}"


def _member_sk(order: int, article_id: str) -> str:
    return f"ART#{order:06d}#{article_id}"


def slug_taken(lang: str, slug: str, where: str = "translations") -> InvalidInput:
    return InvalidInput(f"The slug {slug!r} ({lang}) is another's already.",
                        [FieldError(("body", where, lang, "slug"), "slug taken", "slug_taken")])


class HelpRepository:
    def __init__(self, table: str) -> None:
        self.table = table

    # --- categories -------------------------------------------------------------------
    def get_category(self, tenant: str, category_id: str) -> Item | None:
        item = get_item(self.table, category_pk(tenant, category_id), CATEGORY)
        return strip_keys(item) if item else None

    def put_category(self, uow: UnitOfWork, tenant: str, category: Item,
                     expected: int | None) -> None:
        item = {"PK": category_pk(tenant, category["id"]), "SK": CATEGORY, **category,
                "GSI1PK": scoped_pk(tenant, "HCATS"),
                "GSI1SK": f"{category['order']:06d}#{category['id']}"}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The category exists already."))
        else:
            uow.replace(self.table, item, expected, lambda: PreconditionFailed(
                "The category was changed by someone else; reload it."))

    def categories(self, tenant: str) -> list[Item]:
        page = query(self.table, "GSI1PK = :pk", {":pk": scoped_pk(tenant, "HCATS")},
                     index=GSI1, limit=MAX_CATEGORIES)
        return [strip_keys(i) for i in page.items]

    def claim_category_slug(self, uow: UnitOfWork, tenant: str, lang: str, slug: str,
                            category_id: str) -> None:
        uow.put(self.table, {"PK": scoped_pk(tenant, "HCATSLUG", lang, slug), "SK": CLAIM,
                             "category_id": category_id},
                condition="attribute_not_exists(PK) OR category_id = :me",
                values={":me": category_id}, error=lambda: slug_taken(lang, slug))

    def category_of_slug(self, tenant: str, lang: str, slug: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "HCATSLUG", lang, slug), CLAIM)
        return str(item["category_id"]) if item else None

    # --- a category's published articles ------------------------------------------------
    def put_member(self, uow: UnitOfWork, tenant: str, category_id: str, order: int,
                   summary: Item) -> None:
        """``summary``: the article's id, titles and slugs per language, and audience."""
        sk = _member_sk(order, summary["id"])
        item = {"PK": category_pk(tenant, category_id), "SK": sk, **summary}
        if summary["visibility"] == "public":
            item |= {"GSI2PK": scoped_pk(tenant, "HCATPUB", category_id), "GSI2SK": sk}
        uow.put(self.table, item)

    def delete_member(self, uow: UnitOfWork, tenant: str, category_id: str, order: int,
                      article_id: str) -> None:
        uow.delete(self.table, {"PK": category_pk(tenant, category_id),
                                "SK": _member_sk(order, article_id)})

    def members(self, tenant: str, category_id: str, public_only: bool,
                limit: int) -> list[Item]:
        if public_only:
            page = query(self.table, "GSI2PK = :pk",
                         {":pk": scoped_pk(tenant, "HCATPUB", category_id)}, index=GSI2,
                         limit=limit)
        else:
            page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                         {":pk": category_pk(tenant, category_id), ":sk": "ART#"},
                         limit=limit)
        return [strip_keys(i) for i in page.items]

    # --- articles -----------------------------------------------------------------------
    def get_article(self, tenant: str, article_id: str, consistent: bool = False
                    ) -> Item | None:
        item = get_item(self.table, article_pk(tenant, article_id), ARTICLE,
                        consistent=consistent)
        return strip_keys(item) if item else None

    def put_article(self, uow: UnitOfWork, tenant: str, article: Item,
                    expected: int | None) -> None:
        item = {"PK": article_pk(tenant, article["id"]), "SK": ARTICLE, **article,
                "GSI1PK": scoped_pk(tenant, "HARTS"), "GSI1SK": article["id"]}
        if expected is None:
            uow.create(self.table, item, lambda: Conflict("The article exists already."))
        else:
            uow.replace(self.table, item, expected, lambda: PreconditionFailed(
                "The article was changed by someone else; reload it."))

    def articles(self, tenant: str, limit: int, start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "GSI1PK = :pk", {":pk": scoped_pk(tenant, "HARTS")},
                     index=GSI1, limit=limit, start_key=start_key, newest_first=True)
        return Page([strip_keys(i) for i in page.items], page.last_key)

    def claim_article_slug(self, uow: UnitOfWork, tenant: str, lang: str, slug: str,
                           article_id: str) -> None:
        uow.put(self.table, {"PK": scoped_pk(tenant, "HSLUG", lang, slug), "SK": CLAIM,
                             "article_id": article_id},
                condition="attribute_not_exists(PK) OR article_id = :me",
                values={":me": article_id}, error=lambda: slug_taken(lang, slug))

    def article_of_slug(self, tenant: str, lang: str, slug: str) -> str | None:
        item = get_item(self.table, scoped_pk(tenant, "HSLUG", lang, slug), CLAIM)
        return str(item["article_id"]) if item else None

    # --- images and files ----------------------------------------------------------------
    def put_file(self, uow: UnitOfWork, tenant: str, file: Item) -> None:
        uow.create(self.table, {"PK": article_pk(tenant, file["article_id"]),
                                "SK": f"FILE#{file['id']}", **file},
                   lambda: Conflict("The file exists already."))

    def get_file(self, tenant: str, article_id: str, file_id: str) -> Item | None:
        item = get_item(self.table, article_pk(tenant, article_id), f"FILE#{file_id}")
        return strip_keys(item) if item else None

    def files(self, tenant: str, article_id: str, limit: int) -> list[Item]:
        page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                     {":pk": article_pk(tenant, article_id), ":sk": "FILE#"}, limit=limit)
        return [strip_keys(i) for i in page.items]

    def mark_file_uploaded(self, uow: UnitOfWork, tenant: str, article_id: str,
                           file_id: str) -> None:
        uow.update(self.table, {"PK": article_pk(tenant, article_id), "SK": f"FILE#{file_id}"},
                   "SET #s = :s", names={"#s": "state"}, values={":s": "uploaded"},
                   condition="attribute_exists(PK)",
                   error=lambda: Conflict("The file was deleted meanwhile."))

    def delete_file(self, uow: UnitOfWork, tenant: str, article_id: str, file_id: str) -> None:
        uow.delete(self.table, {"PK": article_pk(tenant, article_id), "SK": f"FILE#{file_id}"})

    # --- the published text and the versions ---------------------------------------------
    def get_published(self, tenant: str, article_id: str, consistent: bool = False
                      ) -> Item | None:
        item = get_item(self.table, article_pk(tenant, article_id), PUBLISHED,
                        consistent=consistent)
        return strip_keys(item) if item else None

    def put_published(self, uow: UnitOfWork, tenant: str, published: Item) -> None:
        uow.put(self.table, {"PK": article_pk(tenant, published["id"]), "SK": PUBLISHED,
                             **published})

    def delete_published(self, uow: UnitOfWork, tenant: str, article_id: str) -> None:
        uow.delete(self.table, {"PK": article_pk(tenant, article_id), "SK": PUBLISHED})

    def add_version(self, uow: UnitOfWork, tenant: str, article_id: str,
                    version: Item) -> None:
        uow.create(self.table, {"PK": article_pk(tenant, article_id),
                                "SK": _version_sk(version["number"]), **version},
                   lambda: Conflict("That version was just made; reload the article."))

    def get_version(self, tenant: str, article_id: str, number: int) -> Item | None:
        item = get_item(self.table, article_pk(tenant, article_id), _version_sk(number))
        return strip_keys(item) if item else None

    def versions(self, tenant: str, article_id: str, limit: int,
                 start_key: dict[str, Any] | None) -> Page:
        page = query(self.table, "PK = :pk AND begins_with(SK, :sk)",
                     {":pk": article_pk(tenant, article_id), ":sk": "VERSION#"},
                     limit=limit, start_key=start_key, newest_first=True)
        return Page([strip_keys(i) for i in page.items], page.last_key)
