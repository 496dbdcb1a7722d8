"""Help center use cases (issue 17, items 1-4 and 8): categories, articles and their
writing, publishing into numbered versions, the diff between two versions and restoring
one, scheduled publishing and takedown (the sweep), and reading as the public, a portal
user or staff.

Staff with ``help.write`` write and read every article through ``/articles``; publishing
(and anything that changes what readers see at once: the audience, a takedown) needs
``help.publish``. Readers go through ``read_*``: each gets only the published text of an
article whose audience includes them, and anything else is the same 404 as an article that
does not exist (an id, a slug, another tenant's slug).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import help as rules
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.help import (
    Article,
    ArticleCreate,
    ArticlePatch,
    ArticleVersion,
    Category,
    CategoryCreate,
    CategoryPatch,
    PublishCommand,
    Reader,
)
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets.shared import repo as tickets
from chalicelib.services.writes import check_version, commit_versioned, refuse_nulls
from chalicelib.store import help_index
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.help import ARTICLE_KIND, HelpRepository
from chalicelib.store.schedule import delete_timer, sync_timers

# Articles a category page lists (the home page shows the first few of each category).
CATEGORY_PAGE_ARTICLES = 200
HOME_ARTICLES_PER_CATEGORY = 10
MOST_READ = 5  # a category page's "most read" list


def repo() -> HelpRepository:
    return HelpRepository(get_config().help_table)


def _not_found(what: str = "article") -> NotFound:
    return NotFound(f"No such {what}.")


# --- the search index (items 5-7 of issue 17, store/help_index.py) ------------------------


def _index(uow: UnitOfWork, tenant: str, article: Item) -> None:
    """The one place the published article reaches the search index, in the transaction
    that publishes it (or changes its audience). ``article``: ``id, visibility,
    organization_ids, category_ids, translations {lang: {title, slug, body_md}}``."""
    help_index.index_article(uow, tenant, article)


def _unindex(uow: UnitOfWork, tenant: str, article_id: str) -> None:
    """The article leaves the search index with its takedown."""
    help_index.unindex_article(uow, tenant, article_id)


# --- categories ---------------------------------------------------------------------------


def _category(ctx: Ctx, category_id: str) -> Category:
    item = repo().get_category(ctx.tenant, category_id)
    if item is None:
        raise _not_found("category")
    return Category.model_validate(item)


def _translations(model: Any) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = model.model_dump(mode="json", exclude_none=True)
    return data


def list_categories(ctx: Ctx) -> list[Category]:
    return [Category.model_validate(i) for i in repo().categories(ctx.tenant)]


def create_category(ctx: Ctx, command: CategoryCreate) -> Category:
    translations = _translations(command.translations)
    category = Category(id=ctx.new_id(), translations=translations, order=command.order,
                        icon=command.icon, created_at=ctx.stamp, updated_at=ctx.stamp)
    uow = UnitOfWork()
    for lang, slug in rules.slugs_of(translations).items():
        repo().claim_category_slug(uow, ctx.tenant, lang, slug, category.id)
    repo().put_category(uow, ctx.tenant, category.model_dump(mode="json"), None)
    uow.commit()
    return category


def patch_category(ctx: Ctx, category_id: str, patch: CategoryPatch) -> Category:
    current = _category(ctx, category_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    refuse_nulls(changes, ("translations", "order"))
    if patch.translations is not None:
        changes["translations"] = _translations(patch.translations)
    category = Category.model_validate(current.model_dump(mode="json") | changes | {
        "version": current.version + 1, "updated_at": ctx.stamp})
    uow = UnitOfWork()
    before = rules.slugs_of(current.translations)
    for lang, slug in rules.slugs_of(category.translations).items():
        if before.get(lang) != slug:
            repo().claim_category_slug(uow, ctx.tenant, lang, slug, category.id)
    repo().put_category(uow, ctx.tenant, category.model_dump(mode="json"), current.version)
    commit_versioned(ctx, uow)
    return category


# --- articles: writing --------------------------------------------------------------------


def _article(ctx: Ctx, article_id: str, consistent: bool = False) -> Article:
    item = repo().get_article(ctx.tenant, article_id, consistent=consistent)
    if item is None:
        raise _not_found()
    return Article.model_validate(item)


def _check_categories(ctx: Ctx, category_ids: list[str]) -> None:
    errors = ErrorList()
    for n, category_id in enumerate(category_ids):
        if repo().get_category(ctx.tenant, category_id) is None:
            errors.add(("body", "category_ids", n), f"no such category: {category_id}")
    errors.raise_if_any()


def _check_organizations(ctx: Ctx, organization_ids: list[str]) -> None:
    errors = ErrorList()
    for n, org_id in enumerate(organization_ids):
        if directory().get_organization(ctx.tenant, org_id) is None:
            errors.add(("body", "organization_ids", n), f"no such organization: {org_id}")
    errors.raise_if_any()


def _check_schedule(article: Article) -> None:
    """Scheduling needs an audience to publish to, and times in order."""
    if article.publish_at and article.visibility == "draft":
        raise InvalidInput("Choose who reads the article before scheduling it.", [FieldError(
            ("body", "publish_at"), "set visibility to internal, customers or public first",
            "needs_visibility")])
    if article.publish_at and article.unpublish_at and article.unpublish_at <= article.publish_at:
        raise InvalidInput("The article would be taken down before it is published.", [
            FieldError(("body", "unpublish_at"), "must come after publish_at")])


def _claimed(article: Article) -> set[tuple[str, str]]:
    return {(lang, slug) for lang, slug in rules.slugs_of(article.translations).items()}


def _claim_new_slugs(uow: UnitOfWork, ctx: Ctx, article: Article,
                     before: set[tuple[str, str]]) -> None:
    for lang, slug in sorted(_claimed(article) - before):
        repo().claim_article_slug(uow, ctx.tenant, lang, slug, article.id)


def _timers(article: Article) -> dict[str, str]:
    timers = {}
    if article.publish_at:
        timers[rules.TIMER_PUBLISH] = article.publish_at
    if article.unpublish_at and (article.published_version or article.publish_at):
        timers[rules.TIMER_UNPUBLISH] = article.unpublish_at
    return timers


def _sync_timers(uow: UnitOfWork, ctx: Ctx, before: Article | None, after: Article) -> None:
    sync_timers(uow, repo().table, ctx.tenant, ARTICLE_KIND, after.id,
                _timers(before) if before else {}, _timers(after))


def _needs_publish_right(ctx: Ctx) -> None:
    if not ctx.principal.can(Permission.HELP_PUBLISH):
        raise Forbidden("This needs the permission help.publish.")


def create_article(ctx: Ctx, command: ArticleCreate) -> Article:
    _check_categories(ctx, command.category_ids)
    _check_organizations(ctx, command.organization_ids)
    data = rules.schedule_fields(command.model_dump(mode="json", exclude={"translations"}))
    if command.publish_at:
        _needs_publish_right(ctx)
    article = Article(id=ctx.new_id(), translations=_translations(command.translations),
                      **data, created_at=ctx.stamp, created_by=ctx.principal.user_id,
                      updated_at=ctx.stamp)
    _check_schedule(article)
    uow = UnitOfWork()
    _claim_new_slugs(uow, ctx, article, set())
    repo().put_article(uow, ctx.tenant, article.model_dump(mode="json"), None)
    _sync_timers(uow, ctx, None, article)
    uow.commit()
    return article


# What readers see at once when changed on a published article (the text waits for a publish).
AUDIENCE_FIELDS = ("visibility", "organization_ids", "category_ids", "order")


def patch_article(ctx: Ctx, article_id: str, patch: ArticlePatch) -> Article:
    current = _article(ctx, article_id)
    check_version(ctx, current.version)
    changes = rules.schedule_fields(patch.model_dump(mode="json", exclude_unset=True))
    refuse_nulls(changes, ("translations", "visibility", "organization_ids", "category_ids",
                           "order"))
    if patch.translations is not None:
        changes["translations"] = _translations(patch.translations)
    if "category_ids" in changes:
        _check_categories(ctx, changes["category_ids"])
    if "organization_ids" in changes:
        _check_organizations(ctx, changes["organization_ids"])
    article = Article.model_validate(current.model_dump(mode="json") | changes | {
        "version": current.version + 1, "updated_at": ctx.stamp})
    live = current.published_version is not None
    audience_changed = any(getattr(article, f) != getattr(current, f) for f in AUDIENCE_FIELDS)
    schedule_changed = (article.publish_at, article.unpublish_at) != (
        current.publish_at, current.unpublish_at)
    if (live and audience_changed) or schedule_changed:
        _needs_publish_right(ctx)
    _check_schedule(article)
    uow = UnitOfWork()
    _claim_new_slugs(uow, ctx, article, _claimed(current))
    if live and article.visibility == "draft":
        article = _take_down(uow, ctx, article)
    elif live and audience_changed:
        published = repo().get_published(ctx.tenant, article.id, consistent=True)
        if published is not None:
            _write_published(uow, ctx, article, published, published)
    repo().put_article(uow, ctx.tenant, article.model_dump(mode="json"), current.version)
    _sync_timers(uow, ctx, current, article)
    commit_versioned(ctx, uow)
    return article


def get_article(ctx: Ctx, article_id: str) -> Article:
    return _article(ctx, article_id)


FIGURES = ("views", "helpful", "not_helpful", "tickets_avoided")


def list_articles(ctx: Ctx, limit: int, start: dict[str, Any] | None) -> Page:
    """A page of articles, each with its figures (views, votes, tickets avoided) from one
    BatchGetItem of the page's counters (a never published article has none)."""
    page = repo().articles(ctx.tenant, limit, start)
    ids = [item["id"] for item in page.items]
    counters = {a: s.counters for a, s in help_index.states(ctx.tenant, ids).items()
                } if ids else {}
    items = [item | {"figures": {k: counters[item["id"]].get(k, 0) for k in FIGURES}
                     if item["id"] in counters else None} for item in page.items]
    return Page(items, page.last_key)


