"""The demo help center (issue 17, item 10): ``seed_demo_help`` publishes the seeds' topics in
sv, fi and en, once, and anyone reads them without a token."""

from __future__ import annotations

from typing import Any

from local.demo_help_content import ARTICLES, CATEGORIES, seed_demo_help
from local.seed import _system
from tests.integration.api_client import Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, _ = TENANTS


def test_the_demo_help_center_is_published_in_three_languages_once(api: Api) -> None:
    seed_demo_help(_system(TENANT))
    seed_demo_help(_system(TENANT))  # a restart adds nothing
    for lang in ("sv", "fi", "en"):
        listed = api.call("GET", f"/help/{TENANT}/categories?lang={lang}")
        assert listed.status == 200, listed.body
        assert len(listed.body["items"]) == len(CATEGORIES)
    for _, _, texts in ARTICLES:
        for lang, (title, slug, _) in texts.items():
            article = api.call("GET", f"/help/{TENANT}/articles/{slug}?lang={lang}")
            assert article.status == 200, (slug, article.body)
            body: dict[str, Any] = article.body
            assert (body["title"], body["lang"], body["fallback"]) == (title, lang, False)
    checklist = api.call("GET", f"/help/{TENANT}/articles/skapa-arende?lang=sv").body
    assert "callout" in checklist["html"] and "#/tickets/new?type=question" in checklist["html"]
