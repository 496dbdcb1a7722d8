"""The demo help center (issue 17, item 10): ``seed_demo_help`` publishes the seeds' topics in
sv, fi and en, once, and anyone reads them without a token."""

from __future__ import annotations

import re
from typing import Any

import requests

from local.demo_help_content import ARTICLES, BUTTON_ALT, CATEGORIES, buttons_png, seed_demo_help
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
    # The approval article shows the mail's buttons as its own image, in each language.
    for lang, slug in (("sv", "godkanna-arende"), ("fi", "tukipyynnon-hyvaksyminen"),
                       ("en", "approve-a-ticket")):
        html = api.call("GET", f"/help/{TENANT}/articles/{slug}?lang={lang}").body["html"]
        found = re.search(r'<img data-help-file="(\w+)" alt="([^"]+)">', html)
        assert found and found.group(2) == BUTTON_ALT[lang], html
        link = api.call("GET", f"/help/{TENANT}/articles/{slug}/files/{found.group(1)}")
        assert link.status == 200 and link.body["content_type"] == "image/png"
        image = requests.get(link.body["url"], timeout=10)
        assert image.content.startswith(b"\x89PNG") and image.content == buttons_png(lang)