# --- publishing ---------------------------------------------------------------------------


def _link_targets(ctx: Ctx, article: Article) -> dict[str, rules.LinkTargets]:
    """Per language, every ``[[slug]]`` and ``[[ticket:<id>]]`` of its text resolved, or
    one 400 naming each unknown one. Each distinct target is read once."""
    by_language: dict[str, rules.LinkTargets] = {}
    errors = ErrorList()
    seen = _SeenTargets()
    for lang, text in article.translations.items():
        where = ("body", "translations", lang, "body_md")
        targets, problems = _resolve_links(ctx, text.get("body_md", ""), lang, seen)
        by_language[lang] = targets
        for problem in problems:
            errors.add(where, problem)
    errors.raise_if_any("The article links to what does not exist.")
    return by_language


class _SeenTargets:
    """The link targets read so far in one request: each is read once."""

    def __init__(self) -> None:
        self.articles: dict[str, str | None] = {}
        self.ticket_types: dict[str, Item | None] = {}


def _resolve_links(ctx: Ctx, body: str, lang: str, seen: _SeenTargets
                   ) -> tuple[rules.LinkTargets, list[str]]:
    """The targets of one text's links that exist, and a message per one that does not
    (or one message when the text has too many links to check)."""
    links = rules.find_links(body)
    targets = rules.LinkTargets()
    if len(set(links.slugs)) + len(set(links.ticket_types)) > rules.MAX_LINKS:
        return targets, [f"at most {rules.MAX_LINKS} links to articles and ticket types"]
    problems = []
    for slug in dict.fromkeys(links.slugs):
        if slug not in seen.articles:
            seen.articles[slug] = _article_of_slug(ctx.tenant, slug, lang)
        if seen.articles[slug] is None:
            problems.append(f"[[{slug}]] names no article of this help center")
        else:
            targets.articles[slug] = rules.LinkTarget(
                rules.article_href(ctx.tenant, slug, lang), slug)
    for type_id in dict.fromkeys(links.ticket_types):
        if type_id not in seen.ticket_types:
            seen.ticket_types[type_id] = tickets().get_type(ctx.tenant, type_id)
        ticket_type = seen.ticket_types[type_id]
        if ticket_type is None:
            problems.append(f"[[ticket:{type_id}]] names no ticket type")
        else:
            targets.ticket_types[type_id] = _ticket_button(type_id, ticket_type, lang)
    return targets, problems


