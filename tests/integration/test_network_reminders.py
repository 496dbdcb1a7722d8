"""Networks' reminders through the lifecycle sweep (``/_local/tick``): a published
certification 30 days before it runs out, renewal 60, 30 and 7 days before the expiry (each
once, missed ones together), the expiry itself (the supplier leaves the buyers' search). A
module of its own: its ticks far ahead expire every subscription of its tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.networks_world import (
    QUESTIONNAIRE,
    mails_about,
    make_org,
    make_portal_user,
)
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, _ = TENANTS
ADMIN, _, _ = emails(TENANT)


def _network(api: Api) -> dict[str, Any]:
    network = api.call("POST", "/networks", {
        "name": {"sv": "Byggnätverket"}, "sector": "construction", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 4900}],
        "code_list": [{"code": "45.2", "name": {"en": "Code 45.2"}}],
        "questionnaire": QUESTIONNAIRE}, as_user=ADMIN)
    assert network.status == 201, network.body
    return dict(network.body)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    return {"network": _network(api)}


def test_reminders_come_once_each_from_the_sweep(
        api: Api, world: dict[str, Any], runner: EventRunner, mail: LocalOutbox) -> None:
    org = make_org(api, ADMIN, "Påminnelse AB", "supplier")
    email = f"reminded@{TENANT}.test"
    make_portal_user(api, ADMIN, email, org, "supplier")
    sub = api.call("POST", "/subscriptions", {"network_id": world["network"]["id"],
                                             "product_codes": ["45.2"]}, as_user=email).body
    now = datetime.now(UTC)
    path = f"/subscriptions/{sub['id']}"
    valid_until = (now + timedelta(days=40)).date().isoformat()
    api.call("PUT", f"{path}/questionnaire", {"answers": {
        "codes": ["45.2"], "iso9001": True, "liability": 1_000_000, "certificate": {
            "name": "ISO 9001", "issuer": "DNV", "valid_until": valid_until}}}, as_user=email)
    assert api.call("POST", f"{path}/submit", as_user=email).status == 200
    assert api.call("POST", f"{path}/validate", {"decision": "publish"},
                    as_user=ADMIN).status == 200
    marker = f"[{sub['supplier_id']}]"
    runner.drain()
    before = len(mails_about(mail, marker, email))  # the welcome and the publication

    def told(when: datetime) -> list[str]:
        runner.tick(when)
        return [m["text"] for m in mails_about(mail, marker, email)][before:]

    certification = told(now + timedelta(days=11))
    assert len(certification) == 1 and "ISO 9001" in certification[0]
    expires = datetime.fromisoformat(sub["expires_at"])
    renewal = told(expires - timedelta(days=59))
    assert len(renewal) == 2 and "Dagar kvar: 59" in renewal[1]
    assert told(expires - timedelta(days=59)) == renewal  # the same sweep again: nothing new
    expired = told(expires + timedelta(hours=1))
    assert len(expired) == 4  # the stages missed are not told after the expiry
    # The expiry and the yearly review, told once each.
    assert sum("gått ut" in text for text in expired[2:]) == 1
    assert sum("årliga genomgången" in text for text in expired[2:]) == 1
    assert told(expires + timedelta(hours=2)) == expired
    # It left the buyers' search (its entries go with the expiry).
    found = api.call("GET", f"/suppliers?network_id={world['network']['id']}&q=p%C3%A5minn",
                     as_user=ADMIN).body["items"]
    assert found == []


def test_published_suppliers_are_told_of_new_questions_once(
        api: Api, runner: EventRunner, mail: LocalOutbox) -> None:
    org = make_org(api, ADMIN, "Nya Frågor AB", "supplier")
    email = f"questions@{TENANT}.test"
    make_portal_user(api, ADMIN, email, org, "supplier")
    network = _network(api)["id"]  # its questionnaire grows: a network of its own
    sub = api.call("POST", "/subscriptions", {"network_id": network}, as_user=email).body
    path = f"/subscriptions/{sub['id']}"
    api.call("PUT", f"{path}/questionnaire", {"answers": {
        "codes": ["45.2"], "iso9001": True, "liability": 1}}, as_user=email)
    api.call("POST", f"{path}/submit", as_user=email)
    assert api.call("POST", f"{path}/validate", {"decision": "publish"},
                    as_user=ADMIN).status == 200
    current = api.call("GET", f"/networks/{network}", as_user=ADMIN)
    grown = {"sections": [*QUESTIONNAIRE["sections"], {
        "key": "carbon_footprint", "title": {"sv": "Koldioxidavtryck"}, "questions": [
            {"id": "co2", "type": "number", "title": {"sv": "Utsläpp per år"},
             "required": True}]}]}
    assert api.call("PATCH", f"/networks/{network}", {"questionnaire": grown}, as_user=ADMIN,
                    headers={"If-Match": current.headers["etag"]}).status == 200
    marker = f"[{sub['supplier_id']}]"
    runner.drain()
    before = len(mails_about(mail, marker, email))
    now = datetime.now(UTC)
    runner.tick(now + timedelta(minutes=1))
    runner.tick(now + timedelta(minutes=2))
    told = [m["text"] for m in mails_about(mail, marker, email)][before:]
    assert len(told) == 1 and "nya frågor" in told[0]
    # The new required question is asked from the next submission on.
    api.call("POST", f"{path}/edit-requests", {"reason": "Nya frågor",
                                               "sections": ["carbon_footprint"]}, as_user=email)
    request = api.call("GET", f"{path}/edit-requests", as_user=email).body["items"][0]
    api.call("POST", f"{path}/edit-requests/{request['id']}/decision",
             {"decision": "approve"}, as_user=ADMIN)
    missing = api.call("POST", f"{path}/submit", as_user=email)
    assert missing.status == 400 and missing.body["errors"][0]["loc"][-1] == "co2"
