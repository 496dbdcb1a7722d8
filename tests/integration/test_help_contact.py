"""The help center's contact block (issue 17, item 8): the tenant's support lines and hours
are public (``GET /help/{tenant}/contact``), each label in the reader's language, and nothing
else of the settings; admins set them with the settings."""

from __future__ import annotations

from typing import Any

from tests.integration.api_client import Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, _ = emails(TENANT)

LINES = [{"label": {"sv": "Bokföring", "fi": "Kirjanpito"}, "number": "+46 8 433 32 02"}]


def _settings_with(api: Api, phones: list[dict[str, Any]]) -> Any:
    current = api.call("GET", "/settings", as_user=ADMIN).body
    body = {key: value for key, value in current.items()
            if key not in ("tenant", "updated_at", "version", "email_address_status")}
    return api.call("PUT", "/settings", {**body, "support_phones": phones}, as_user=ADMIN)


def test_support_lines_and_hours_are_public_in_the_readers_language(api: Api) -> None:
    saved = _settings_with(api, LINES)
    assert saved.status == 200, saved.body
    finnish = api.call("GET", f"/help/{TENANT}/contact?lang=fi")
    assert finnish.status == 200, finnish.body
    assert finnish.body["phones"] == [{"label": "Kirjanpito", "number": "+46 8 433 32 02"}]
    assert finnish.body["hours"]["start"] == "08:00" and finnish.body["hours"]["weekdays"]
    english = api.call("GET", f"/help/{TENANT}/contact?lang=en").body
    assert english["phones"][0]["label"] == "Bokföring"  # the tenant's default language
    assert set(english) == {"phones", "hours", "lang"}  # nothing else of the settings
    assert api.call("GET", f"/help/{OTHER_TENANT}/contact").body["phones"] == []
    assert api.call("GET", "/help/no-such-tenant/contact").status == 404


def test_a_support_line_is_checked_like_every_setting(api: Api) -> None:
    wrong = _settings_with(api, [{"label": {}, "number": "call us"}])
    assert wrong.status == 400
    assert {tuple(e["loc"][-2:]) for e in wrong.body["errors"]} >= {(0, "label"), (0, "number")}
    assert _settings_with(api, LINES).status == 200