def preview(ctx: Ctx, command: rules.PreviewCommand) -> rules.Preview:
    """The HTML a text would publish as, saving nothing: a link that would stop a publish
    is named in ``problems`` and shown as its plain text."""
    targets, problems = _resolve_links(ctx, command.body_md, command.lang, _SeenTargets())
    return rules.Preview(lang=command.lang, problems=problems,
                         html=rules.render(command.body_md, command.lang, targets))


def _ticket_button(type_id: str, ticket_type: Item | None, lang: str) -> rules.LinkTarget:
    """A button to the portal's new-ticket form with the type chosen, named after it."""
    names = (ticket_type or {}).get("name") or {}
    label = names.get(lang) or next((names[x] for x in rules.LANGUAGES if names.get(x)),
                                    type_id)
    return rules.LinkTarget(rules.ticket_form_href(type_id), str(label))


def _article_of_slug(tenant: str, slug: str, lang: str) -> str | None:
    """The article of ``slug`` in ``lang``, else in another language (at most three
    reads)."""
    for candidate in _languages_from(lang):
        found = repo().article_of_slug(tenant, candidate, slug)
        if found:
            return found
    return None


def _summary(article: Article) -> Item:
    """A category list's entry of a published article."""
    return {"id": article.id, "visibility": article.visibility,
            "organization_ids": article.organization_ids,
            "titles": {lang: {"title": text["title"], "slug": text["slug"]}
                       for lang, text in article.translations.items()}}


def _write_published(uow: UnitOfWork, ctx: Ctx, article: Article, published: Item,
                     previous: Item | None) -> None:
    """The published text with the article's audience, the category lists it is in and the
    search index, replacing ``previous`` (the published text before, if any)."""
    published = published | {"visibility": article.visibility,
                             "organization_ids": article.organization_ids,
                             "category_ids": article.category_ids, "order": article.order}
    repo().put_published(uow, ctx.tenant, published)
    shown = Article.model_validate(article.model_dump() | {
        "translations": {lang: {"title": text["title"], "slug": text["slug"]}
                         for lang, text in published["translations"].items()}})
    before = {(c, int(previous.get("order", 0))) for c in previous.get("category_ids", [])
              } if previous else set()
    after = {(c, article.order) for c in article.category_ids}
    for category_id, order in sorted(before - after):
        repo().delete_member(uow, ctx.tenant, category_id, order, article.id)
    for category_id, order in sorted(after):
        repo().put_member(uow, ctx.tenant, category_id, order, _summary(shown))
    _index(uow, ctx.tenant, {
        "id": article.id, "visibility": article.visibility,
        "organization_ids": article.organization_ids, "category_ids": article.category_ids,
        "translations": {lang: {k: text[k] for k in ("title", "slug", "body_md")}
                         for lang, text in published["translations"].items()}})


def _take_down(uow: UnitOfWork, ctx: Ctx, article: Article) -> Article:
    """Readers no longer see the article; its versions stay."""
    previous = repo().get_published(ctx.tenant, article.id, consistent=True) or {}
    repo().delete_published(uow, ctx.tenant, article.id)
    for category_id in previous.get("category_ids", []):
        repo().delete_member(uow, ctx.tenant, category_id, int(previous.get("order", 0)),
                             article.id)
    _unindex(uow, ctx.tenant, article.id)
    return article.model_copy(update={"visibility": "draft", "published_version": None,
                                      "published_at": None, "unpublish_at": None})


def publish_article(ctx: Ctx, article_id: str, command: PublishCommand | None) -> Article:
    current = _article(ctx, article_id)
    check_version(ctx, current.version)
    article = _publish(ctx, current, command.visibility if command else None)
    return article


def _publish(ctx: Ctx, current: Article, visibility: str | None) -> Article:
    """The working text becomes the next version and the one readers see."""
    audience = visibility or current.visibility
    if audience == "draft":
        raise BusinessRuleViolation("Choose who reads the article.", [FieldError(
            ("body", "visibility"), "internal, customers or public", "needs_visibility")])
    targets = _link_targets(ctx, current)
    shown_files, unconfirmed = _shown_files(ctx, current)
    number = current.latest_version + 1
    article = current.model_copy(update={
        "visibility": audience, "published_version": number, "published_at": ctx.stamp,
        "latest_version": number, "publish_at": None, "version": current.version + 1,
        "updated_at": ctx.stamp})
    version = ArticleVersion(number=number, author=ctx.principal.user_id,
                             author_name=ctx.principal.record.get("name"), at=ctx.stamp,
                             translations=current.translations, visibility=audience)
    published = {
        "id": article.id, "version": number, "updated_at": ctx.stamp, "files": shown_files,
        "translations": {lang: {**text, "html": rules.render(text.get("body_md", ""), lang,
                                                              targets[lang])}
                         for lang, text in current.translations.items()}}
    uow = UnitOfWork()
    repo().add_version(uow, ctx.tenant, article.id, version.model_dump(mode="json"))
    previous = repo().get_published(ctx.tenant, article.id, consistent=True)
    _write_published(uow, ctx, article, published, previous)
    for file_id in unconfirmed:
        repo().mark_file_uploaded(uow, ctx.tenant, article.id, file_id)
    repo().put_article(uow, ctx.tenant, article.model_dump(mode="json"), current.version)
    _sync_timers(uow, ctx, current, article)
    commit_versioned(ctx, uow)
    return article


def _shown_files(ctx: Ctx, article: Article) -> tuple[list[str], list[str]]:
    """The article's own files its text shows (the only ones readers may fetch), and those
    of them whose upload is confirmed only now (marked uploaded by the publish); or one 400
    naming each file that is not there, not uploaded whole, or shown as an image when it is
    not one. All the article's files are one Query."""
    uses = {lang: rules.find_files(text.get("body_md", ""))
            for lang, text in article.translations.items()}
    shown = list(dict.fromkeys(fid for use in uses.values() for fid in use.ids()))
    if not shown:
        return [], []
    stored = {f["id"]: f for f in repo().files(ctx.tenant, article.id, rules.MAX_FILES)}
    errors, unconfirmed = ErrorList(), []
    for lang, use in uses.items():
        where = ("body", "translations", lang, "body_md")
        for file_id in use.ids():
            file = stored.get(file_id)
            if file is None:
                errors.add(where, f"attachment:{file_id} is no file of this article")
            elif file_id in use.images and file["content_type"] not in rules.IMAGE_TYPES:
                errors.add(where, f"{file['filename']} is not an image to show; link it: "
                                  f"[{file['filename']}](attachment:{file_id})")
            elif file.get("state") != "uploaded" and file_id not in unconfirmed:
                try:
                    files.confirm_upload(file["key"], file["size"])
                    unconfirmed.append(file_id)
                except Conflict as problem:
                    errors.add(where, f"{file['filename']}: {problem.detail}")
    errors.raise_if_any("The article shows files that are not there.")
    return shown, unconfirmed


# --- images and files ----------------------------------------------------------------------


def create_file(ctx: Ctx, article_id: str, command: rules.ArticleFileCreate
                ) -> dict[str, Any]:
    """A presigned S3 POST for an image or file of the article (the tenant's types and
    size apply), and the Markdown that shows it."""
    _article(ctx, article_id)
    errors = ErrorList()
    files.check_file(get_settings(ctx), command.content_type, command.size, errors)
    if len(repo().files(ctx.tenant, article_id, rules.MAX_FILES)) >= rules.MAX_FILES:
        errors.add(("body",), f"an article has at most {rules.MAX_FILES} images and files")
    errors.raise_if_any()
    record = files.announce(ctx, f"help/{article_id}", command.filename, command.content_type,
                            command.size, article_id=article_id)
    record["markdown"] = rules.file_markdown(record["id"], record["filename"],
                                             command.content_type)
    uow = UnitOfWork()
    repo().put_file(uow, ctx.tenant, record)
    uow.commit()
    return files.upload(record, ctx.now)


def list_files(ctx: Ctx, article_id: str) -> list[rules.ArticleFile]:
    _article(ctx, article_id)
    return [rules.ArticleFile.model_validate(f)
            for f in repo().files(ctx.tenant, article_id, rules.MAX_FILES)]


def _file(ctx: Ctx, article_id: str, file_id: str) -> Item:
    _article(ctx, article_id)
    file = repo().get_file(ctx.tenant, article_id, file_id)
    if file is None:
        raise _not_found("file")
    return file


def file_link(ctx: Ctx, article_id: str, file_id: str) -> dict[str, Any]:
    """Staff: a short-lived address of any file of the article (drafts' too)."""
    file = _file(ctx, article_id, file_id)
    return files.link_confirming(
        file, lambda uow: repo().mark_file_uploaded(uow, ctx.tenant, article_id, file_id),
        ctx.now)


def delete_file(ctx: Ctx, article_id: str, file_id: str) -> None:
    """A file the published text shows stays until a publish without it."""
    file = _file(ctx, article_id, file_id)
    published = repo().get_published(ctx.tenant, article_id, consistent=True) or {}
    if file_id in published.get("files", []):
        raise Conflict("The published article shows this file; publish it without the file "
                       "first.")
    uow = UnitOfWork()
    repo().delete_file(uow, ctx.tenant, article_id, file_id)
    uow.commit()
    files.delete_object(file["key"])


def read_file(tenant: str, reader: Reader, slug: str, file_id: str, lang: str | None
              ) -> dict[str, Any]:
    """A reader's short-lived address of a file the published article shows (never one it
    does not, though it is the article's: a draft's image stays private)."""
    published = _readable_of_slug(tenant, reader, slug, lang or _default_language(tenant))
    file = repo().get_file(tenant, published["id"], file_id) if file_id in published.get(
        "files", []) else None
    if file is None:
        raise _not_found("file")
    return {**files.download_link(file["key"], file["filename"], file["content_type"],
                                  datetime.now(UTC)),
            "filename": file["filename"], "content_type": file["content_type"]}


# --- versions -----------------------------------------------------------------------------


def list_versions(ctx: Ctx, article_id: str, limit: int, start: dict[str, Any] | None
                  ) -> Page:
    _article(ctx, article_id)
    return repo().versions(ctx.tenant, article_id, limit, start)


def _version(ctx: Ctx, article_id: str, number: int, where: str = "path") -> ArticleVersion:
    item = repo().get_version(ctx.tenant, article_id, number)
    if item is None:
        raise _not_found("version")
    return ArticleVersion.model_validate(item)


def get_version(ctx: Ctx, article_id: str, number: int, against: int | None
                ) -> dict[str, Any]:
    """Version ``number``, and with ``against`` the line diff from that version to it."""
    _article(ctx, article_id)
    version = _version(ctx, article_id, number)
    answer: dict[str, Any] = version.model_dump(mode="json")
    if against is not None:
        older = repo().get_version(ctx.tenant, article_id, against)
        if older is None:
            raise InvalidInput("There is no such version to compare with.", [FieldError(
                ("query", "against"), f"no version {against}", "not_found")])
        diff = rules.diff_versions(older["translations"], version.translations)
        answer["against"] = against
        answer["diff"] = [d.model_dump(mode="json") for d in diff]
    return answer


def restore_version(ctx: Ctx, article_id: str, number: int) -> Article:
    """Version ``number``'s text becomes the working text (the next publish makes it a new
    version); what readers see does not change until then."""
    current = _article(ctx, article_id)
    check_version(ctx, current.version)
    version = _version(ctx, article_id, number)
    article = current.model_copy(update={"translations": version.translations,
                                         "version": current.version + 1,
                                         "updated_at": ctx.stamp})
    uow = UnitOfWork()
    _claim_new_slugs(uow, ctx, article, _claimed(current))
    repo().put_article(uow, ctx.tenant, article.model_dump(mode="json"), current.version)
    commit_versioned(ctx, uow)
    return article


# --- scheduled publishing and takedown (the sweep) ----------------------------------------


def run_timer(timer: Item, now: datetime) -> str:
    """A due ``help_publish`` or ``help_unpublish``: done on the article's version, so a
    second sweep at once loses the race and does nothing. A timer whose moment moved or
    passed with nothing to do is removed."""
    tenant, article_id, kind = str(timer["tenant"]), str(timer["parent_id"]), str(timer["kind"])
    ctx = Ctx(system_principal(tenant), now)
    item = repo().get_article(tenant, article_id, consistent=True)
    stamp = utc_iso(now)
    if item is None:
        uow = UnitOfWork()
        delete_timer(uow, repo().table, tenant, ARTICLE_KIND, article_id, kind)
        uow.commit()
        return "gone"
    article = Article.model_validate(item)
    if kind == rules.TIMER_PUBLISH and article.publish_at and article.publish_at <= stamp:
        try:
            _publish(ctx, article, None)
        except (InvalidInput, BusinessRuleViolation):
            # A link that went away since it was scheduled: it stays unpublished, and the
            # writers see why when they publish by hand.
            _clear_schedule(ctx, article, "publish_at")
            return "refused"
        return "published"
    if (kind == rules.TIMER_UNPUBLISH and article.unpublish_at
            and article.unpublish_at <= stamp and article.published_version is not None):
        uow = UnitOfWork()
        after = _take_down(uow, ctx, article).model_copy(update={
            "version": article.version + 1, "updated_at": ctx.stamp})
        repo().put_article(uow, tenant, after.model_dump(mode="json"), article.version)
        _sync_timers(uow, ctx, article, after)
        uow.commit()
        return "unpublished"
    uow = UnitOfWork()
    sync_timers(uow, repo().table, tenant, ARTICLE_KIND, article_id,
                {kind: str(timer["due_at"])}, _timers(article))
    uow.commit()
    return "nothing_due"


def _clear_schedule(ctx: Ctx, article: Article, field: str) -> None:
    after = article.model_copy(update={field: None, "version": article.version + 1,
                                       "updated_at": ctx.stamp})
    uow = UnitOfWork()
    repo().put_article(uow, ctx.tenant, after.model_dump(mode="json"), article.version)
    _sync_timers(uow, ctx, article, after)
    uow.commit()


# --- reading ------------------------------------------------------------------------------


def reader_of(ctx: Ctx | None, tenant: str) -> Reader:
    """A signed-in caller reads as themselves in their own tenant, as anyone elsewhere."""
    if ctx is None or ctx.tenant != tenant:
        return rules.ANONYMOUS
    if ctx.principal.is_staff:
        return Reader("staff")
    return Reader("contact", ctx.principal.organization_id)


def _default_language(tenant: str) -> str:
    """The tenant's default language; an unknown tenant has no help center (404)."""
    settings = directory().get_settings(tenant)
    if settings is None:
        raise _not_found("help center")
    return str(settings.get("default_language") or "sv")


def read_contact(tenant: str, lang: str | None) -> dict[str, Any]:
    """Public: how to reach support (the tenant's support lines, each label in ``lang`` or
    the default language, and its support hours): nothing else of the settings."""
    settings = directory().get_settings(tenant)
    if settings is None:
        raise _not_found("help center")
    default = str(settings.get("default_language") or "sv")
    wanted = lang or default
    phones = []
    for phone in settings.get("support_phones") or []:
        labels = phone.get("label") or {}
        label = labels.get(wanted) or labels.get(default) or next(iter(labels.values()), "")
        phones.append({"label": label, "number": phone["number"]})
    hours = settings.get("support_hours") or {}
    return {"phones": phones, "hours": {key: hours.get(key) for key in (
        "weekdays", "start", "end", "timezone")}, "lang": wanted}


def read_article(tenant: str, reader: Reader, slug: str, lang: str | None
                 ) -> rules.PublishedArticle:
    default = _default_language(tenant)
    published = _readable_of_slug(tenant, reader, slug, lang or default)
    translations = published["translations"]
    shown, fallback = rules.pick_language(rules.languages_of(translations), lang, default)
    text = translations[shown]
    return rules.PublishedArticle(
        id=published["id"], title=text["title"], slug=text["slug"], html=text["html"],
        lang=shown, fallback=fallback, version=int(published["version"]),
        updated_at=published["updated_at"], category_ids=published.get("category_ids", []),
        visibility=published["visibility"])


def _readable_of_slug(tenant: str, reader: Reader, slug: str, lang: str) -> Item:
    """The published article of ``slug`` that ``reader`` may read: the slug in ``lang``
    first, then in the other languages (the same word may be two articles' slugs in two
    languages). At most three claims and three published texts are read."""
    for candidate in _languages_from(lang):
        article_id = repo().article_of_slug(tenant, candidate, slug)
        published = repo().get_published(tenant, article_id) if article_id else None
        if published is not None and rules.may_read(reader, published["visibility"],
                                                    published.get("organization_ids", [])):
            return published
    raise _not_found()


def _languages_from(lang: str) -> list[str]:
    return [lang, *(x for x in rules.LANGUAGES if x != lang)]


def _shown_category(category: Category, lang: str | None, default: str) -> dict[str, Any]:
    shown, fallback = rules.pick_language(rules.languages_of(category.translations), lang,
                                          default)
    text = category.translations[shown]
    return {"id": category.id, "name": text["name"], "description": text.get("description", ""),
            "slug": text["slug"], "icon": category.icon, "order": category.order,
            "lang": shown, "fallback": fallback}


def _shown_members(tenant: str, reader: Reader, category_id: str, lang: str | None,
                   default: str, limit: int) -> list[dict[str, Any]]:
    found = []
    for member in repo().members(tenant, category_id, reader.kind == "anonymous", limit):
        if not rules.may_read(reader, member["visibility"], member.get("organization_ids", [])):
            continue
        titles = member["titles"]
        shown, fallback = rules.pick_language(rules.languages_of(titles), lang, default)
        found.append({"id": member["id"], "title": titles[shown]["title"],
                      "slug": titles[shown]["slug"], "lang": shown, "fallback": fallback})
    return found


def read_categories(tenant: str, reader: Reader, lang: str | None) -> list[dict[str, Any]]:
    """The categories in order, each with its first articles the reader may read: one
    Query for the categories and one per category (at most 100)."""
    default = _default_language(tenant)
    return [_shown_category(category, lang, default) | {
        "articles": _shown_members(tenant, reader, category.id, lang, default,
                                   HOME_ARTICLES_PER_CATEGORY)}
        for category in map(Category.model_validate, repo().categories(tenant))]


def read_category(tenant: str, reader: Reader, slug: str, lang: str | None
                  ) -> dict[str, Any]:
    default = _default_language(tenant)
    category_id = None
    for candidate in _languages_from(lang or default):
        category_id = repo().category_of_slug(tenant, candidate, slug)
        if category_id:
            break
    item = repo().get_category(tenant, category_id) if category_id else None
    if item is None:
        raise _not_found("category")
    category = Category.model_validate(item)
    articles = _shown_members(tenant, reader, category.id, lang, default,
                              CATEGORY_PAGE_ARTICLES)
    return _shown_category(category, lang, default) | {
        "articles": articles, "most_read": _most_read(tenant, articles)}


def _most_read(tenant: str, articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The category's most read articles (of the first 100 the reader sees; one
    BatchGetItem of their counters), those read at least once."""
    if not articles:
        return []
    views = {a: s.counters["views"] for a, s in help_index.states(
        tenant, [a["id"] for a in articles[:100]]).items()}
    read = [a for a in articles[:100] if views.get(a["id"], 0) > 0]
    read.sort(key=lambda a: -views[a["id"]])
    return [a | {"views": views[a["id"]]} for a in read[:MOST_READ]]
